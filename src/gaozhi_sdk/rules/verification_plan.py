"""核查办法 — planning a verification from the entry and the credit (R-026, R-040…R-047).

Planning order:

1. Start from the entry's method and window (R-041).
2. **Credit tightening** (R-026, R-040 — "信用状况作为确定核查办法的重要因素"): if the
   snapshot holds an adverse record in a ``tighten_statuses`` state at or above
   ``tighten_min_severity``, the plan is *tightened*: window × ``window_factor_percent``
   (min 1 unit), in-process (事中) verification, and an EXEMPT entry is verified after all —
   ONLINE if the entry has a data source, else ON_SITE.
3. **Online first** (R-044): an ON_SITE or ASSISTED method with a ``data_source`` is planned
   ONLINE first with the original method as fallback (ON_SITE only "确需", R-045).
4. **Due date** (R-041, R-102): the window end by :func:`~gaozhi_sdk.rules.calendar.window_end`
   (working days by default), due at 23:59:59 of that day, capped at
   ``max_window_months`` after the start (R-059a: the 2-year limitation of 行政处罚法 Art.36
   must leave time for disposition).
5. EXEMPT (not tightened) → daily supervision (R-042) with the entry's inspection rate, no
   due date.

Defaults [INFERRED; sources give no numbers]: ``window_factor_percent = 50`` (half),
``max_window_months = 18`` (6 months left before the 2-year limitation),
``max_online_attempts = 3``, tighten on any unrepaired adverse record (RECORDED,
PUBLICIZED, UNDER_OBJECTION, REPAIR_PENDING, EXPIRED) of any severity; REPAIRED records do
not tighten because repair lifts the measures (R-111).

Re-planning (:func:`replan_after`, DOMAIN §3.3): NOT_FOUND/REJECTED → the entry's fallback
or ASSISTED (R-046); UNDETERMINED → retry ONLINE up to ``max_online_attempts`` then
fallback; CONSENT_REQUIRED → ASSISTED or ON_SITE; ASSIST_REFUSED → ON_SITE (R-047). A
method is returned, never a result: nothing becomes TRUE by default.

Error codes: GZ-RL-020 (re-plan after a conclusive outcome), GZ-RL-021 (outcome does not
match the current method), GZ-RL-040 (non-exempt entry without window), GZ-RL-041 (naive
datetime).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.enums import (
    CreditStatus,
    OnlineOutcome,
    Severity,
    VerificationMethod,
    VerificationPhase,
    WindowUnit,
)
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.parties import CreditSnapshot
from gaozhi_sdk.rules._base import RulesModel, severity_rank
from gaozhi_sdk.rules.calendar import (
    WorkingDayCalendar,
    add_months,
    default_calendar,
    end_of_day,
    roll_back,
    window_end,
)

__all__ = ["PlanningConfig", "VerificationPlan", "plan_verification", "replan_after"]

M = VerificationMethod


class PlanningConfig(RulesModel):
    """Credit-based tightening and limits of verification planning (defaults in module doc)."""

    tighten_statuses: frozenset[CreditStatus] = Field(
        default=frozenset(
            {
                CreditStatus.RECORDED,
                CreditStatus.PUBLICIZED,
                CreditStatus.UNDER_OBJECTION,
                CreditStatus.REPAIR_PENDING,
                CreditStatus.EXPIRED,
            }
        ),
        description="哪些状态的不良记录使核查收紧",
    )
    tighten_min_severity: Severity = Field(
        default=Severity.MINOR, description="达到此程度的不良记录使核查收紧"
    )
    window_factor_percent: int = Field(
        default=50, ge=1, le=100, description="收紧时核查时限的比例 (%)"
    )
    exempt_tightened_to_check: bool = Field(
        default=True, description="收紧时免予核查事项改为核查 (有数据源则在线, 否则现场)"
    )
    in_process_when_tightened: bool = Field(default=True, description="收紧时改为事中核查")
    online_first: bool = Field(default=True, description="有数据源时优先在线核查 (R-044)")
    max_window_months: int = Field(
        default=18, ge=1, le=60, description="核查截止不晚于起算后若干月 (R-059a)"
    )
    max_online_attempts: int = Field(default=3, ge=1, le=20, description="在线核查最多尝试次数")


class VerificationPlan(RulesModel):
    """The planned verification of one pledged proof item."""

    method: VerificationMethod
    planned_method: VerificationMethod
    phase: VerificationPhase
    due_at: AwareDatetime | None
    tightened: bool = False
    reasons: tuple[str, ...] = ()
    data_source: str | None = None
    fallback_method: VerificationMethod | None = None
    daily_supervision: bool = False
    inspection_rate_percent: int | None = None


def _tightening(snapshot: CreditSnapshot | None, cfg: PlanningConfig) -> list[str]:
    if snapshot is None:
        return []
    hits: list[str] = []
    for item in snapshot.items:
        try:
            st = CreditStatus(item.status)
        except ValueError:
            hits.append(item.record_id)  # unknown status: treat as adverse (fail closed)
            continue
        if st in cfg.tighten_statuses and severity_rank(item.severity) >= severity_rank(
            cfg.tighten_min_severity
        ):
            hits.append(item.record_id)
    return hits


def _default_fallback(entry: CommitmentListEntry) -> VerificationMethod:
    return M.ASSISTED if entry.issuing_unit.strip() else M.ON_SITE


def plan_verification(
    entry: CommitmentListEntry,
    snapshot: CreditSnapshot | None,
    *,
    accepted_at: datetime,
    decided_at: datetime | None = None,
    calendar: WorkingDayCalendar | None = None,
    config: PlanningConfig | None = None,
) -> VerificationPlan:
    """Plan the verification of ``entry`` for a pledge accepted at ``accepted_at``.

    Args:
        entry: the list entry (method, window, standard, data source).
        snapshot: the pledgor's credit snapshot (None = no adverse information known).
        accepted_at: 受理时间 (aware).
        decided_at: 作出决定时间, needed when the window's anchor is DECIDED; without it a
            DECIDED-anchored plan has no due date yet (plan again after the decision).
        calendar: working-day calendar (default: the packaged national calendar).
        config: planning configuration.

    Raises:
        RuleViolationError: GZ-RL-040 (non-exempt entry has no window), GZ-RL-041 (naive time).
    """
    cfg = config or PlanningConfig()
    cal = calendar or default_calendar()
    for t in (accepted_at, decided_at):
        if t is not None and t.tzinfo is None:
            raise RuleViolationError(
                "GZ-RL-041", "时间须带时区 (中国标准时间)", message_en="datetime must be aware"
            )
    spec = entry.verification
    planned = spec.method
    reasons: list[str] = []
    adverse = _tightening(snapshot, cfg)
    tightened = bool(adverse)
    method = planned
    if tightened:
        reasons.append(
            f"承诺人存在不良信用记录 ({', '.join(adverse)}), 从严确定核查办法 (R-026, R-040)"
        )
    if planned is M.EXEMPT and not (tightened and cfg.exempt_tightened_to_check):
        reasons.append(
            f"免予核查事项, 纳入日常监管 (双随机抽查比例 {spec.inspection_rate_percent}%) (R-042)"
        )
        return VerificationPlan(
            method=M.EXEMPT,
            planned_method=planned,
            phase=VerificationPhase.POST_DECISION,
            due_at=None,
            tightened=tightened,
            reasons=tuple(reasons),
            daily_supervision=True,
            inspection_rate_percent=spec.inspection_rate_percent,
        )
    fallback = spec.fallback_method
    if planned is M.EXEMPT:
        method = M.ONLINE if spec.data_source else M.ON_SITE
        reasons.append(
            "信用状况收紧: 免予核查事项改为"
            + ("在线核查 (R-044)" if method is M.ONLINE else "现场核查 (R-045)")
        )
        if method is M.ONLINE and fallback is None:
            fallback = M.ON_SITE
    elif planned in (M.ON_SITE, M.ASSISTED) and spec.data_source and cfg.online_first:
        method = M.ONLINE
        fallback = planned
        reasons.append(
            f"优先在线核查 (数据来源: {spec.data_source}), 无法核实时改为"
            f"{'现场核查' if planned is M.ON_SITE else '协助核查'} (R-044)"
        )
    if method is M.ONLINE and fallback is None:
        fallback = _default_fallback(entry)
    window = spec.window
    if window is None:
        if planned is not M.EXEMPT:
            raise RuleViolationError(
                "GZ-RL-040",
                f"清单条目 {entry.entry_id} 未规定核查时限, 无法确定核查截止时间 (R-041)",
                message_en="the entry has no verification window",
            )
        amount, unit, anchor = 20, WindowUnit.WORKING_DAYS, "ACCEPTED"
        reasons.append("免予核查事项收紧后无核查时限, 按 20 个工作日确定 [默认]")
    else:
        amount, unit, anchor = window.amount, window.unit, window.anchor
    if tightened:
        new_amount = amount * cfg.window_factor_percent // 100
        if unit is WindowUnit.MONTHS and new_amount < 1:
            unit = WindowUnit.CALENDAR_DAYS
            new_amount = amount * 30 * cfg.window_factor_percent // 100
        new_amount = max(1, new_amount)
        if new_amount != amount:
            reasons.append(f"信用状况收紧: 核查时限缩短为 {new_amount} ({unit.value}) (R-040)")
        amount = new_amount
    in_process = anchor == "ACCEPTED" or (tightened and cfg.in_process_when_tightened)
    if tightened and cfg.in_process_when_tightened:
        reasons.append("信用状况收紧: 实行事中核查 (R-040)")
    phase = VerificationPhase.IN_PROCESS if in_process else VerificationPhase.POST_DECISION
    start = accepted_at if in_process else decided_at
    due_at: datetime | None = None
    if start is None:
        reasons.append("核查时限自作出决定起算, 决定后确定截止时间 (R-041)")
    else:
        due = window_end(cal, start, amount, unit)
        cap = roll_back(cal, add_months(start, cfg.max_window_months))
        if due > cap:
            due = cap
            reasons.append(
                f"核查截止时间限于起算后 {cfg.max_window_months} 个月内, "
                "为两年追责时效留出处置时间 (R-059a)"
            )
        due_at = end_of_day(due)
        reasons.append(f"核查截止 {due_at.date().isoformat()} (按工作日计算, R-041, R-102)")
    return VerificationPlan(
        method=method,
        planned_method=planned,
        phase=phase,
        due_at=due_at,
        tightened=tightened,
        reasons=tuple(reasons),
        data_source=spec.data_source if method is M.ONLINE else None,
        fallback_method=fallback if method is M.ONLINE else None,
        inspection_rate_percent=None,
    )


def replan_after(
    outcome: OnlineOutcome | Literal["ASSIST_REFUSED"],
    current: VerificationMethod,
    entry: CommitmentListEntry,
    *,
    attempts: int = 1,
    config: PlanningConfig | None = None,
) -> VerificationMethod:
    """The next verification method after an inconclusive step (DOMAIN §3.3).

    Args:
        outcome: the online outcome, or ``"ASSIST_REFUSED"`` (written refusal, R-047).
        current: the method that produced the outcome.
        entry: the list entry (fallback method, issuing unit).
        attempts: online attempts made so far (for UNDETERMINED retries).
        config: planning configuration.

    Raises:
        RuleViolationError: GZ-RL-020 for VERIFIED/MISMATCH (conclusive — record the result
            instead), GZ-RL-021 if the outcome does not belong to ``current``.
    """
    cfg = config or PlanningConfig()
    if outcome == "ASSIST_REFUSED":
        if current is not M.ASSISTED:
            raise RuleViolationError(
                "GZ-RL-021", "只有协助核查才会被拒绝协助", message_en="refusal needs ASSISTED"
            )
        return M.ON_SITE
    oo = OnlineOutcome(outcome)
    if oo in (OnlineOutcome.VERIFIED, OnlineOutcome.MISMATCH):
        raise RuleViolationError(
            "GZ-RL-020",
            f"在线核查已有结论 ({oo.value}), 应记录核查结果而非改变核查方式",
            message_en="conclusive outcome: record the result",
        )
    if current is not M.ONLINE:
        raise RuleViolationError(
            "GZ-RL-021",
            f"在线核查结论 {oo.value} 与当前核查方式 {current.value} 不符",
            message_en="online outcome for a non-online verification",
        )
    fb = entry.verification.fallback_method
    if fb in (None, M.ONLINE, M.EXEMPT):
        fb = _default_fallback(entry)
    assert fb is not None
    if oo is OnlineOutcome.UNDETERMINED and attempts < cfg.max_online_attempts:
        return M.ONLINE
    if oo is OnlineOutcome.CONSENT_REQUIRED and fb not in (M.ASSISTED, M.ON_SITE):
        return _default_fallback(entry)
    return fb
