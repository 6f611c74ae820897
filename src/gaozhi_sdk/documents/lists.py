"""清单导出与导入 (R-012, R-030): the published columns as XLSX and DOCX, and XLSX back.

The visible sheet ``清单`` carries the published columns (DOMAIN §2.2) in plain Chinese;
the hidden sheet ``_gaozhi`` carries what the columns do not show (list header, entry ids,
matter type, verification standard, thresholds …) as JSON, so that
``import_list_xlsx(export_list_xlsx(cl)) == cl``. Errors of an edited sheet point at the
row and the column: :class:`~gaozhi_sdk.errors.ListValidationError` with
:class:`CellFinding` findings.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from gaozhi_sdk.documents._hook import call_render_hook
from gaozhi_sdk.documents._labels import (
    ANCHOR_LABELS,
    DISCLOSURE_LABELS,
    METHOD_LABELS,
    UNIT_LABELS,
    yes_no,
)
from gaozhi_sdk.documents.docx import add_table, new_document, save
from gaozhi_sdk.documents.xlsx import (
    XlsxLimits,
    append_text_safe,
    check_file_size,
    check_xlsx_limits,
)
from gaozhi_sdk.errors import ListValidationError
from gaozhi_sdk.models.enums import DisclosurePolicy, MatterType, VerificationMethod, WindowUnit
from gaozhi_sdk.models.lists import (
    CommitmentList,
    CommitmentListEntry,
    VerificationPlanSpec,
    VerificationWindow,
)
from gaozhi_sdk.rules.local_methods import LOCAL_METHOD_NAMES, method_for_name

__all__ = [
    "LIST_COLUMNS",
    "CellFinding",
    "export_list_docx",
    "export_list_xlsx",
    "import_list_xlsx",
    "list_rows",
    "method_cell",
]

#: The published columns, in order (DOMAIN §2.2).
LIST_COLUMNS: tuple[str, ...] = (
    "序号",
    "实施机关",
    "事项名称/编码",
    "证明名称",
    "证明内容",
    "设定依据",
    "索要单位",
    "开具单位",
    "办理指南",
    "核查方式",
    "核查时间",
    "是否免予核查",
    "是否可代为承诺",
    "不实承诺的法律责任",
    "承诺书是否公开",
    "投诉举报方式",
)
_WIDTHS = (6, 16, 22, 16, 36, 28, 14, 14, 18, 10, 18, 8, 8, 36, 12, 24)
SHEET = "清单"
META_SHEET = "_gaozhi"
_META_VERSION = 1

_UNIT_BY_LABEL = {v: k for k, v in UNIT_LABELS.items()}
_ANCHOR_BY_LABEL = {v: k for k, v in ANCHOR_LABELS.items()}
_DISCLOSURE_BY_LABEL = {v: k for k, v in DISCLOSURE_LABELS.items()}
_MATTER_RE = re.compile(r"^(?P<name>.+?)\s*[（(](?P<code>[^（）()]+)[）)]$", re.S)
_WINDOW_RE = re.compile(
    r"^自(?P<anchor>受理|作出决定)之日起\s*(?P<n>\d+)\s*(?P<unit>个工作日|日|个月)内$"
)
#: Fields shown in the published columns (everything else travels in the hidden sheet).
_COLUMN_FIELDS = frozenset(
    {
        "seq_no",
        "implementing_organ",
        "matter_name",
        "matter_code",
        "proof_name",
        "proof_content",
        "legal_basis",
        "requesting_unit",
        "issuing_unit",
        "guide_ref",
        "proxy_allowed",
        "liability_text",
        "pledge_disclosure",
        "complaint_channel",
    }
)
_FIELD_COLUMN = {
    "seq_no": "序号",
    "implementing_organ": "实施机关",
    "matter_name": "事项名称/编码",
    "matter_code": "事项名称/编码",
    "proof_name": "证明名称",
    "proof_content": "证明内容",
    "legal_basis": "设定依据",
    "requesting_unit": "索要单位",
    "issuing_unit": "开具单位",
    "guide_ref": "办理指南",
    "verification": "核查方式",
    "proxy_allowed": "是否可代为承诺",
    "liability_text": "不实承诺的法律责任",
    "pledge_disclosure": "承诺书是否公开",
    "complaint_channel": "投诉举报方式",
}


@dataclass(frozen=True)
class CellFinding:
    """One problem of an imported sheet: 1-based ``row``, column letter and header."""

    row: int
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column} 列 ({self.header}): {self.message}"


def format_window(window: VerificationWindow | None) -> str:
    """``自受理之日起 20 个工作日内`` (empty when the entry sets no window)."""
    if window is None:
        return ""
    return f"自{ANCHOR_LABELS[window.anchor]}之日起 {window.amount} {UNIT_LABELS[window.unit]}内"


def method_cell(spec: VerificationPlanSpec) -> str:
    """The 核查方式 cell: the local name with the SDK's method in brackets when the entry
    keeps a local name (``网络核验（在线核查）``, R-048), else the SDK's name."""
    label = METHOD_LABELS[spec.method]
    local = spec.local_method_name.strip()
    return f"{local}（{label}）" if local and local != label else label


