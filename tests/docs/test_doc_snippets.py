"""Every Python code block in docs/*.md runs (issue 6 §3).

A block is a ```` ```python ```` / ```` ```py ```` fence or a ```` ```{code-block} python ````
directive. Each runs as its own script in a subprocess with an empty temporary working
directory. An illustrative fragment that cannot run on its own is marked explicitly:
the line ``<!-- no-run -->`` directly before the fence, or ``:class: no-run`` in a
``{code-block}`` directive. The test also fails when a marker is attached to nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
NO_RUN = "<!-- no-run -->"
#: ``<!-- setup: a b -->`` directly before a fence runs docs/_snippets/a.py, b.py first (in the
#: same process), so a snippet can use a service, a case or a local server without showing
#: the set-up; the preludes are real code and run too.
_SETUP = re.compile(r"^<!-- setup: ([\w ]+) -->$")
SNIPPET_SETUP = DOCS / "_snippets"
_OPEN = re.compile(r"^(`{3,})(?:python|py|python3|\{code-block\}\s+python3?)\s*$")


@dataclass(frozen=True)
class Snippet:
    """One Python block of a docs page."""

    page: str
    line: int  # 1-based line of the opening fence
    code: str
    runs: bool
    setup: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def extract_snippets(path: Path) -> list[Snippet]:
    """The Python blocks of one Markdown page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    snippets = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        fence, start = match.group(1), i
        body: list[str] = []
        options: list[str] = []
        i += 1
        while i < len(lines) and lines[i].startswith(":") and "code-block" in lines[start]:
            options.append(lines[i])
            i += 1
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i])
            i += 1
        before = lines[start - 1].strip() if start > 0 else ""
        marked = before == NO_RUN
        setup = _SETUP.match(before)
        no_run_class = any(re.match(r":class:.*\bno-run\b", o) for o in options)
        snippets.append(
            Snippet(
                path.stem,
                start + 1,
                "\n".join(body) + "\n",
                not (marked or no_run_class),
                tuple(setup.group(1).split()) if setup else (),
            )
        )
        i += 1
    return snippets


SNIPPETS = [s for page in sorted(DOCS.glob("*.md")) for s in extract_snippets(page)]


def test_every_python_snippet_runs_none_is_exempt() -> None:
    """Issue 6: every code block marked as Python in the docs runs in the test suite."""
    assert [s.id for s in SNIPPETS if not s.runs] == []


def test_setup_markers_name_existing_preludes() -> None:
    for s in SNIPPETS:
        for name in s.setup:
            assert (SNIPPET_SETUP / f"{name}.py").is_file(), f"{s.id}: no docs/_snippets/{name}.py"


def test_docs_have_python_snippets_and_some_run() -> None:
    assert any(s.runs for s in SNIPPETS)
    assert len({s.page for s in SNIPPETS if s.runs}) >= 3


def test_every_no_run_marker_precedes_a_python_block() -> None:
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if line.strip() == NO_RUN:
                following = lines[n + 1] if n + 1 < len(lines) else ""
                assert _OPEN.match(following), f"{page.name}:{n + 1}: {NO_RUN} before no block"


def test_extractor_reads_fences_markers_and_directives(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "text\n```python\nprint(1)\n```\n<!-- no-run -->\n```python\nfragment(\n```\n"
        "```{code-block} python\n:class: no-run\nx\n```\n````py\nprint('```')\n````\n",
        encoding="utf-8",
    )
    got = [(s.line, s.code, s.runs) for s in extract_snippets(page)]
    assert got == [
        (2, "print(1)\n", True),
        (6, "fragment(\n", False),
        (9, "x\n", False),
        (13, "print('```')\n", True),
    ]


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.runs], ids=lambda s: s.id)
def test_doc_snippet_runs(snippet: Snippet, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    preludes = [
        (SNIPPET_SETUP / f"{name}.py").read_text(encoding="utf-8") for name in snippet.setup
    ]
    script.write_text("\n".join([*preludes, snippet.code]), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"docs/{snippet.page}.md line {snippet.line}:\n{done.stderr}"
