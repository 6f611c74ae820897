"""Statistics for the justice bureau (seed §四(五), R-079): what is counted, per organ and entry.

Pure functions over the stored aggregates; the report models are
:class:`gaozhi_sdk.models.Statistics` and :class:`gaozhi_sdk.models.EntryStatistics`.

Counts pledges, choices, withdrawals, verifications by method and outcome, the
false-pledge rate, overdue verifications, dispositions, credit records and penalties
refused because the limitation had run (R-059a).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.credit import Complaint, CreditRecord, Disposition
from gaozhi_sdk.models.enums import CaseStatus, VerificationResult, VerificationStatus
from gaozhi_sdk.models.statistics import EntryStatistics, Statistics
from gaozhi_sdk.models.verification import Verification

__all__ = ["compute_statistics", "render_markdown", "statistics_from_counts"]

_PLEDGED = frozenset(
    s.value
    for s in {
        CaseStatus.PLEDGED,
        CaseStatus.ACCEPTED,
        CaseStatus.WITHDRAWN,
        CaseStatus.TERMINATED,
        CaseStatus.DECIDED,
        CaseStatus.CLOSED_TRUE,
        CaseStatus.RECTIFYING,
        CaseStatus.CLOSED_RECTIFIED,
        CaseStatus.REVOKED,
    }
)


def compute_statistics(
    cases: Iterable[Case],
    verifications: Iterable[Verification],
    dispositions: Iterable[Disposition],
    credit_records: Iterable[CreditRecord],
    complaints: Iterable[Complaint],
    generated_at: str,
    *,
    penalties_refused_for_limitation: int = 0,
    pledges_by_signing_method: Mapping[str, int] | None = None,
) -> Statistics:
    """Aggregate the stored aggregates into :class:`~gaozhi_sdk.models.Statistics` (pure function).

    The reference for :func:`statistics_from_counts`: it groups the models in Python into
    the same rows the stores group in SQL (``PledgeService.statistics``), then folds them.
    ``penalties_refused_for_limitation``: cases whose administrative penalty was refused
    because the limitation of 行政处罚法 Art.36 had run (R-059a), counted by the service.
    ``pledges_by_signing_method``: signed pledges by signing method (DESIGN §4a, R-035),
    counted by the service from its records.
    """
    cases = list(cases)
    organ_of = {c.case_no: c.organ_uscc for c in cases}
    entries: Counter[tuple[str, str, str, bool, bool]] = Counter()
    for c in cases:
        chosen = {ch.entry_id for ch in c.choices}
        pledged = set(c.pledged_entry_ids)
        for e in c.entry_ids:
            entries[(c.organ_uscc, e, c.status.value, e in pledged, e in chosen)] += 1
    checks: Counter[tuple[str, str, str, str | None, str]] = Counter()
    for v in verifications:
        organ = organ_of.get(v.case_no)
        if organ is not None:
            result = None if v.result is None else v.result.value
            checks[(organ, v.entry_id, v.method.value, result, v.status.value)] += 1
    credit = Counter((r.severity.value, r.status.value) for r in credit_records)
    return statistics_from_counts(
        entries=[(o, e, s, p, ch, n) for (o, e, s, p, ch), n in entries.items()],
        statuses=list(Counter(c.status.value for c in cases).items()),
        verifications=[(o, e, m, r, s, n) for (o, e, m, r, s), n in checks.items()],
        dispositions=list(Counter(a.value for d in dispositions for a in d.actions).items()),
        credit=[(sev, st, n) for (sev, st), n in credit.items()],
        complaints=list(Counter(c.status.value for c in complaints).items()),
        limitation_refusals=penalties_refused_for_limitation,
        generated_at=generated_at,
        signing_methods=list((pledges_by_signing_method or {}).items()),
    )


def statistics_from_counts(
    *,
    entries: Iterable[tuple[str, str, str, bool, bool, int]],
    statuses: Iterable[tuple[str, int]],
    verifications: Iterable[tuple[str, str, str, str | None, str, int]],
    dispositions: Iterable[tuple[str, int]],
    credit: Iterable[tuple[str, str, int]],
    complaints: Iterable[tuple[str, int]],
    limitation_refusals: int,
    generated_at: str,
    period_from: str | None = None,
    period_to: str | None = None,
    organ_uscc: str | None = None,
    signing_methods: Iterable[tuple[str, int]] = (),
) -> Statistics:
    """Fold grouped counts into the report (R-079), whoever grouped them.

    ``entries``: (organ, entry, case status, pledged?, chosen?, n) per case × entry;
    ``statuses``: (case status, n); ``verifications``: (organ, entry, method, result or
    None, status, n); ``dispositions``: (action, n); ``credit``: (severity, status, n);
    ``complaints``: (status, n); ``limitation_refusals``: cases whose penalty was refused
    because the limitation had run (R-059a); ``signing_methods``: (signing method, n) of
    the signed pledges (DESIGN §4a).
    """
    pledges_by_signing_method: dict[str, int] = {}
    for method, n in signing_methods:
        if n:
            pledges_by_signing_method[method] = pledges_by_signing_method.get(method, 0) + n
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(organ: str, entry: str) -> dict[str, Any]:
        return rows.setdefault(
            (organ, entry),
            {
                "notices": 0,
                "chose_pledge": 0,
                "chose_document": 0,
                "ineligible": 0,
                "pledges": 0,
                "withdrawals": 0,
                "methods": Counter(),
                "results": Counter(),
                "overdue": 0,
            },
        )

    for organ, entry, status, pledged, chosen, n in entries:
        r = row(organ, entry)
        r["notices"] += n
        if status == CaseStatus.INELIGIBLE.value:
            r["ineligible"] += n
        if pledged:
            r["chose_pledge"] += n
            if status in _PLEDGED:
                r["pledges"] += n
            if status == CaseStatus.WITHDRAWN.value:
                r["withdrawals"] += n
        elif chosen:
            r["chose_document"] += n
    for organ, entry, method, result, status, n in verifications:
        r = row(organ, entry)
        r["methods"][method] += n
        if result is not None:
            r["results"][result] += n
        elif status == VerificationStatus.CANCELLED.value:
            r["results"]["CANCELLED"] += n
        if status == VerificationStatus.OVERDUE.value:
            r["overdue"] += n
    out = []
    for (organ, entry), r in sorted(rows.items()):
        false = r["results"][VerificationResult.FALSE.value]
        concluded = r["results"][VerificationResult.TRUE.value] + false
        out.append(
            EntryStatistics(
                organ_uscc=organ,
                entry_id=entry,
                notices=r["notices"],
                chose_pledge=r["chose_pledge"],
                chose_document=r["chose_document"],
                ineligible=r["ineligible"],
                pledges=r["pledges"],
                withdrawals=r["withdrawals"],
                verifications_by_method=dict(sorted(r["methods"].items())),
                results=dict(sorted(r["results"].items())),
                overdue=r["overdue"],
                false_pledges=false,
                false_rate_permille=(false * 1000 // concluded) if concluded else 0,
            )
        )
    by_status = _sum(statuses)
    disp = _sum(dispositions)
    severity: Counter[str] = Counter()
    credit_status: Counter[str] = Counter()
    for sev, st, n in credit:
        severity[sev] += n
        credit_status[st] += n
    comp = _sum(complaints)
    totals = {
        "cases": sum(by_status.values()),
        "pledges": sum(e.pledges for e in out),
        "withdrawals": sum(e.withdrawals for e in out),
        "verifications": sum(sum(e.verifications_by_method.values()) for e in out),
        "false_pledges": sum(e.false_pledges for e in out),
        "overdue": sum(e.overdue for e in out),
        "credit_records": sum(severity.values()),
        "penalties_refused_for_limitation": limitation_refusals,
        "complaints": sum(comp.values()),
    }
    return Statistics(
        generated_at=generated_at,
        period_from=period_from,
        period_to=period_to,
        organ_uscc=organ_uscc,
        cases_by_status=by_status,
        entries=tuple(out),
        dispositions_by_action=disp,
        credit_by_severity=dict(sorted(severity.items())),
        credit_by_status=dict(sorted(credit_status.items())),
        complaints_by_status=comp,
        pledges_by_signing_method=dict(sorted(pledges_by_signing_method.items())),
        totals=totals,
    )


def _sum(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for key, n in pairs:
        out[key] += n
    return dict(sorted(out.items()))


def _table(title: str, data: dict[str, int]) -> list[str]:
    lines = [f"### {title}", "", "| 项目 | 数量 |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in data.items()] or ["| — | 0 |"]
    return [*lines, ""]


def _scope(stats: Statistics) -> list[str]:
    if stats.period_from is None and stats.period_to is None and stats.organ_uscc is None:
        return []
    period = f"{stats.period_from or '最早'} 至 {stats.period_to or '现在'}"
    organ = f"; 机关: {stats.organ_uscc}" if stats.organ_uscc else ""
    return [f"统计期间 (按受理时间): {period}{organ}", ""]


def render_markdown(stats: Statistics, *, title: str = "证明事项告知承诺制工作开展情况统计") -> str:
    """The statistics as a Markdown report for the justice bureau (seed §四(五))."""
    t = stats.totals
    lines = [
        f"# {title}",
        "",
        f"生成时间: {stats.generated_at}",
        "",
        *_scope(stats),
        "## 一、总体情况",
        "",
        f"共告知办件 {t['cases']} 件, 签署承诺书 {t['pledges']} 份, 撤回 {t['withdrawals']} 件; "
        f"核查 {t['verifications']} 次, 发现承诺不实 {t['false_pledges']} 件, "
        f"逾期未核查 {t['overdue']} 次; 纳入信用记录 {t['credit_records']} 条, "
        f"超过追责时效不予处罚 {t.get('penalties_refused_for_limitation', 0)} 件 (R-059a); "
        f"投诉举报 {t['complaints']} 件。",
        "",
    ]
    lines += _table("办件状态", stats.cases_by_status)
    if stats.pledges_by_signing_method:
        lines += _table("承诺书签署方式", stats.pledges_by_signing_method)
    lines += [
        "## 二、分机关、分事项统计",
        "",
        "| 机关 | 条目 | 告知 | 选择承诺 | 提交证明 | 不适用 | 承诺 | 撤回 | 核查方式 | 核查结果 "
        "| 逾期 | 不实 | 不实率‰ |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|",
    ]
    for e in stats.entries:
        methods = "、".join(f"{k} {v}" for k, v in e.verifications_by_method.items()) or "—"
        results = "、".join(f"{k} {v}" for k, v in e.results.items()) or "—"
        lines.append(
            f"| {e.organ_uscc} | {e.entry_id} | {e.notices} | {e.chose_pledge} | "
            f"{e.chose_document} | {e.ineligible} | {e.pledges} | {e.withdrawals} | {methods} | "
            f"{results} | {e.overdue} | {e.false_pledges} | {e.false_rate_permille} |"
        )
    lines += ["", "## 三、处置与信用", ""]
    lines += _table("处置措施", stats.dispositions_by_action)
    lines += _table("信用记录 (失信程度)", stats.credit_by_severity)
    lines += _table("信用记录 (状态)", stats.credit_by_status)
    lines += _table("投诉举报", stats.complaints_by_status)
    return "\n".join(lines)
