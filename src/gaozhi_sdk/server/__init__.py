"""``gaozhi serve``: the pledge lifecycle over HTTP with an OpenAPI contract (DESIGN §10).

Needs the optional extra ``server`` (FastAPI + uvicorn)::

    pip install "gaozhi-sdk[server]"

The core SDK never imports this package; :mod:`gaozhi_sdk.server.config` (the
``service.yaml`` model) needs only pydantic, so a configuration can be checked anywhere.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args: object, **kwargs: object) -> object:
    """Build the ASGI application; see :func:`gaozhi_sdk.server.app.create_app`."""
    from gaozhi_sdk.server.app import create_app as _create

    return _create(*args, **kwargs)  # type: ignore[arg-type]
