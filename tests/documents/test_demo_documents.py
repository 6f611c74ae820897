"""What ``gaozhi demo`` writes (issue 5 item 6): every output re-read by its own library."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from gaozhi_sdk.documents import import_list_xlsx
from gaozhi_sdk.models import CommitmentList
from gaozhi_sdk.service import PledgeService


class _Lang(HTMLParser):
    lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")


def _files(demo_dir: Path, suffix: str) -> list[Path]:
    return sorted((demo_dir / "documents").rglob(f"*{suffix}"))


def test_demo_writes_every_kind_of_document(demo_dir: Path) -> None:
    d = demo_dir / "documents"
    for sub, n in (("notices", 2), ("pledges", 2), ("list", 2), ("disclosure", 3), ("report", 2)):
        assert len(list((d / sub).iterdir())) >= n, sub
    assert (d / "report" / "report.docx").is_file() and (d / "report" / "report.xlsx").is_file()
    assert (d / "disclosure" / "index.html").is_file()


def test_every_docx_and_xlsx_rereads(demo_dir: Path) -> None:
    docx_files, xlsx_files = _files(demo_dir, ".docx"), _files(demo_dir, ".xlsx")
    assert docx_files and xlsx_files
    for f in docx_files:
        doc = Document(str(f))
        assert doc.paragraphs and any(p.text.strip() for p in doc.paragraphs), f.name
    for f in xlsx_files:
        wb = load_workbook(f)
        assert wb.sheetnames, f.name


def test_every_html_parses_with_lang_zh_cn(demo_dir: Path) -> None:
    pages = _files(demo_dir, ".html")
    assert len(pages) > 5
    for page in pages:
        p = _Lang()
        p.feed(page.read_text(encoding="utf-8"))
        assert p.lang == "zh-CN", page.name


def test_the_demo_list_export_imports_back_to_the_published_list(demo_dir: Path) -> None:
    (xlsx,) = (demo_dir / "documents" / "list").glob("*.xlsx")
    got = import_list_xlsx(xlsx)
    with PledgeService.open(f"sqlite:///{demo_dir / 'gaozhi.db'}") as svc:
        published: CommitmentList = svc.lists.published(got.list_id)
    assert got == published


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_docx_xlsx_and_html_to_pdf(demo_dir: Path, tmp_path: Path) -> None:
    docs = demo_dir / "documents"
    picks = [
        next((docs / "notices").glob("*.docx")),
        next((docs / "pledges").glob("*.docx")),
        next((docs / "list").glob("*.docx")),
        next((docs / "list").glob("*.xlsx")),
        docs / "report" / "report.docx",
        docs / "report" / "report.xlsx",
        next((docs / "notices").glob("*.html")),
        docs / "disclosure" / "index.html",
    ]
    work = tmp_path / "in"
    work.mkdir()
    inputs = []
    for i, src in enumerate(picks):
        dst = work / f"{i:02d}-{src.name}"
        shutil.copy(src, dst)
        inputs.append(dst)
    out = tmp_path / "pdf"
    soffice = _soffice()
    assert soffice is not None
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), *map(str, inputs)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for src in inputs:
        pdf = out / (src.stem + ".pdf")
        assert pdf.is_file(), f"{src.name}: {proc.stdout} {proc.stderr}"
        head = pdf.read_bytes()[:5]
        assert head == b"%PDF-", src.name
        assert pdf.stat().st_size > 1000
