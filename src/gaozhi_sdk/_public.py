"""The public boundary (issue 11): which namespaces are public, and re-homing their names.

**Rule.** A name is public if and only if it is listed in the ``__all__`` of one of
:data:`PUBLIC_NAMESPACES` — the top-level ``gaozhi_sdk`` plus the named public
subpackages and pytest-plugin modules. Import it from there (``from gaozhi_sdk.esign
import TrustStore``); the modules behind a namespace (``gaozhi_sdk.esign.trust``) are
implementation and may move, whether or not their names start with ``_``.

Each namespace re-homes its classes and functions (``__module__``), as httpx does, so
reprs, tracebacks and the API reference name ``gaozhi_sdk.esign.TrustStore`` rather than
the module it happens to be defined in. A name keeps the first public home it gets: the
subpackage that defines it, before the top-level namespace re-exports it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping

__all__ = ["PUBLIC_NAMESPACES", "rehome"]

#: Every public namespace (tests/test_public_api.py checks each: a sorted ``__all__``,
#: every name documented in docs/api.rst, every class and function re-homed).
PUBLIC_NAMESPACES: tuple[str, ...] = (
    "gaozhi_sdk",
    "gaozhi_sdk.documents",
    "gaozhi_sdk.error_codes",
    "gaozhi_sdk.errors",
    "gaozhi_sdk.esign",
    "gaozhi_sdk.hookspecs",
    "gaozhi_sdk.models",
    "gaozhi_sdk.rules",
    "gaozhi_sdk.server",
    "gaozhi_sdk.service",
    "gaozhi_sdk.sharing",
    "gaozhi_sdk.store",
    "gaozhi_sdk.testing",
    "gaozhi_sdk.testing.emulator",
    "gaozhi_sdk.testing.plugin",
    "gaozhi_sdk.testing.store_contract",
    "gaozhi_sdk.workflow",
)


def rehome(namespace: str, names: Iterable[str], scope: Mapping[str, object]) -> None:
    """Set ``__module__`` of the classes and functions ``names`` (from ``scope``) to
    ``namespace``, unless they already live in a public namespace."""
    for name in names:
        obj = scope.get(name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        home = getattr(obj, "__module__", None) or ""
        if home in PUBLIC_NAMESPACES or not home.startswith("gaozhi_sdk."):
            continue
        if getattr(obj, "__name__", None) != name:  # an alias (``Field as ViewField``)
            continue
        obj.__module__ = namespace
