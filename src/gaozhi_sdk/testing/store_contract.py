"""The Store contract suite (DESIGN §6) — one suite, every backend.

A backend runs it by subclassing :class:`StoreContract` in a test module and providing a
``store_factory`` fixture (a :class:`StoreFactory`) in its ``conftest.py``::

    from gaozhi_sdk.testing.store_contract import StoreContract

    class TestMyStoreContract(StoreContract):
        pass

The default ``store_factory`` of this module (enable it with
``pytest_plugins = ["gaozhi_sdk.testing.store_contract"]``) opens SQLite files.

Every state change is one transaction: records, journal entries, outbox messages and blobs
are committed together or not at all.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.errors import NotFoundError, StoreError
from gaozhi_sdk.ids import digest_identifier, mask_identifier
from gaozhi_sdk.store import (
    GENESIS_HASH,
    SqliteStore,
    Store,
    entry_hash,
    secret_key_id,
    verify_chain,
)
from gaozhi_sdk.store.migrations import SCHEMA_VERSION
from gaozhi_sdk.testing.query_contract import QueryContract

DIGEST = hashlib.sha256(b"payload").hexdigest()
ACTOR = {"role": "OFFICER", "ref": "officer-7", "organ": "某市市场监督管理局"}
# A syntactically valid resident ID (checksum and birth date correct); used only to prove
# it never reaches the journal.
FULL_ID = "11010519491231002X"


__all__ = ["StoreContract", "StoreFactory", "sqlite_file_factory", "store_factory"]


class Boom(Exception):
    """Raised inside a transaction to force a rollback."""


def _journal(tx: Any, n: int, **extra: Any) -> Any:
    return tx.append_journal(
        event="case.updated",
        aggregate_type="case",
        aggregate_id=f"C-{n}",
        actor=ACTOR,
        payload_digest=DIGEST,
        detail={"n": n, "说明": "测试"},
        **extra,
    )


def _snapshot(store: Store) -> dict[str, Any]:
    return {
        "records": [(r.kind, r.id, r.version, r.state, dict(r.doc)) for r in store.list("case")],
        "journal": [e.to_json_dict() for e in store.journal()],
        "outbox": store.pending_outbox(limit=10_000),
        "blobs": [(b.id, b.sha256) for b in store.list_blobs()],
    }


@dataclass
class StoreFactory:
    """Opens stores of one implementation.

    ``open()`` opens the factory's store — for a persistent backend, the *same* store
    again on every call (a reopen); for a memory backend, a fresh one. ``open_other()``
    always opens a new, independent store. ``url`` is the store URL that ``open()`` uses
    (``None`` for stores that have none, e.g. in memory).
    """

    name: str
    persistent: bool
    _open: Callable[[], Store]
    _open_other: Callable[[int], Store]
    url: str | None = None
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        """Open (or reopen) the factory's store."""
        store = self._open()
        self.opened.append(store)
        return store

    def open_other(self) -> Store:
        """Open a new, independent store."""
        store = self._open_other(len(self.opened))
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        """Close every store this factory opened."""
        for store in self.opened:
            store.close()


def sqlite_file_factory(directory: Path) -> StoreFactory:
    """A factory of SQLite stores in files under ``directory``."""
    db = directory / "gaozhi.db"
    return StoreFactory(
        "sqlite-file",
        True,
        lambda: SqliteStore(db),
        lambda n: SqliteStore(directory / f"other-{n}.db"),
        url=f"sqlite:///{db}",
    )


@pytest.fixture
def store_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    """The default backend, SQLite files (override this fixture for another backend)."""
    factory = sqlite_file_factory(tmp_path)
    yield factory
    factory.close_all()


