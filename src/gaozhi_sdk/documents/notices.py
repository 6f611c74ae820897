"""告知书与承诺书的渲染 (R-001, R-028, R-029, R-032, R-033).

The notice tells, per proof item, 事项名称、设定依据、证明名称、证明义务、证明内容、承诺方式、
不实承诺的法律责任、核查权力、配合义务、信用管理后果、承诺书是否公开 and the pledge clauses;
the pledge repeats the items and clauses the applicant signs. Every rendering prints the
SHA-256 of the document's canonical bytes (``model_bytes``) — the bytes the seal or the
signature covers — so a printed copy can be matched to the signed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.documents._hook import call_render_hook
from gaozhi_sdk.documents._labels import (
    COMMITMENT_METHOD_LABELS,
    DISCLOSURE_LABELS,
    METHOD_LABELS,
    NOTICE_CHANNEL_LABELS,
    PARTY_TYPE_LABELS,
    yes_no,
)
from gaozhi_sdk.documents.docx import view_to_docx
from gaozhi_sdk.documents.html import render_template
from gaozhi_sdk.documents.view import DocumentView, Field, Section, format_datetime
from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.ids import mask_identifier, mask_text
from gaozhi_sdk.models.documents import Notice, Pledge
from gaozhi_sdk.models.enums import VerificationMethod

__all__ = [
    "content_hash",
    "notice_view",
    "pledge_view",
    "render_notice",
    "render_pledge",
    "render_view",
]


def content_hash(model: Notice | Pledge | Any) -> str:
    """SHA-256 (hex) of the model's canonical bytes: what the signature covers."""
    return sha256_hex(model_bytes(model))


def _method_label(value: str) -> str:
    try:
        return METHOD_LABELS[VerificationMethod(value)]
    except ValueError:
        return value


def notice_view(notice: Notice) -> DocumentView:
    """The printable view of a 告知书."""
    sections = []
    for i, it in enumerate(notice.items, 1):
        fields = (
            Field("事项名称", it.matter_name),
            Field("设定依据", lines=it.legal_basis or ("(清单未载明)",)),
            Field("证明名称", it.proof_name),
            Field("证明义务", it.proof_obligation),
            Field("证明内容", it.proof_content),
            Field("承诺方式", COMMITMENT_METHOD_LABELS[it.commitment_method]),
            Field("不实承诺的法律责任", it.liability),
            Field(
                "核查权力",
                f"{it.verification_power} (核查方式: {_method_label(it.verification_method)})",
            ),
            Field("配合义务", it.cooperation_duty),
            Field("信用管理后果", it.credit_consequence),
            Field("承诺书是否公开", f"{DISCLOSURE_LABELS[it.disclosure]}。{it.disclosure_notice}"),
            Field("是否可代为承诺", yes_no(it.proxy_allowed)),
        )
        sections.append(
            Section(heading=f"{i}. {it.proof_name}", fields=fields, clauses=it.pledge_clauses)
        )
    return DocumentView(
        kind="notice",
        title="证明事项告知承诺书 · 告知书",
        meta=(
            Field("告知机关", notice.organ_name),
            Field("告知书编号", notice.notice_id),
            Field("办件编号", notice.case_no),
            Field("申请人证件号码", notice.applicant_masked),
            Field("告知渠道", NOTICE_CHANNEL_LABELS[notice.channel]),
            Field("告知时间", format_datetime(notice.issued_at)),
        ),
        preamble=(
            "根据证明事项告知承诺制的规定，本机关一次性书面告知您办理本事项需要证明的下列事项。"
            "您可以自愿选择以书面承诺代替提交证明，也可以选择提交证明；"
            "选择承诺的，须同意下列承诺条款并签署承诺书。",
        ),
        sections=tuple(sections),
        closing=("本告知书由告知机关以电子印章签章；纸质文本一式两份，机关与申请人各执一份。",),
        signature_lines=("告知机关 (印章)", "告知日期"),
        content_hash=content_hash(notice),
        hash_label="告知书内容摘要 (SHA-256)",
    )


