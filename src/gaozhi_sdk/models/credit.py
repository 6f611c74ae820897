"""处置、信用记录、信用修复、异议与投诉 (DOMAIN §2.5, machine D)."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from gaozhi_sdk.models._base import GaozhiModel, pii
from gaozhi_sdk.models.enums import (
    ComplaintStatus,
    Conduct,
    CreditStatus,
    DispositionAction,
    ObjectionOutcome,
    RepairDecision,
    Severity,
)

__all__ = [
    "Complaint",
    "CreditRecord",
    "CreditRepairApplication",
    "Disposition",
    "Objection",
    "PublicityPeriod",
]


class Disposition(GaozhiModel):
    """处置 of a false pledge (R-050…R-054, R-058)."""

    disposition_id: str = Field(min_length=1, description="处置编号")
    case_no: str = Field(description="办件编号")
    verification_id: str = Field(description="认定不实的核查编号")
    organ_uscc: str = Field(description="处置机关统一社会信用代码 (印章须为该机关的, DESIGN §4)")
    actions: tuple[DispositionAction, ...] = Field(min_length=1, description="处置措施")
    rectification_due: date | None = Field(default=None, description="整改期限")
    penalty_ref: str | None = Field(default=None, description="行政处罚决定书文号")
    repair_notice_ref: str | None = Field(
        default=None, description="信用修复告知书编号 (两书同达, R-058)"
    )
    referral_ref: str | None = Field(default=None, description="移送司法机关文书编号")
    decided_at: AwareDatetime = Field(description="处置时间")
    credit_record_id: str | None = Field(default=None, description="信用记录编号 (R-050)")
    social_impact: str = Field(default="", description="社会影响说明 (R-055)")

    @model_validator(mode="after")
    def _consistency(self) -> Self:
        acts = set(self.actions)
        if len(acts) != len(self.actions):
            raise ValueError("处置措施重复")
        if DispositionAction.ORDER_RECTIFICATION in acts and self.rectification_due is None:
            raise ValueError("责令限期整改须载明整改期限 (R-051)")
        if DispositionAction.ADMIN_PENALTY in acts and not self.penalty_ref:
            raise ValueError("予以行政处罚须载明处罚决定书文号 (R-053)")
        if DispositionAction.REFER_JUDICIAL in acts and not self.referral_ref:
            raise ValueError("移送司法机关须载明移送文书编号 (R-054)")
        if DispositionAction.TERMINATE in acts and DispositionAction.REVOKE_DECISION in acts:
            raise ValueError("终止办理 (决定前) 与撤销行政决定 (决定后) 不能同时适用")
        return self


class PublicityPeriod(GaozhiModel):
    """公示期 of a credit record under the regime in force at recording (R-110, R-117)."""

    regime_id: str = Field(description="信用修复规则版本")
    start: date = Field(description="公示起始日")
    min_end: date = Field(description="最短公示期届满日 (此后可申请修复, R-113)")
    max_end: date | None = Field(description="最长公示期届满日 (届满停止公示)")
    published: bool = Field(description="是否公示 (轻微原则上不公示)")


class CreditRecord(GaozhiModel):
    """信用记录 / 诚信档案 entry (R-050, R-055, R-056, R-110)."""

    record_id: str = Field(min_length=1, description="信用记录编号")
    subject_digest: str = Field(description="信用主体证件号码的加盐摘要")
    subject_masked: str = Field(description="信用主体证件号码 (脱敏)")
    subject_is_legal_person: bool = Field(description="是否法人或其他组织")
    subject_name_public: str | None = Field(
        default=None, description="可公开的主体名称 (仅法人/其他组织)"
    )
    conduct: Conduct = Field(description="失信行为")
    severity: Severity = Field(description="失信程度")
    social_impact: str = Field(default="", description="社会影响 (分级依据, R-055)")
    case_no: str = Field(description="办件编号")
    disposition_id: str = Field(description="处置编号")
    recorded_on: date = Field(description="认定日期")
    organ_uscc: str = Field(description="认定机关 (谁认定、谁修复, R-114)")
    status: CreditStatus = Field(description="状态")
    publicity: PublicityPeriod = Field(description="公示期")
    pushed_to: tuple[str, ...] = Field(default=(), description="已推送平台 (R-056)")


class CreditRepairApplication(GaozhiModel):
    """信用修复申请 (R-112, R-113, R-114)."""

    application_id: str = Field(min_length=1, description="申请编号")
    record_id: str = Field(description="信用记录编号")
    submitted_on: date = Field(description="提交日期")
    obligations_fulfilled_ref: str = Field(
        min_length=1, description="法定责任和义务履行完毕的证明材料"
    )
    credit_commitment_ref: str = Field(min_length=1, description="信用承诺书")
    channel: str = Field(default="认定部门", description="申请渠道 (信用中国或认定部门)")
    decision: RepairDecision | None = Field(default=None, description="修复决定")
    decision_reason: str | None = Field(default=None, description="不予修复的理由")
    decided_on: date | None = Field(default=None, description="决定日期")

    @model_validator(mode="after")
    def _reason(self) -> Self:
        if self.decision is RepairDecision.REJECTED and not (self.decision_reason or "").strip():
            raise ValueError("不予修复须说明理由")
        return self


class Objection(GaozhiModel):
    """异议 about a credit record or repair result (R-057, R-116)."""

    objection_id: str = Field(min_length=1, description="异议编号")
    record_id: str = Field(description="信用记录编号")
    submitted_on: date = Field(description="提出日期")
    grounds: str = Field(min_length=1, description="异议理由")
    channel: str = Field(default="认定部门", description="渠道 (信用中国或行业主管部门)")
    outcome: ObjectionOutcome | None = Field(default=None, description="处理结果")
    outcome_reason: str | None = Field(default=None, description="处理说明")
    decided_on: date | None = Field(default=None, description="处理日期")


class Complaint(GaozhiModel):
    """投诉举报 (R-072): intake, assignment, handling, feedback to the reporter."""

    complaint_id: str = Field(min_length=1, description="投诉举报编号")
    received_at: AwareDatetime = Field(description="收到时间")
    channel: str = Field(description="渠道")
    subject_ref: str = Field(description="被投诉对象 (办件编号或公开承诺书编号)")
    content: str = Field(min_length=1, description="内容", json_schema_extra=pii("free_text"))
    reporter_contact: str | None = Field(
        default=None, description="举报人联系方式", json_schema_extra=pii("contact")
    )
    status: ComplaintStatus = Field(description="状态")
    organ_uscc: str | None = Field(
        default=None,
        description="受理机关统一社会信用代码 (只有该机关的人员可以查看和办理; 空: 仅监督角色)",
    )
    assignee: str | None = Field(default=None, description="承办人员")
    handling_result: str | None = Field(default=None, description="处理结果")
    feedback: str | None = Field(default=None, description="向举报人反馈的内容")
    closed_at: AwareDatetime | None = Field(default=None, description="办结时间")
