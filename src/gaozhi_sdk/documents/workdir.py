"""Write the documents of a running deployment into a directory (used by ``gaozhi demo``).

Layout under ``directory``::

    notices/<notice_id>.html|.docx      rendered notices of a sample of cases
    pledges/<pledge_id>.html|.docx      rendered pledges (ID numbers masked)
    list/<list_id>-v<version>.xlsx|.docx
    disclosure/index.html, disclosure/<disclosure_id>.html, disclosure/disclosures.json
    report/report.docx|.xlsx
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaozhi_sdk.documents.disclosure import DisclosedPledge, redaction_profile, render_disclosure
from gaozhi_sdk.documents.html import render_template
from gaozhi_sdk.documents.lists import export_list_docx, export_list_xlsx
from gaozhi_sdk.documents.notices import render_notice, render_pledge
from gaozhi_sdk.documents.report import report_docx, report_xlsx
from gaozhi_sdk.models.parties import Actor

__all__ = ["WrittenDocuments", "publish_all_disclosures", "write_documents"]


@dataclass
class WrittenDocuments:
    """What :func:`write_documents` wrote."""

    files: list[Path] = field(default_factory=list)
    disclosures: list[DisclosedPledge] = field(default_factory=list)

    @property
    def published(self) -> list[Path]:
        """The files meant for the public (disclosure pages and JSON)."""
        return [f for f in self.files if f.parent.name == "disclosure"]


def publish_all_disclosures(svc: Any, actor: Actor) -> list[DisclosedPledge]:
    """Publish every signed pledge whose entries allow disclosure (R-071, R-093)."""
    out = []
    for case in svc.cases.list():
        if case.pledge_id is None or case.status.value == "WITHDRAWN":
            continue
        pledge = svc.cases.pledge(case.pledge_id)
        entries = [svc.cases.entry_at(case, it.entry_id) for it in pledge.items]
        if any(redaction_profile(e).publish for e in entries):
            out.append(svc.disclosure.publish(case.pledge_id, actor))
    return out


def _write(files: list[Path], path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    files.append(path)


def write_documents(
    svc: Any,
    directory: Path,
    *,
    actor: Actor,
    list_ids: tuple[str, ...] = (),
    sample: int = 4,
    organ_name: str | None = None,
    hook: Any = None,
) -> WrittenDocuments:
    """Publish disclosures and write notices, pledges, lists, disclosure pages and report.

    Args:
        svc: the :class:`~gaozhi_sdk.PledgeService`.
        actor: the official publishing the disclosures (窗口人员 of the owning organ).
        list_ids: lists to export (their published version).
        sample: how many signed cases to render notices and pledges for.
    """
    w = WrittenDocuments()
    signed = [c for c in svc.cases.list() if c.pledge_id is not None]
    for case in signed[:sample]:
        notice = svc.cases.notice(case.notice_id)
        pledge = svc.cases.pledge(case.pledge_id)
        for fmt in ("html", "docx"):
            _write(w.files, directory / "notices" / f"{notice.notice_id}.{fmt}",
                   render_notice(notice, fmt, hook=hook))  # fmt: skip
            _write(w.files, directory / "pledges" / f"{pledge.pledge_id}.{fmt}",
                   render_pledge(pledge, fmt, hook=hook))  # fmt: skip
    for list_id in list_ids:
        clist = svc.lists.published(list_id)
        stem = directory / "list" / f"{clist.list_id}-v{clist.version}"
        _write(w.files, stem.with_suffix(".xlsx"), export_list_xlsx(clist, hook=hook))
        _write(w.files, stem.with_suffix(".docx"), export_list_docx(clist, hook=hook))
    w.disclosures = publish_all_disclosures(svc, actor)
    ddir = directory / "disclosure"
    for d in w.disclosures:
        _write(w.files, ddir / f"{d.disclosure_id}.html", render_disclosure(d, "html", hook=hook))
    _write(w.files, ddir / "disclosures.json", render_disclosure(w.disclosures, "json", hook=hook))
    channels = sorted({d.complaint_channel for d in w.disclosures})
    index = render_template(
        "disclosure_index.html.j2",
        {"title": "告知承诺书公开", "disclosures": w.disclosures, "channels": channels,
         "view": None},
    )  # fmt: skip
    _write(w.files, ddir / "index.html", index)
    stats = svc.statistics()
    name = organ_name or "【请填写】"
    _write(w.files, directory / "report" / "report.docx", report_docx(stats, organ_name=name))
    _write(w.files, directory / "report" / "report.xlsx", report_xlsx(stats))
    return w
