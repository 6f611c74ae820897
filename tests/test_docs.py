"""Cheap checks of the README contract (DESIGN §8), .ci/run and the docs tree.

The real documentation build (``sphinx-build -W -n``) runs in CI through ``tox -e docs``;
these tests catch the common breakages without Sphinx installed.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKERS = ("demo", "test")
NOT_PAGES = {"_build", "_data", "_ext", "_static", "_templates", "locale"}


def _load_ext(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_docs_ext_{name}", DOCS / "_ext" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


def _readme_block(text: str, marker: str) -> str:
    lines = text.splitlines()
    tag = f"<!-- quickstart:{marker} -->"
    assert lines.count(tag) == 1, f"README.md must contain the line {tag!r} exactly once"
    i = lines.index(tag)
    assert lines[i + 1] == "```sh", f"{tag} must be followed directly by a ```sh fence"
    end = lines.index("```", i + 2)
    block = "\n".join(lines[i + 2 : end]).strip()
    assert block, f"the block after {tag} is empty"
    return block


@pytest.mark.parametrize("marker", MARKERS)
def test_readme_marker_is_directly_followed_by_sh_block(marker: str) -> None:
    _readme_block((ROOT / "README.md").read_text(encoding="utf-8"), marker)


def test_readme_blocks_do_what_design_section_8_promises() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    demo = _readme_block(text, "demo")
    test = _readme_block(text, "test")
    for block in (demo, test):
        assert block.startswith("python3 -m venv .venv"), "each block starts from a fresh venv"
    assert "gaozhi demo --workdir" in demo and "gaozhi audit" in demo
    # a passing audit needs the auditor's anchors and the organ (issue 9, DESIGN §8)
    assert "--trust" in demo and "--organ 11411222005123018X" in demo
    assert '".[test]"' in test and "-m pytest" in test


def test_ci_run_runs_the_readme_test_block() -> None:
    script = ROOT / ".ci" / "run"
    text = script.read_text(encoding="utf-8")
    assert "<!-- quickstart:test -->" in text
    assert "set -euo pipefail" in text
    assert script.stat().st_mode & 0o111, ".ci/run must be executable"
    assert re.search(r'"\$rc" -eq 5', text), "pytest exit status 5 must be handled explicitly"


def _ci_extract(readme: str, marker: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run .ci/run's own readme_block function on a README written to tmp_path."""
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    func = re.search(r"^readme_block\(\) \{\n.*?^\}\n", text, re.MULTILINE | re.DOTALL)
    assert func, ".ci/run must define readme_block()"
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    return subprocess.run(
        ["bash", "-c", f"{func.group(0)}\nreadme_block {marker}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ci_extracts_exactly_the_block_after_the_marker(tmp_path: Path) -> None:
    readme = (
        "# x\n<!-- quickstart:demo -->\n```sh\necho demo\n```\n"
        "<!-- quickstart:test -->\n```sh\necho one && echo two\necho three\n```\nafter\n"
    )
    done = _ci_extract(readme, "test", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "echo one && echo two\necho three\n"


@pytest.mark.parametrize(
    "readme",
    [
        "no marker at all\n```sh\necho x\n```\n",
        "<!-- quickstart:test -->\n\n```sh\necho x\n```\n",  # blank line between
        "<!-- quickstart:test -->\n```bash\necho x\n```\n",  # wrong fence language
        "<!-- quickstart:test -->\n```sh\necho x\n",  # fence never closed
    ],
)
def test_ci_refuses_a_missing_or_misplaced_block(readme: str, tmp_path: Path) -> None:
    assert _ci_extract(readme, "test", tmp_path).returncode != 0


def _pages() -> set[str]:
    pages = set()
    for path in DOCS.rglob("*"):
        rel = path.relative_to(DOCS)
        if path.suffix in {".md", ".rst"} and not NOT_PAGES.intersection(rel.parts[:-1]):
            pages.add(rel.with_suffix("").as_posix())
    return pages


_MD_TOCTREE = re.compile(r"^```\{toctree\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_RST_TOCTREE = re.compile(r"^\.\. toctree::[^\n]*\n((?:[ \t]+[^\n]*\n|\n)*)", re.MULTILINE)


def _toctree_entries(page: str) -> set[str]:
    path = next(p for p in (DOCS / f"{page}.md", DOCS / f"{page}.rst") if p.exists())
    text = path.read_text(encoding="utf-8")
    bodies = _MD_TOCTREE.findall(text) + _RST_TOCTREE.findall(text)
    entries = set()
    base = Path(page).parent
    for body in bodies:
        for raw in body.splitlines():
            line = raw.strip()
            if not line or line.startswith(":"):
                continue
            target = re.sub(r"^.*<(.+)>$", r"\1", line)  # "Title <page>"
            target = re.sub(r"\.(md|rst)$", "", target)
            entries.add((base / target).as_posix())
    return entries


def test_every_docs_page_is_in_a_toctree_and_every_entry_exists() -> None:
    pages = _pages()
    assert "index" in pages
    listed: set[str] = set()
    for page in pages:
        listed |= _toctree_entries(page)
    assert sorted(listed - pages) == [], "toctree entries without a page"
    assert sorted(pages - listed - {"index"}) == [], "pages missing from every toctree"


def test_error_codes_use_declared_areas_and_one_exception_class() -> None:
    errorcodes = _load_ext("errorcodes")
    areas = errorcodes.declared_areas(ROOT / "src" / "gaozhi_sdk" / "errors.py")
    codes, warnings = errorcodes.scan_error_codes(ROOT / "src")
    assert "ID" in areas and codes, "the scanner must find the identifier errors at least"
    undeclared = {c: e.area for c, e in {**codes, **warnings}.items() if e.area not in areas}
    assert undeclared == {}, "areas not declared in the gaozhi_sdk.errors docstring"
    ambiguous = {c: sorted(e.classes) for c, e in codes.items() if len(e.classes) > 1}
    assert ambiguous == {}, "one error code, several exception classes"


def test_error_code_scanner_reads_calls_fstrings_and_warnings(tmp_path: Path) -> None:
    errorcodes = _load_ext("errorcodes")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "mod.py").write_text(
        '"""Codes:\n\n``GZ-AB-002``  described in the module docstring\n"""\n'
        "def f(x):\n"
        '    if x:\n        raise ThingError("GZ-AB-001", f"坏的值: {x}", message_en="bad")\n'
        '    code = "GZ-AB-002"\n'
        '    warn = f"GZ-AB-W01 可疑的值 {x}"\n'
        '    return "not GZ-AB-003 (inside text)", code, warn\n',
        encoding="utf-8",
    )
    codes, warnings = errorcodes.scan_error_codes(tmp_path)
    assert sorted(codes) == ["GZ-AB-001", "GZ-AB-002"]
    assert codes["GZ-AB-001"].classes == {"ThingError"}
    assert codes["GZ-AB-001"].messages == ["坏的值: {x}"]
    assert codes["GZ-AB-001"].modules == {"pkg.mod"}
    assert codes["GZ-AB-002"].described == ["described in the module docstring"]
    assert warnings["GZ-AB-W01"].messages == ["可疑的值 {x}"]
