"""``gaozhi demo --db postgresql://…`` runs the whole demo on the server store, and
``gaozhi audit`` passes its archive (issue 12, done-when)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.postgres import PostgresCluster


def _gaozhi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk", *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


@pytest.mark.slow
def test_demo_on_postgres_and_audit(pg_cluster: PostgresCluster, tmp_path: Path) -> None:
    url = pg_cluster.url(pg_cluster.new_database("gzdemo"), schema=f"d_{uuid.uuid4().hex[:6]}")
    out = tmp_path / "demo"
    r = _gaozhi("demo", "--workdir", str(out), "--db", url, "--applications", "40", "--seed", "7")
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout
    assert "全部状态均已到达" in r.stdout
    assert "postgresql://" in r.stdout  # the summary names the store it ran on
    assert not (out / "gaozhi.db").exists()
    # the auditor's own anchors by purpose (DESIGN §8: never the archive's trust/ copies)
    organ = "11411222005123018X"  # the demo's organ (the sample list's owner)
    audit = _gaozhi("audit", str(out / "archive"), "--trust", str(out / "pki"), "--organ", organ)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "结论: 通过" in audit.stdout
    store = open_store(url)
    try:
        assert store.count("case") >= 40
        head = store.journal_head()
        assert head is not None
        report = store.verify_journal()  # type: ignore[attr-defined]
        assert report.ok and report.head_seq == head.seq
    finally:
        store.close()
    again = _gaozhi("demo", "--workdir", str(tmp_path / "again"), "--db", url)
    assert again.returncode == 64 and "GZ-CLI-010" in again.stderr
