"""统计报表模型 — the justice bureau's statistics report (seed §四(五), R-079).

Computed by :func:`gaozhi_sdk.rules.compute_statistics`; rendered by
:func:`gaozhi_sdk.rules.render_markdown` and :mod:`gaozhi_sdk.documents` (DOCX, XLSX).
"""

from __future__ import annotations

from pydantic import Field

from gaozhi_sdk.models._base import GaozhiModel

__all__ = ["EntryStatistics", "Statistics"]


class EntryStatistics(GaozhiModel):
    """Counts for one list entry of one organ."""

    organ_uscc: str = Field(description="机关统一社会信用代码")
    entry_id: str = Field(description="清单条目编号")
    notices: int = Field(description="告知次数")
    chose_pledge: int = Field(description="选择承诺")
    chose_document: int = Field(description="选择提交证明")
    ineligible: int = Field(description="不适用告知承诺")
    pledges: int = Field(description="签署承诺书")
    withdrawals: int = Field(description="撤回承诺")
    verifications_by_method: dict[str, int] = Field(description="核查方式分布")
    results: dict[str, int] = Field(description="核查结果分布")
    overdue: int = Field(description="逾期未核查")
    false_pledges: int = Field(description="承诺不实")
    false_rate_permille: int = Field(description="不实率 (‰, 以已出结论的核查为分母)")


class Statistics(GaozhiModel):
    """The whole report."""

    generated_at: str = Field(description="生成时间")
    period_from: str | None = Field(
        default=None, description="统计期间起 (含; 按办件受理时间, 不给则自最早)"
    )
    period_to: str | None = Field(default=None, description="统计期间止 (含; 不给则至现在)")
    organ_uscc: str | None = Field(default=None, description="只统计该机关 (不给则全部机关)")
    cases_by_status: dict[str, int] = Field(description="办件状态分布")
    entries: tuple[EntryStatistics, ...] = Field(description="分机关、分事项统计")
    dispositions_by_action: dict[str, int] = Field(description="处置措施分布")
    credit_by_severity: dict[str, int] = Field(description="信用记录按失信程度")
    credit_by_status: dict[str, int] = Field(description="信用记录按状态")
    complaints_by_status: dict[str, int] = Field(description="投诉举报按状态")
    pledges_by_signing_method: dict[str, int] = Field(
        default_factory=dict,
        description="承诺书按签署方式 (CERTIFICATE / EVENT_CERTIFICATE / PLATFORM_ATTESTED / "
        "WINDOW_HANDWRITTEN; DESIGN §4a)",
    )
    totals: dict[str, int] = Field(description="合计")
