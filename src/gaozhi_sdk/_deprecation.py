"""Deprecation shims, one mechanism for the whole SDK (issue 11).

A renamed or moved method keeps its old name for one release as a shim that warns
(:class:`~gaozhi_sdk.errors.GaozhiDeprecationWarning`, naming the replacement) and then
calls the replacement. The shims are generated from tables — old name → where it went —
so a class lists its moved names once instead of carrying a wrapper per method::

    install_moved(PledgeService, {"accept": "cases.accept"}, owner="svc")
    svc.accept(case_no, clerk)   # warns "svc.accept(...) … use svc.cases.accept(...)"
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

from gaozhi_sdk.errors import GaozhiDeprecationWarning

__all__ = ["install_moved", "moved", "warn_deprecated"]


def warn_deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` will be removed in the next release and ``new`` replaces it.

    ``stacklevel`` 3 attributes the warning to the caller of the function that calls this.
    """
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        GaozhiDeprecationWarning,
        stacklevel=stacklevel,
    )


def moved(old: str, target: str, *, owner: str = "svc", use: str | None = None) -> Any:
    """A method named ``old`` that warns, then calls ``self.<target>`` (a dotted path).

    Args:
        old: the deprecated method name.
        target: where the operation lives now, relative to ``self`` (``"cases.accept"``,
            or a private ``"_load"`` for plumbing made private).
        owner: how the warning names the object (``svc``).
        use: what the warning tells the caller to use instead (default
            ``<owner>.<target>(...)``).
    """
    instead = use or f"{owner}.{target}(...)"

    def shim(self: object, /, *args: Any, **kwargs: Any) -> Any:
        warn_deprecated(f"{owner}.{old}(...)", instead)
        fn: Any = self
        for part in target.split("."):
            fn = getattr(fn, part)
        return fn(*args, **kwargs)

    shim.__name__ = shim.__qualname__ = old
    shim.__doc__ = f"Deprecated (removed in the next release): use {instead}."
    shim.__gaozhi_moved_to__ = target  # type: ignore[attr-defined]
    return shim


def install_moved(
    cls: type,
    table: Mapping[str, str],
    *,
    owner: str = "svc",
    use: Callable[[str, str], str | None] | None = None,
) -> None:
    """Give ``cls`` one :func:`moved` shim per ``old name → target`` of ``table``."""
    for old, target in table.items():
        setattr(cls, old, moved(old, target, owner=owner, use=use(old, target) if use else None))
