"""承诺书公开的渲染 (R-071, R-072, R-074): the published copy as HTML, DOCX and JSON.

The redaction rules (:mod:`gaozhi_sdk.rules.disclosure`) and the disclosed copy's models
(:mod:`gaozhi_sdk.models.disclosure`) live below both the service and the documents; they
are re-exported here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gaozhi_sdk.documents._hook import call_render_hook
from gaozhi_sdk.documents._labels import PARTY_TYPE_LABELS
from gaozhi_sdk.documents.notices import content_hash, render_view
from gaozhi_sdk.documents.view import DocumentView, Section, format_datetime
from gaozhi_sdk.documents.view import Field as ViewField
from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models.disclosure import DisclosedItem, DisclosedPledge
from gaozhi_sdk.rules.disclosure import (
    WITHHELD,
    RedactionProfile,
    build_disclosure,
    redaction_profile,
)

__all__ = [
    "WITHHELD",
    "DisclosedItem",
    "DisclosedPledge",
    "RedactionProfile",
    "build_disclosure",
    "disclosure_view",
    "redaction_profile",
    "render_disclosure",
]


def disclosure_view(d: DisclosedPledge) -> DocumentView:
    """The printable view of a disclosed pledge."""
    sections = tuple(
        Section(
            heading=f"{i}. {it.proof_name}",
            fields=(
                ViewField("事项名称", it.matter_name),
                ViewField("证明名称", it.proof_name),
                ViewField("承诺符合的条件", it.proof_content),
            ),
            clauses=it.clauses,
        )
        for i, it in enumerate(d.items, 1)
    )
    withheld = Section(
        heading="不予公开的内容 (R-074)", clauses=d.withheld, clauses_heading="依法不予公开"
    )
    return DocumentView(
        kind="disclosure",
        title="告知承诺书公开 (已隐去个人信息)",
        meta=(
            ViewField("公开机关", d.organ_name),
            ViewField("公开编号", d.disclosure_id),
            ViewField("承诺书编号", d.pledge_id),
            ViewField("办件编号", d.case_no),
            ViewField("事项编码", d.matter_code),
            ViewField("承诺人", f"{d.pledgor_display} ({PARTY_TYPE_LABELS[d.party_type]})"),
            ViewField("证件号码", d.pledgor_id_display),
            ViewField("签署日期", f"{d.signed_on:%Y年%m月%d日}"),
            ViewField("公开时间", format_datetime(d.published_at)),
        ),
        sections=(
            *sections,
            Section(heading=withheld.heading, clauses=d.withheld, clauses_heading="依法不予公开"),
        ),
        closing=(
            f"对本承诺书有异议或发现承诺不实的, 可通过以下方式投诉举报: {d.complaint_channel}",
        ),
        content_hash=d.pledge_hash,
        hash_label="原承诺书内容摘要 (SHA-256)",
        extra_hashes=(ViewField("公开文本内容摘要 (SHA-256)", content_hash(d)),),
    )


def render_disclosure(
    disclosures: DisclosedPledge | list[DisclosedPledge],
    fmt: str = "html",
    *,
    template_dir: str | Path | None = None,
    hook: Any = None,
) -> bytes:
    """Render the published copy as ``html``, ``docx`` or ``json`` (a list → JSON array)."""
    out = call_render_hook(hook, "disclosure", disclosures, fmt)
    if out is not None:
        return out
    many = disclosures if isinstance(disclosures, list) else [disclosures]
    if fmt == "json":
        docs = [d.model_dump(mode="json") for d in many]
        body: Any = docs if isinstance(disclosures, list) else docs[0]
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if len(many) != 1:
        raise ConfigError(
            "GZ-CF-503",
            "HTML/DOCX 每次渲染一份公开承诺书",
            message_en="html/docx render one disclosure at a time",
        )
    d = many[0]
    return render_view(
        disclosure_view(d),
        fmt,
        template="disclosure.html.j2",
        template_dir=template_dir,
        context={"disclosure": d, "complaint_channel": d.complaint_channel},
    )