def pledge_view(pledge: Pledge, *, reveal_identifiers: bool = False) -> DocumentView:
    """The printable view of a 承诺书.

    Args:
        reveal_identifiers: print the pledgor's full ID number (the organ's file copy);
            by default it is masked (R-091 minimisation) — the name is printed in full.
    """
    p = pledge.pledgor
    id_shown = p.id_number if reveal_identifiers else mask_identifier(p.id_number)
    meta = [
        Field("承诺书编号", pledge.pledge_id),
        Field("办件编号", pledge.case_no),
        Field("事项编码", pledge.matter_code),
        Field("受理机关统一社会信用代码", pledge.organ_uscc),
        Field("所依据的告知书", pledge.notice_id),
        Field("承诺人", f"{p.name} ({PARTY_TYPE_LABELS[p.party_type]})"),
        Field("证件号码", id_shown),
    ]
    if pledge.proxy is not None:
        px = pledge.proxy.party
        meta.append(
            Field(
                "代为承诺人",
                f"{px.name if reveal_identifiers else mask_text(px.name, 'name')} "
                f"(特别授权书 {pledge.proxy.authorization.authorization_id})",
            )
        )
    meta.append(Field("签署时间", format_datetime(pledge.signed_at)))
    sections = tuple(
        Section(
            heading=f"{i}. {it.proof_name}",
            fields=(Field("证明名称", it.proof_name), Field("承诺符合的条件", it.proof_content)),
            clauses=it.clauses,
        )
        for i, it in enumerate(pledge.items, 1)
    )
    return DocumentView(
        kind="pledge",
        title="证明事项告知承诺书 · 承诺书",
        meta=tuple(meta),
        preamble=(
            "本人(单位)已知晓行政机关告知的全部内容(告知书编号见上)，"
            "现就下列证明事项作出承诺，以承诺代替提交证明：",
        ),
        sections=sections,
        closing=(pledge.signer_statement,),
        signature_lines=("承诺人 (签名或盖章)", "日期"),
        content_hash=content_hash(pledge),
        hash_label="承诺书内容摘要 (SHA-256)",
        extra_hashes=(Field("所依据告知书内容摘要 (SHA-256)", pledge.notice_hash),),
    )


def render_view(
    view: DocumentView,
    fmt: str,
    *,
    template: str,
    template_dir: str | Path | None = None,
    context: dict[str, Any] | None = None,
) -> bytes:
    """Render a view as ``html`` (template ``template``) or ``docx``."""
    if fmt == "html":
        return render_template(
            template, {"view": view, **(context or {})}, template_dir=template_dir
        )
    if fmt == "docx":
        return view_to_docx(view)
    raise ConfigError(
        "GZ-CF-502",
        f"不支持的文书格式: {fmt} (可用: html、docx)",
        message_en=f"unsupported document format {fmt!r}",
    )


def render_notice(
    notice: Notice,
    fmt: str = "html",
    *,
    template_dir: str | Path | None = None,
    hook: Any = None,
) -> bytes:
    """Render a 告知书 as ``html`` or ``docx``.

    Args:
        template_dir: a directory whose ``notice.html.j2`` (or ``base.html.j2``) overrides
            the built-in template.
        hook: a plugin host / hook relay; its ``gaozhi_render_document("notice", notice,
            fmt)`` result, if any, is returned instead of the built-in rendering.
    """
    out = call_render_hook(hook, "notice", notice, fmt)
    if out is not None:
        return out
    view = notice_view(notice)
    return render_view(
        view, fmt, template="notice.html.j2", template_dir=template_dir, context={"notice": notice}
    )


def render_pledge(
    pledge: Pledge,
    fmt: str = "html",
    *,
    reveal_identifiers: bool = False,
    template_dir: str | Path | None = None,
    hook: Any = None,
) -> bytes:
    """Render a 承诺书 as ``html`` or ``docx`` (see :func:`render_notice`)."""
    out = call_render_hook(hook, "pledge", pledge, fmt)
    if out is not None:
        return out
    view = pledge_view(pledge, reveal_identifiers=reveal_identifiers)
    return render_view(
        view, fmt, template="pledge.html.j2", template_dir=template_dir, context={"pledge": pledge}
    )
