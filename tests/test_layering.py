"""Layering a tool enforces (issue 11 item 5).

The import-linter contracts in ``pyproject.toml`` (run by ``lint-imports`` in the tox
lint env) hold for the tree, and they *fail* when a lower layer imports a higher one:
the second test plants such an import in a copy of the package. The core never loads a
plugin distribution by name, not even through ``importlib`` (which import-linter cannot
see): the third test walks the source for dynamic imports of ``gaozhi_plugin_*``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "gaozhi_sdk"
#: import-linter is in the ``test`` and ``lint`` extras
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_layering_contracts_hold() -> None:
    done = _lint(ROOT, ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("where", "planted", "contract"),
    [
        ("models/_planted.py", "from gaozhi_sdk.service import PledgeService", "layers"),
        ("rules/_planted.py", "import gaozhi_sdk.documents.report", "layers"),
        (
            "esign/_planted.py",
            "from gaozhi_sdk.rules import RulesConfig",
            "never import the lifecycle",
        ),
        ("store/_planted.py", "import gaozhi_plugin_sm2", "no plugin imported by name"),
    ],
)
def test_lint_step_fails_on_a_layering_violation(
    tmp_path: Path, where: str, planted: str, contract: str
) -> None:
    copy = tmp_path / "src" / "gaozhi_sdk"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / where).write_text(f'"""A planted violation."""\n\n{planted}\n', encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    done = _lint(tmp_path, tmp_path / "src")
    assert done.returncode == 1, done.stdout + done.stderr
    broken = [line for line in done.stdout.splitlines() if "BROKEN" in line]
    assert broken and any(contract in line for line in broken), done.stdout


_DYNAMIC = {"import_module", "find_spec", "__import__"}


def test_core_never_loads_a_plugin_by_name() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name not in _DYNAMIC:
                continue
            first = node.args[0]
            text = ""
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
            elif isinstance(first, ast.JoinedStr) and first.values:
                head = first.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    text = head.value
            if text.startswith("gaozhi_plugin"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
