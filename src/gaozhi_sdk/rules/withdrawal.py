"""承诺退出 — withdrawing a pledge (R-060, R-063).

R-060: before the matter is concluded (办结), an applicant with a reasonable reason may
withdraw (the matter then continues under the original procedure, which the workflow
handles);
R-063 (exams): withdrawal only before payment and before the registration deadline.
Item-specific windows are :class:`WithdrawalPolicy` configuration keyed by entry id or
matter code (:class:`WithdrawalConfig`). Whether a reason is "合理" is the organ's judgement;
the SDK only requires a non-blank reason.

==========  ======  ======================================================
code        rule    violation
==========  ======  ======================================================
GZ-RL-010   R-060   the matter is already concluded (now ≥ concluded_at)
GZ-RL-011   R-060   empty or whitespace-only reason
GZ-RL-012   R-060   the case is not in a withdrawable state (PLEDGED/ACCEPTED)
GZ-RL-013   R-063   after the configured deadline (e.g. exam registration)
GZ-RL-014   R-063   after payment where the policy forbids it
GZ-RL-015   —       naive datetime
==========  ======  ======================================================
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.enums import CaseStatus
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.rules._base import RulesModel

__all__ = ["WITHDRAWABLE_STATES", "WithdrawalConfig", "WithdrawalPolicy", "check_withdrawal"]

#: States from which a pledge may be withdrawn (DOMAIN §3.2).
WITHDRAWABLE_STATES: frozenset[CaseStatus] = frozenset({CaseStatus.PLEDGED, CaseStatus.ACCEPTED})


class WithdrawalPolicy(RulesModel):
    """An item-specific withdrawal window (R-063)."""

    name_zh: str = Field(default="", description="说明, 如: 2026 年度资格考试报名")
    deadline: AwareDatetime | None = Field(default=None, description="撤回截止时间 (如报名截止)")
    forbid_after_payment: bool = Field(default=False, description="缴费后不得撤回 (R-063)")


class WithdrawalConfig(RulesModel):
    """Withdrawal policies keyed by entry id or matter code (entry id wins)."""

    policies: dict[str, WithdrawalPolicy] = Field(default_factory=dict)

    def policy_for(self, entry: CommitmentListEntry) -> WithdrawalPolicy | None:
        """The policy for ``entry`` (by entry_id, then matter_code), or None."""
        return self.policies.get(entry.entry_id) or self.policies.get(entry.matter_code)


def check_withdrawal(
    *,
    status: CaseStatus,
    concluded_at: datetime | None,
    now: datetime,
    reason: str,
    policy: WithdrawalPolicy | None = None,
    paid: bool = False,
) -> None:
    """Raise unless the pledge may be withdrawn now (R-060, R-063).

    Args:
        status: the case status.
        concluded_at: 办结时间, if the matter is concluded.
        now: the time of the withdrawal request (aware).
        reason: the applicant's reason (must not be blank).
        policy: an item-specific window (exam registration deadline …).
        paid: whether the applicant has paid (exam fee), for ``forbid_after_payment``.
    """
    for t in (now, concluded_at):
        if t is not None and t.tzinfo is None:
            raise RuleViolationError(
                "GZ-RL-015", "时间须带时区 (中国标准时间)", message_en="datetime must be aware"
            )
    if concluded_at is not None and now >= concluded_at:
        raise RuleViolationError(
            "GZ-RL-010",
            "行政事项已办结, 不能撤回承诺 (R-060)",
            message_en="the matter is concluded; the pledge can no longer be withdrawn",
        )
    if status not in WITHDRAWABLE_STATES:
        raise RuleViolationError(
            "GZ-RL-012",
            f"办件状态为 {status.value}, 不能撤回承诺 (仅已承诺或已受理时可撤回, R-060)",
            message_en=f"cannot withdraw in state {status.value}",
            details={"status": status.value},
        )
    if not reason or not reason.strip():
        raise RuleViolationError(
            "GZ-RL-011",
            "撤回承诺须说明合理理由 (R-060)",
            message_en="a reason is required to withdraw",
        )
    if policy is not None:
        if policy.deadline is not None and now > policy.deadline:
            raise RuleViolationError(
                "GZ-RL-013",
                f"已超过撤回截止时间 {policy.deadline.isoformat()} (R-063)",
                message_en="after the withdrawal deadline",
            )
        if policy.forbid_after_payment and paid:
            raise RuleViolationError(
                "GZ-RL-014", "已缴费, 不能撤回承诺 (R-063)", message_en="withdrawal after payment"
            )
