"""The province queries use an index, not a full scan (DESIGN §6a), on both engines.

A store holds 8,000 cases accepted over ten years, each with a verification; the plans
the engines choose (after ANALYZE) for every page query, the due verifications and the
grouped statistics of one quarter must read ``records`` through one of its indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.ids import keyed_digest
from gaozhi_sdk.store import (
    RecordQuery,
    SqliteStore,
    StatisticsQuery,
    Store,
    period_bounds,
    sortable_time,
)
from gaozhi_sdk.store.queries import POSTGRES, SQLITE, Dialect
from gaozhi_sdk.testing.postgres import postgres_store_factory

N = 8000
CST = timezone(timedelta(hours=8))
T0 = datetime(2016, 1, 4, 9, 0, tzinfo=CST)
ORGANS = [f"9111000000000{i:04d}X" for i in range(20)]


def _fill(store: Store) -> None:
    secret = store.deployment_secret()
    assert keyed_digest("x", secret.key, secret.key_id)
    with store.transaction() as tx:
        for i in range(N):
            at = T0 + timedelta(hours=11 * i)  # ten years
            tx.put(
                "case",
                f"CASE-{i:06d}",
                {
                    "case_no": f"CASE-{i:06d}",
                    "organ_uscc": ORGANS[i % 20],
                    "applicant": {"id_number": f"1101051949123{i:05d}"},
                    "entry_ids": ["E1"],
                    "pledged_entry_ids": ["E1"],
                    "choices": [{"entry_id": "E1", "mode": "PLEDGE"}],
                    "created_at": at.isoformat(),
                },
                state=("ACCEPTED", "DECIDED", "WITHDRAWN", "CLOSED_TRUE")[i % 4],
                expected_version=None,
            )
            tx.put(
                "verification",
                f"VRF-{i:06d}",
                {
                    "case_no": f"CASE-{i:06d}",
                    "entry_id": "E1",
                    "method": "ONLINE",
                    "result": None,
                    "due_at": (at + timedelta(days=28)).isoformat(),
                },
                state="CONCLUDED" if i % 10 else "SCHEDULED",
                expected_version=None,
            )
            for kind in ("notice", "pledge", "snapshot"):  # what else a case stores
                tx.put(
                    kind,
                    f"{kind}-{i:06d}",
                    {"case_no": f"CASE-{i:06d}", "text": "x" * 200},
                    state="DONE",
                    expected_version=None,
                )
            if i % 3:  # every third pledge predates the signing-method records
                tx.put(
                    "pledge_signing_method",
                    f"pledge-{i:06d}",
                    {"case_no": f"CASE-{i:06d}", "method": "EVENT_CERTIFICATE"},
                    state="EVENT_CERTIFICATE",
                    expected_version=None,
                )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Dialect, Any]]:
    """(store, dialect, explain(sql, params) → plan text) over a filled store."""
    if request.param == "sqlite":
        store: Any = SqliteStore(Path(tmp_path_factory.mktemp("plans")) / "plans.db")
        _fill(store)
        store._fetch("ANALYZE")

        def explain(sql: str, params: tuple[Any, ...]) -> str:
            rows = store._fetch("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(r[-1]) for r in rows)

        yield store, SQLITE, explain
    else:
        factory = postgres_store_factory(
            request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_database")
        )
        store = factory.open()
        _fill(store)
        with store._connection() as conn:
            conn.execute(b"ANALYZE records")

        def explain(sql: str, params: tuple[Any, ...]) -> str:
            rows = store._fetch("EXPLAIN " + sql, params)
            return "\n".join(str(r[0]) for r in rows)

        yield store, POSTGRES, explain
    store.close()


def _uses_index(plan: str, dialect: Dialect) -> bool:
    if dialect is SQLITE:
        lines = [ln for ln in plan.splitlines() if " records" in ln or ln.startswith("SCAN")]
        scans = [ln for ln in lines if ln.startswith(("SCAN", "SEARCH"))]
        return bool(scans) and all(
            "INDEX" in ln or ln.startswith("SCAN json_each") or "json_each" in ln for ln in scans
        )
    return "Seq Scan on records" not in plan and "Index" in plan


def _queries(store: Store) -> dict[str, RecordQuery]:
    secret = store.deployment_secret()
    digest = keyed_digest("110105194912300123", secret.key, secret.key_id)
    lo, hi = period_bounds(date(2020, 4, 1), date(2020, 6, 30))
    return {
        "by organ": RecordQuery("case", organ=ORGANS[3], limit=50),
        "by applicant": RecordQuery("case", subjects=(digest,), limit=50),
        "by state": RecordQuery("case", states=("WITHDRAWN",), limit=50),
        "by period": RecordQuery("case", at_from=lo, at_to=hi, limit=50),
        "next page": RecordQuery("case", organ=ORGANS[3], after="CASE-004003", limit=50),
        "of a case": RecordQuery("verification", ref="CASE-000123", limit=50),
        "due": RecordQuery(
            "verification",
            states=("SCHEDULED", "OVERDUE"),
            at_from="0",
            at_to=sortable_time(datetime(2018, 1, 1, tzinfo=CST)),
            limit=50,
        ),
    }


@pytest.mark.parametrize(
    "name", ["by organ", "by applicant", "by state", "by period", "next page", "of a case", "due"]
)
def test_page_queries_use_an_index(filled: tuple[Store, Dialect, Any], name: str) -> None:
    store, dialect, explain = filled
    query = _queries(store)[name]
    after_at = None
    if query.after is not None:
        got = store.find(RecordQuery(query.kind, after=None, limit=1))
        assert got
        after_at = sortable_time(T0)
    sql, params = query.sql(dialect, after_at)
    plan = explain(sql, params)
    assert _uses_index(plan, dialect), plan
    assert len(store.find(query)) >= 1


@pytest.mark.parametrize(
    "part",
    [
        "cases",
        "children",
        "complaints",
    ],
)
def test_quarterly_statistics_read_through_indexes(
    filled: tuple[Store, Dialect, Any], part: str
) -> None:
    store, dialect, explain = filled
    lo, hi = period_bounds(date(2020, 4, 1), date(2020, 6, 30))
    sql, params = StatisticsQuery(lo, hi).statements(dialect)[part]
    plan = explain(sql, params)
    assert _uses_index(plan, dialect), plan
    counts = store.statistics_counts(StatisticsQuery(lo, hi))
    assert 150 < sum(n for _, n in counts.statuses) < 250  # one quarter of ten years


def test_r079_pledges_without_a_signing_method_record_count_as_certificate(
    filled: tuple[Store, Dialect, Any],
) -> None:
    """The statistics count the signing method of every pledge of the period's cases: the
    recorded method, else CERTIFICATE (pledges stored before methods were recorded)."""
    store, _, _ = filled
    lo, hi = period_bounds(date(2020, 4, 1), date(2020, 6, 30))
    counts = store.statistics_counts(StatisticsQuery(lo, hi))
    in_quarter = [i for i in range(N) if lo <= sortable_time(T0 + timedelta(hours=11 * i)) < hi]
    assert in_quarter
    expected = {
        "CERTIFICATE": sum(1 for i in in_quarter if i % 3 == 0),
        "EVENT_CERTIFICATE": sum(1 for i in in_quarter if i % 3),
    }
    assert dict(counts.signing_methods) == expected


def test_the_plan_check_detects_a_full_scan(filled: tuple[Store, Dialect, Any]) -> None:
    """The check above is not vacuous: a filter on the document alone is a full scan."""
    _, dialect, explain = filled
    p = dialect.param
    plan = explain(f"SELECT id FROM records WHERE doc LIKE {p}", ("%CASE-000123%",))
    assert not _uses_index(plan, dialect), plan
