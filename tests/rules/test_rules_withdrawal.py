"""Withdrawal (R-060…R-063)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models import CST
from gaozhi_sdk.models.enums import CaseStatus
from gaozhi_sdk.rules import WithdrawalConfig, WithdrawalPolicy, check_withdrawal

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=CST)


@pytest.mark.parametrize("status", [CaseStatus.PLEDGED, CaseStatus.ACCEPTED])
def test_r060_withdraw_before_conclusion_with_reason(status: CaseStatus) -> None:
    check_withdrawal(status=status, concluded_at=None, now=NOW, reason="已取得纸质证明")


def test_r060_no_withdrawal_after_conclusion() -> None:
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(status=CaseStatus.ACCEPTED, concluded_at=NOW, now=NOW, reason="x")
    assert ei.value.code == "GZ-RL-010"


@pytest.mark.parametrize("reason", ["", "   ", "\u3000\n"])
def test_r060_blank_reason_rejected(reason: str) -> None:
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(status=CaseStatus.PLEDGED, concluded_at=None, now=NOW, reason=reason)
    assert ei.value.code == "GZ-RL-011"


@pytest.mark.parametrize(
    "status", [CaseStatus.NOTICE_ISSUED, CaseStatus.DECIDED, CaseStatus.WITHDRAWN]
)
def test_r060_wrong_state_rejected(status: CaseStatus) -> None:
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(status=status, concluded_at=None, now=NOW, reason="理由")
    assert ei.value.code == "GZ-RL-012"


def test_r063_exam_deadline_and_payment() -> None:
    pol = WithdrawalPolicy(
        name_zh="报名截止",
        deadline=datetime(2026, 5, 6, 9, 0, tzinfo=CST),
        forbid_after_payment=True,
    )
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(
            status=CaseStatus.PLEDGED, concluded_at=None, now=NOW, reason="r", policy=pol
        )
    assert ei.value.code == "GZ-RL-013"
    early = NOW.replace(hour=8)
    check_withdrawal(
        status=CaseStatus.PLEDGED, concluded_at=None, now=early, reason="r", policy=pol
    )
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(
            status=CaseStatus.PLEDGED,
            concluded_at=None,
            now=early,
            reason="r",
            policy=pol,
            paid=True,
        )
    assert ei.value.code == "GZ-RL-014"


def test_r063_policy_lookup_by_entry_then_matter(make_entry) -> None:  # type: ignore[no-untyped-def]
    a, b = WithdrawalPolicy(name_zh="a"), WithdrawalPolicy(name_zh="b")
    cfg = WithdrawalConfig(policies={"M-HJ-1": a, "E-1": b})
    assert cfg.policy_for(make_entry()) is b
    assert WithdrawalConfig(policies={"M-HJ-1": a}).policy_for(make_entry()) is a
    assert WithdrawalConfig().policy_for(make_entry()) is None


def test_naive_time_rejected() -> None:
    with pytest.raises(RuleViolationError) as ei:
        check_withdrawal(
            status=CaseStatus.PLEDGED, concluded_at=None, now=datetime(2026, 5, 6), reason="r"
        )
    assert ei.value.code == "GZ-RL-015"
