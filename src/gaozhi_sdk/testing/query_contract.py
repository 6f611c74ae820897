"""The query part of the Store contract (DESIGN §6a): indexed filters, keyset pages and
grouped statistics counts — the same tests for every backend (mixed into
:class:`gaozhi_sdk.testing.store_contract.StoreContract`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.ids import keyed_digest
from gaozhi_sdk.store import RecordQuery, StatisticsQuery, Store, period_bounds, sortable_time

__all__ = ["QueryContract"]

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
ORGANS = ("91110000000000001A", "91110000000000002B")
APPLICANTS = ("11010519491231002X", "110105194912310037", "110105194912310045")


def _case(i: int) -> dict[str, Any]:
    """Case ``i``: organ i % 2, applicant i % 3, accepted i days after T0 (offset +08:00
    or UTC alternately: the order must be by instant, not by text)."""
    at = T0 + timedelta(days=i)
    return {
        "case_no": f"CASE-{i:04d}",
        "organ_uscc": ORGANS[i % 2],
        "applicant": {"id_number": APPLICANTS[i % 3], "name": "申请人"},
        "entry_ids": ["E1", "E2"] if i % 4 == 0 else ["E1"],
        "pledged_entry_ids": ["E1"] if i % 3 else [],
        "choices": [{"entry_id": "E1", "mode": "PLEDGE" if i % 3 else "DOCUMENT"}],
        "created_at": (at if i % 2 else at.astimezone(UTC)).isoformat(),
    }


def _state(i: int) -> str:
    return ("ACCEPTED", "WITHDRAWN", "DECIDED")[i % 3]


def _load(store: Store, n: int) -> None:
    with store.transaction() as tx:
        for i in range(n):
            tx.put("case", f"CASE-{i:04d}", _case(i), state=_state(i), expected_version=None)
            due = None if i % 5 == 0 else (T0 + timedelta(days=i + 20)).isoformat()
            tx.put(
                "verification",
                f"VRF-{i:04d}",
                {
                    "case_no": f"CASE-{i:04d}",
                    "entry_id": "E1",
                    "method": "ONLINE" if i % 2 else "ON_SITE",
                    "result": "FALSE" if i % 7 == 3 else None,
                    "due_at": due,
                },
                state="CONCLUDED" if i % 7 == 3 else "SCHEDULED",
                expected_version=None,
            )
        tx.put("list_version", "L-1", {"x": 1}, state="PUBLISHED", expected_version=None)


def _ids(records: Any) -> list[str]:
    return [r.id for r in records]


def _expected(n: int, keep: Any) -> list[str]:
    """Case numbers ``keep`` selects, in acceptance order (= index order here)."""
    return [f"CASE-{i:04d}" for i in range(n) if keep(i)]


class QueryContract:
    """Province queries answered by the store (every backend)."""

    def test_find_filters_by_organ_state_subject_and_period(self, store: Store) -> None:
        _load(store, 30)
        q = RecordQuery
        assert _ids(store.find(q("case", organ=ORGANS[1], limit=1000))) == _expected(
            30, lambda i: i % 2 == 1
        )
        assert _ids(store.find(q("case", states=("WITHDRAWN",), limit=1000))) == _expected(
            30, lambda i: i % 3 == 1
        )
        secret = store.deployment_secret()
        digest = keyed_digest(APPLICANTS[2], secret.key, secret.key_id)
        assert _ids(store.find(q("case", subjects=(digest,), limit=1000))) == _expected(
            30, lambda i: i % 3 == 2
        )
        lo, hi = period_bounds((T0 + timedelta(days=3)).date(), (T0 + timedelta(days=9)).date())
        got = store.find(q("case", at_from=lo, at_to=hi, organ=ORGANS[0], limit=1000))
        assert _ids(got) == _expected(30, lambda i: 3 <= i <= 9 and i % 2 == 0)
        verifs = store.find(q("verification", ref="CASE-0007", limit=10))
        assert _ids(verifs) == ["VRF-0007"]
        online = store.find(q("verification", fields=(("method", "ONLINE"),), limit=1000))
        assert len(online) == 15 and all(r.doc["method"] == "ONLINE" for r in online)
        assert store.find(q("list_version", limit=10)) == []  # unkeyed kinds are not queried

    def test_keyset_pages_cover_every_record_once_in_order(self, store: Store) -> None:
        _load(store, 57)
        seen: list[str] = []
        after = None
        while True:
            page = store.find(RecordQuery("case", after=after, limit=10))
            seen += _ids(page)
            if len(page) < 10:
                break
            after = page[-1].id
        assert seen == _expected(57, lambda i: True)
        # a record inserted before the cursor does not shift the next page
        first = store.find(RecordQuery("case", limit=5))
        with store.transaction() as tx:
            tx.put(
                "case", "CASE-0000a", {**_case(0), "case_no": "CASE-0000a"},
                state="ACCEPTED", expected_version=None,
            )  # fmt: skip
        nxt = store.find(RecordQuery("case", after=first[-1].id, limit=3))
        assert _ids(nxt) == ["CASE-0005", "CASE-0006", "CASE-0007"]

    def test_verifications_are_ordered_by_due_time(self, store: Store) -> None:
        _load(store, 12)
        open_ = store.find(
            RecordQuery(
                "verification",
                states=("SCHEDULED",),
                at_from="0",
                at_to=sortable_time(T0 + timedelta(days=28)),
                limit=100,
            )
        )
        want = [f"VRF-{i:04d}" for i in range(12) if i % 5 and i % 7 != 3 and i + 20 < 28]
        assert _ids(open_) == want

    @pytest.mark.parametrize(
        "bad",
        [
            {"limit": 0},
            {"limit": 1001},
            {"limit": True},
            {"states": ("",)},
            {"fields": (("method; DROP TABLE records", "x"),)},
            {"at_from": "2026-02", "at_to": "2026-01"},
        ],
    )
    def test_find_rejects_bad_queries(self, store: Store, bad: dict[str, Any]) -> None:
        with pytest.raises(StoreError) as err:
            store.find(RecordQuery("case", **bad))
        assert err.value.code == "GZ-ST-010"

    def test_unknown_cursor_is_refused(self, store: Store) -> None:
        _load(store, 3)
        with pytest.raises(StoreError) as err:
            store.find(RecordQuery("case", after="CASE-9999", limit=5))
        assert err.value.code == "GZ-ST-010"
        with pytest.raises(StoreError):  # an id of another kind is no cursor either
            store.find(RecordQuery("case", after="VRF-0001", limit=5))

    def test_statistics_counts_group_in_the_database(self, store: Store) -> None:
        _load(store, 24)
        with store.transaction() as tx:
            tx.put(
                "disposition", "DSP-1",
                {"case_no": "CASE-0003", "actions": ["TERMINATE", "CREDIT"]},
                state="DONE", expected_version=None,
            )  # fmt: skip
            tx.put(
                "credit_record", "CR-1",
                {"case_no": "CASE-0003", "severity": "GENERAL", "status": "RECORDED"},
                state="RECORDED", expected_version=None,
            )  # fmt: skip
            tx.put(
                "complaint", "CP-1",
                {"subject_ref": "CASE-0003", "received_at": (T0 + timedelta(days=4)).isoformat()},
                state="RECEIVED", expected_version=None,
            )  # fmt: skip
            tx.put(
                "limitation_refusal", "CASE-0010", {"case_no": "CASE-0010"},
                state="REFUSED", expected_version=None,
            )  # fmt: skip
        lo, hi = period_bounds(T0.date(), (T0 + timedelta(days=11)).date())
        c = store.statistics_counts(StatisticsQuery(lo, hi, ORGANS[1]))
        picked = [i for i in range(24) if i <= 11 and i % 2 == 1]  # 1, 3, 5, 7, 9, 11
        assert sum(n for _, n in c.statuses) == len(picked)
        assert dict(c.statuses) == {"ACCEPTED": 2, "WITHDRAWN": 2, "DECIDED": 2}
        entries = {row[:5]: row[5] for row in c.entries}
        assert sum(entries.values()) == len(picked)  # odd cases have one entry each
        assert entries[(ORGANS[1], "E1", "WITHDRAWN", True, True)] == 2  # 1, 7
        assert entries[(ORGANS[1], "E1", "ACCEPTED", False, True)] == 2  # 3, 9
        checks = {row[:5]: row[5] for row in c.verifications}
        assert checks[(ORGANS[1], "E1", "ONLINE", "FALSE", "CONCLUDED")] == 1  # 3
        assert sum(checks.values()) == len(picked)
        assert dict(c.dispositions) == {"TERMINATE": 1, "CREDIT": 1}
        assert c.credit == (("GENERAL", "RECORDED", 1),)
        assert c.complaints == (("RECEIVED", 1),)
        assert c.limitation_refusals == 0  # CASE-0010 belongs to the other organ
        everything = store.statistics_counts(StatisticsQuery())
        assert sum(n for _, n in everything.statuses) == 24
        assert everything.limitation_refusals == 1
        other = store.statistics_counts(StatisticsQuery(organ=ORGANS[0]))
        assert other.complaints == () and other.dispositions == ()
