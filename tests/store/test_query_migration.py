"""Migration 3 derives the query keys of the records a version-2 store already holds
(both engines): after the upgrade the old cases are found by organ, applicant digest and
period exactly as new ones are, and nothing else in the rows changed."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import pytest

from gaozhi_sdk.ids import keyed_digest
from gaozhi_sdk.store import RecordQuery, StatisticsQuery, Store, period_bounds
from gaozhi_sdk.testing.store_contract import StoreFactory

_V3_INDEXES = ("records_at", "records_state_at", "records_organ_at", "records_subject_at")
_V3_INDEXES += ("records_ref",)


def _case(i: int) -> dict[str, Any]:
    return {
        "case_no": f"CASE-{i:03d}",
        "organ_uscc": ("91110000000000001A", "91110000000000002B")[i % 2],
        "applicant": {"id_number": f"11010519491231{i:03d}X"},
        "entry_ids": ["E1"],
        "pledged_entry_ids": ["E1"],
        "choices": [],
        "created_at": f"2026-0{1 + i % 6}-10T10:00:00+08:00",
    }


def _back_to_version_2(factory: StoreFactory, store: Store) -> None:
    """Undo migration 3 in place (its indexes and columns, its record), as a store the
    previous SDK wrote would be."""
    drops = [f"DROP INDEX {name}" for name in _V3_INDEXES]
    drops += [
        f"ALTER TABLE records DROP COLUMN {c}" for c in ("organ", "subject", "at", "ref", "facts")
    ]
    drops += [
        "DELETE FROM schema_migrations WHERE version = 3",
        "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
    ]
    if factory.name == "postgres":
        with store._connection() as conn:  # type: ignore[attr-defined]
            for stmt in drops:
                conn.execute(stmt.encode())
        store.close()
    else:
        path = store.path  # type: ignore[attr-defined]
        store.close()
        raw = sqlite3.connect(path, isolation_level=None)
        for stmt in [*drops, "PRAGMA user_version = 2"]:
            raw.execute(stmt)
        raw.close()


def test_migration_3_derives_the_keys_of_existing_records(store_factory: StoreFactory) -> None:
    if not store_factory.persistent:
        pytest.skip("an in-memory store cannot be reopened")
    store = store_factory.open()
    with store.transaction() as tx:
        for i in range(12):
            tx.put("case", f"CASE-{i:03d}", _case(i), state="ACCEPTED", expected_version=None)
            tx.put(
                "verification",
                f"VRF-{i:03d}",
                {"case_no": f"CASE-{i:03d}", "due_at": None},
                state="SCHEDULED",
                expected_version=None,
            )
    before = [(r.kind, r.id, r.version, r.state, dict(r.doc)) for r in store.list("case")]
    secret = store.deployment_secret()
    _back_to_version_2(store_factory, store)

    upgraded = store_factory.open()  # migrates on open
    status = upgraded.migration_status()  # type: ignore[attr-defined]
    assert status.up_to_date and status.current == 3
    after = [(r.kind, r.id, r.version, r.state, dict(r.doc)) for r in upgraded.list("case")]
    assert after == before
    by_organ = upgraded.find(RecordQuery("case", organ="91110000000000002B", limit=100))
    assert [r.id for r in by_organ] == [
        f"CASE-{i:03d}" for i in sorted(range(1, 12, 2), key=lambda i: (1 + i % 6, i))
    ]
    digest = keyed_digest("11010519491231007X", secret.key, secret.key_id)
    assert [r.id for r in upgraded.find(RecordQuery("case", subjects=(digest,)))] == ["CASE-007"]
    lo, hi = period_bounds(date(2026, 1, 1), date(2026, 3, 31))
    q1 = upgraded.find(RecordQuery("case", at_from=lo, at_to=hi, limit=100))
    assert len(q1) == 6
    assert [r.id for r in upgraded.find(RecordQuery("verification", ref="CASE-003"))] == ["VRF-003"]
    counts = upgraded.statistics_counts(StatisticsQuery(lo, hi))
    assert dict(counts.statuses) == {"ACCEPTED": 6}
    assert sum(row[5] for row in counts.verifications) == 6
