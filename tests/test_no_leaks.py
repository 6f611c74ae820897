"""Secrets and personal data never reach logs or exception texts (issue 4; R-091, R-092).

A whole ``gaozhi demo`` run with DEBUG logging on every logger, a planted transport secret,
the demo's private keys, and every synthetic applicant's resident ID / USCC and phone:
none of them may appear in any log record (message, arguments, traceback) or in the text
of any GaozhiError raised during the run.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.errors import GaozhiError

PLANTED_SECRET = "c0ffee11c0ffee22c0ffee33c0ffee44"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


@pytest.mark.slow
def test_debug_logs_and_errors_of_a_demo_run_carry_no_secret_or_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gaozhi_sdk.testing.emulator.online as online

    monkeypatch.setattr(online, "secrets", SimpleNamespace(token_hex=lambda n=16: PLANTED_SECRET))
    errors: list[str] = []
    original_init = GaozhiError.__init__

    def spy(self: GaozhiError, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        errors.append(f"{self} {self.message_en or ''} {json.dumps(self.details, default=str)}")

    monkeypatch.setattr(GaozhiError, "__init__", spy)
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        summary = run_demo(tmp_path / "out", applications=40, seed=11)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert summary.ok
    # the run really used the emulator through the sharing-http plugin with the planted secret
    assert (tmp_path / "out" / "sharing-evidence.jsonl").is_file()

    con = sqlite3.connect(tmp_path / "out" / "gaozhi.db")
    personal: set[str] = set()
    for (doc,) in con.execute("SELECT doc FROM records WHERE kind IN ('case', 'pledge')"):
        d = json.loads(doc)
        app = d.get("applicant") or d.get("pledgor") or {}
        personal.add(app["id_number"])
        if app.get("contact"):
            personal.add(app["contact"])
        proxy = (d.get("proxy") or {}).get("party")
        if proxy:
            personal.add(proxy["id_number"])
    con.close()
    keys: set[str] = set()
    for pem in (tmp_path / "out" / "pki").rglob("*key*.pem"):
        lines = pem.read_text().splitlines()
        keys.update(line for line in lines if len(line) >= 40 and "-----" not in line)
    assert personal and keys
    haystack = "\n".join(handler.texts + errors)
    assert handler.texts, "DEBUG logging produced nothing: the test would prove nothing"
    assert errors, "the demo raises refusals on purpose: their texts must be checked"
    assert PLANTED_SECRET not in haystack
    leaked = sorted(p for p in personal if p in haystack)
    assert leaked == [], f"{len(leaked)} personal identifiers leaked"
    assert not [k for k in keys if k in haystack]