def list_rows(clist: CommitmentList) -> list[list[str]]:
    """The entries as rows of the published columns (strings)."""
    rows = []
    for e in sorted(clist.entries, key=lambda x: x.seq_no):
        v = e.verification
        rows.append(
            [
                str(e.seq_no),
                e.implementing_organ,
                f"{e.matter_name}（{e.matter_code}）",
                e.proof_name,
                e.proof_content,
                "\n".join(e.legal_basis),
                e.requesting_unit,
                e.issuing_unit,
                e.guide_ref,
                method_cell(v),
                format_window(v.window),
                yes_no(v.exempt),
                yes_no(e.proxy_allowed),
                e.liability_text,
                DISCLOSURE_LABELS[e.pledge_disclosure],
                e.complaint_channel,
            ]
        )
    return rows


def _entry_meta(e: CommitmentListEntry) -> dict[str, Any]:
    data = e.model_dump(mode="json")
    meta = {k: v for k, v in data.items() if k not in _COLUMN_FIELDS}
    ver = dict(meta.pop("verification"))
    ver.pop("method", None)
    ver.pop("window", None)
    meta["verification"] = ver
    return meta


def export_list_xlsx(clist: CommitmentList, *, hook: Any = None) -> bytes:
    """The list as an XLSX workbook: sheet ``清单`` (published columns) + hidden metadata."""
    out = call_render_hook(hook, "list", clist, "xlsx")
    if out is not None:
        return out
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    title = f"{clist.owner_organ}证明事项告知承诺制清单 (第 {clist.version} 版)"
    append_text_safe(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LIST_COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    append_text_safe(ws, list(LIST_COLUMNS))
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c in ws[2]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="F2EEE6")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
    for row in list_rows(clist):
        values: list[Any] = [int(row[0]), *row[1:]]
        append_text_safe(ws, values)  # list text is never written as a formula
        for c in ws[ws.max_row]:
            c.alignment = Alignment(vertical="top", wrap_text=True)
            c.border = border
    for i, w in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3  # published lists are printed on A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is not None:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    meta = wb.create_sheet(META_SHEET)
    header = clist.model_dump(mode="json", exclude={"entries"})
    append_text_safe(meta, ["gaozhi-list-metadata", _META_VERSION])
    append_text_safe(meta, ["list", json.dumps(header, ensure_ascii=False, sort_keys=True)])
    for e in sorted(clist.entries, key=lambda x: x.seq_no):
        append_text_safe(
            meta, [e.seq_no, json.dumps(_entry_meta(e), ensure_ascii=False, sort_keys=True)]
        )
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_list_docx(clist: CommitmentList, *, hook: Any = None) -> bytes:
    """The list as a landscape DOCX table in the published columns (R-030)."""
    out = call_render_hook(hook, "list", clist, "docx")
    if out is not None:
        return out
    doc = new_document(landscape=True)
    doc.add_heading(f"{clist.owner_organ}证明事项告知承诺制清单", level=0)
    info = [f"清单编号: {clist.list_id}", f"版本: 第 {clist.version} 版"]
    if clist.effective_from:
        info.append(f"生效日期: {clist.effective_from:%Y年%m月%d日}")
    if clist.review_record:
        info.append(
            f"审核: {clist.review_record.reviewer} ({clist.review_record.reviewed_on:%Y年%m月%d日})"
        )
    doc.add_paragraph("；".join(info))
    widths = [w * 0.1 for w in _WIDTHS]
    add_table(doc, LIST_COLUMNS, list_rows(clist), widths_cm=widths, font_pt=7.5)
    return save(doc)


# -- import --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Row:
    def __init__(self, row: int, cells: dict[str, Any], findings: list[CellFinding]) -> None:
        self.row, self.cells, self.findings = row, cells, findings

    def cell(self, header: str) -> str:
        return _text(self.cells.get(header))

    def bad(self, header: str, message: str) -> None:
        col = get_column_letter(LIST_COLUMNS.index(header) + 1)
        self.findings.append(CellFinding(self.row, col, header, message))

    def pick(self, header: str, table: dict[str, Any], *, required: bool = True) -> Any:
        raw = self.cell(header)
        if not raw and not required:
            return None
        if raw not in table:
            self.bad(header, f"无法识别 “{raw}”, 可填: {'、'.join(table)}")
            return None
        return table[raw]


