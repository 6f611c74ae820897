"""DOCX rendering with python-docx: A4, 宋体 body, tables with borders, hash in the footer."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from gaozhi_sdk.documents.view import DocumentView

__all__ = ["add_table", "new_document", "save", "view_to_docx"]

BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian(run_or_style: Any, font: str) -> None:
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def new_document(*, landscape: bool = False) -> Any:
    """An A4 document with Chinese fonts set on the Normal and heading styles."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    sec.left_margin = sec.right_margin = Cm(2.0 if landscape else 2.6)
    sec.top_margin, sec.bottom_margin = Cm(2.2), Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5 if landscape else 12)
    _east_asian(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        st = doc.styles[name]
        st.font.name = "SimHei"
        _east_asian(st, HEADING_FONT)
    return doc


def add_table(
    doc: Any,
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    widths_cm: Sequence[float] | None = None,
    font_pt: float | None = None,
) -> Any:
    """A bordered table (style ``Table Grid``); the header row repeats on every page."""
    ncols = len(header) if header else max((len(r) for r in rows), default=1)
    table = doc.add_table(rows=0, cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if header:
        cells = table.add_row().cells
        for c, text in zip(cells, header, strict=True):
            c.text = ""
            run = c.paragraphs[0].add_run(text)
            run.bold = True
            if font_pt:
                run.font.size = Pt(font_pt)
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for row in rows:
        cells = table.add_row().cells
        for c, text in zip(cells, row, strict=True):
            lines = str(text).split("\n")
            c.text = ""
            p = c.paragraphs[0]
            for i, line in enumerate(lines):
                run = p.add_run(line)
                if font_pt:
                    run.font.size = Pt(font_pt)
                if i < len(lines) - 1:
                    run.add_break()
    if widths_cm:
        table.autofit = False
        for col, w in zip(table.columns, widths_cm, strict=False):
            col.width = Cm(w)  # w:gridCol, honoured by LibreOffice
        for row_ in table.rows:
            for c, w in zip(row_.cells, widths_cm, strict=False):
                c.width = Cm(w)  # w:tcW, honoured by Word
    return table


def save(doc: Any) -> bytes:
    """The document as bytes."""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def view_to_docx(view: DocumentView) -> bytes:
    """Render a :class:`DocumentView` as DOCX (same words as the HTML)."""
    doc = new_document()
    title = doc.add_heading(view.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if view.meta:
        add_table(doc, None, [(f.label, f.value) for f in view.meta], widths_cm=(4.0, 11.8))
    for p in view.preamble:
        para = doc.add_paragraph(p)
        para.paragraph_format.first_line_indent = Pt(24)
    for s in view.sections:
        doc.add_heading(s.heading, level=1)
        if s.fields:
            rows = [(f.label, "\n".join(f.lines) if f.lines else f.value) for f in s.fields]
            add_table(doc, None, rows, widths_cm=(4.0, 11.8))
        if s.clauses:
            doc.add_paragraph().add_run(s.clauses_heading).bold = True
            for i, c in enumerate(s.clauses, 1):
                doc.add_paragraph(f"{i}. {c}")
    for p in view.closing:
        para = doc.add_paragraph(p)
        para.paragraph_format.first_line_indent = Pt(24)
    if view.signature_lines:
        doc.add_paragraph()
        for line in view.signature_lines:
            doc.add_paragraph(f"{line}  ________________________")
    hashes = [f"{view.hash_label}: {view.content_hash}"]
    hashes += [f"{h.label}: {h.value}" for h in view.extra_hashes]
    for h in hashes:
        run = doc.add_paragraph().add_run(h)
        run.font.size = Pt(8)
    footer = doc.sections[0].footer.paragraphs[0]
    run = footer.add_run(f"{view.hash_label}: {view.content_hash}")
    run.font.size = Pt(7)
    return save(doc)