class StoreContract(QueryContract):
    """Every test of the Store contract (with the province queries of
    :class:`~gaozhi_sdk.testing.query_contract.QueryContract`); subclass it as ``Test…``
    to run it."""

    @pytest.fixture
    def store(self, store_factory: StoreFactory) -> Store:
        """The factory's store, opened for one test."""
        return store_factory.open()

    # --------------------------------------------------------------------------- records

    def test_put_insert_then_get(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.get("case", "C-1") is None
            version = tx.put(
                "case", "C-1", {"title": "开办药店"}, state="DRAFT", expected_version=None
            )
            assert version == 1
            seen = tx.get("case", "C-1")  # own writes are visible inside the transaction
            assert seen is not None and seen.version == 1
        rec = store.get("case", "C-1")
        assert rec is not None
        assert (rec.kind, rec.id, rec.version, rec.state) == ("case", "C-1", 1, "DRAFT")
        assert dict(rec.doc) == {"title": "开办药店"}
        assert rec.updated_at.endswith("+08:00")
        assert store.get("case", "C-2") is None
        assert store.get("other", "C-1") is None

    def test_put_update_requires_matching_version(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
        with store.transaction() as tx:
            assert tx.put("case", "C-1", {"v": 2}, state="PLEDGED", expected_version=1) == 2
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put("case", "C-1", {"v": 3}, state="X", expected_version=1)  # stale
        assert err.value.code == "GZ-ST-409"
        assert err.value.details["actual_version"] == 2
        rec = store.get("case", "C-1")
        assert rec is not None and rec.version == 2 and dict(rec.doc) == {"v": 2}

    def test_put_insert_over_existing_record_conflicts(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put("case", "C-1", {"v": 9}, state="DRAFT", expected_version=None)
        assert err.value.code == "GZ-ST-409"
        rec = store.get("case", "C-1")
        assert rec is not None and dict(rec.doc) == {"v": 1}

    def test_put_update_of_missing_record_conflicts(self, store: Store) -> None:
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put("case", "nope", {}, state="DRAFT", expected_version=1)
        assert err.value.code == "GZ-ST-409"
        assert store.get("case", "nope") is None

    def test_conflict_caught_inside_transaction_keeps_other_writes(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
        with store.transaction() as tx:
            tx.put("case", "C-2", {}, state="DRAFT", expected_version=None)
            with pytest.raises(StoreError):
                tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
            _journal(tx, 2)
        assert store.count("case") == 2
        head = store.journal_head()
        assert head is not None and head.seq == 1

    @pytest.mark.parametrize(
        ("args", "code"),
        [
            (("", "C-1", {}, "S"), "GZ-ST-010"),
            (("case", "", {}, "S"), "GZ-ST-010"),
            (("case", "C-1", {"x": float("nan")}, "S"), "GZ-ST-010"),
            (("case", "C-1", {"x": object()}, "S"), "GZ-ST-010"),
            (("case", "C-1", ["not", "a", "mapping"], "S"), "GZ-ST-010"),
            (("case", "C-1", {}, ""), "GZ-ST-010"),
        ],
    )
    def test_put_rejects_bad_arguments(
        self, store: Store, args: tuple[Any, ...], code: str
    ) -> None:
        kind, id_, doc, state = args
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put(kind, id_, doc, state=state, expected_version=None)
        assert err.value.code == code
        assert store.count("case") == 0

    def test_list_and_count_by_kind_and_state(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in (3, 1, 2, 5, 4):
                tx.put(
                    "case",
                    f"C-{i}",
                    {"i": i},
                    state="OPEN" if i % 2 else "CLOSED",
                    expected_version=None,
                )
            tx.put("notice", "N-1", {}, state="OPEN", expected_version=None)
        assert [r.id for r in store.list("case")] == ["C-1", "C-2", "C-3", "C-4", "C-5"]
        assert [r.id for r in store.list("case", state="OPEN")] == ["C-1", "C-3", "C-5"]
        assert [r.id for r in store.list("case", state="CLOSED")] == ["C-2", "C-4"]
        assert list(store.list("case", state="NONE")) == []
        assert store.count("case") == 5
        assert store.count("case", state="OPEN") == 3
        assert store.count("notice") == 1
        assert store.count("missing") == 0

    def test_list_returns_every_record_beyond_one_page(self, store: Store) -> None:
        ids = [f"R-{i:05d}" for i in range(1203)]
        with store.transaction() as tx:
            for i, rid in enumerate(reversed(ids)):
                tx.put("case", rid, {"i": i}, state="S" if i % 3 else "T", expected_version=None)
        assert [r.id for r in store.list("case")] == ids
        assert store.count("case", state="T") == len(list(store.list("case", state="T"))) == 401

    # --------------------------------------------------------------------------- atomicity

    def test_rollback_on_exception_leaves_nothing(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
            _journal(tx, 1)
            tx.enqueue("push", {"n": 1}, idempotency_key="k-1")
            tx.put_blob("B-1", kind="bundle", media_type="application/json", data=b"{}")
        before = _snapshot(store)

        with pytest.raises(Boom), store.transaction() as tx:
            tx.put("case", "C-1", {"v": 2}, state="PLEDGED", expected_version=1)
            tx.put("case", "C-2", {"v": 1}, state="DRAFT", expected_version=None)
            _journal(tx, 2)
            _journal(tx, 3)
            tx.enqueue("push", {"n": 2}, idempotency_key="k-2")
            tx.put_blob("B-2", kind="bundle", media_type="application/json", data=b"[]")
            raise Boom

        assert _snapshot(store) == before
        assert store.get_blob("B-2") is None
        # The chain continues from the committed head: no gap left by the rolled-back entries.
        with store.transaction() as tx:
            entry = _journal(tx, 4)
        assert entry.seq == 2
        assert entry.prev_hash == before["journal"][-1]["hash"]

    def test_store_error_inside_transaction_rolls_back_everything(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put_blob("B-1", kind="bundle", media_type="application/json", data=b"one")
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
            _journal(tx, 1)
            tx.put_blob("B-1", kind="bundle", media_type="application/json", data=b"two")
        assert err.value.code == "GZ-ST-410"
        assert store.get("case", "C-1") is None
        assert store.journal_head() is None

    def test_transaction_not_durable_is_atomic_like_any_other(self, store: Store) -> None:
        """``durable=False`` changes only whether the commit waits for the disk."""
        with store.transaction(durable=False) as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
            _journal(tx, 1)
        with pytest.raises(Boom), store.transaction(durable=False) as tx:
            tx.put("case", "C-1", {"v": 2}, state="PLEDGED", expected_version=1)
            _journal(tx, 2)
            raise Boom
        rec = store.get("case", "C-1")
        assert rec is not None and rec.version == 1 and dict(rec.doc) == {"v": 1}
        with store.transaction() as tx:  # a durable one after it continues the chain
            entry = _journal(tx, 3)
        stored = list(store.journal())
        assert [e.seq for e in stored] == [1, 2] and stored[1] == entry
        assert entry.prev_hash == stored[0].hash

    def test_nested_transaction_is_refused(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
            with pytest.raises(StoreError) as err, store.transaction():
                pass
            assert err.value.code == "GZ-ST-004"
        assert store.count("case") == 1  # the outer transaction still commits

    def test_transaction_object_unusable_after_commit(self, store: Store) -> None:
        with store.transaction() as tx:
            pass
        with pytest.raises(StoreError) as err:
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
        assert err.value.code == "GZ-ST-006"
        assert store.count("case") == 0

    def test_concurrent_threads_serialise_read_modify_write(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put("counter", "c", {"n": 0}, state="S", expected_version=None)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(25):
                    with store.transaction() as tx:
                        rec = tx.get("counter", "c")
                        assert rec is not None
                        tx.put(
                            "counter",
                            "c",
                            {"n": rec.doc["n"] + 1},
                            state="S",
                            expected_version=rec.version,
                        )
                        _journal(tx, rec.doc["n"] + 1)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        rec = store.get("counter", "c")
        assert rec is not None and rec.doc == {"n": 100} and rec.version == 101
        report = verify_chain(e.to_json_dict() for e in store.journal())
        assert report.ok and report.head_seq == 100

    def test_unfinished_iterator_does_not_block_writers(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(1200):
                tx.put("case", f"C-{i:04d}", {}, state="S", expected_version=None)
        it = store.list("case")
        assert next(it).id == "C-0000"
        done = threading.Event()

        def writer() -> None:
            with store.transaction() as tx:
                tx.put("case", "Z-1", {}, state="S", expected_version=None)
            done.set()

        t = threading.Thread(target=writer)
        t.start()
        t.join()
        assert done.is_set()
        assert sum(1 for _ in it) == 1200  # the rest of the pages, and the new record
        assert store.count("case") == 1201

    # --------------------------------------------------------------------------- journal

    def test_journal_chain_after_many_transactions_verifies(self, store: Store) -> None:
        entries = []
        for n in range(1, 151):
            with store.transaction() as tx:
                entries.append(_journal(tx, n, outcome="REFUSED" if n % 7 == 0 else "APPLIED"))
                if n % 10 == 0:  # several entries in one transaction
                    entries.append(_journal(tx, n))
        stored = list(store.journal())
        assert stored == entries
        assert [e.seq for e in stored] == list(range(1, len(entries) + 1))
        assert stored[0].prev_hash == GENESIS_HASH
        for prev, cur in itertools.pairwise(stored):
            assert cur.prev_hash == prev.hash
        for e in stored:
            assert e.hash == entry_hash(e.to_json_dict())
            assert e.at.endswith("+08:00")
        report = verify_chain(
            (e.to_json_dict() for e in stored),
            expected_head=stored[-1].hash,
            expected_count=len(stored),
        )
        assert report.ok, report.problems
        assert report.head_seq == len(entries) == 165
        head = store.journal_head()
        assert head == stored[-1]
        assert [e.seq for e in store.journal(after_seq=160)] == [161, 162, 163, 164, 165]
        assert list(store.journal(after_seq=165)) == []

    def test_journal_reads_beyond_one_page(self, store: Store) -> None:
        with store.transaction() as tx:
            for n in range(1, 1103):
                _journal(tx, n)
        assert [e.seq for e in store.journal()] == list(range(1, 1103))
        assert [e.seq for e in store.journal(after_seq=600)] == list(range(601, 1103))

    def test_journal_entry_given_time_is_kept(self, store: Store) -> None:
        with store.transaction() as tx:
            e = _journal(tx, 1, at="2024-05-06T07:08:09+08:00")
        assert e.at == "2024-05-06T07:08:09+08:00"
        assert store.journal_head() == e

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"actor": {"role": "OFFICER", "id_number": "x"}}, "GZ-ST-011"),
            ({"actor": {"role": 7}}, "GZ-ST-011"),
            ({"payload_digest": "abc"}, "GZ-ST-011"),
            ({"payload_digest": DIGEST.upper()}, "GZ-ST-011"),
            ({"outcome": "MAYBE"}, "GZ-ST-011"),
            ({"event": ""}, "GZ-ST-011"),
            ({"at": "2024-05-06T07:08:09"}, "GZ-ST-011"),  # no offset
            ({"at": "yesterday"}, "GZ-ST-011"),
            ({"detail": {"big": 2**60}}, "GZ-ST-011"),  # not JCS-safe
            # DESIGN §6: personal identifiers only masked or as salted digests.
            ({"actor": {"role": "APPLICANT", "ref": FULL_ID}}, "GZ-ST-012"),
            ({"detail": {"申请人": f"证件 {FULL_ID} 已核验"}}, "GZ-ST-012"),
            ({"aggregate_id": FULL_ID.lower()}, "GZ-ST-012"),
            ({"detail": {"phone": "13912345678"}}, "GZ-ST-012"),
        ],
    )
    def test_journal_append_rejects_bad_entries(
        self, store: Store, change: dict[str, Any], code: str
    ) -> None:
        fields: dict[str, Any] = {
            "event": "case.accepted",
            "aggregate_type": "case",
            "aggregate_id": "C-1",
            "actor": ACTOR,
            "payload_digest": DIGEST,
        }
        fields.update(change)
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx.append_journal(**fields)
        assert err.value.code == code
        assert FULL_ID not in str(err.value) and "13912345678" not in str(err.value)
        assert store.journal_head() is None

    def test_journal_organ_code_is_not_mistaken_for_a_personal_identifier(
        self, store: Store
    ) -> None:
        # An organ's code in actor.organ is not personal data, even if it happens to pass the
        # resident-ID checksum.
        with store.transaction() as tx:
            e = tx.append_journal(
                event="case.accepted",
                aggregate_type="case",
                aggregate_id="C-1",
                actor={"role": "WINDOW_CLERK", "ref": "CK0001", "organ": FULL_ID},
                payload_digest=DIGEST,
            )
        assert store.journal_head() == e

    def test_journal_accepts_masked_and_digested_identifiers(self, store: Store) -> None:
        salt = store.deployment_secret().key
        with store.transaction() as tx:
            e = tx.append_journal(
                event="pledge.signed",
                aggregate_type="case",
                aggregate_id="C-1",
                actor={"role": "APPLICANT", "ref": mask_identifier(FULL_ID)},
                payload_digest=DIGEST,
                detail={"subject": digest_identifier(FULL_ID, salt), "amount": 12345678901},
            )
        assert FULL_ID not in str(e.to_json_dict())
        assert store.journal_head() == e

    # --------------------------------------------------------------------------- outbox

    def test_outbox_enqueue_pending_and_delivery(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(3):
                tx.enqueue("credit.push", {"i": i, "名称": "推送"}, idempotency_key=f"req-{i}")
        pending = store.pending_outbox()
        assert [m.idempotency_key for m in pending] == ["req-0", "req-1", "req-2"]
        assert [dict(m.payload) for m in pending] == [{"i": i, "名称": "推送"} for i in range(3)]
        assert all(m.topic == "credit.push" and m.attempts == 0 and not m.dead for m in pending)
        assert all(m.delivered_at is None and m.last_error is None for m in pending)
        assert [m.id for m in store.pending_outbox(limit=2)] == [m.id for m in pending[:2]]

        store.mark_delivered(pending[1].id)
        store.mark_delivered(pending[1].id)  # idempotent
        assert [m.idempotency_key for m in store.pending_outbox()] == ["req-0", "req-2"]

    def test_outbox_failures_dead_letter_after_max_attempts(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.enqueue("credit.push", {}, idempotency_key="req-1")
            tx.enqueue("credit.push", {}, idempotency_key="req-2")
        m1, m2 = store.pending_outbox()
        store.mark_failed(m1.id, "HTTP 503", max_attempts=3)
        store.mark_failed(m1.id, "timeout", max_attempts=3)
        again = store.pending_outbox()[0]
        assert again.id == m1.id and again.attempts == 2 and again.last_error == "timeout"
        assert not again.dead
        store.mark_failed(m1.id, "HTTP 500", max_attempts=3)
        assert [m.id for m in store.pending_outbox()] == [m2.id]  # m1 is dead-lettered

    def test_outbox_unknown_message_is_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError) as err:
            store.mark_delivered(424242)
        assert err.value.code == "GZ-ST-404"
        with pytest.raises(NotFoundError):
            store.mark_failed(424242, "x", max_attempts=3)

    def test_outbox_duplicate_idempotency_key_is_ignored(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.enqueue("credit.push", {"first": True}, idempotency_key="req-1")
            tx.enqueue("credit.push", {"first": False}, idempotency_key="req-1")
        with store.transaction() as tx:
            tx.enqueue("other.topic", {"third": True}, idempotency_key="req-1")
        pending = store.pending_outbox()
        assert len(pending) == 1
        assert dict(pending[0].payload) == {"first": True}
        store.mark_delivered(pending[0].id)
        with store.transaction() as tx:  # also after delivery: at most once per key
            tx.enqueue("credit.push", {"again": True}, idempotency_key="req-1")
        assert store.pending_outbox() == []

    # ------------------------------------------------------------------- outbox claims

    def test_claim_outbox_gives_each_message_to_one_worker(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(10):
                tx.enqueue("push", {"i": i}, idempotency_key=f"k-{i}")
        first = store.claim_outbox("w1", limit=4, lease_s=60)
        second = store.claim_outbox("w2", limit=100, lease_s=60)
        assert [dict(m.payload)["i"] for m in first] == [0, 1, 2, 3]
        assert [dict(m.payload)["i"] for m in second] == [4, 5, 6, 7, 8, 9]
        assert store.claim_outbox("w3", limit=100, lease_s=60) == []  # all leased
        assert len(store.pending_outbox(limit=100)) == 10  # claimed is still pending
        store.mark_delivered(first[0].id)
        store.mark_failed(first[1].id, "HTTP 503", max_attempts=5)  # released for retry
        store.mark_failed(first[2].id, "gone", max_attempts=1)  # dead-lettered
        again = store.claim_outbox("w3", limit=100, lease_s=60)
        assert [m.id for m in again] == [first[1].id]
        assert again[0].attempts == 1 and again[0].last_error == "HTTP 503"

    def test_claim_outbox_expired_lease_returns_messages(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(3):
                tx.enqueue("push", {"i": i}, idempotency_key=f"k-{i}")
        crashed = store.claim_outbox("crashed-worker", limit=2, lease_s=0.3)
        assert [m.idempotency_key for m in store.claim_outbox("w2", lease_s=60)] == ["k-2"]
        assert store.claim_outbox("w2", lease_s=60) == []
        time.sleep(0.6)
        back = store.claim_outbox("w2", lease_s=60)
        assert [m.id for m in back] == [m.id for m in crashed]

    def test_concurrent_claims_never_overlap(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(120):
                tx.enqueue("push", {"i": i}, idempotency_key=f"k-{i:03d}")
        got: dict[str, list[int]] = {}
        errors: list[BaseException] = []

        def worker(name: str) -> None:
            mine: list[int] = []
            try:
                while batch := store.claim_outbox(name, limit=7, lease_s=60):
                    mine.extend(m.id for m in batch)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            got[name] = mine

        threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        every = [i for ids in got.values() for i in ids]
        assert len(every) == len(set(every)) == 120

    @pytest.mark.parametrize(
        ("worker", "limit", "lease"), [("", 1, 1.0), ("w", -1, 1.0), ("w", 1, 0), ("w", 1, -2)]
    )
    def test_claim_outbox_rejects_bad_arguments(
        self, store: Store, worker: str, limit: int, lease: float
    ) -> None:
        with pytest.raises(StoreError) as err:
            store.claim_outbox(worker, limit=limit, lease_s=lease)
        assert err.value.code == "GZ-ST-010"

    # --------------------------------------------------------------------------- blobs

    def test_blob_write_once(self, store: Store) -> None:
        data = "签名文件".encode() * 1000
        with store.transaction() as tx:
            sha = tx.put_blob("B-1", kind="bundle", media_type="application/json", data=data)
            assert sha == hashlib.sha256(data).hexdigest()
            # same bytes again: accepted, same digest
            assert (
                tx.put_blob("B-1", kind="bundle", media_type="application/json", data=data) == sha
            )
        for kind, media_type, other in (
            ("bundle", "application/json", data + b"!"),
            ("document", "application/json", data),
            ("bundle", "text/html", data),
        ):
            with pytest.raises(StoreError) as err, store.transaction() as tx:
                tx.put_blob("B-1", kind=kind, media_type=media_type, data=other)
            assert err.value.code == "GZ-ST-410"
        blob = store.get_blob("B-1")
        assert blob is not None
        assert (blob.id, blob.kind, blob.media_type, blob.data, blob.sha256) == (
            "B-1",
            "bundle",
            "application/json",
            data,
            sha,
        )
        assert store.get_blob("B-2") is None

    def test_list_blobs_by_kind(self, store: Store) -> None:
        with store.transaction() as tx:
            for i in range(120):
                tx.put_blob(
                    f"B-{i:03d}",
                    kind="bundle" if i % 2 else "document",
                    media_type="application/octet-stream",
                    data=bytes([i]) * i,
                )
        assert [b.id for b in store.list_blobs()] == [f"B-{i:03d}" for i in range(120)]
        bundles = list(store.list_blobs("bundle"))
        assert [b.id for b in bundles] == [f"B-{i:03d}" for i in range(1, 120, 2)]
        assert all(b.data == bytes([int(b.id[2:])]) * int(b.id[2:]) for b in bundles)

    # --------------------------------------------------------------------------- meta

    def test_meta_has_schema_version_but_no_secret(self, store: Store) -> None:
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        assert store.meta("no-such-key") is None
        # the deployment secret is reachable only through deployment_secret()
        assert store.meta("id_salt") is None

    def test_deployment_secret_is_random_per_store_and_hidden(
        self, store_factory: StoreFactory
    ) -> None:
        secrets_ = [store_factory.open_other().deployment_secret() for _ in range(3)]
        assert all(len(s.key) == 32 for s in secrets_)
        assert len({s.key for s in secrets_}) == 3
        assert len({s.key_id for s in secrets_}) == 3
        for s in secrets_:
            assert s.key_id == secret_key_id(s.key) and s.key_id.startswith("k")
            assert s.key.hex() not in repr(s) and s.key.hex() not in str(s)
            assert "hidden" in repr(s)
        store = store_factory.open()
        assert store.deployment_secrets() == [store.deployment_secret()]

    def test_deployment_secret_rotation_keeps_older_keys(self, store_factory: StoreFactory) -> None:
        store = store_factory.open()
        first = store.deployment_secret()
        second = store.rotate_deployment_secret()
        assert second != first and second.key != first.key
        assert store.deployment_secret() == second
        third = store.rotate_deployment_secret()
        all_ = store.deployment_secrets()
        assert all_[0] == third
        assert {s.key_id: s.key for s in all_} == {
            first.key_id: first.key,
            second.key_id: second.key,
            third.key_id: third.key,
        }
        with store.transaction(), pytest.raises(StoreError) as err:
            store.rotate_deployment_secret()
        assert err.value.code == "GZ-ST-004"
        assert store.deployment_secret() == third
        if store_factory.persistent:
            store.close()
            again = store_factory.open()
            assert again.deployment_secret() == third
            assert {s.key_id for s in again.deployment_secrets()} == {s.key_id for s in all_}

    def test_salt_and_data_stable_across_reopen(self, store_factory: StoreFactory) -> None:
        if not store_factory.persistent:
            pytest.skip("in-memory stores cannot be reopened")
        store = store_factory.open()
        salt = store.deployment_secret()
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
            _journal(tx, 1)
        head = store.journal_head()
        store.close()
        for _ in range(3):
            again = store_factory.open()
            assert again.deployment_secret() == salt
            assert again.deployment_secret().key == salt.key
            assert again.journal_head() == head
            rec = again.get("case", "C-1")
            assert rec is not None and rec.version == 1
            again.close()

    def test_closed_store_refuses_use(self, store: Store) -> None:
        store.close()
        store.close()  # idempotent
        with pytest.raises(StoreError) as err:
            store.get("case", "C-1")
        assert err.value.code == "GZ-ST-005"
        with pytest.raises(StoreError), store.transaction():
            pass

    def test_store_satisfies_protocol(self, store: Store) -> None:
        assert isinstance(store, Store)
