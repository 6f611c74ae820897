"""Every hook is documented (datasette habit): in docs/hooks.md, with summary, arguments,
return value, firstresult behaviour and an example implementation."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from gaozhi_sdk import hookspecs
from gaozhi_sdk.plugins import PluginHost

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOOKS = PluginHost.hook_names()


def test_the_spec_module_has_hooks() -> None:
    assert len(HOOKS) >= 10 and all(h.startswith("gaozhi_") for h in HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_in_the_reference_page(hook: str) -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    assert f".. autofunction:: gaozhi_sdk.hookspecs.{hook}\n" in text, (
        f"{hook} missing from docs/hooks.md"
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_docstring_is_complete(hook: str) -> None:
    func = getattr(hookspecs, hook)
    doc = inspect.getdoc(func) or ""
    assert doc.split("\n", 1)[0].strip(), f"{hook}: no summary line"
    assert "Example::" in doc and "@hookimpl" in doc and f"def {hook}(" in doc, (
        f"{hook}: no example"
    )
    params = [p for p in inspect.signature(func).parameters]
    if params:
        assert "Args:" in doc, f"{hook}: arguments not documented"
        for p in params:
            assert re.search(rf"^\s+{p}:", doc, re.M), f"{hook}: argument {p} not documented"
    assert "Returns:" in doc, f"{hook}: return value not documented"
    opts = getattr(func, "gaozhi_sdk_spec", {})
    if opts.get("firstresult"):
        assert "firstresult: stops at the first non-None result" in doc, hook
    else:
        assert "Not firstresult" in doc, hook


def test_guide_and_reference_are_in_the_toctree() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "\nadapter-guide\n" in index and "\nhooks\n" in index


def test_adapter_guide_includes_code_that_exists() -> None:
    guide = (DOCS / "adapter-guide.md").read_text(encoding="utf-8")
    for rel, obj in re.findall(
        r"```\{literalinclude\} (\S+)\n(?::language: \w+\n)?(?::pyobject: (\w+))?", guide
    ):
        path = (DOCS / rel).resolve()
        assert path.is_file(), rel
        if obj:
            assert re.search(rf"^(def|class) {obj}\b", path.read_text(encoding="utf-8"), re.M), obj
