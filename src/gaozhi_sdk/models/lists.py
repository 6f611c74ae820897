"""证明事项告知承诺制清单与条目 (DOMAIN §2.2, machine A)."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import Field, field_validator, model_validator

from gaozhi_sdk.models._base import MAX_SAFE_INT, GaozhiModel, check_decimal_string
from gaozhi_sdk.models.enums import (
    DisclosurePolicy,
    EntryStatus,
    MatterType,
    PostWithdrawalRule,
    PriorityArea,
    PublishChannel,
    RiskCategory,
    Severity,
    VerificationMethod,
    WindowUnit,
)

__all__ = [
    "CommitmentList",
    "CommitmentListEntry",
    "LiabilityInsurance",
    "MatterSituation",
    "OfflineReview",
    "ReviewRecord",
    "VerificationPlanSpec",
    "VerificationWindow",
]


class VerificationWindow(GaozhiModel):
    """核查时限 (R-041): an amount of working days (default, R-102), calendar days or months,
    from acceptance or from the decision — e.g. 自作出决定之日起 3 个月内 (R-049)."""

    amount: int = Field(ge=1, le=3650, description="时限数值")
    unit: WindowUnit = Field(default=WindowUnit.WORKING_DAYS, description="时限单位")
    anchor: str = Field(
        default="ACCEPTED",
        pattern=r"^(ACCEPTED|DECIDED)$",
        description="起算点: 受理 (ACCEPTED) 或作出决定 (DECIDED)",
    )


class OfflineReview(GaozhiModel):
    """线上核查办理，线下复核备份 (R-048): after an online check finds the pledge true, a
    deterministic sample of cases is reviewed offline within a window from that check."""

    method: VerificationMethod = Field(description="线下复核方式 (现场核查或协助核查)")
    sample_percent: int = Field(ge=1, le=100, description="复核比例 (%)")
    amount: int = Field(ge=1, le=3650, description="复核时限数值 (自线上核查完成之日起)")
    unit: WindowUnit = Field(default=WindowUnit.WORKING_DAYS, description="复核时限单位")

    @field_validator("method")
    @classmethod
    def _offline(cls, v: VerificationMethod) -> VerificationMethod:
        if v not in (VerificationMethod.ON_SITE, VerificationMethod.ASSISTED):
            raise ValueError("线下复核须为现场核查或协助核查")
        return v


class VerificationPlanSpec(GaozhiModel):
    """核查办法 of an entry: method, window, standard, exemption (R-041)."""

    method: VerificationMethod = Field(description="核查方式")
    window: VerificationWindow | None = Field(default=None, description="核查时限")
    standard: str = Field(default="", description="核查标准: 何种情况认定为属实")
    data_source: str | None = Field(
        default=None, description="在线核查数据来源 (共享接口或数据集名称, R-044)"
    )
    fallback_method: VerificationMethod | None = Field(
        default=None, description="在线核查无数据时改用的方式 (协助或现场, R-046)"
    )
    inspection_rate_percent: int | None = Field(
        default=None, ge=1, le=100, description="免予核查事项的双随机抽查比例 (%)"
    )
    local_method_name: str = Field(
        default="", description="地方核查方式名称 (书面核查、网络核验、实地调查、公示核查, R-048)"
    )
    offline_review: OfflineReview | None = Field(
        default=None, description="线上核查办理，线下复核备份: 线上核查属实后的线下复核 (R-048)"
    )

    @property
    def exempt(self) -> bool:
        """是否免予核查."""
        return self.method is VerificationMethod.EXEMPT


class LiabilityInsurance(GaozhiModel):
    """责任保险 (R-076, 探索性)."""

    required: bool = Field(description="是否要求投保")
    min_coverage_yuan: str | None = Field(default=None, description="最低保额 (元, 十进制字符串)")

    @field_validator("min_coverage_yuan")
    @classmethod
    def _amount(cls, v: str | None) -> str | None:
        return None if v is None else check_decimal_string(v)


class MatterSituation(GaozhiModel):
    """办理情形 of a matter: the pledge may apply to some situations only (R-082)."""

    situation_code: str = Field(min_length=1, description="情形编码")
    name: str = Field(min_length=1, description="情形名称")
    pledge: bool = Field(description="该情形是否实行告知承诺制 (材料收取方式: 告知承诺)")


class CommitmentListEntry(GaozhiModel):
    """清单条目: one 证明 within one 行政事项 (the published columns of R-012)."""

    entry_id: str = Field(min_length=1, description="条目编号 (稳定标识)")
    seq_no: int = Field(ge=1, le=100000, description="序号")
    implementing_organ: str = Field(min_length=1, description="实施机关")
    matter_name: str = Field(min_length=1, description="行政事项名称")
    matter_code: str = Field(min_length=1, description="事项编码 (告知承诺制与审批制编码不同)")
    matter_type: MatterType = Field(description="事项类型")
    priority_area: PriorityArea = Field(default=PriorityArea.OTHER, description="重点领域 (R-005)")
    proof_name: str = Field(min_length=1, description="证明名称")
    proof_content: str = Field(min_length=1, description="证明内容 (需承诺符合的条件, R-029)")
    legal_basis: tuple[str, ...] = Field(default=(), description="设定依据 (R-004)")
    requesting_unit: str = Field(default="", description="索要单位")
    issuing_unit: str = Field(default="", description="开具单位 (协助核查的默认对象)")
    guide_ref: str = Field(default="", description="办理指南")
    verification: VerificationPlanSpec = Field(description="核查方式、时限、标准 (R-041)")
    proxy_allowed: bool = Field(description="是否可代为承诺 (R-024/R-025)")
    liability_text: str = Field(min_length=1, description="不实承诺的法律责任")
    pledge_disclosure: DisclosurePolicy = Field(
        default=DisclosurePolicy.NONE, description="承诺书是否公开 (R-071)"
    )
    complaint_channel: str = Field(default="", description="投诉举报方式 (R-072)")
    post_withdrawal_rule: PostWithdrawalRule = Field(
        default=PostWithdrawalRule.NONE, description="撤回后限制 (R-064)"
    )
    eligibility_threshold: Severity | None = Field(
        default=None,
        description="此严重程度及以上的未修复不良记录不适用告知承诺 (空则用全局默认, R-020)",
    )
    risk_exclusion_check: tuple[RiskCategory, ...] = Field(
        default=(), description="风险排除自检: 命中的风险类别 (必须为空, R-006)"
    )
    liability_insurance: LiabilityInsurance | None = Field(
        default=None, description="责任保险 (R-076)"
    )
    involves_public_interest: bool = Field(
        default=False, description="涉及社会公共利益、第三人利益或核查难度较大 (R-071)"
    )
    sensitive_data: bool = Field(
        default=False, description="承诺内容含敏感个人信息 (健康、救助等, R-093)"
    )
    implements_pledge_system: bool = Field(
        default=True,
        description="是否实行告知承诺制 (工程建设项目审批标准 SFSXGZCNZ: 1 告知承诺制, R-081)",
    )
    approval_matter_code: str | None = Field(
        default=None,
        description="同一事项按审批制办理时的事项编码 (须与告知承诺制事项编码不同, R-081)",
    )
    situations: tuple[MatterSituation, ...] = Field(
        default=(), description="办理情形: 只有部分情形实行告知承诺制时逐一标记 (R-082)"
    )
    safety_critical: bool = Field(
        default=False,
        description="涉及公民生命健康安全、金融安全 (有危害后果的追责时效为五年, R-059a)",
    )
    status: EntryStatus = Field(default=EntryStatus.DRAFT, description="条目状态")
    version: int = Field(default=1, ge=1, le=MAX_SAFE_INT, description="条目版本")


class ReviewRecord(GaozhiModel):
    """审核/备案 (R-011)."""

    reviewer: str = Field(min_length=1, description="审核机关")
    reviewed_on: date = Field(description="审核日期")
    opinion: str = Field(default="同意", description="审核意见")


class WordingException(GaozhiModel):
    """An organ lowers one vague term (模糊表述) to a warning, with its reason (R-029).

    Vague terms are errors by default; the decision sits in the list itself, so the justice
    bureau reviews it and it is published with the list. Catch-all clauses (兜底条款) can
    never be lowered.
    """

    term: str = Field(min_length=1, max_length=20, description="降为警告的模糊表述, 如 相关")
    reason: str = Field(min_length=2, max_length=500, description="降级理由")


class CommitmentList(GaozhiModel):
    """证明事项告知承诺制清单 of one organ, one version (R-008, R-009)."""

    list_id: str = Field(min_length=1, description="清单编号")
    owner_organ: str = Field(min_length=1, description="编制单位")
    owner_uscc: str | None = Field(default=None, description="编制单位统一社会信用代码")
    region_code: str = Field(default="000000", pattern=r"^\d{6}$", description="行政区划代码")
    version: int = Field(default=1, ge=1, le=MAX_SAFE_INT, description="清单版本")
    deliberation_ref: str = Field(default="", description="党委会议研究论证记录 (R-009)")
    submitted_to_justice_on: date | None = Field(default=None, description="报送司法局日期")
    review_record: ReviewRecord | None = Field(default=None, description="审核/备案记录")
    published_channels: tuple[PublishChannel, ...] = Field(default=(), description="公布渠道")
    effective_from: date | None = Field(default=None, description="生效日期")
    effective_to: date | None = Field(default=None, description="失效日期")
    entries: tuple[CommitmentListEntry, ...] = Field(default=(), description="清单条目")
    wording_exceptions: tuple[WordingException, ...] = Field(
        default=(), description="机关降为警告的模糊表述及理由 (R-029)"
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen_ids: set[str] = set()
        seen_seq: set[int] = set()
        for e in self.entries:
            if e.entry_id in seen_ids:
                raise ValueError(f"条目编号重复: {e.entry_id}")
            if e.seq_no in seen_seq:
                raise ValueError(f"序号重复: {e.seq_no}")
            seen_ids.add(e.entry_id)
            seen_seq.add(e.seq_no)
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("失效日期早于生效日期")
        return self

    def entry(self, entry_id: str) -> CommitmentListEntry:
        """The entry with this id (KeyError if absent)."""
        for e in self.entries:
            if e.entry_id == entry_id:
                return e
        raise KeyError(entry_id)