_YES_NO = {"是": True, "否": False}


_METHOD_CELL_RE = re.compile(r"^(?P<local>[^（()）]+?)\s*[（(](?P<sdk>[^（()）]+)[）)]$")


def _parse_method(
    r: _Row, names: Mapping[str, VerificationMethod] | None
) -> tuple[VerificationMethod | None, str]:
    """The 核查方式 cell: an SDK name, a local name (R-048) or ``本地名（SDK 名）``."""
    raw = r.cell("核查方式")
    m = _METHOD_CELL_RE.match(raw)
    local, sdk = (m["local"].strip(), m["sdk"].strip()) if m else (raw, "")
    method = method_for_name(local, names)
    if method is None or (sdk and method_for_name(sdk, {}) is not method):
        known = "、".join(
            [*METHOD_LABELS.values(), *(LOCAL_METHOD_NAMES if names is None else names)]
        )
        r.bad("核查方式", f"无法识别 “{raw}”, 可填: {known} (R-048)")
        return None, ""
    return method, "" if local == METHOD_LABELS[method] else local


def _parse_row(
    r: _Row, meta: dict[str, Any] | None, method_names: Mapping[str, VerificationMethod] | None
) -> dict[str, Any] | None:
    before = len(r.findings)
    data: dict[str, Any] = dict(meta or {})
    seq = r.cell("序号")
    if not seq.isdigit():
        r.bad("序号", "须为正整数")
    else:
        data["seq_no"] = int(seq)
    data["implementing_organ"] = r.cell("实施机关")
    m = _MATTER_RE.match(r.cell("事项名称/编码"))
    if m is None:
        r.bad("事项名称/编码", "格式须为 “事项名称（事项编码）”")
    else:
        data["matter_name"], data["matter_code"] = m["name"].strip(), m["code"].strip()
    data["proof_name"] = r.cell("证明名称")
    data["proof_content"] = r.cell("证明内容")
    data["legal_basis"] = [x.strip() for x in r.cell("设定依据").splitlines() if x.strip()]
    data["requesting_unit"] = r.cell("索要单位")
    data["issuing_unit"] = r.cell("开具单位")
    data["guide_ref"] = r.cell("办理指南")
    method, local_name = _parse_method(r, method_names)
    window: dict[str, Any] | None = None
    raw_window = r.cell("核查时间")
    if raw_window:
        wm = _WINDOW_RE.match(raw_window)
        if wm is None:
            r.bad("核查时间", "格式须为 “自受理之日起 N 个工作日内” (单位: 个工作日、日、个月)")
        else:
            window = {
                "anchor": _ANCHOR_BY_LABEL[wm["anchor"]],
                "amount": int(wm["n"]),
                "unit": WindowUnit(_UNIT_BY_LABEL[wm["unit"]]).value,
            }
    exempt = r.pick("是否免予核查", _YES_NO)
    if (
        method is not None
        and exempt is not None
        and exempt != (method is VerificationMethod.EXEMPT)
    ):
        r.bad("是否免予核查", "与核查方式不一致 (只有 “免予核查” 填 “是”, R-042)")
    ver = dict(data.get("verification") or {})
    if method is not None:
        ver["method"] = method.value
        ver["local_method_name"] = local_name
    ver["window"] = window
    data["verification"] = ver
    proxy = r.pick("是否可代为承诺", _YES_NO)
    if proxy is not None:
        data["proxy_allowed"] = proxy
    data["liability_text"] = r.cell("不实承诺的法律责任")
    disclosure = r.pick("承诺书是否公开", _DISCLOSURE_BY_LABEL)
    if disclosure is not None:
        data["pledge_disclosure"] = DisclosurePolicy(disclosure).value
    if local_name == "公示核查" and disclosure is not DisclosurePolicy.PUBLIC_REDACTED:
        r.bad("承诺书是否公开", "公示核查须公开告知承诺书 (R-048, R-071)")
    data["complaint_channel"] = r.cell("投诉举报方式")
    if meta is None and "matter_code" in data and "seq_no" in data:
        # a row an official added by hand: derive what the hidden sheet would carry
        data.setdefault("entry_id", f"{data['matter_code']}-{data['seq_no']:03d}")
        data.setdefault("matter_type", MatterType.OTHER_ON_APPLICATION.value)
    if len(r.findings) > before:
        return None
    try:
        CommitmentListEntry.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_input=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            header = _FIELD_COLUMN.get(field, "序号")
            r.bad(header, f"{field}: {err['msg']}")
        return None
    return data


