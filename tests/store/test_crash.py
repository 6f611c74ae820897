"""Crash safety: a writer process is killed with SIGKILL at random points (DESIGN §6).

Runs on every backend (SQLite file, PostgreSQL server). After every kill the store must
reopen with an intact journal, no half-applied transaction (records ``a`` and ``b``,
journal, outbox and blobs all agree) and every transaction whose commit returned still
present.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.store import open_store

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 22
SEED = 20240607


def _suffix() -> str:
    return uuid.uuid4().hex[:12]


def _progress(log: Path) -> tuple[int, bool]:
    """(highest committed n reported by the writer, was the last line a BEGIN?)"""
    lines = log.read_text().split()
    committed = [int(n) for tag, n in zip(lines[::2], lines[1::2], strict=True) if tag == "C"]
    return (max(committed, default=0), bool(lines) and lines[-2] == "B")


def _raw_counts(url: str) -> tuple[int, int]:
    """(blobs, outbox) counted straight from the database, and its integrity checked."""
    if url.startswith("sqlite:///"):
        raw = sqlite3.connect(f"file:{url[len('sqlite:///') :]}?mode=ro", uri=True)
        try:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return (
                raw.execute("SELECT count(*) FROM blobs").fetchone()[0],
                raw.execute("SELECT count(*) FROM outbox").fetchone()[0],
            )
        finally:
            raw.close()
    import psycopg

    base, _, query = url.partition("?")
    params = [p for p in query.split("&") if not p.startswith("schema=")]
    schema = next(p for p in query.split("&") if p.startswith("schema="))[len("schema=") :]
    with psycopg.connect(base + "?" + "&".join(params), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"'.encode())
        head = conn.execute(b"SELECT seq FROM journal_head").fetchone()
        top = conn.execute(b"SELECT coalesce(max(seq), 0) FROM journal").fetchone()
        assert head == top  # the head row moved with every committed append
        blobs = conn.execute(b"SELECT count(*) FROM blobs").fetchone()[0]
        outbox = conn.execute(b"SELECT count(*) FROM outbox").fetchone()[0]
    return int(blobs), int(outbox)


def _check(url: str) -> int:
    """Open the store after a crash and check every invariant; return the counter."""
    store: Any = open_store(url)
    try:
        report = store.verify_journal()
        assert report.ok, report.problems
        n = report.head_seq
        a, b = store.get("counter", "a"), store.get("counter", "b")
        if n == 0:
            assert a is None and b is None
        else:
            assert a is not None and b is not None
            assert a.version == b.version == n
            assert a.doc == b.doc == {"n": n}
        keys = [m.idempotency_key for m in store.pending_outbox(limit=1_000_000)]
        assert keys == [f"tx-{i}" for i in range(1, n + 1)]
        if n:
            last = store.get_blob(f"blob-{n:08d}")  # checks its SHA-256 too
            assert last is not None and last.kind == "crash"
            assert store.get_blob(f"blob-{n + 1:08d}") is None
    finally:
        store.close()
    assert _raw_counts(url) == (n, n)
    return n


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_never_half_applies_or_loses_a_commit(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.url(request.getfixturevalue("pg_database"), schema="crash_" + _suffix())
    log = tmp_path / "progress.log"
    rng = random.Random(SEED)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    previous = 0
    mid_transaction = 0
    for kill in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), url, str(log), str(SEED + kill)],
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline() == b"ready\n"
            time.sleep(rng.uniform(0.01, 0.2))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        acknowledged, in_tx = _progress(log)
        mid_transaction += in_tx
        n = _check(url)
        assert n >= previous, f"kill {kill}: progress lost ({n} < {previous})"
        assert n >= acknowledged, f"kill {kill}: committed transaction {acknowledged} lost"
        # At most the one transaction whose COMMIT was under way when the kill hit.
        assert n <= acknowledged + 1
        previous = n
    print(f"\ncrash test: {KILLS} kills, {mid_transaction} mid-transaction, {previous} commits")
    assert previous > KILLS  # the writer made progress across restarts
    assert mid_transaction >= 1  # and was killed inside a transaction at least once
