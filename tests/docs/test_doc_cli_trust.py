"""The auditor guide's commands on anchors by purpose, time-stamps and the auditor's own
revocation data run as written and exit as the guide says (issue 9, docs §1.2)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from gaozhi_sdk.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARK = "<!-- cli-run: anchors-and-revocation -->"
_EXIT = re.compile(r"#\s*退出码\s*(\d+)\s*$")


def _commands() -> list[tuple[str, int]]:
    lines = (DOCS / "auditor-guide.md").read_text("utf-8").splitlines()
    i = lines.index(MARK)
    assert lines[i + 1] == "```sh"
    out = []
    for line in lines[i + 2 :]:
        if line == "```":
            break
        if line.startswith("gaozhi "):
            code = _EXIT.search(line)
            assert code is not None, f"state the exit code: {line}"
            out.append((line[: code.start()].strip(), int(code.group(1))))
    return out


COMMANDS = _commands()


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("auditor-material")
    mp = pytest.MonkeyPatch()
    mp.chdir(folder)
    try:
        namespace: dict[str, object] = {"__name__": "__snippet__"}
        for name in ("service_case", "auditor_material"):
            path = DOCS / "_snippets" / f"{name}.py"
            exec(compile(path.read_text("utf-8"), str(path), "exec"), namespace)
        svc = namespace["svc"]
        svc.close()  # type: ignore[attr-defined]
    finally:
        mp.undo()
    return folder


def test_the_guide_shows_each_case() -> None:
    assert len(COMMANDS) >= 6
    assert {code for _, code in COMMANDS} == {0, 1, 2}


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_guide_command_exits_as_documented(
    material: Path,
    command: str,
    expected: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(material)
    assert main(shlex.split(command)[1:]) == expected, capsys.readouterr().out
