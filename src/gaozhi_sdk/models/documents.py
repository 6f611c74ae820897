"""告知承诺书格式文本、告知书与承诺书 (DOMAIN §2.3).

The notice and the pledge are the two signed documents of a case. Their JCS bytes are
what the organ's seal and the applicant's signature cover (DESIGN §4).
"""

from __future__ import annotations

from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from gaozhi_sdk.models._base import MAX_SAFE_INT, GaozhiModel, pii
from gaozhi_sdk.models.enums import CommitmentMethod, DisclosurePolicy, NoticeChannel
from gaozhi_sdk.models.parties import Applicant, Proxy

__all__ = [
    "DEFAULT_PLEDGE_CLAUSES",
    "Notice",
    "NoticeItem",
    "Pledge",
    "PledgeItem",
    "PledgeTemplate",
]

#: Pledge clauses of the exam example (R-033) generalised; treat as strong default (DOMAIN §2.3).
DEFAULT_PLEDGE_CLAUSES: tuple[str, ...] = (
    "本人(单位)已知晓行政机关告知的全部内容。",
    "本人(单位)已符合告知书所列的全部条件和要求。",
    "本人(单位)填报和提交的信息真实、准确、完整。",
    "本人(单位)愿意接受行政机关的核查,并如实配合核查工作。",
    "本人(单位)愿意承担不实承诺的法律责任,并接受相应处理。",
    "本承诺是本人(单位)真实的意思表示。",
)


class PledgeTemplate(GaozhiModel):
    """告知承诺书格式文本 for one list entry version (R-028, R-029, R-032, R-033)."""

    template_id: str = Field(min_length=1, description="模板编号")
    version: int = Field(default=1, ge=1, le=MAX_SAFE_INT, description="模板版本")
    entry_id: str = Field(min_length=1, description="对应清单条目")
    entry_version: int = Field(ge=1, le=MAX_SAFE_INT, description="对应清单条目版本")
    proof_obligation: str = Field(min_length=1, description="证明义务")
    proof_content: str = Field(min_length=1, description="证明内容")
    commitment_method: CommitmentMethod = Field(
        default=CommitmentMethod.ELECTRONIC_SIGNATURE, description="承诺方式"
    )
    liability: str = Field(min_length=1, description="不实承诺的法律责任")
    verification_power: str = Field(min_length=1, description="核查权力")
    cooperation_duty: str = Field(min_length=1, description="配合义务")
    credit_consequence: str = Field(min_length=1, description="信用管理后果 (R-050)")
    disclosure_notice: str = Field(min_length=1, description="承诺书是否公开的说明 (R-071)")
    pledge_clauses: tuple[str, ...] = Field(
        default=DEFAULT_PLEDGE_CLAUSES, min_length=1, description="承诺条款"
    )


class NoticeItem(GaozhiModel):
    """One proof item told in the notice: what must be proven and what lying costs (R-001)."""

    entry_id: str = Field(description="清单条目编号")
    entry_version: int = Field(ge=1, le=MAX_SAFE_INT, description="清单条目版本")
    matter_name: str = Field(description="事项名称")
    legal_basis: tuple[str, ...] = Field(description="设定依据")
    proof_name: str = Field(description="证明名称")
    proof_obligation: str = Field(description="证明义务")
    proof_content: str = Field(description="证明内容")
    commitment_method: CommitmentMethod = Field(description="承诺方式")
    liability: str = Field(description="不实承诺的法律责任")
    verification_power: str = Field(description="核查权力")
    cooperation_duty: str = Field(description="配合义务")
    credit_consequence: str = Field(description="信用管理后果")
    disclosure: DisclosurePolicy = Field(description="承诺书是否公开")
    disclosure_notice: str = Field(description="公开说明")
    verification_method: str = Field(description="核查方式")
    proxy_allowed: bool = Field(description="是否可代为承诺")
    pledge_clauses: tuple[str, ...] = Field(description="承诺条款")


class Notice(GaozhiModel):
    """告知书: the one-time written notice (R-001), signed by the organ's seal."""

    notice_id: str = Field(min_length=1, description="告知书编号")
    case_no: str = Field(min_length=1, description="办件编号")
    organ_name: str = Field(description="告知机关")
    organ_uscc: str = Field(description="告知机关统一社会信用代码")
    applicant_digest: str = Field(description="申请人证件号码的加盐摘要")
    applicant_masked: str = Field(description="申请人证件号码 (脱敏)")
    channel: NoticeChannel = Field(description="告知渠道")
    issued_at: AwareDatetime = Field(description="告知时间")
    items: tuple[NoticeItem, ...] = Field(min_length=1, description="告知的证明事项")


class PledgeItem(GaozhiModel):
    """One proof item the applicant pledges for instead of submitting the proof."""

    entry_id: str = Field(description="清单条目编号")
    entry_version: int = Field(ge=1, le=MAX_SAFE_INT, description="清单条目版本")
    proof_name: str = Field(description="证明名称")
    proof_content: str = Field(description="承诺符合的条件")
    clauses: tuple[str, ...] = Field(min_length=1, description="承诺条款 (与模板一致, 不得修改)")


class Pledge(GaozhiModel):
    """承诺书: the applicant's (or proxy's) signed written pledge (R-001, R-024)."""

    pledge_id: str = Field(min_length=1, description="承诺书编号")
    case_no: str = Field(min_length=1, description="办件编号")
    notice_id: str = Field(description="所依据的告知书编号")
    notice_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="告知书内容 SHA-256 摘要")
    matter_code: str = Field(description="事项编码")
    organ_uscc: str = Field(description="受理机关统一社会信用代码")
    pledgor: Applicant = Field(description="承诺人 (申请人)")
    proxy: Proxy | None = Field(default=None, description="代为承诺人及特别授权")
    items: tuple[PledgeItem, ...] = Field(min_length=1, description="承诺的证明事项")
    acknowledged_notice: bool = Field(description="已知晓告知的全部内容")
    signed_at: AwareDatetime = Field(description="签署时间")
    signer_statement: str = Field(
        default="以上承诺系本人(单位)真实意思表示。",
        description="签署声明",
        json_schema_extra=pii("free_text"),
    )

    @model_validator(mode="after")
    def _ack(self) -> Self:
        if not self.acknowledged_notice:
            raise ValueError("承诺人须确认已知晓告知的全部内容")
        if self.proxy is not None and (
            self.proxy.authorization.grantor_id_number != self.pledgor.id_number
        ):
            raise ValueError("特别授权的授权人与承诺人不一致")
        return self
