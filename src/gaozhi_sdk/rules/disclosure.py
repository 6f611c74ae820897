"""承诺书公开的脱敏方案与公开件模型 (R-071–R-074, R-092, R-093) — no rendering dependencies.

Only entries whose list column 承诺书是否公开 is ``PUBLIC_REDACTED`` and that carry no
sensitive personal information (R-093) are disclosed. A natural person's name is masked
(``张*``), the ID number masked; phone, address, proxy identity and free-text statements
are withheld (R-092). Legal persons' names and USCCs are not personal information and
are kept. Content the applicant or the organ marked as a trade secret or a third party's
private information is replaced by its legal ground unless consent or an overriding public
interest was recorded (R-073). What was withheld and why is stated on the copy (区分处理,
R-074), together with the complaint channel (R-072) and the SHA-256 of the signed pledge.

Pure rules over models, below both the service (which publishes) and the documents
(which render): the disclosed copy's models are :class:`gaozhi_sdk.models.DisclosedPledge`
and :class:`gaozhi_sdk.models.DisclosedItem`; rendering lives in :mod:`gaozhi_sdk.documents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.ids import mask_identifier, mask_text
from gaozhi_sdk.models import GaozhiModel
from gaozhi_sdk.models.disclosure import DisclosedItem, DisclosedPledge
from gaozhi_sdk.models.documents import Pledge, PledgeItem
from gaozhi_sdk.models.enums import ConfidentialGround, DisclosurePolicy, PartyType
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.privacy import GROUND_TEXT, ConfidentialityMark

__all__ = [
    "WITHHELD",
    "RedactionProfile",
    "build_disclosure",
    "redaction_profile",
    "withheld_placeholder",
]


#: Fields of a pledge never published, with the reason printed on the copy (R-074).
WITHHELD: tuple[tuple[str, str], ...] = (
    ("联系方式", "个人信息, 不予公开 (个人信息保护法第二十五条)"),
    ("住所或地址", "个人信息, 不予公开 (个人信息保护法第二十五条)"),
    ("代为承诺人身份", "个人信息, 不予公开 (个人信息保护法第二十五条)"),
    ("签署声明原文", "可能含个人信息, 不予公开 (政府信息公开条例第十五条)"),
)


class RedactionProfile(GaozhiModel):
    """How pledges under one list entry are disclosed (R-071, R-092, R-093)."""

    entry_id: str = Field(description="清单条目编号")
    publish: bool = Field(description="是否公开该条目的承诺书")
    reason: str = Field(description="公开或不公开的理由")
    mask_natural_person_name: bool = Field(default=True, description="自然人姓名脱敏")
    mask_natural_person_id: bool = Field(default=True, description="自然人证件号码脱敏")
    keep_legal_person: bool = Field(default=True, description="法人名称与统一社会信用代码保留")
    withheld: tuple[str, ...] = Field(
        default=tuple(w for w, _ in WITHHELD), description="不予公开的内容"
    )


def redaction_profile(entry: CommitmentListEntry) -> RedactionProfile:
    """The redaction profile of an entry: published only if PUBLIC_REDACTED and not sensitive."""
    if entry.sensitive_data:
        return RedactionProfile(
            entry_id=entry.entry_id,
            publish=False,
            reason="承诺内容含敏感个人信息, 一律不公开 (R-093)",
        )
    if entry.pledge_disclosure is not DisclosurePolicy.PUBLIC_REDACTED:
        return RedactionProfile(
            entry_id=entry.entry_id, publish=False, reason="清单载明承诺书不公开 (R-071)"
        )
    return RedactionProfile(
        entry_id=entry.entry_id,
        publish=True,
        reason="清单载明承诺书隐去个人信息后公开 (R-071, R-092)",
    )


def withheld_placeholder(ground: ConfidentialGround) -> str:
    """What the public copy shows in place of marked content: the legal ground (R-073)."""
    return f"〔不予公开: {GROUND_TEXT[ground]}〕"


def _apply_marks(
    it: PledgeItem, marks: Sequence[ConfidentialityMark], withheld: list[str]
) -> tuple[str, tuple[str, ...]]:
    """The item's content and clauses with withheld marks replaced by their ground."""
    content, clauses = it.proof_content, list(it.clauses)
    for m in marks:
        if m.entry_id != it.entry_id or not m.withheld:
            continue
        shown = withheld_placeholder(m.ground)
        if m.part == "ITEM":
            content, clauses = shown, [shown]
            what = "全部内容"
        elif m.part == "PROOF_CONTENT":
            content, what = shown, "承诺符合的条件"
        else:
            idx = m.clause_index or 0
            if idx < len(clauses):
                clauses[idx] = shown
            what = f"第 {idx + 1} 条承诺条款"
        withheld.append(f"{it.proof_name} ({what}): {GROUND_TEXT[m.ground]} (R-073)")
    return content, tuple(clauses)


def build_disclosure(
    pledge: Pledge,
    entries: dict[str, CommitmentListEntry],
    *,
    disclosure_id: str,
    organ_name: str,
    published_at: Any,
    marks: Sequence[ConfidentialityMark] = (),
) -> DisclosedPledge:
    """The redacted public copy of ``pledge``: only items whose profile says publish.

    ``marks``: content the applicant or the organ marked as a trade secret or a third
    party's private information; unless overridden (consent or public interest) it is
    replaced by the legal ground and listed among the withheld content (R-073, R-074).

    Raises:
        RuleViolationError: ``GZ-RL-501`` when no item of the pledge may be disclosed.
    """
    items = []
    channels: list[str] = []
    marked: list[str] = []
    for it in pledge.items:
        entry = entries[it.entry_id]
        if not redaction_profile(entry).publish:
            continue
        content, clauses = _apply_marks(it, marks, marked)
        items.append(
            DisclosedItem(
                entry_id=it.entry_id,
                matter_name=entry.matter_name,
                proof_name=it.proof_name,
                proof_content=content,
                clauses=clauses,
            )
        )
        if entry.complaint_channel and entry.complaint_channel not in channels:
            channels.append(entry.complaint_channel)
    if not items:
        raise RuleViolationError(
            "GZ-RL-501",
            "该承诺书没有可公开的证明事项 (清单载明不公开或含敏感个人信息, R-071/R-093)",
            message_en="no item of this pledge may be disclosed",
        )
    p = pledge.pledgor
    natural = p.party_type is PartyType.CITIZEN
    return DisclosedPledge(
        disclosure_id=disclosure_id,
        pledge_id=pledge.pledge_id,
        case_no=pledge.case_no,
        organ_name=organ_name,
        organ_uscc=pledge.organ_uscc,
        matter_code=pledge.matter_code,
        party_type=p.party_type,
        pledgor_display=mask_text(p.name, "name") if natural else p.name,
        pledgor_id_display=mask_identifier(p.id_number) if natural else p.id_number,
        signed_on=pledge.signed_at.date(),
        items=tuple(items),
        pledge_hash=sha256_hex(model_bytes(pledge)),
        complaint_channel="；".join(channels) or "12345政务服务便民热线",
        withheld=(*(f"{w}: {why}" for w, why in WITHHELD), *marked),
        published_at=published_at,
    )
