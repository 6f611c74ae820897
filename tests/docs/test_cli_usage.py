"""CLI text in the docs matches the real command (issue 6 §3).

- docs/cli.md's synopsis blocks are ``{gaozhi-usage}`` directives (docs/_ext/cliusage.py)
  generated from ``cli.build_parser()``; here the generated text is compared with what the
  installed ``gaozhi <subcommand> --help`` prints, and the page must show every subcommand.
- every ``gaozhi …`` command line in a shell block of any page parses with the real parser,
  so a renamed or removed option in the docs fails the suite.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gaozhi_sdk.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
_SHELL_FENCE = re.compile(r"^```(?:sh|bash|console|shell)\s*\n(.*?)^```", re.M | re.S)


def _cliusage() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_docs_cliusage", DOCS / "_ext" / "cliusage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CLIUSAGE = _cliusage()
_RUN_MAIN = "import sys; from gaozhi_sdk.cli import main; sys.exit(main())"
LEAVES = list(CLIUSAGE.subcommands())


def test_the_parser_has_the_documented_top_level_subcommands() -> None:
    tops = {path[0] for path in LEAVES}
    assert {"demo", "verify", "audit", "list", "schema", "report"} <= tops
    assert ("list", "check") in LEAVES


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_generated_usage_equals_real_help_output(path: tuple[str, ...]) -> None:
    env = {**os.environ, "COLUMNS": str(CLIUSAGE.WIDTH + 2)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_MAIN, *path, "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("\n\n")[0].rstrip("\n")
    assert CLIUSAGE.usage(path) == shown


def test_cli_page_shows_every_subcommand_and_names_only_real_ones() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    named = [tuple(m.split()) for m in re.findall(r"^```\{gaozhi-usage\}[ \t]*(.*)$", text, re.M)]
    assert () in named, "cli.md needs the bare {gaozhi-usage} block listing every subcommand"
    for path in named:
        if path:
            assert path in LEAVES, f"{{gaozhi-usage}} {' '.join(path)}: no such subcommand"
    headed = set(re.findall(r"^## `gaozhi ([a-z ]+)`", text, re.M))
    for heading in headed:  # a section on a command shows that command's usage
        assert any(" ".join(p).startswith(heading) for p in named if p), heading


def _doc_commands() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for body in _SHELL_FENCE.findall(page.read_text(encoding="utf-8")):
            for raw in body.splitlines():
                line = re.sub(r"^\$\s+", "", raw.strip())
                if line.startswith("gaozhi "):
                    found.append((page.name, line))
    return found


DOC_COMMANDS = _doc_commands()


def test_docs_show_cli_commands() -> None:
    assert len(DOC_COMMANDS) >= 5


@pytest.mark.parametrize(("page", "line"), DOC_COMMANDS, ids=[c[1] for c in DOC_COMMANDS])
def test_command_line_in_docs_parses_with_the_real_parser(page: str, line: str) -> None:
    argv = shlex.split(line, comments=True)[1:]
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"docs/{page}: `{line}` is rejected by gaozhi (exit {exc.code})")
