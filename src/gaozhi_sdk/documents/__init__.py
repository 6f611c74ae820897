"""文书与报表: notices, pledges, lists, public disclosure and the justice-bureau report.

Rendering needs the ``documents`` extra (Jinja2, python-docx, openpyxl)::

    pip install "gaozhi-sdk[documents]"

HTML is rendered from Jinja2 templates shipped in this package (autoescaped,
``lang="zh-CN"``, responsive with print CSS); DOCX with python-docx; XLSX with openpyxl.
An organ overrides templates with ``template_dir=`` or through the plugin hook
``gaozhi_render_document`` (pass the plugin host as ``hook=``).

Names are imported lazily, so that the core SDK works without the extra installed. The
disclosed copy's models and redaction rules live below both the service and the
documents (:class:`gaozhi_sdk.models.DisclosedPledge`, :func:`gaozhi_sdk.rules.build_disclosure`)
and are re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gaozhi_sdk._public import rehome

if TYPE_CHECKING:
    from gaozhi_sdk.documents.disclosure import disclosure_view, render_disclosure
    from gaozhi_sdk.documents.lists import (
        LIST_COLUMNS,
        CellFinding,
        export_list_docx,
        export_list_xlsx,
        import_list_xlsx,
        list_rows,
    )
    from gaozhi_sdk.documents.notices import (
        content_hash,
        notice_view,
        pledge_view,
        render_notice,
        render_pledge,
    )
    from gaozhi_sdk.documents.pii import PiiFinding, scan_pii
    from gaozhi_sdk.documents.report import (
        render_report,
        report_docx,
        report_tables,
        report_xlsx,
    )
    from gaozhi_sdk.documents.view import DocumentView, Field, Section
    from gaozhi_sdk.documents.xlsx import XlsxLimits
    from gaozhi_sdk.models.disclosure import DisclosedItem, DisclosedPledge
    from gaozhi_sdk.rules.disclosure import RedactionProfile, build_disclosure, redaction_profile

_WHERE = {
    "disclosure": ("disclosure_view", "render_disclosure"),
    "lists": (
        "LIST_COLUMNS",
        "CellFinding",
        "export_list_docx",
        "export_list_xlsx",
        "import_list_xlsx",
        "list_rows",
    ),
    "notices": ("content_hash", "notice_view", "pledge_view", "render_notice", "render_pledge"),
    "pii": ("PiiFinding", "scan_pii"),
    "gaozhi_sdk.models.disclosure": ("DisclosedItem", "DisclosedPledge"),
    "gaozhi_sdk.rules.disclosure": ("RedactionProfile", "build_disclosure", "redaction_profile"),
    "report": ("render_report", "report_docx", "report_tables", "report_xlsx"),
    "view": ("DocumentView", "Field", "Section"),
    "xlsx": ("XlsxLimits",),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "LIST_COLUMNS",
    "CellFinding",
    "DisclosedItem",
    "DisclosedPledge",
    "DocumentView",
    "Field",
    "PiiFinding",
    "RedactionProfile",
    "Section",
    "XlsxLimits",
    "build_disclosure",
    "content_hash",
    "disclosure_view",
    "export_list_docx",
    "export_list_xlsx",
    "import_list_xlsx",
    "list_rows",
    "notice_view",
    "pledge_view",
    "redaction_profile",
    "render_disclosure",
    "render_notice",
    "render_pledge",
    "render_report",
    "report_docx",
    "report_tables",
    "report_xlsx",
    "scan_pii",
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'gaozhi_sdk.documents' has no attribute {name!r}")
    path = module if module.startswith("gaozhi_sdk.") else f"gaozhi_sdk.documents.{module}"
    value = getattr(importlib.import_module(path), name)
    rehome(__name__, [name], {name: value})
    globals()[name] = value
    return value
