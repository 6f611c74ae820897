"""Statistics for the justice bureau (seed §四(五), R-079): what is counted, per organ and entry.

Pure functions over the stored aggregates; the report models are
:class:`gaozhi_sdk.models.Statistics` and :class:`gaozhi_sdk.models.EntryStatistics`.

Counts pledges, choices, withdrawals, verifications by method and outcome, the
false-pledge rate, overdue verifications, dispositions, credit records and penalties
refused because the limitation had run (R-059a).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.credit import Complaint, CreditRecord, Disposition
from gaozhi_sdk.models.enums import CaseStatus, VerificationResult, VerificationStatus
from gaozhi_sdk.models.statistics import EntryStatistics, Statistics
from gaozhi_sdk.models.verification import Verification

__all__ = ["compute_statistics", "render_markdown"]

_PLEDGED = frozenset(
    {
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
) -> Statistics:
    """Aggregate the stored aggregates into :class:`~gaozhi_sdk.models.Statistics` (pure function).

    ``penalties_refused_for_limitation``: cases whose administrative penalty was refused
    because the limitation of 行政处罚法 Art.36 had run (R-059a), counted by the service.
    """
    cases = list(cases)
    case_by_no = {c.case_no: c for c in cases}
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

    for c in cases:
        chosen = {ch.entry_id for ch in c.choices}
        pledged = set(c.pledged_entry_ids)
        for e in c.entry_ids:
            r = row(c.organ_uscc, e)
            r["notices"] += 1
            if c.status is CaseStatus.INELIGIBLE:
                r["ineligible"] += 1
            if e in pledged:
                r["chose_pledge"] += 1
                if c.status in _PLEDGED:
                    r["pledges"] += 1
            elif e in chosen:
                r["chose_document"] += 1
            if c.status is CaseStatus.WITHDRAWN and e in pledged:
                r["withdrawals"] += 1
    for v in verifications:
        owner = case_by_no.get(v.case_no)
        if owner is None:
            continue
        r = row(owner.organ_uscc, v.entry_id)
        r["methods"][v.method.value] += 1
        if v.result is not None:
            r["results"][v.result.value] += 1
        elif v.status is VerificationStatus.CANCELLED:
            r["results"]["CANCELLED"] += 1
        if v.status is VerificationStatus.OVERDUE:
            r["overdue"] += 1
    entries = []
    for (organ, entry), r in sorted(rows.items()):
        concluded = (
            r["results"][VerificationResult.TRUE.value]
            + r["results"][VerificationResult.FALSE.value]
        )
        false = r["results"][VerificationResult.FALSE.value]
        entries.append(
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
    disp = Counter(a.value for d in dispositions for a in d.actions)
    credit = list(credit_records)
    comp = Counter(c.status.value for c in complaints)
    totals = {
        "cases": len(cases),
        "pledges": sum(e.pledges for e in entries),
        "withdrawals": sum(e.withdrawals for e in entries),
        "verifications": sum(sum(e.verifications_by_method.values()) for e in entries),
        "false_pledges": sum(e.false_pledges for e in entries),
        "overdue": sum(e.overdue for e in entries),
        "credit_records": len(credit),
        "penalties_refused_for_limitation": penalties_refused_for_limitation,
        "complaints": sum(comp.values()),
    }
    return Statistics(
        generated_at=generated_at,
        cases_by_status=dict(sorted(Counter(c.status.value for c in cases).items())),
        entries=tuple(entries),
        dispositions_by_action=dict(sorted(disp.items())),
        credit_by_severity=dict(sorted(Counter(c.severity.value for c in credit).items())),
        credit_by_status=dict(sorted(Counter(c.status.value for c in credit).items())),
        complaints_by_status=dict(sorted(comp.items())),
        totals=totals,
    )


def _table(title: str, data: dict[str, int]) -> list[str]:
    lines = [f"### {title}", "", "| 项目 | 数量 |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in data.items()] or ["| — | 0 |"]
    return [*lines, ""]


def render_markdown(stats: Statistics, *, title: str = "证明事项告知承诺制工作开展情况统计") -> str:
    """The statistics as a Markdown report for the justice bureau (seed §四(五))."""
    t = stats.totals
    lines = [
        f"# {title}",
        "",
        f"生成时间: {stats.generated_at}",
        "",
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
