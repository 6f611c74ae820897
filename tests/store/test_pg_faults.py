"""Faults on the server store (issue 12 item 8): a server restart during a run of
writes, a backend terminated mid-transaction, lock and statement timeouts.

Each in-flight operation either fails with its own store code — GZ-ST-506 (connection
lost, rolled back), GZ-ST-507 (lost during COMMIT, outcome unknown: checked against the
store afterwards) — or is applied exactly once; nothing is half-applied; the pool
reconnects by itself (the same store object keeps working).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.store.postgres import PostgresStore
from gaozhi_sdk.testing.postgres import PostgresCluster, postgres_cluster_or_skip

DIGEST = "0" * 64


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of its own: these tests restart and kill the server's processes."""
    c = postgres_cluster_or_skip()
    try:
        yield c
    finally:
        c.destroy()


def _url(cluster: PostgresCluster) -> str:
    return cluster.url("postgres", schema=f"f_{uuid.uuid4().hex[:10]}")


def _increment(store: PostgresStore, n: int, pause: float = 0.0) -> None:
    """One transaction: counter a and b to n, one journal entry, one outbox message
    (``pause``: seconds of work inside the transaction, so a restart lands in one)."""
    with store.transaction() as tx:
        a = tx.get("counter", "a")
        tx.put("counter", "a", {"n": n}, state="S", expected_version=a.version if a else None)
        tx.append_journal(
            event="counter.incremented",
            aggregate_type="counter",
            aggregate_id="a",
            actor={"role": "SYSTEM"},
            payload_digest=DIGEST,
            detail={"n": n},
        )
        tx.enqueue("counter", {"n": n}, idempotency_key=f"n-{n}")
        time.sleep(pause)
        b = tx.get("counter", "b")
        tx.put("counter", "b", {"n": n}, state="S", expected_version=b.version if b else None)


@pytest.mark.slow
def test_server_restart_during_writes_applies_each_once_or_fails_coded(
    own_cluster: PostgresCluster,
) -> None:
    store = PostgresStore(_url(own_cluster), max_size=2, connect_timeout=5)
    outcomes: list[tuple[int, str]] = []  # (n attempted, APPLIED or the error code)
    stop = threading.Event()
    restarted = threading.Event()

    def writer() -> None:
        after_restart = 0
        while not stop.is_set() and after_restart < 30:
            try:
                head = store.journal_head()
                n = (head.seq if head else 0) + 1
                _increment(store, n, pause=0.05)
                outcomes.append((n, "APPLIED"))
                after_restart += restarted.is_set()
            except StoreError as err:
                outcomes.append((-1, err.code))
                time.sleep(0.05)
            except Exception as err:  # pragma: no cover - reported by the assertion
                outcomes.append((-1, f"uncoded {type(err).__name__}: {err}"))
                return

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(1.0)
    own_cluster.restart()
    restarted.set()
    t.join(120)
    stop.set()
    assert not t.is_alive()
    try:
        codes = {code for _, code in outcomes}
        assert codes <= {"APPLIED", "GZ-ST-506", "GZ-ST-507", "GZ-ST-001"}, outcomes
        assert "GZ-ST-506" in codes or "GZ-ST-507" in codes, "the restart hit no operation"
        report = store.verify_journal()
        assert report.ok, report.problems
        seq = report.head_seq
        a, b = store.get("counter", "a"), store.get("counter", "b")
        assert a is not None and b is not None
        assert a.doc == b.doc == {"n": seq}  # never half-applied
        assert a.version == b.version == seq
        assert store.outbox_count() == seq
        applied = [n for n, code in outcomes if code == "APPLIED"]
        assert applied == sorted(set(applied))  # each acknowledged commit once, in order
        unknown = sum(1 for _, code in outcomes if code == "GZ-ST-507")
        # every acknowledged commit is there; an unknown outcome may or may not be
        assert len(applied) <= seq <= len(applied) + unknown
        assert set(applied) <= set(range(1, seq + 1))
        # the same store object reconnected by itself: 30 commits after the restart
        assert len(applied) >= 30
    finally:
        store.close()


def test_backend_terminated_mid_transaction_is_rolled_back_and_reported(
    own_cluster: PostgresCluster,
) -> None:
    store = PostgresStore(_url(own_cluster), max_size=2)
    try:
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
            pid = tx._conn.info.backend_pid  # type: ignore[attr-defined]
            own_cluster.sql(f"SELECT pg_terminate_backend({int(pid)})")
            tx.put("case", "C-2", {"v": 1}, state="DRAFT", expected_version=None)
        assert err.value.code == "GZ-ST-506"
        assert "回滚" in err.value.message
        assert store.get("case", "C-1") is None and store.journal_head() is None
        _increment(store, 1)  # the pool replaced the dead connection
        assert store.get("counter", "a") is not None
    finally:
        store.close()


def _hold_lock(store: PostgresStore, held: threading.Event, release: threading.Event) -> None:
    with store.transaction() as tx:
        tx.get("case", "C-1")  # FOR UPDATE: holds the row lock until commit
        held.set()
        release.wait(10)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"lock_timeout": 0.3}, "GZ-ST-501"),
        ({"lock_timeout": 0, "statement_timeout": 0.3}, "GZ-ST-505"),
    ],
)
def test_lock_and_statement_timeouts_are_configurable_and_coded(
    own_cluster: PostgresCluster, options: dict[str, Any], code: str
) -> None:
    url = _url(own_cluster)
    holder = PostgresStore(url)
    waiter = PostgresStore(url, **options)
    try:
        with holder.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
        held, release = threading.Event(), threading.Event()
        t = threading.Thread(target=_hold_lock, args=(holder, held, release))
        t.start()
        assert held.wait(10)
        try:
            with pytest.raises(StoreError) as err, waiter.transaction() as tx:
                tx.get("case", "C-1")
            assert err.value.code == code
        finally:
            release.set()
            t.join()
        with waiter.transaction() as tx:  # the lock is free again: no lasting damage
            rec = tx.get("case", "C-1")
            assert rec is not None
            tx.put("case", "C-1", {"v": 2}, state="DRAFT", expected_version=rec.version)
    finally:
        holder.close()
        waiter.close()


def test_timeouts_have_defaults(own_cluster: PostgresCluster) -> None:
    store = PostgresStore(_url(own_cluster))
    try:
        assert (store.statement_timeout, store.lock_timeout) == (30.0, 10.0)
        with store.transaction() as tx:
            conn: Any = tx._conn  # type: ignore[attr-defined]
            got = conn.execute(b"SHOW statement_timeout").fetchone()[0]
            lock = conn.execute(b"SHOW lock_timeout").fetchone()[0]
        assert (got, lock) == ("30s", "10s")
    finally:
        store.close()