def import_list_xlsx(
    source: bytes | str | Path,
    *,
    method_names: Mapping[str, VerificationMethod] | None = None,
    limits: XlsxLimits | None = None,
) -> CommitmentList:
    """Read a list back from an XLSX made by :func:`export_list_xlsx` (possibly edited).

    The 核查方式 column takes the SDK's names (在线核查 …), the local names of R-048
    (网络核验、实地调查、书面核查、公示核查 — or the organ's own table ``method_names``) or
    ``本地名（SDK 名）``; a local name is kept on the entry (``local_method_name``).
    公示核查 requires the pledge to be disclosed.

    Before anything is parsed, the file is checked against ``limits`` (default
    :meth:`XlsxLimits.from_env`: 20 MiB, 200 zip members, 100 MiB uncompressed, 20 000
    rows, 400 000 cells; a path is checked by its size before it is read).

    Raises:
        ListValidationError: ``GZ-LS-904`` when a limit is exceeded (``details``: measure,
            found, limit), ``GZ-LS-906`` for a bad limit setting in the environment;
            ``GZ-LS-901`` when the workbook is not a list export;
            ``GZ-LS-902`` with ``findings`` (:class:`CellFinding`: row, column, header,
            message) for every cell that does not parse or validate; ``GZ-LS-903`` when the
            rows parse but the list as a whole does not validate (e.g. duplicate 序号).
    """
    limits = limits if limits is not None else XlsxLimits.from_env()
    if not isinstance(source, bytes):
        try:
            size = Path(source).stat().st_size
        except OSError:
            size = 0  # reported as unreadable below
        check_file_size(size, limits)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ListValidationError(
            "GZ-LS-901", f"无法读取清单表格: {type(exc).__name__}", message_en="unreadable XLSX"
        ) from None
    check_xlsx_limits(data, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-XLSX file
        raise ListValidationError(
            "GZ-LS-901", f"无法读取清单表格: {type(exc).__name__}", message_en="unreadable XLSX"
        ) from None
    if SHEET not in wb.sheetnames:
        raise ListValidationError(
            "GZ-LS-901", f"表格中没有工作表 “{SHEET}”", message_en=f"no sheet {SHEET!r}"
        )
    ws = wb[SHEET]
    header_row = [_text(c.value) for c in ws[2]] if ws.max_row >= 2 else []
    if tuple(header_row[: len(LIST_COLUMNS)]) != LIST_COLUMNS:
        raise ListValidationError(
            "GZ-LS-901",
            "第 2 行须为清单列名: " + "、".join(LIST_COLUMNS),
            message_en="row 2 must hold the published column headers",
        )
    list_meta: dict[str, Any] = {}
    entry_meta: dict[int, dict[str, Any]] = {}
    if META_SHEET in wb.sheetnames:
        for row in wb[META_SHEET].iter_rows(min_row=2, values_only=True):
            key, payload = row[0], row[1] if len(row) > 1 else None
            if not isinstance(payload, str):
                continue
            if key == "list":
                list_meta = json.loads(payload)
            elif isinstance(key, int):
                entry_meta[key] = json.loads(payload)
    findings: list[CellFinding] = []
    entries: list[dict[str, Any]] = []
    for idx, values in enumerate(ws.iter_rows(min_row=3, values_only=True), start=3):
        cells = dict(zip(LIST_COLUMNS, values, strict=False))
        if all(_text(v) == "" for v in cells.values()):
            continue
        r = _Row(idx, cells, findings)
        seq = _text(cells.get("序号"))
        meta = entry_meta.get(int(seq)) if seq.isdigit() else None
        parsed = _parse_row(r, meta, method_names)
        if parsed is not None:
            entries.append(parsed)
    if findings:
        first = findings[0]
        raise ListValidationError(
            "GZ-LS-902",
            f"清单表格有 {len(findings)} 处错误, 首处: {first}",
            findings=findings,
            message_en=f"{len(findings)} invalid cells",
            details={"findings": [str(f) for f in findings]},
        )
    try:
        return CommitmentList.model_validate({**list_meta, "entries": entries})
    except ValidationError as exc:
        msg = "; ".join(e["msg"] for e in exc.errors(include_input=False))
        raise ListValidationError(
            "GZ-LS-903", f"清单整体校验未通过: {msg}", message_en="list does not validate"
        ) from None
