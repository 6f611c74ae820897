"""Province queries through the area services, on SQLite and on a real PostgreSQL
(DESIGN §6a, issue 12 step 6): statistics by SQL aggregation equal the Python reference
and what the journal records for the period (R-079); case lists by applicant, organ,
state and acceptance period with keyset pages; due verifications.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.models.enums import CaseStatus, ProofMode, VerificationStatus
from gaozhi_sdk.rules import compute_statistics
from gaozhi_sdk.testing.postgres import postgres_store_factory

from .conftest import CST, ON_SITE_ENTRY, ONLINE_ENTRY, OWNER_USCC, World, build_world
from .test_statistics import scenario  # noqa: F401 - the hand-built scenario, on both stores


@pytest.fixture(params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, pki: Any, seals: dict[str, Any]
) -> Iterator[World]:
    """The default world on a SQLite file or in a fresh PostgreSQL schema."""
    store = None
    if request.param == "postgres":
        factory = postgres_store_factory(
            request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_database")
        )
        store = factory.open()
    w = build_world(tmp_path / "gaozhi.db", pki, seals, store=store)
    yield w
    w.svc.close()


def test_r079_sql_statistics_equal_the_python_reference(scenario: World) -> None:  # noqa: F811
    """R-079: the report grouped by the database equals the report computed from every
    model in Python (the former implementation), field for field."""
    svc = scenario.svc
    by_sql = svc.statistics()
    reference = compute_statistics(
        svc.cases.list(),
        svc.verifications.list(),
        svc.credit.dispositions(),
        svc.credit.list(),
        svc.complaints.list(),
        generated_at=by_sql.generated_at,
        penalties_refused_for_limitation=svc.store.count("limitation_refusal"),
        pledges_by_signing_method=svc.signing.method_counts(),
    )
    assert by_sql == reference
    assert by_sql.totals["cases"] == 7 and by_sql.totals["verifications"] == 5


def _quarters(w: World) -> dict[str, str]:
    """Cases in three quarters; two Q1 cases change state in Q2. Returns name → case_no."""
    svc = w.svc
    made = {"q1_decided": w.bring(ONLINE_ENTRY, "DECIDED", truth=True).case_no}
    made["q1_false"] = w.false_case(CaseStatus.ACCEPTED).case_no
    doc = w.notice([ONLINE_ENTRY])
    w.choose(doc.case_no, {ONLINE_ENTRY: ProofMode.DOCUMENT})
    made["q1_document"] = doc.case_no
    made["q1_later_withdrawn"] = w.bring(ONLINE_ENTRY, "ACCEPTED").case_no
    made["q1_on_site"] = w.bring(ON_SITE_ENTRY, "ACCEPTED").case_no
    w.clock.set(datetime(2026, 4, 7, 10, 0, tzinfo=CST))
    later = svc.cases.get(made["q1_later_withdrawn"])
    svc.cases.withdraw(later.case_no, "改按原程序办理", w.actor_of(later.applicant))
    made["q2_decided"] = w.bring(ONLINE_ENTRY, "DECIDED", truth=True).case_no
    made["q2_withdrawn"] = w.bring(ONLINE_ENTRY, "ACCEPTED").case_no
    q2 = svc.cases.get(made["q2_withdrawn"])
    svc.cases.withdraw(q2.case_no, "不再申请", w.actor_of(q2.applicant))
    w.clock.set(datetime(2026, 7, 6, 9, 30, tzinfo=CST))
    made["q3_pledged"] = w.bring(ONLINE_ENTRY, "PLEDGED").case_no
    return made


def _from_journal(w: World, first: date, last: date) -> dict[str, Any]:
    """What the journal records for the cases accepted from ``first`` to ``last`` (CST,
    both included) — counted from the journal entries alone, not from the records."""
    lo = datetime.combine(first, datetime.min.time(), CST)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), CST)
    entries = [e for e in w.svc.journal.entries() if e.outcome == "APPLIED"]

    def inside(e: Any) -> bool:
        return lo <= datetime.fromisoformat(e.at) < hi

    cohort = {e.aggregate_id for e in entries if e.event == "case.issue_notice" and inside(e)}
    last_state: dict[str, str] = {}
    for e in entries:
        if e.aggregate_type == "case" and "to" in e.detail:
            last_state[e.aggregate_id] = e.detail["to"]
    of_cohort = [e for e in entries if e.aggregate_id in cohort]
    # every verification of these cases was scheduled and concluded in the same quarter
    checks = [e for e in entries if e.aggregate_type == "verification" and inside(e)]
    return {
        "cases": len(cohort),
        "cases_by_status": dict(sorted(Counter(last_state[c] for c in cohort).items())),
        "pledges": sum(e.event == "case.sign_pledge" for e in of_cohort),
        "withdrawals": sum(e.event == "case.withdraw" for e in of_cohort),
        "verifications": sum(e.event == "verification.schedule" for e in checks),
        "false_pledges": sum(e.detail.get("result") == "FALSE" for e in checks),
    }


@pytest.mark.parametrize(
    ("first", "last", "cases"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), 5),
        (date(2026, 4, 1), date(2026, 6, 30), 2),
        (date(2026, 7, 1), date(2026, 9, 30), 1),
        (date(2026, 1, 1), date(2026, 12, 31), 8),
    ],
)
def test_r079_report_for_a_period_equals_what_the_journal_records(
    world: World, first: date, last: date, cases: int
) -> None:
    """R-079: for each quarter (and the year) the report's totals and states equal the
    counts taken independently from the journal entries of that period's cases."""
    _quarters(world)
    stats = world.svc.statistics(period_from=first, period_to=last)
    journal = _from_journal(world, first, last)
    assert journal["cases"] == cases
    assert stats.cases_by_status == journal["cases_by_status"]
    for key in ("cases", "pledges", "withdrawals", "verifications", "false_pledges"):
        assert stats.totals[key] == journal[key], key
    assert (stats.period_from, stats.period_to) == (first.isoformat(), last.isoformat())


