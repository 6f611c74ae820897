"""Verification planning (R-026, R-040…R-047, R-059a, R-102)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models import CST, CreditSnapshot
from gaozhi_sdk.models.enums import OnlineOutcome, VerificationMethod, VerificationPhase
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.rules import PlanningConfig, default_calendar, plan_verification, replan_after

Make = Callable[..., CommitmentListEntry]
Snap = Callable[..., CreditSnapshot]
M = VerificationMethod
CAL = default_calendar()
# Monday 2025-09-29, 10:00; 国庆中秋 2025-10-01..08, 调休上班 09-28 (Sun) and 10-11 (Sat).
ACCEPTED = datetime(2025, 9, 29, 10, 0, tzinfo=CST)


def test_r041_due_in_working_days_r102(make_entry: Make) -> None:
    e = make_entry(verification={"window": {"amount": 3, "unit": "WORKING_DAYS"}})
    plan = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    # 09-30 (1), 10-09 (2), 10-10 (3).
    assert plan.due_at == datetime(2025, 10, 10, 23, 59, 59, tzinfo=CST)
    assert plan.method is M.ONLINE and plan.phase is VerificationPhase.IN_PROCESS
    assert not plan.tightened
    assert plan.data_source == "人口信息比对接口"
    assert plan.fallback_method is M.ASSISTED  # issuing unit known → R-046


def test_r044_on_site_with_data_source_goes_online_first(make_entry: Make) -> None:
    e = make_entry(verification={"method": "ON_SITE", "data_source": "不动产登记共享接口"})
    plan = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert (plan.method, plan.planned_method, plan.fallback_method) == (
        M.ONLINE,
        M.ON_SITE,
        M.ON_SITE,
    )
    assert any("R-044" in r for r in plan.reasons)


def test_r045_on_site_without_data_source_stays_on_site(make_entry: Make) -> None:
    e = make_entry(verification={"method": "ON_SITE", "data_source": None})
    plan = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert plan.method is M.ON_SITE and plan.fallback_method is None


def test_r042_exempt_goes_to_daily_supervision(make_entry: Make) -> None:
    e = make_entry(verification={"method": "EXEMPT", "window": None, "inspection_rate_percent": 5})
    plan = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert plan.method is M.EXEMPT and plan.daily_supervision
    assert plan.due_at is None and plan.inspection_rate_percent == 5
    assert plan.phase is VerificationPhase.POST_DECISION


def test_r026_adverse_credit_tightens_window_and_phase(
    make_entry: Make, make_snapshot: Snap
) -> None:
    e = make_entry(verification={"window": {"amount": 3, "unit": "MONTHS", "anchor": "DECIDED"}})
    snap = make_snapshot(("CR-1", "OTHER", "MINOR", "PUBLICIZED"))
    plan = plan_verification(e, snap, accepted_at=ACCEPTED, calendar=CAL)
    assert plan.tightened and plan.phase is VerificationPhase.IN_PROCESS
    # half of 3 months = 1 month from acceptance: 2025-10-29 (Wednesday).
    assert plan.due_at is not None and plan.due_at.date() == date(2025, 10, 29)
    assert any("R-040" in r for r in plan.reasons)


def test_r026_repaired_record_does_not_tighten(make_entry: Make, make_snapshot: Snap) -> None:
    """R-111: repair lifts the measures, so a REPAIRED record no longer tightens."""
    snap = make_snapshot(("CR-1", "OTHER", "SERIOUS", "REPAIRED"))
    assert not plan_verification(make_entry(), snap, accepted_at=ACCEPTED, calendar=CAL).tightened


def test_r040_tightened_exempt_is_verified(make_entry: Make, make_snapshot: Snap) -> None:
    snap = make_snapshot(("CR-1", "OTHER", "MINOR", "RECORDED"))
    with_data = make_entry(
        verification={"method": "EXEMPT", "window": None, "inspection_rate_percent": 5}
    )
    plan = plan_verification(with_data, snap, accepted_at=ACCEPTED, calendar=CAL)
    assert plan.method is M.ONLINE and not plan.daily_supervision and plan.due_at is not None
    no_data = make_entry(
        verification={
            "method": "EXEMPT",
            "window": None,
            "data_source": None,
            "inspection_rate_percent": 5,
        }
    )
    assert plan_verification(no_data, snap, accepted_at=ACCEPTED, calendar=CAL).method is M.ON_SITE


def test_r041_decided_anchor_waits_for_decision(make_entry: Make) -> None:
    e = make_entry(verification={"window": {"amount": 1, "unit": "MONTHS", "anchor": "DECIDED"}})
    plan = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert plan.due_at is None and plan.phase is VerificationPhase.POST_DECISION
    decided = datetime(2025, 9, 1, 9, 0, tzinfo=CST)
    plan2 = plan_verification(e, None, accepted_at=ACCEPTED, decided_at=decided, calendar=CAL)
    # 2025-10-01 is 国庆 → next working day 2025-10-09.
    assert plan2.due_at is not None and plan2.due_at.date() == date(2025, 10, 9)


def test_r059a_window_capped_before_limitation(make_entry: Make) -> None:
    e = make_entry(verification={"window": {"amount": 36, "unit": "MONTHS"}})
    plan = plan_verification(
        e, None, accepted_at=ACCEPTED, calendar=CAL, config=PlanningConfig(max_window_months=12)
    )
    assert plan.due_at is not None and plan.due_at.date() <= date(2026, 9, 29)
    assert CAL.is_working_day(plan.due_at.date())
    assert any("R-059a" in r for r in plan.reasons)


def test_r041_missing_window_is_rule_error(make_entry: Make) -> None:
    e = make_entry(verification={"window": None})
    with pytest.raises(RuleViolationError) as ei:
        plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert ei.value.code == "GZ-RL-040"


def test_naive_accepted_at_rejected(make_entry: Make) -> None:
    with pytest.raises(RuleViolationError):
        plan_verification(make_entry(), None, accepted_at=datetime(2025, 9, 29), calendar=CAL)


def test_r046_not_found_routes_to_assisted(make_entry: Make) -> None:
    assert replan_after(OnlineOutcome.NOT_FOUND, M.ONLINE, make_entry()) is M.ASSISTED
    e = make_entry(verification={"fallback_method": "ON_SITE"})
    assert replan_after(OnlineOutcome.NOT_FOUND, M.ONLINE, e) is M.ON_SITE
    no_issuer = make_entry(issuing_unit="")
    assert replan_after(OnlineOutcome.REJECTED, M.ONLINE, no_issuer) is M.ON_SITE


def test_r047_assist_refused_goes_on_site(make_entry: Make) -> None:
    assert replan_after("ASSIST_REFUSED", M.ASSISTED, make_entry()) is M.ON_SITE
    with pytest.raises(RuleViolationError) as ei:
        replan_after("ASSIST_REFUSED", M.ONLINE, make_entry())
    assert ei.value.code == "GZ-RL-021"


def test_undetermined_retries_online_then_falls_back(make_entry: Make) -> None:
    cfg = PlanningConfig(max_online_attempts=3)
    assert (
        replan_after(OnlineOutcome.UNDETERMINED, M.ONLINE, make_entry(), attempts=1, config=cfg)
        is M.ONLINE
    )
    assert (
        replan_after(OnlineOutcome.UNDETERMINED, M.ONLINE, make_entry(), attempts=3, config=cfg)
        is M.ASSISTED
    )


def test_consent_required_goes_to_human_method(make_entry: Make) -> None:
    out = replan_after(OnlineOutcome.CONSENT_REQUIRED, M.ONLINE, make_entry())
    assert out in (M.ASSISTED, M.ON_SITE)


@pytest.mark.parametrize("outcome", [OnlineOutcome.VERIFIED, OnlineOutcome.MISMATCH])
def test_conclusive_outcomes_are_not_replanned(make_entry: Make, outcome: OnlineOutcome) -> None:
    with pytest.raises(RuleViolationError) as ei:
        replan_after(outcome, M.ONLINE, make_entry())
    assert ei.value.code == "GZ-RL-020"


def test_replan_never_returns_a_result(make_entry: Make) -> None:
    outs = {
        replan_after(o, M.ONLINE, make_entry(), attempts=9)
        for o in (
            OnlineOutcome.NOT_FOUND,
            OnlineOutcome.UNDETERMINED,
            OnlineOutcome.CONSENT_REQUIRED,
            OnlineOutcome.REJECTED,
        )
    }
    assert outs <= {M.ASSISTED, M.ON_SITE}


def test_r041_every_sample_entry_can_be_planned() -> None:
    from pathlib import Path

    from gaozhi_sdk.rules import load_list

    sample = Path(__file__).resolve().parents[2] / "examples" / "commitment_list.yaml"
    decided = datetime(2025, 10, 9, 9, 0, tzinfo=CST)
    for e in load_list(sample).entries:
        plan = plan_verification(e, None, accepted_at=ACCEPTED, decided_at=decided, calendar=CAL)
        if e.verification.method is M.EXEMPT:
            assert plan.daily_supervision and plan.due_at is None
        else:
            assert plan.due_at is not None and CAL.is_working_day(plan.due_at.date())
            assert plan.due_at > ACCEPTED


def test_r049_three_months_after_the_decision(make_entry: Make) -> None:
    """R-049: "comprehensive verification within three months of approval" is a window of
    3 MONTHS anchored at the decision; before the decision it has no due date yet."""
    e = make_entry(
        verification={"method": "ON_SITE", "data_source": None,
                      "window": {"amount": 3, "unit": "MONTHS", "anchor": "DECIDED"}}
    )  # fmt: skip
    before = plan_verification(e, None, accepted_at=ACCEPTED, calendar=CAL)
    assert before.due_at is None and before.phase is VerificationPhase.POST_DECISION
    decided = datetime(2025, 10, 15, 10, 0, tzinfo=CST)
    plan = plan_verification(e, None, accepted_at=ACCEPTED, decided_at=decided, calendar=CAL)
    assert plan.due_at == datetime(2026, 1, 15, 23, 59, 59, tzinfo=CST)
