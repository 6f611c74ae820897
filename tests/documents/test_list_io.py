"""清单导出与导入 (R-012, R-030): published columns, XLSX round trip, row/column errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from gaozhi_sdk.documents import LIST_COLUMNS, export_list_docx, export_list_xlsx, import_list_xlsx
from gaozhi_sdk.documents.lists import CellFinding
from gaozhi_sdk.errors import ListValidationError
from gaozhi_sdk.models import CommitmentList, VerificationWindow
from gaozhi_sdk.models.enums import VerificationMethod, WindowUnit


def _edit(data: bytes, edits: dict[str, Any]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["清单"]
    for ref, value in edits.items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _findings(data: bytes) -> list[CellFinding]:
    with pytest.raises(ListValidationError) as exc:
        import_list_xlsx(data)
    assert exc.value.code == "GZ-LS-902"
    return exc.value.findings


def test_r012_xlsx_has_the_published_columns_and_a_hidden_metadata_sheet(
    sample_list: CommitmentList,
) -> None:
    wb = load_workbook(io.BytesIO(export_list_xlsx(sample_list)))
    ws = wb["清单"]
    assert tuple(c.value for c in ws[2]) == LIST_COLUMNS
    assert ws.max_row == 2 + len(sample_list.entries)
    assert wb["_gaozhi"].sheet_state == "hidden"
    first = sorted(sample_list.entries, key=lambda e: e.seq_no)[0]
    row = [c.value for c in ws[3]]
    assert row[0] == first.seq_no
    assert row[2] == f"{first.matter_name}（{first.matter_code}）"
    assert row[11] in ("是", "否")


def test_xlsx_round_trip_gives_the_same_list(sample_list: CommitmentList) -> None:
    assert import_list_xlsx(export_list_xlsx(sample_list)) == sample_list


def test_round_trip_keeps_windows_of_every_unit_and_anchor(sample_list: CommitmentList) -> None:
    entries = list(sample_list.entries)
    entries[0] = entries[0].model_copy(
        update={
            "verification": entries[0].verification.model_copy(
                update={
                    "window": VerificationWindow(amount=3, unit=WindowUnit.MONTHS, anchor="DECIDED")
                }
            ),
            "legal_basis": ("《甲法》第一条", "《乙条例》第二条"),
        }
    )
    entries[1] = entries[1].model_copy(
        update={
            "verification": entries[1].verification.model_copy(
                update={"window": VerificationWindow(amount=30, unit=WindowUnit.CALENDAR_DAYS)}
            )
        }
    )
    changed = sample_list.model_copy(update={"entries": tuple(entries)})
    assert import_list_xlsx(export_list_xlsx(changed)) == changed


def test_edited_cells_are_read_back(sample_list: CommitmentList) -> None:
    data = _edit(export_list_xlsx(sample_list), {"N3": "经核查发现承诺不实的, 终止办理。"})
    got = import_list_xlsx(data)
    first = sorted(got.entries, key=lambda e: e.seq_no)[0]
    assert first.liability_text == "经核查发现承诺不实的, 终止办理。"


def test_errors_point_at_row_and_column(sample_list: CommitmentList) -> None:
    data = _edit(
        export_list_xlsx(sample_list),
        {"J4": "随便查查", "A5": "第五", "K6": "尽快", "D7": None},
    )
    found = {(f.row, f.column, f.header) for f in _findings(data)}
    assert (4, "J", "核查方式") in found
    assert (5, "A", "序号") in found
    assert (6, "K", "核查时间") in found
    assert (7, "D", "证明名称") in found
    assert all(isinstance(f.message, str) and f.message for f in _findings(data))


def test_r042_exempt_column_must_agree_with_the_method(sample_list: CommitmentList) -> None:
    rows = sorted(sample_list.entries, key=lambda e: e.seq_no)
    i = next(i for i, e in enumerate(rows) if e.verification.method is VerificationMethod.EXEMPT)
    data = _edit(export_list_xlsx(sample_list), {f"L{i + 3}": "否"})
    assert [(f.row, f.column) for f in _findings(data)] == [(i + 3, "L")]


def test_duplicate_seq_no_fails_the_list_as_a_whole(sample_list: CommitmentList) -> None:
    data = _edit(export_list_xlsx(sample_list), {"A4": 1})
    with pytest.raises(ListValidationError) as exc:
        import_list_xlsx(data)
    assert exc.value.code == "GZ-LS-903"


def test_a_row_added_by_hand_gets_a_derived_entry_id(sample_list: CommitmentList) -> None:
    data = export_list_xlsx(sample_list)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["清单"]
    row = [c.value for c in ws[3]]
    row[0] = 99
    row[2] = "新增事项（NEW-001）"
    ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    got = import_list_xlsx(buf.getvalue())
    assert len(got.entries) == len(sample_list.entries) + 1
    new = next(e for e in got.entries if e.seq_no == 99)
    assert new.entry_id == "NEW-001-099"
    assert new.matter_code == "NEW-001"


def test_not_a_list_workbook_is_refused(sample_list: CommitmentList) -> None:
    for bad in (b"not a zip", export_list_docx(sample_list)):
        with pytest.raises(ListValidationError) as exc:
            import_list_xlsx(bad)
        assert exc.value.code == "GZ-LS-901"
    data = _edit(export_list_xlsx(sample_list), {"B2": "机关"})
    with pytest.raises(ListValidationError) as exc:
        import_list_xlsx(data)
    assert exc.value.code == "GZ-LS-901"


def test_r030_docx_list_has_the_published_columns(sample_list: CommitmentList) -> None:
    doc = Document(io.BytesIO(export_list_docx(sample_list)))
    (table,) = doc.tables
    assert tuple(c.text for c in table.rows[0].cells) == LIST_COLUMNS
    assert len(table.rows) == 1 + len(sample_list.entries)
    proof_names = {r.cells[3].text for r in table.rows[1:]}
    assert proof_names == {e.proof_name for e in sample_list.entries}


def test_r048_local_method_names_map_onto_the_sdk_methods(sample_list: CommitmentList) -> None:
    rows = sorted(sample_list.entries, key=lambda e: e.seq_no)
    by_method = {e.verification.method: i + 3 for i, e in enumerate(reversed(rows))}
    online, on_site = by_method[VerificationMethod.ONLINE], by_method[VerificationMethod.ON_SITE]
    data = _edit(
        export_list_xlsx(sample_list),
        {f"J{online}": "网络核验", f"J{on_site}": "实地调查（现场核查）"},
    )
    got = {e.seq_no: e for e in import_list_xlsx(data).entries}
    first = rows[online - 3].seq_no
    assert got[first].verification.method is VerificationMethod.ONLINE
    assert got[first].verification.local_method_name == "网络核验"
    second = got[rows[on_site - 3].seq_no].verification
    assert (second.method, second.local_method_name) == (VerificationMethod.ON_SITE, "实地调查")
    # the local name survives a round trip and is printed with the SDK's name
    again = import_list_xlsx(export_list_xlsx(import_list_xlsx(data)))
    assert again == import_list_xlsx(data)
    ws = load_workbook(io.BytesIO(export_list_xlsx(again)))["清单"]
    assert ws[f"J{online}"].value == "网络核验（在线核查）"
    # a local name that contradicts the bracketed SDK name, or an unknown one, is a cell error
    bad = _edit(export_list_xlsx(sample_list), {f"J{online}": "网络核验（现场核查）"})
    assert [(f.row, f.header) for f in _findings(bad)] == [(online, "核查方式")]
    # an organ's own catalogue
    own = _edit(export_list_xlsx(sample_list), {f"J{online}": "数据比对"})
    assert _findings(own)[0].header == "核查方式"
    mine = import_list_xlsx(own, method_names={"数据比对": VerificationMethod.ONLINE})
    assert {e.verification.local_method_name for e in mine.entries} >= {"数据比对"}


def test_r048_publicity_check_needs_the_pledge_disclosed(sample_list: CommitmentList) -> None:
    rows = sorted(sample_list.entries, key=lambda e: e.seq_no)
    i = next(i for i, e in enumerate(rows) if e.verification.method is VerificationMethod.EXEMPT)
    e = rows[i]
    assert e.pledge_disclosure.value == "NONE"  # the sample's exempt entry is not disclosed
    data = _edit(export_list_xlsx(sample_list), {f"J{i + 3}": "公示核查"})
    assert [(f.row, f.header) for f in _findings(data)] == [(i + 3, "承诺书是否公开")]
    ok = _edit(data, {f"O{i + 3}": "公开(隐去个人信息)", f"P{i + 3}": "12345热线"})
    got = next(x for x in import_list_xlsx(ok).entries if x.seq_no == e.seq_no)
    assert got.verification.method is VerificationMethod.EXEMPT
    assert got.verification.local_method_name == "公示核查"


def test_r048_default_catalogue() -> None:
    from gaozhi_sdk.rules import LOCAL_METHOD_NAMES, method_for_name

    assert dict(LOCAL_METHOD_NAMES) == {
        "网络核验": VerificationMethod.ONLINE,
        "实地调查": VerificationMethod.ON_SITE,
        "书面核查": VerificationMethod.ASSISTED,
        "公示核查": VerificationMethod.EXEMPT,
    }
    assert method_for_name(" 在线核查 ") is VerificationMethod.ONLINE
    assert method_for_name("书面核查", {}) is None  # an organ's own table replaces the default
