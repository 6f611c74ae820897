"""公开的承诺书 — the redacted public copy of a pledge (R-071, R-072, R-074, R-092).

Built by :func:`gaozhi_sdk.rules.build_disclosure`; sealed as payload type
``application/vnd.gaozhi.disclosure+json;version=1``.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from gaozhi_sdk.models._base import GaozhiModel
from gaozhi_sdk.models.enums import PartyType

__all__ = ["DisclosedItem", "DisclosedPledge"]


class DisclosedItem(GaozhiModel):
    """One disclosed proof item of a pledge."""

    entry_id: str = Field(description="清单条目编号")
    matter_name: str = Field(description="事项名称")
    proof_name: str = Field(description="证明名称")
    proof_content: str = Field(description="承诺符合的条件")
    clauses: tuple[str, ...] = Field(description="承诺条款")


class DisclosedPledge(GaozhiModel):
    """公开的承诺书 (隐去个人信息的版本, R-071, R-092): what the public sees."""

    disclosure_id: str = Field(min_length=1, description="公开编号")
    pledge_id: str = Field(description="承诺书编号")
    case_no: str = Field(description="办件编号")
    organ_name: str = Field(description="公开机关")
    organ_uscc: str = Field(description="公开机关统一社会信用代码")
    matter_code: str = Field(description="事项编码")
    party_type: PartyType = Field(description="承诺人类别")
    pledgor_display: str = Field(description="承诺人 (自然人脱敏; 法人名称保留)")
    pledgor_id_display: str = Field(description="证件号码 (自然人脱敏; 统一社会信用代码保留)")
    signed_on: date = Field(description="签署日期")
    items: tuple[DisclosedItem, ...] = Field(min_length=1, description="公开的承诺事项")
    pledge_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="原承诺书内容摘要")
    complaint_channel: str = Field(description="投诉举报方式 (R-072)")
    withheld: tuple[str, ...] = Field(description="不予公开的内容及理由 (R-074)")
    published_at: AwareDatetime = Field(description="公开时间")
