"""司法局报送材料 (seed §四(五), R-079): the statistics as DOCX (书面总结) and XLSX.

The DOCX is a written summary in four parts — 一、开展情况 (numbers filled in, with
tables), 二、主要做法和成效, 三、建立的制度和规范, 四、存在的问题和建议 (prose left for the
organ to complete, marked 【请填写】). The XLSX has one sheet per table.
"""

from __future__ import annotations

import io
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gaozhi_sdk.documents._hook import call_render_hook
from gaozhi_sdk.documents.docx import add_table, new_document, save
from gaozhi_sdk.documents.xlsx import append_text_safe
from gaozhi_sdk.models.statistics import Statistics

__all__ = [
    "PLACEHOLDER",
    "REPORT_TITLE",
    "render_report",
    "report_docx",
    "report_tables",
    "report_xlsx",
]

REPORT_TITLE = "证明事项告知承诺制工作开展情况报告"
PLACEHOLDER = "【请填写】"

_STATUS_ZH = {
    "NOTICE_ISSUED": "已告知", "INELIGIBLE": "不适用告知承诺", "DECLINED": "选择提交证明",
    "PLEDGED": "已承诺", "ACCEPTED": "已受理", "WITHDRAWN": "已撤回", "TERMINATED": "已终止",
    "DECIDED": "已作出决定", "CLOSED_TRUE": "核查属实办结", "RECTIFYING": "整改中",
    "CLOSED_RECTIFIED": "整改后办结", "REVOKED": "已撤销",
    "ONLINE": "在线核查", "ON_SITE": "现场核查", "ASSISTED": "协助核查", "EXEMPT": "免予核查",
    "TRUE": "属实", "FALSE": "不实", "INCONCLUSIVE": "无法确定",
    "NO_ADVERSE_FINDING": "监管期内未发现不实", "CANCELLED": "已取消",
    "TERMINATE": "终止办理", "ORDER_RECTIFICATION": "责令限期整改",
    "REVOKE_DECISION": "撤销行政决定", "ADMIN_PENALTY": "行政处罚",
    "REFER_JUDICIAL": "移送司法机关",
    "MINOR": "轻微", "GENERAL": "一般", "SERIOUS": "严重",
    "RECORDED": "已记录", "PUBLICIZED": "已公示", "UNDER_OBJECTION": "异议处理中",
    "REPAIR_PENDING": "修复申请中", "REPAIRED": "已修复", "EXPIRED": "已到期",
    "CORRECTED": "已更正", "INVALIDATED": "已撤销记录",
    "RECEIVED": "已受理", "ASSIGNED": "已分派", "HANDLED": "已处理", "CLOSED": "已反馈办结",
}  # fmt: skip

_TOTAL_LABELS = (
    ("cases", "告知办件 (件)"),
    ("pledges", "签署承诺书 (份)"),
    ("withdrawals", "撤回承诺 (件)"),
    ("verifications", "核查 (次)"),
    ("false_pledges", "发现承诺不实 (件)"),
    ("overdue", "逾期未核查 (次)"),
    ("credit_records", "纳入信用记录 (条)"),
    ("penalties_refused_for_limitation", "超过追责时效不予处罚 (件)"),
    ("complaints", "投诉举报 (件)"),
)
_ENTRY_HEADER = (
    "机关", "条目", "告知", "选择承诺", "提交证明", "不适用", "承诺", "撤回",
    "核查方式", "核查结果", "逾期", "不实", "不实率‰",
)  # fmt: skip


_ENTRY_WIDTHS = (2.4, 2.0, 0.9, 1.1, 1.1, 1.0, 0.9, 0.9, 1.6, 1.6, 0.8, 0.8, 1.0)


def _zh(key: str) -> str:
    return _STATUS_ZH.get(key, key)


def _dist(data: dict[str, int]) -> str:
    return "、".join(f"{_zh(k)} {v}" for k, v in data.items()) or "—"