def test_r079_report_of_one_organ_and_an_empty_period(world: World) -> None:
    _quarters(world)
    svc = world.svc
    mine = svc.statistics(organ_uscc=OWNER_USCC)
    assert mine.totals == svc.statistics().totals  # every case is the owner's
    assert svc.statistics(organ_uscc="91110000000000009X").totals["cases"] == 0
    empty = svc.statistics(period_from=date(2025, 1, 1), period_to=date(2025, 12, 31))
    assert empty.totals["cases"] == 0 and empty.entries == ()
    with pytest.raises(StoreError) as err:
        svc.statistics(period_from=date(2026, 5, 1), period_to=date(2026, 4, 1))
    assert err.value.code == "GZ-ST-010"


def test_case_lists_by_applicant_organ_state_and_period_page_by_keyset(world: World) -> None:
    svc = world.svc
    made = _quarters(world)
    everything = svc.cases.list()
    assert [c.case_no for c in everything] == sorted(made.values())  # acceptance order
    q1 = svc.cases.list(accepted_from=date(2026, 1, 1), accepted_to=date(2026, 3, 31))
    assert {c.case_no for c in q1} == {v for k, v in made.items() if k.startswith("q1")}
    withdrawn = svc.cases.list(status=CaseStatus.WITHDRAWN)
    assert {c.case_no for c in withdrawn} == {made["q1_later_withdrawn"], made["q2_withdrawn"]}
    assert svc.cases.list(organ_uscc=OWNER_USCC) == everything
    one = svc.cases.get(made["q2_decided"])
    again = world.notice([ONLINE_ENTRY], one.applicant)  # the same applicant, a new case
    mine = svc.cases.list(applicant_id=one.applicant.id_number)
    assert [c.case_no for c in mine] == [one.case_no, again.case_no]
    # after a rotation, older cases are still found under the older secret's digest
    svc.rotate_deployment_secret()
    third = world.notice([ONLINE_ENTRY], one.applicant)
    found = svc.cases.list(applicant_id=one.applicant.id_number)
    assert [c.case_no for c in found] == [one.case_no, again.case_no, third.case_no]
    # keyset pages: every case exactly once, in order, whatever the page size
    pages, after = [], None
    while True:
        page = svc.cases.list(after=after, limit=3)
        pages.append([c.case_no for c in page])
        if len(page) < 3:
            break
        after = page[-1].case_no
    assert [n for p in pages for n in p] == [c.case_no for c in svc.cases.list()]
    assert all(len(p) == 3 for p in pages[:-1])
    with pytest.raises(StoreError):
        svc.cases.list(after="CASE-999999", limit=3)


def test_due_verifications_are_the_open_ones_past_their_deadline(world: World) -> None:
    svc = world.svc
    a = world.bring(ONLINE_ENTRY, "ACCEPTED")
    b = world.bring(ON_SITE_ENTRY, "DECIDED")  # on site, due a month after the decision
    (va,) = svc.verifications.list(case_no=a.case_no)
    (vb,) = svc.verifications.list(case_no=b.case_no)
    assert va.due_at is not None and vb.due_at is not None and va.due_at < vb.due_at
    assert svc.verifications.due() == []
    assert [v.verification_id for v in svc.verifications.due(va.due_at)] == [va.verification_id]
    later = vb.due_at + timedelta(days=1)
    due = svc.verifications.due(later)
    assert [v.verification_id for v in due] == [va.verification_id, vb.verification_id]
    assert [v.verification_id for v in svc.verifications.due(later, limit=1)] == [
        va.verification_id
    ]
    assert [
        v.verification_id for v in svc.verifications.due(later, after=va.verification_id, limit=5)
    ] == [vb.verification_id]
    world.finish(va.verification_id, truth=True)  # concluded: no longer due
    assert [v.verification_id for v in svc.verifications.due(later)] == [vb.verification_id]
    scheduled = svc.verifications.list(status=VerificationStatus.SCHEDULED)
    assert [v.verification_id for v in scheduled] == [vb.verification_id]
