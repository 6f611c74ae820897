"""适用告知承诺制的信用条件 (R-020, R-022, R-064, R-075, R-076).

R-020: applicants with a "较严重的不良信用记录" or who "曾作出虚假承诺" may not use the
pledge route **until credit repair** (信用修复前不适用). "较严重" is defined by no source
read (DOMAIN §8 item 7), so the threshold is configuration. Defaults and why:

* ``threshold = GENERAL`` [INFERRED] — 一般 and 严重 records bar, 轻微 does not. 轻微
  information is 原则上不公示 under the national scheme (R-110), which signals it is not
  "较严重"; 一般 already carries a 3-month minimum publicity, so it is treated as barring.
* ``false_pledge_always_bars = True`` — R-020 names 曾作出虚假承诺 separately: a
  FALSE_PLEDGE record of **any** severity bars until REPAIRED.
* ``expired_restores_eligibility = False`` — the literal reading of "信用修复前": an
  EXPIRED record (publicity over, never repaired) still bars. DOMAIN §3.4 leaves this open.
* INVALIDATED / CORRECTED records (objection upheld) and REPAIRED records never bar.
* An unknown status string bars (fail closed: the applicant can still submit the proof,
  R-022), with a warning.
* Non-barring adverse records produce a warning (事前信用预警, R-075).

An entry's ``eligibility_threshold`` overrides the config threshold. R-064: with
``post_withdrawal_rule = SAME_MATTER_SAME_YEAR`` a prior withdrawal for the same matter in
the same calendar year makes the route unavailable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import Field

from gaozhi_sdk.models.enums import (
    Conduct,
    CreditStatus,
    EntryStatus,
    PostWithdrawalRule,
    Severity,
)
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.parties import CreditSnapshot
from gaozhi_sdk.rules._base import RulesModel, severity_rank

__all__ = [
    "EligibilityConfig",
    "EligibilityResult",
    "PriorWithdrawal",
    "check_eligibility",
]

_NEVER_BAR = frozenset({CreditStatus.REPAIRED, CreditStatus.INVALIDATED, CreditStatus.CORRECTED})
_SEV_ZH = {"MINOR": "轻微", "GENERAL": "一般", "SERIOUS": "严重"}


class EligibilityConfig(RulesModel):
    """Which credit records bar the pledge route (R-020); defaults in the module docstring."""

    threshold: Severity = Field(
        default=Severity.GENERAL, description="此程度及以上的未修复不良记录不适用告知承诺"
    )
    false_pledge_always_bars: bool = Field(
        default=True, description="任何程度的虚假承诺记录在修复前均不适用 (R-020)"
    )
    expired_restores_eligibility: bool = Field(
        default=False, description="公示期满 (EXPIRED) 但未修复的记录是否不再构成障碍"
    )
    require_published_entry: bool = Field(
        default=True, description="仅已公布 (PUBLISHED) 的清单条目可用于新的承诺 (R-008)"
    )
    snapshot_max_age_days: int = Field(default=1, ge=0, description="信用快照超过此天数时给出警告")


class PriorWithdrawal(RulesModel):
    """A previous withdrawal by the same applicant (R-064)."""

    matter_code: str = Field(min_length=1)
    withdrawn_on: date


class EligibilityResult(RulesModel):
    """Outcome of the credit gate."""

    eligible: bool
    reasons: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = Field(default=(), description="the reasons in English")
    rules: tuple[str, ...] = Field(default=(), description="R-numbers behind the reasons, sorted")
    barring_record_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    insurance_required: bool = False
    threshold: Severity = Severity.GENERAL


def check_eligibility(
    snapshot: CreditSnapshot,
    entry: CommitmentListEntry,
    config: EligibilityConfig | None = None,
    *,
    on: date,
    prior_withdrawals: Sequence[PriorWithdrawal] = (),
) -> EligibilityResult:
    """Decide whether the applicant may pledge for ``entry`` on ``on`` (R-020, R-064).

    Args:
        snapshot: 信用状况快照 of the applicant taken for this check.
        entry: the list entry applied for.
        config: thresholds (default :class:`EligibilityConfig`).
        on: the date of the check.
        prior_withdrawals: the applicant's earlier withdrawals (for R-064).

    Returns:
        EligibilityResult with Chinese reasons citing rule numbers. Ineligibility is not an
        error: the applicant proceeds by submitting the proof (R-022).
    """
    cfg = config or EligibilityConfig()
    threshold = entry.eligibility_threshold or cfg.threshold
    reasons: list[str] = []
    reasons_en: list[str] = []
    rules: set[str] = set()
    warnings: list[str] = []
    barring: list[str] = []

    def bar(rule: str, zh: str, en: str) -> None:
        reasons.append(zh)
        reasons_en.append(en)
        rules.add(rule)

    if cfg.require_published_entry and entry.status is not EntryStatus.PUBLISHED:
        bar(
            "R-008",
            f"清单条目 {entry.entry_id} 未处于公布状态, 不能用于告知承诺 (R-008)",
            f"list entry {entry.entry_id} is not published and cannot be used (R-008)",
        )
    age = (on - snapshot.taken_at).days
    if age > cfg.snapshot_max_age_days:
        warnings.append(f"信用状况快照已有 {age} 天, 建议重新查询 (R-020)")
    for item in snapshot.items:
        status = item.status
        try:
            st: CreditStatus | None = CreditStatus(status)
        except ValueError:
            st = None
        sev = _SEV_ZH.get(item.severity.value, item.severity.value)
        if st in _NEVER_BAR:
            if st is CreditStatus.REPAIRED:
                warnings.append(
                    f"存在已修复的不良记录 {item.record_id} ({sev}), 不影响适用 (R-075)"
                )
            continue
        if st is None:
            barring.append(item.record_id)
            bar(
                "R-020",
                f"不良记录 {item.record_id} 状态未知 ({status}), 从严按未修复处理 (R-020)",
                f"adverse record {item.record_id} has an unknown status ({status}) and is "
                "treated as unrepaired (R-020)",
            )
            warnings.append(f"信用记录 {item.record_id} 状态 {status} 无法识别")
            continue
        if st is CreditStatus.EXPIRED and cfg.expired_restores_eligibility:
            warnings.append(f"不良记录 {item.record_id} 公示期满未修复, 按配置不再构成障碍 (R-075)")
            continue
        is_false_pledge = item.conduct == Conduct.FALSE_PLEDGE.value
        if is_false_pledge and cfg.false_pledge_always_bars:
            barring.append(item.record_id)
            bar(
                "R-020",
                f"曾作出虚假承诺 (记录 {item.record_id}, {sev}), "
                "信用修复前不适用告知承诺制 (R-020)",
                f"made a false pledge (record {item.record_id}, {item.severity.value}); not "
                "eligible until credit repair (R-020)",
            )
        elif severity_rank(item.severity) >= severity_rank(threshold):
            barring.append(item.record_id)
            bar(
                "R-020",
                f"存在{sev}失信记录 {item.record_id} (达到{_SEV_ZH[threshold.value]}阈值), "
                "信用修复前不适用告知承诺制 (R-020)",
                f"{item.severity.value} adverse record {item.record_id} (at or above the "
                f"{threshold.value} threshold); not eligible until credit repair (R-020)",
            )
        else:
            warnings.append(
                f"存在未修复的{sev}不良记录 {item.record_id} (未达阈值), 事前信用预警 (R-075)"
            )
    if entry.post_withdrawal_rule is PostWithdrawalRule.SAME_MATTER_SAME_YEAR:
        for w in prior_withdrawals:
            if w.matter_code == entry.matter_code and w.withdrawn_on.year == on.year:
                bar(
                    "R-064",
                    f"本年度已撤回过事项 {entry.matter_code} 的承诺, "
                    "本年度该事项不再适用告知承诺制 (R-064)",
                    f"a pledge for matter {entry.matter_code} was withdrawn this year; the "
                    "pledge route is closed for it until year end (R-064)",
                )
                break
    insurance = bool(entry.liability_insurance and entry.liability_insurance.required)
    if insurance:
        warnings.append("该事项要求投保责任保险 (R-076)")
    return EligibilityResult(
        eligible=not reasons,
        reasons=tuple(reasons),
        reasons_en=tuple(reasons_en),
        rules=tuple(sorted(rules)),
        barring_record_ids=tuple(barring),
        warnings=tuple(warnings),
        insurance_required=insurance,
        threshold=threshold,
    )
