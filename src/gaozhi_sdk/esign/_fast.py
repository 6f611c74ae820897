"""Hot-path construction of pydantic models from values the SDK itself produced.

``sign()`` and ``validate()`` build a handful of models per call; pydantic validation
of values we just computed (and ``model_construct``, which is slower still) would cost
more than the signature itself (DESIGN §9 targets). :func:`trusted` fills the four
``BaseModel`` slots directly, exactly as ``model_construct`` does at its end. Callers
pass *every* field; tests compare the results with validated instances.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["trusted"]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` holding ``values`` (all fields, already valid), unvalidated."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