def report_tables(stats: Statistics) -> dict[str, tuple[tuple[str, ...], list[list[Any]]]]:
    """Every table of the report: sheet name → (header, rows)."""
    t = stats.totals
    kv = ("项目", "数量")

    def pairs(d: dict[str, int]) -> list[list[Any]]:
        return [[_zh(k), v] for k, v in d.items()]

    entries = [
        [
            e.organ_uscc, e.entry_id, e.notices, e.chose_pledge, e.chose_document, e.ineligible,
            e.pledges, e.withdrawals, _dist(e.verifications_by_method), _dist(e.results),
            e.overdue, e.false_pledges, e.false_rate_permille,
        ]
        for e in stats.entries
    ]  # fmt: skip
    return {
        "总体情况": (kv, [[label, t.get(key, 0)] for key, label in _TOTAL_LABELS]),
        "办件状态": (kv, pairs(stats.cases_by_status)),
        "分机关分事项": (_ENTRY_HEADER, entries),
        "处置措施": (kv, pairs(stats.dispositions_by_action)),
        "信用记录-失信程度": (kv, pairs(stats.credit_by_severity)),
        "信用记录-状态": (kv, pairs(stats.credit_by_status)),
        "投诉举报": (kv, pairs(stats.complaints_by_status)),
    }


def _summary(stats: Statistics) -> str:
    t = stats.totals
    return (
        f"截至 {stats.generated_at[:10]}，共一次性书面告知办件 {t['cases']} 件，"
        f"申请人签署承诺书 {t['pledges']} 份，撤回承诺 {t['withdrawals']} 件；"
        f"开展事中事后核查 {t['verifications']} 次，发现承诺不实 {t['false_pledges']} 件，"
        f"逾期未核查 {t['overdue']} 次；纳入信用记录 {t['credit_records']} 条；"
        f"受理投诉举报 {t['complaints']} 件。"
    )


def report_docx(
    stats: Statistics, *, organ_name: str = PLACEHOLDER, title: str = REPORT_TITLE
) -> bytes:
    """The written summary for the justice bureau as DOCX."""
    doc = new_document()
    h = doc.add_heading(title, level=0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(f"报送单位：{organ_name}    统计生成时间：{stats.generated_at}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        "根据证明事项告知承诺制实施方案关于跟踪评估的要求，现将本单位工作开展情况报告如下。"
    ).paragraph_format.first_line_indent = 0
    tables = report_tables(stats)
    doc.add_heading("一、开展情况", level=1)
    doc.add_paragraph(_summary(stats))
    for n, name in enumerate(tables, 1):
        header, rows = tables[name]
        doc.add_paragraph().add_run(f"表 {n}  {name}").bold = True
        wide = len(header) > 4
        add_table(
            doc,
            header,
            [[str(c) for c in r] for r in rows] or [["—"] * len(header)],
            font_pt=7.0 if wide else None,
            widths_cm=_ENTRY_WIDTHS if wide else (9.8, 6.0),
        )
    for heading, hint in (
        ("二、主要做法和成效", "工作机制、流程再造、信息化建设、数据共享与核查、便民成效等"),
        ("三、建立的制度和规范", "工作规程、办事指南、告知承诺书格式文本、核查与信用管理制度等"),
        ("四、存在的问题和建议", "实施中遇到的问题、风险点及改进建议"),
    ):
        doc.add_heading(heading, level=1)
        doc.add_paragraph(f"{PLACEHOLDER}（{hint}）")
    doc.add_paragraph()
    doc.add_paragraph(f"{organ_name}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph("年    月    日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return save(doc)


def report_xlsx(stats: Statistics) -> bytes:
    """The statistics as XLSX, one sheet per table."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F2EEE6")
    for name, (header, rows) in report_tables(stats).items():
        ws = wb.create_sheet(name)
        append_text_safe(ws, list(header))
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(horizontal="center")
        for r in rows:
            append_text_safe(ws, r)  # organ names, matter names: text, never formulas
        for i, h in enumerate(header, 1):
            width = max([len(str(h)) * 2 + 2] + [min(len(str(r[i - 1])) * 2 + 2, 40) for r in rows])
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_report(stats: Statistics, fmt: str, *, hook: Any = None, **options: Any) -> bytes:
    """``docx`` | ``xlsx`` | ``md`` | ``json`` (the hook may override any of them)."""
    out = call_render_hook(hook, "report", stats, fmt)
    if out is not None:
        return out
    if fmt == "docx":
        return report_docx(stats, **options)
    if fmt == "xlsx":
        return report_xlsx(stats)
    if fmt == "md":
        from gaozhi_sdk.rules.statistics import render_markdown

        return (render_markdown(stats) + "\n").encode("utf-8")
    if fmt == "json":
        return (stats.model_dump_json(indent=2) + "\n").encode("utf-8")
    from gaozhi_sdk.errors import ConfigError

    raise ConfigError(
        "GZ-CF-502",
        f"不支持的报表格式: {fmt} (可用: docx、xlsx、md、json)",
        message_en=f"unsupported report format {fmt!r}",
    )
