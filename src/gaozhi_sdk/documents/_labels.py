"""Chinese labels of the enumerations as printed in documents (R-029: 通俗易懂)."""

from __future__ import annotations

from gaozhi_sdk.models.enums import (
    CommitmentMethod,
    DisclosurePolicy,
    MatterType,
    NoticeChannel,
    PartyType,
    VerificationMethod,
    WindowUnit,
)

__all__ = [
    "ANCHOR_LABELS",
    "COMMITMENT_METHOD_LABELS",
    "DISCLOSURE_LABELS",
    "MATTER_TYPE_LABELS",
    "METHOD_LABELS",
    "NOTICE_CHANNEL_LABELS",
    "PARTY_TYPE_LABELS",
    "UNIT_LABELS",
    "yes_no",
]

METHOD_LABELS: dict[VerificationMethod, str] = {m: m.label_zh for m in VerificationMethod}
UNIT_LABELS: dict[WindowUnit, str] = {
    WindowUnit.WORKING_DAYS: "个工作日",
    WindowUnit.CALENDAR_DAYS: "日",
    WindowUnit.MONTHS: "个月",
}
ANCHOR_LABELS: dict[str, str] = {"ACCEPTED": "受理", "DECIDED": "作出决定"}
DISCLOSURE_LABELS: dict[DisclosurePolicy, str] = {
    DisclosurePolicy.NONE: "不公开",
    DisclosurePolicy.PUBLIC_REDACTED: "公开(隐去个人信息)",
}
COMMITMENT_METHOD_LABELS: dict[CommitmentMethod, str] = {
    CommitmentMethod.PAPER_SIGNATURE: "书面签字",
    CommitmentMethod.ELECTRONIC_SIGNATURE: "电子签名",
}
NOTICE_CHANNEL_LABELS: dict[NoticeChannel, str] = {
    NoticeChannel.COUNTER: "窗口书面告知",
    NoticeChannel.ONLINE: "网上电子文本告知",
}
PARTY_TYPE_LABELS: dict[PartyType, str] = {
    PartyType.CITIZEN: "公民",
    PartyType.LEGAL_PERSON: "法人",
    PartyType.OTHER_ORG: "其他组织",
}
MATTER_TYPE_LABELS: dict[MatterType, str] = {
    MatterType.LICENSING: "行政许可",
    MatterType.CONFIRMATION: "行政确认",
    MatterType.BENEFIT: "行政给付",
    MatterType.OTHER_ON_APPLICATION: "其他依申请事项",
}


def yes_no(value: bool) -> str:
    """``是`` / ``否``."""
    return "是" if value else "否"
