"""司法局报送材料 (seed §四(五), R-079): DOCX summary, XLSX tables, ``gaozhi report``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from gaozhi_sdk.cli import main
from gaozhi_sdk.documents import report_docx, report_tables, report_xlsx
from gaozhi_sdk.documents.report import PLACEHOLDER
from gaozhi_sdk.service import PledgeService, Statistics

SECTIONS = ("一、开展情况", "二、主要做法和成效", "三、建立的制度和规范", "四、存在的问题和建议")


@pytest.fixture(scope="module")
def stats(demo_dir: Path) -> Statistics:
    with PledgeService.open(f"sqlite:///{demo_dir / 'gaozhi.db'}") as svc:
        return svc.statistics()


def test_r079_docx_summary_has_the_four_sections_numbers_and_blanks(stats: Statistics) -> None:
    doc = Document(io.BytesIO(report_docx(stats, organ_name="三门峡市陕州区人民政府")))
    paras = [p.text for p in doc.paragraphs]
    headings = [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    assert headings == list(SECTIONS)
    summary = paras[paras.index(SECTIONS[0]) + 1]
    t = stats.totals
    for key in ("cases", "pledges", "verifications", "false_pledges", "credit_records"):
        assert f" {t[key]} " in summary, key
    for heading in SECTIONS[1:]:
        assert paras[paras.index(heading) + 1].startswith(PLACEHOLDER)
    assert len(doc.tables) == len(report_tables(stats))
    entry_table = doc.tables[2]
    assert len(entry_table.rows) == 1 + len(stats.entries)


def test_r079_xlsx_has_one_sheet_per_table(stats: Statistics) -> None:
    wb = load_workbook(io.BytesIO(report_xlsx(stats)))
    tables = report_tables(stats)
    assert wb.sheetnames == list(tables)
    overall = {r[0]: r[1] for r in wb["总体情况"].iter_rows(min_row=2, values_only=True)}
    assert overall["签署承诺书 (份)"] == stats.totals["pledges"]
    assert overall["发现承诺不实 (件)"] == stats.totals["false_pledges"]
    per_entry = list(wb["分机关分事项"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2]) for r in per_entry] == [(e.entry_id, e.notices) for e in stats.entries]


def test_cli_report_binary_formats_need_out(demo_dir: Path, tmp_path: Path) -> None:
    assert main(["report", "--db", str(demo_dir), "--format", "docx"]) == 64
    out = tmp_path / "r.docx"
    assert main(["report", "--db", str(demo_dir), "--format", "docx", "--out", str(out)]) == 0
    assert "一、开展情况" in [p.text for p in Document(str(out)).paragraphs]


def test_cli_report_all_formats(demo_dir: Path, tmp_path: Path) -> None:
    for fmt in ("md", "json", "docx"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", "--db", str(demo_dir), "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "report.json").read_text())["totals"]
    out = tmp_path / "report.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "report", "--db", str(demo_dir),
         "--format", "xlsx", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert load_workbook(out).sheetnames[0] == "总体情况"


def test_cli_list_export_import_round_trip_and_row_column_errors(tmp_path: Path) -> None:
    from gaozhi_sdk.rules import load_list
    from gaozhi_sdk.testing import sample_list_text

    src = tmp_path / "list.yaml"
    src.write_text(sample_list_text(), encoding="utf-8")
    xlsx = tmp_path / "list.xlsx"
    assert main(["list", "export", str(src), "--out", str(xlsx)]) == 0
    assert (
        main(["list", "export", str(src), "--format", "docx", "--out", str(tmp_path / "l.docx")])
        == 0
    )
    back = tmp_path / "back.json"
    assert main(["list", "import", str(xlsx), "--out", str(back)]) == 0
    assert load_list(back) == load_list(src)
    wb = load_workbook(xlsx)
    wb["清单"]["J3"] = "不知道"
    wb.save(xlsx)
    proc = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "list", "import", str(xlsx)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "第 3 行 J 列 (核查方式)" in proc.stderr
