"""行政处罚追责时效 in dispositions (R-059a, 行政处罚法第三十六条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.enums import CaseStatus, DispositionAction, VerificationResult
from gaozhi_sdk.rules import FalsePledgeFacts, load_list, penalty_limitation
from gaozhi_sdk.testing import sample_list_text

from .conftest import ON_SITE_ENTRY, World, WorldFactory, review

A = DispositionAction


def _false_after(world: World, days: int) -> str:
    """A decided case whose post-decision verification finds the pledge false ``days``
    after the pledge was signed."""
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    world.clock.advance(days=days)
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    assert world.finish(v.verification_id, truth=False).result is VerificationResult.FALSE
    return case.case_no


def test_r059a_limitation_is_two_years_or_five_with_safety_harm() -> None:
    signed = date(2026, 1, 5)
    two = penalty_limitation(signed, date(2028, 1, 5))
    assert (two.years, two.last_day, two.barred) == (2, date(2028, 1, 5), False)
    assert penalty_limitation(signed, date(2028, 1, 6)).barred
    five = penalty_limitation(signed, date(2030, 12, 31), safety_harm=True)
    assert (five.years, five.last_day, five.barred) == (5, date(2031, 1, 5), False)
    assert penalty_limitation(signed, date(2031, 1, 6), safety_harm=True).barred
    assert "R-059a" in two.reason and "第三十六条" in two.reason
    # clamped to the month's end: a pledge on 29 February
    assert penalty_limitation(date(2028, 2, 29), date(2030, 2, 28)).last_day == date(2030, 2, 28)


def test_r059a_penalty_after_two_years_refused_other_dispositions_allowed(world: World) -> None:
    case_no = _false_after(world, 2 * 365 + 60)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.dispose(
            case_no, [A.REVOKE_DECISION, A.ADMIN_PENALTY], world.inspector, penalty_ref="罚-1"
        )
    err = ei.value
    assert err.code == "GZ-RL-258" and "R-059a" in err.message and err.message_en
    assert err.details["years"] == 2
    assert world.svc.store.count("disposition") == 0
    (refusal,) = world.journal(aggregate_id=case_no, event="case.dispose", outcome="REFUSED")
    assert refusal.detail["code"] == "GZ-RL-258"
    # a second attempt is journaled too but the case is counted once
    with pytest.raises(RuleViolationError):
        world.svc.credit.dispose(
            case_no, [A.REVOKE_DECISION, A.ADMIN_PENALTY], world.inspector, penalty_ref="罚-2"
        )
    assert world.svc.statistics().totals["penalties_refused_for_limitation"] == 1
    # revocation is no penalty: still lawful, and recorded in credit
    d = world.svc.credit.dispose(case_no, [A.REVOKE_DECISION], world.inspector)
    assert d.actions == (A.REVOKE_DECISION,)
    assert world.svc.cases.get(case_no).status is CaseStatus.REVOKED


def test_r059a_penalty_within_two_years_allowed_and_journaled(world: World) -> None:
    case_no = _false_after(world, 365)
    d = world.svc.credit.dispose(
        case_no, [A.REVOKE_DECISION, A.ADMIN_PENALTY], world.inspector, penalty_ref="罚-3"
    )
    assert A.ADMIN_PENALTY in d.actions and d.repair_notice_ref
    (ok,) = world.journal(aggregate_id=case_no, event="case.revoke")
    signed = world.svc.cases.pledge(world.svc.cases.get(case_no).pledge_id or "").signed_at.date()
    last_day = signed.replace(year=signed.year + 2).isoformat()
    assert ok.detail["penalty_limitation_last_day"] == last_day
    assert world.svc.statistics().totals["penalties_refused_for_limitation"] == 0


def test_r059a_safety_with_harmful_consequences_extends_to_five_years(world: World) -> None:
    case_no = _false_after(world, 2 * 365 + 60)
    # safety alone is not enough: Art.36 also needs harmful consequences
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.dispose(
            case_no,
            [A.REVOKE_DECISION, A.ADMIN_PENALTY],
            world.inspector,
            penalty_ref="罚-4",
            facts=FalsePledgeFacts(decision_issued=True, safety_involved=True),
        )
    assert ei.value.code == "GZ-RL-258"
    d = world.svc.credit.dispose(
        case_no,
        [A.REVOKE_DECISION, A.ADMIN_PENALTY],
        world.inspector,
        penalty_ref="罚-4",
        facts=FalsePledgeFacts(
            decision_issued=True, safety_involved=True, harmful_consequences=True
        ),
    )
    assert A.ADMIN_PENALTY in d.actions


def test_r059a_entry_flag_marks_safety(world_factory: WorldFactory) -> None:
    """An entry marked ``safety_critical`` needs only the case's harmful consequences."""
    w = world_factory(publish=False)
    doc = load_list(sample_list_text()).model_dump(mode="json")
    for e in doc["entries"]:
        if e["entry_id"] == ON_SITE_ENTRY:
            e["safety_critical"] = True
    w.svc.lists.draft(doc, w.officer)
    w.svc.lists.submit(doc["list_id"], 1, w.officer)
    w.svc.lists.publish(doc["list_id"], 1, review(), w.reviewer)
    case_no = _false_after(w, 2 * 365 + 60)
    d = w.svc.credit.dispose(
        case_no,
        [A.REVOKE_DECISION, A.ADMIN_PENALTY],
        w.inspector,
        penalty_ref="罚-5",
        facts=FalsePledgeFacts(decision_issued=True, harmful_consequences=True),
    )
    assert A.ADMIN_PENALTY in d.actions


def test_r059a_continuing_act_counts_from_its_end(world: World) -> None:
    case_no = _false_after(world, 2 * 365 + 60)
    end = (world.clock() - timedelta(days=100)).date()
    d = world.svc.credit.dispose(
        case_no,
        [A.REVOKE_DECISION, A.ADMIN_PENALTY],
        world.inspector,
        penalty_ref="罚-6",
        facts=FalsePledgeFacts(decision_issued=True, act_ended_on=end),
    )
    assert A.ADMIN_PENALTY in d.actions


def test_r014_a_licensing_matter_is_handled_on_the_pledge(world: World) -> None:
    """R-014: 行政许可 matters that qualify are handled by notice and pledge like any other."""
    entry, _ = world.svc.lists.entry(world.list_id, 1, ON_SITE_ENTRY)
    assert entry.matter_type.value == "LICENSING"
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    assert case.status is CaseStatus.DECIDED and case.pledge_id is not None
    assert case.pledged_entry_ids == (ON_SITE_ENTRY,)
