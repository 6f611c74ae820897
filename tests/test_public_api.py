"""The public boundary (issue 11 item 2).

One rule (``gaozhi_sdk._public``): a name is public iff it is in the ``__all__`` of a
public namespace. These tests fail when

* a public namespace has no ``__all__``, an unsorted one, or a name that does not import;
* a public class or function is not re-homed (``__module__``) to a public namespace;
* a public name is missing from the API reference (``docs/api.rst``);
* a plugin, an example or a docs snippet imports a private module (``_x``), a module that
  is not a public namespace, or a name not in that namespace's ``__all__``;
* a module of the SDK, a plugin (source or test), an example or a benchmark imports a
  private module or name of a package it is not part of.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gaozhi_sdk._public import PUBLIC_NAMESPACES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src"
sys.path.insert(0, str(ROOT / "tests" / "docs"))
from test_doc_snippets import extract_snippets  # noqa: E402


def _namespaces() -> dict[str, object]:
    return {name: importlib.import_module(name) for name in PUBLIC_NAMESPACES}


def _isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 ("isort-style"): SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() or (name.upper() == name and not name.startswith("__")):
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("namespace", PUBLIC_NAMESPACES)
def test_namespace_has_a_sorted_all_whose_names_import(namespace: str) -> None:
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", None)
    assert isinstance(names, list | tuple) and names, f"{namespace} has no __all__"
    assert list(names) == sorted(names, key=_isort_key), f"{namespace}.__all__ is not sorted"
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(module, name), f"{namespace}.{name} does not import"
        assert not name.startswith("_") or name == "__version__", f"{namespace}.{name}"


@pytest.mark.parametrize("namespace", PUBLIC_NAMESPACES)
def test_public_classes_and_functions_are_rehomed(namespace: str) -> None:
    module = importlib.import_module(namespace)
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        home = obj.__module__
        if not home.startswith("gaozhi_sdk"):
            continue  # a third-party object re-exported on purpose
        assert home in PUBLIC_NAMESPACES, f"{namespace}.{name} lives in {home}"
        assert getattr(importlib.import_module(home), obj.__name__) is obj, name


# -- documentation -------------------------------------------------------------------------
_DIRECTIVE = re.compile(
    r"^\.\. (automodule|autoclass|autofunction|autodata|autoexception)::\s*(\S+)"
)
_PY_DATA = re.compile(r"^\.\. py:(?:data|function|class)::\s*(\w+)")


def documented_names(text: str) -> set[str]:
    """``namespace.name`` for every object the API reference documents."""
    out: set[str] = set()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _DIRECTIVE.match(line)
        pm = _PY_DATA.match(line)
        if m and m.group(1) != "automodule":
            out.add(m.group(2))
        elif pm:
            j = i + 1
            while j < len(lines) and lines[j].startswith("   "):
                mod = re.match(r"\s+:module:\s*(\S+)", lines[j])
                if mod:
                    out.add(f"{mod.group(1)}.{pm.group(1)}")
                j += 1
        elif m:
            module = m.group(2)
            j = i + 1
            while j < len(lines) and (lines[j].startswith("   ") or not lines[j].strip()):
                opt = re.match(r"\s+:members:\s*(.*)$", lines[j])
                if opt:
                    members = opt.group(1)
                    k = j + 1
                    while k < len(lines) and re.match(r"\s{6,}\S", lines[k]):
                        members += " " + lines[k].strip()
                        k += 1
                    out |= {f"{module}.{n.strip()}" for n in members.split(",") if n.strip()}
                if not lines[j].strip() and j + 1 < len(lines) and not lines[j + 1].startswith(" "):
                    break
                j += 1
        i += 1
    return out


def test_every_public_name_is_in_the_api_reference() -> None:
    documented = documented_names((DOCS / "api.rst").read_text(encoding="utf-8"))
    namespaces = _namespaces()
    missing = []
    for namespace, module in namespaces.items():
        for name in module.__all__:  # type: ignore[attr-defined]
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            homes = [
                ns
                for ns, mod in namespaces.items()
                if name in getattr(mod, "__all__", ()) and getattr(mod, name) is obj
            ]
            if not any(f"{ns}.{name}" in documented for ns in homes):
                missing.append(f"{namespace}.{name}")
    assert not missing, "not in docs/api.rst: " + ", ".join(sorted(missing))


def test_api_reference_documents_only_public_namespaces() -> None:
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    for kind, target in _DIRECTIVE.findall("\n".join(text.splitlines())):
        module = target if kind == "automodule" else target.rpartition(".")[0]
        assert module in PUBLIC_NAMESPACES, f".. {kind}:: {target}"


# -- imports by plugins, examples and docs -------------------------------------------------
def _sources() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "plugins").glob("*/src/**/*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "examples").rglob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((DOCS / "_snippets").glob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        for snippet in extract_snippets(page):
            yield f"docs/{page.name}:{snippet.line}", snippet.code


def non_public_imports(code: str) -> list[str]:
    """The imports of ``gaozhi_sdk`` names in ``code`` that the public rule forbids."""
    bad = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gaozhi_sdk") and alias.name not in PUBLIC_NAMESPACES:
                    bad.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("gaozhi_sdk"):
                continue
            if node.module not in PUBLIC_NAMESPACES:
                bad.append(f"from {node.module} import …")
                continue
            exported = set(importlib.import_module(node.module).__all__)
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if alias.name not in exported and sub not in PUBLIC_NAMESPACES:
                    bad.append(f"from {node.module} import {alias.name}")
    return bad


def test_plugins_examples_and_docs_import_only_public_names() -> None:
    offenders = {}
    for where, code in _sources():
        bad = non_public_imports(code)
        if bad:
            offenders[where] = bad
    assert not offenders, offenders


def test_the_import_check_catches_private_and_unexported_names() -> None:
    assert non_public_imports("from gaozhi_sdk.models._base import GaozhiModel")
    assert non_public_imports("from gaozhi_sdk.esign.chain import ChainOutcome")
    assert non_public_imports("from gaozhi_sdk.esign import _fast")
    assert non_public_imports("import gaozhi_sdk.service._core")
    assert not non_public_imports("from gaozhi_sdk.esign import TrustStore, sign")
    assert not non_public_imports("from gaozhi_sdk import esign, models")


# -- the SDK, its plugins, examples and benchmarks ----------------------------------------
_FIRST_PARTY = ("gaozhi_sdk", "gaozhi_plugin_")


def _package_of(path: Path) -> str:
    """The package a source file belongs to ("" for tests, examples and benchmarks)."""
    parts = path.relative_to(ROOT).parts
    if "src" in parts:
        inner = parts[parts.index("src") + 1 :]
        return ".".join(Path(*inner).with_suffix("").parts[:-1])
    return ""


def _is_package(dotted: str) -> bool:
    spec = importlib.util.find_spec(dotted)
    return spec is not None and spec.submodule_search_locations is not None


def private_imports(code: str, package: str) -> list[str]:
    """Imports in ``code`` (of a module in ``package``) of another package's private
    module or name: a ``_x`` segment may only be imported from inside the package that
    owns it (for ``pkg.module._name``, the module's package)."""
    bad = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for target in targets:
            if not target.startswith(_FIRST_PARTY):
                continue
            segs = target.split(".")
            for i, seg in enumerate(segs):
                if seg.startswith("_") and not seg.startswith("__"):
                    owner = ".".join(segs[:i])
                    if i == len(segs) - 1 and i > 1 and not _is_package(owner):
                        owner = ".".join(segs[: i - 1])  # a private name of a module
                    if package != owner and not package.startswith(owner + "."):
                        bad.append(f"{node.lineno}: {target}")
                    break
    return bad


def test_no_module_imports_another_packages_private_name() -> None:
    """Issue 11 "done when": across src/, plugins/ (sources and tests), examples/ and
    bench/, no module imports a private module or name of a package it is not part of."""
    files = [
        *(SRC / "gaozhi_sdk").rglob("*.py"),
        *(ROOT / "plugins").glob("*/src/**/*.py"),
        *(ROOT / "plugins").glob("*/tests/**/*.py"),
        *(ROOT / "examples").rglob("*.py"),
        *(ROOT / "bench").rglob("*.py"),
    ]
    assert len(files) > 100
    offenders = [
        f"{path.relative_to(ROOT)}:{bad}"
        for path in files
        for bad in private_imports(path.read_text(encoding="utf-8"), _package_of(path))
    ]
    assert not offenders, offenders


def test_the_private_import_check_catches_what_it_must() -> None:
    assert private_imports("from gaozhi_sdk.service._core import Step", "gaozhi_sdk.cli")
    assert private_imports("import gaozhi_sdk.service._core", "")
    assert private_imports("from gaozhi_sdk.esign.chain import _fp", "gaozhi_sdk.service")
    assert private_imports("from gaozhi_plugin_sm2._x import y", "gaozhi_plugin_webhook")
    assert private_imports("from gaozhi_sdk import _public", "gaozhi_plugin_sm2")
    # inside the owning package it is fine
    assert not private_imports("from gaozhi_sdk.esign.chain import _fp", "gaozhi_sdk.esign")
    assert not private_imports("from gaozhi_sdk.service._core import Step", "gaozhi_sdk.service")
    assert not private_imports("from gaozhi_sdk._public import rehome", "gaozhi_sdk.models")
    assert not private_imports("from gaozhi_sdk.esign import sign", "")
