"""办件、每项证明的办理方式、撤回与行政决定 (DOMAIN §2.4)."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from gaozhi_sdk.models._base import MAX_SAFE_INT, GaozhiModel
from gaozhi_sdk.models.enums import CaseStatus, ProofMode
from gaozhi_sdk.models.parties import Applicant

__all__ = ["Case", "Decision", "ProofChoice", "Withdrawal"]


class ProofChoice(GaozhiModel):
    """The applicant's free choice per proof item (R-021): pledge or submit the proof."""

    entry_id: str = Field(description="清单条目编号")
    mode: ProofMode = Field(description="办理方式")
    reason: str = Field(default="", description="选择提交证明的原因 (不愿或无法承诺, R-022)")


class Decision(GaozhiModel):
    """行政决定 (办结)."""

    decision_no: str = Field(min_length=1, description="决定文号")
    decided_at: AwareDatetime = Field(description="决定时间")
    kind: str = Field(default="APPROVED", description="决定类型 (准予/不予 …)")
    valid_to: date | None = Field(default=None, description="有效期至")


class Withdrawal(GaozhiModel):
    """撤回承诺 (R-060, R-061, R-064)."""

    withdrawn_at: AwareDatetime = Field(description="撤回时间 (须早于办结)")
    reason: str = Field(min_length=1, description="合理理由")
    fallback: str = Field(default="ORIGINAL_PROCEDURE", description="撤回后按原程序办理")
    restriction: str = Field(default="NONE", description="撤回后限制 (来自清单条目)")


class Case(GaozhiModel):
    """办件: one application of one applicant for one matter, in which pledges replace proofs."""

    case_no: str = Field(min_length=1, description="办件编号")
    organ_uscc: str = Field(description="受理机关统一社会信用代码")
    list_id: str = Field(description="所依据清单编号")
    list_version: int = Field(ge=1, le=MAX_SAFE_INT, description="清单版本")
    matter_code: str = Field(description="事项编码")
    applicant: Applicant = Field(description="申请人")
    entry_ids: tuple[str, ...] = Field(min_length=1, description="涉及的证明事项")
    status: CaseStatus = Field(description="状态")
    choices: tuple[ProofChoice, ...] = Field(
        default=(), description="各项证明的办理方式 (撤回或不适用后均为提交证明, R-061/R-022)"
    )
    pledged_entry_ids: tuple[str, ...] = Field(
        default=(), description="申请人选择以承诺方式办理的证明事项 (选择时记录, 不随撤回改变)"
    )
    notice_id: str | None = Field(default=None, description="告知书编号")
    pledge_id: str | None = Field(default=None, description="承诺书编号")
    ineligible_reasons: tuple[str, ...] = Field(default=(), description="不适用告知承诺的原因")
    decision: Decision | None = Field(default=None, description="行政决定")
    withdrawal: Withdrawal | None = Field(default=None, description="撤回记录")
    disposition_id: str | None = Field(default=None, description="处置编号")
    created_at: AwareDatetime = Field(description="创建时间")
    concluded_at: AwareDatetime | None = Field(default=None, description="办结时间")
