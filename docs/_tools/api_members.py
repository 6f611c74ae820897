"""Bring the member lists of docs/api.rst in step with the public namespaces' ``__all__``.

``tests/test_public_api.py`` fails when a public name is missing from docs/api.rst. After
adding a name to a namespace's ``__all__``, run ``python docs/_tools/api_members.py``: it
rewrites the ``:members:`` list of each ``.. automodule::`` block (classes and functions
documented under their public home, ``__module__``) and the ``.. autodata::`` entries
after it (constants, type aliases, fixtures); the prose around the blocks is kept. A new
public namespace needs its section written by hand first (heading, one sentence, an empty
``.. automodule::`` block).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import textwrap
from pathlib import Path

from gaozhi_sdk._public import PUBLIC_NAMESPACES

API = Path(__file__).resolve().parents[1] / "api.rst"
#: Classes documented with their own ``.. autoclass::`` block (members shown).
OWN_BLOCK = {
    "gaozhi_sdk.service": {
        "PledgeService",
        "Lists",
        "Cases",
        "Verifications",
        "Credit",
        "Disclosure",
        "Complaints",
        "Signing",
        "Journal",
    }
}


def homes() -> dict[str, list[str]]:
    """Public namespace → the names documented there (each object exactly once)."""
    modules = {ns: importlib.import_module(ns) for ns in PUBLIC_NAMESPACES}
    seen: set[int] = set()
    out: dict[str, list[str]] = {}
    for ns in sorted(PUBLIC_NAMESPACES, key=lambda n: (-n.count("."), n)):
        for name in modules[ns].__all__:
            obj = getattr(modules[ns], name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            home = ns
            if inspect.isclass(obj) or inspect.isfunction(obj):
                home = obj.__module__ if obj.__module__ in PUBLIC_NAMESPACES else ns
            out.setdefault(home, []).append(name)
    for ns, names in out.items():
        order = list(modules[ns].__all__)
        names.sort(key=lambda n: order.index(n) if n in order else len(order))
    return out


def _is_code(obj: object) -> bool:
    return inspect.isclass(obj) or inspect.isfunction(obj)


def block(ns: str, names: list[str]) -> list[str]:
    module = importlib.import_module(ns)
    names = [n for n in names if n not in OWN_BLOCK.get(ns, set())]
    code = [
        n
        for n in names
        if inspect.isclass(getattr(module, n)) or inspect.isfunction(getattr(module, n))
    ]
    data = [n for n in names if n not in code]
    lines = [f".. automodule:: {ns}"]
    if code:
        wrapped = textwrap.wrap(", ".join(code), 88)
        lines += ["   :members: " + wrapped[0], *("      " + w for w in wrapped[1:])]
    lines.append("")
    for n in data:
        lines += [f".. autodata:: {ns}.{n}", "   :no-value:", ""]
    return lines


def rewrite(text: str) -> str:
    by_ns = homes()
    src = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(src):
        m = re.match(r"^\.\. automodule:: (\S+)$", src[i])
        if m and m.group(1) in by_ns and m.group(1) != "gaozhi_sdk.hookspecs":
            ns = m.group(1)
            i += 1
            while i < len(src) and (
                src[i].startswith("   ")
                or not src[i].strip()
                or src[i].startswith(f".. autodata:: {ns}.")
            ):
                i += 1
            out += block(ns, by_ns[ns])
            continue
        out.append(src[i])
        i += 1
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    API.write_text(rewrite(API.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {API}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
