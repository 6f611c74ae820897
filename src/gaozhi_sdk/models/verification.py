"""核查、协助核查、日常监管与双随机抽取 (DOMAIN §2.4, machine C)."""

from __future__ import annotations

from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from gaozhi_sdk.models._base import MAX_SAFE_INT, GaozhiModel
from gaozhi_sdk.models.enums import (
    AssistanceReply,
    OnlineOutcome,
    SupervisionMode,
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)

__all__ = [
    "AssistanceRequest",
    "DailySupervision",
    "Evidence",
    "InspectionDraw",
    "Verification",
    "VerificationFinding",
]


class Evidence(GaozhiModel):
    """A piece of evidence behind a finding (reference, never raw personal data)."""

    kind: str = Field(description="证据类型 (接口回执、现场记录、协助复函 …)")
    ref: str = Field(description="证据编号或摘要")
    note: str = Field(default="", description="说明")


class VerificationFinding(GaozhiModel):
    """The signed result of one verification (payload type ``verification``)."""

    verification_id: str = Field(description="核查编号")
    case_no: str = Field(description="办件编号")
    entry_id: str = Field(description="清单条目编号")
    method: VerificationMethod = Field(description="实际采用的核查方式")
    result: VerificationResult = Field(description="核查结果")
    online_outcome: OnlineOutcome | None = Field(default=None, description="在线核查结论")
    concluded_at: AwareDatetime = Field(description="核查完成时间")
    inspector: str = Field(description="核查人员 (工号, 脱敏)")
    organ_uscc: str = Field(description="核查机关统一社会信用代码")
    evidence: tuple[Evidence, ...] = Field(default=(), description="证据")


class Verification(GaozhiModel):
    """核查 of one pledged proof item (R-040…R-047)."""

    verification_id: str = Field(min_length=1, description="核查编号")
    case_no: str = Field(description="办件编号")
    entry_id: str = Field(description="清单条目编号")
    method: VerificationMethod = Field(description="核查方式 (可因信用状况收紧, R-040)")
    planned_method: VerificationMethod = Field(description="清单规定的核查方式")
    phase: VerificationPhase = Field(description="核查阶段")
    status: VerificationStatus = Field(description="状态")
    due_at: AwareDatetime | None = Field(default=None, description="核查截止时间 (工作日, R-102)")
    tightened: bool = Field(default=False, description="是否因信用状况收紧")
    plan_reasons: tuple[str, ...] = Field(default=(), description="核查办法确定理由")
    inspector: str | None = Field(default=None, description="执行人 (工号)")
    data_source: str | None = Field(default=None, description="数据来源 (R-044)")
    online_outcome: OnlineOutcome | None = Field(default=None, description="在线核查结论")
    attempts: int = Field(default=0, ge=0, le=MAX_SAFE_INT, description="在线核查次数")
    result: VerificationResult | None = Field(default=None, description="核查结果")
    concluded_at: AwareDatetime | None = Field(default=None, description="完成时间")
    overdue_since: AwareDatetime | None = Field(default=None, description="逾期时间")
    escalations: int = Field(default=0, ge=0, le=MAX_SAFE_INT, description="逾期督办次数")
    assistance_id: str | None = Field(default=None, description="协助核查请求编号")
    draw_id: str | None = Field(default=None, description="双随机抽取批次")
    follow_up_of: str | None = Field(
        default=None, description="线下复核所复核的线上核查编号 (线上核查办理，线下复核备份, R-048)"
    )
    evidence: tuple[Evidence, ...] = Field(default=(), description="证据")


class AssistanceRequest(GaozhiModel):
    """协助核查请求 (R-046, R-047)."""

    assistance_id: str = Field(min_length=1, description="请求编号")
    verification_id: str = Field(description="核查编号")
    requesting_organ: str = Field(description="请求机关统一社会信用代码")
    requested_organ: str = Field(min_length=1, description="被请求机关 (名称或代码)")
    question: str = Field(min_length=1, description="请求核实的事项")
    sent_at: AwareDatetime = Field(description="请求时间")
    due_at: AwareDatetime = Field(description="答复期限")
    reply: AssistanceReply | None = Field(default=None, description="答复")
    refusal_reason: str | None = Field(default=None, description="书面拒绝理由 (R-047)")
    replied_at: AwareDatetime | None = Field(default=None, description="答复时间")

    @model_validator(mode="after")
    def _written_refusal(self) -> Self:
        if self.reply is AssistanceReply.REFUSED and not (self.refusal_reason or "").strip():
            raise ValueError("被请求机关不能协助的, 须书面说明理由 (R-047)")
        return self


class InspectionDraw(GaozhiModel):
    """双随机、一公开 draw (R-042, R-043): seeded, reproducible, publishable."""

    draw_id: str = Field(min_length=1, description="抽取批次")
    organ_uscc: str = Field(description="组织机关")
    mode: SupervisionMode = Field(default=SupervisionMode.DOUBLE_RANDOM, description="监管方式")
    seed: str = Field(pattern=r"^[0-9a-f]{16,128}$", description="公开随机种子 (十六进制)")
    drawn_at: AwareDatetime = Field(description="抽取时间")
    population: tuple[str, ...] = Field(description="备选核查编号 (排序后)")
    inspectors: tuple[str, ...] = Field(description="备选检查人员 (排序后)")
    rate_percent: int = Field(ge=1, le=100, description="抽取比例 (%)")
    selected: tuple[str, ...] = Field(description="抽中的核查编号")
    assignments: tuple[tuple[str, str], ...] = Field(description="(核查编号, 检查人员) 分派")
    algorithm: str = Field(default="gaozhi-draw-v1", description="抽取算法")


class DailySupervision(GaozhiModel):
    """日常监管 record for exempt items (R-042)."""

    batch_id: str = Field(description="抽查批次")
    mode: SupervisionMode = Field(description="方式")
    verification_id: str = Field(description="核查编号")
    inspector: str = Field(description="检查人员")
    adverse_finding: bool = Field(description="是否发现承诺不实")
    result_published_at: AwareDatetime | None = Field(default=None, description="结果公开时间")
