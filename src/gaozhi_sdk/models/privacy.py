"""不予公开的标记与个人信息保护影响评估 (R-073, R-094): what the public copy may not show.

* :class:`ConfidentialityMark` — the applicant or the organ marks part of a pledge as a
  trade secret or a third party's private information; the public copy shows the legal
  ground in its place (R-073, R-074) unless a :class:`DisclosureOverride` records the
  third party's consent or an overriding public interest, with its reason.
* :class:`ImpactAssessment` — 个人信息保护影响评估 for one disclosure type (the pledges of
  one list entry of one organ): who decided, scope, risks, measures, date; kept at least
  three years (个人信息保护法第五十五、五十六条, R-094). Publishing a natural person's
  pledge requires one (R-071, R-092).
"""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from gaozhi_sdk.models._base import GaozhiModel, pii
from gaozhi_sdk.models.enums import ActorRole, ConfidentialGround, DisclosureOverrideBasis

__all__ = [
    "GROUND_TEXT",
    "PIA_RETENTION_YEARS",
    "ConfidentialityMark",
    "DisclosureOverride",
    "ImpactAssessment",
]

#: The legal ground printed in place of withheld content (R-073, R-074).
GROUND_TEXT: dict[ConfidentialGround, str] = {
    ConfidentialGround.TRADE_SECRET: "涉及商业秘密, 依政府信息公开条例第十五条不予公开",
    ConfidentialGround.THIRD_PARTY_PRIVACY: (
        "涉及第三方个人隐私, 依政府信息公开条例第十五条不予公开"
    ),
}

#: 影响评估报告和处理情况记录应当至少保存三年 (个人信息保护法第五十六条, R-094).
PIA_RETENTION_YEARS = 3


class DisclosureOverride(GaozhiModel):
    """Why marked content is published after all (R-073): consent or public interest."""

    basis: DisclosureOverrideBasis = Field(description="仍予公开的情形")
    reason: str = Field(min_length=1, description="理由 (必填)", json_schema_extra=pii("free_text"))
    consent_ref: str | None = Field(default=None, description="权利人同意公开的书面材料编号")
    decided_by: str = Field(min_length=1, description="决定人员 (工号)")
    decided_at: AwareDatetime = Field(description="决定时间")

    @model_validator(mode="after")
    def _consent(self) -> Self:
        if self.basis is DisclosureOverrideBasis.CONSENT and not (self.consent_ref or "").strip():
            raise ValueError("以权利人同意为由公开的, 须载明同意材料 (R-073)")
        return self


class ConfidentialityMark(GaozhiModel):
    """Part of a pledge withheld from the public copy (R-073).

    ``clause_index`` None with ``part == "ITEM"`` withholds the item's content and every
    clause; ``"PROOF_CONTENT"`` only 承诺符合的条件; ``"CLAUSE"`` one clause (0-based).
    """

    mark_id: str = Field(min_length=1, description="标记编号")
    pledge_id: str = Field(min_length=1, description="承诺书编号")
    entry_id: str = Field(min_length=1, description="承诺事项 (清单条目编号)")
    part: str = Field(pattern=r"^(ITEM|PROOF_CONTENT|CLAUSE)$", description="标记的部分")
    clause_index: int | None = Field(default=None, ge=0, le=999, description="条款序号 (从 0 起)")
    ground: ConfidentialGround = Field(description="不予公开的理由")
    reason: str = Field(
        min_length=1,
        description="说明 (如何构成商业秘密或第三方隐私)",
        json_schema_extra=pii("free_text"),
    )
    marked_by: ActorRole = Field(description="标记人 (申请人、代为承诺人或机关工作人员)")
    marked_at: AwareDatetime = Field(description="标记时间")
    override: DisclosureOverride | None = Field(
        default=None, description="仍予公开的决定 (第三方同意或公共利益)"
    )

    @model_validator(mode="after")
    def _clause(self) -> Self:
        if (self.part == "CLAUSE") != (self.clause_index is not None):
            raise ValueError("只有标记单个条款 (CLAUSE) 时填写条款序号")
        return self

    @property
    def withheld(self) -> bool:
        """True while no override publishes the content."""
        return self.override is None


class ImpactAssessment(GaozhiModel):
    """个人信息保护影响评估 for publishing the pledges of one entry (R-094)."""

    assessment_id: str = Field(min_length=1, description="评估编号")
    organ_uscc: str = Field(min_length=1, description="评估机关统一社会信用代码")
    entry_id: str = Field(min_length=1, description="公开类型: 该清单条目的承诺书公开")
    decided_by: str = Field(min_length=1, description="决定人员 (姓名或工号及职务)")
    scope: str = Field(min_length=1, description="评估范围: 公开哪些个人信息、向谁公开")
    purpose: str = Field(
        min_length=1, description="处理目的及其必要性 (不超出法定职责所必需, R-090)"
    )
    risks: tuple[str, ...] = Field(min_length=1, description="对个人权益的影响及安全风险")
    measures: tuple[str, ...] = Field(
        min_length=1, description="保护措施 (脱敏、访问控制等, R-095)"
    )
    assessed_on: date = Field(description="评估日期")
    retain_until: date = Field(description="保存至 (评估报告和处理记录至少保存三年)")

    @model_validator(mode="after")
    def _retention(self) -> Self:
        if self.retain_until < _years_after(self.assessed_on, PIA_RETENTION_YEARS):
            raise ValueError("影响评估报告至少保存三年 (个人信息保护法第五十六条, R-094)")
        if any(not r.strip() for r in (*self.risks, *self.measures)):
            raise ValueError("风险和措施不得为空")
        return self


def _years_after(d: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)
