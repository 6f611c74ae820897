"""``gaozhi report``: the statistics reported to the justice bureau."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from gaozhi_sdk.cli._base import (
    EX_OK,
    CliError,
    add_store_args,
    check_output,
    examples,
    output_format,
    store_url,
    write_output,
)

_FORMATS = {".md": "md", ".markdown": "md", ".json": "json", ".docx": "docx", ".xlsx": "xlsx"}


def _day(value: str | None, option: str) -> date | None:
    """``--from`` / ``--to`` as a date (GZ-CLI-052 otherwise)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(
            "GZ-CLI-052", f"{option} 须为 YYYY-MM-DD 日期: {value}", details={"value": value}
        ) from None


def _cmd_report(args: argparse.Namespace) -> int:
    from gaozhi_sdk.service import PledgeService, render_markdown

    if args.out:
        check_output(args.out)
    fmt = output_format(args.out, args.format, _FORMATS, default="md")
    if fmt in ("docx", "xlsx") and not args.out:
        raise CliError("GZ-CLI-050", f"{fmt} 为二进制格式, 须用 --out 指定输出文件")
    render_report: Any = None
    if fmt in ("docx", "xlsx"):
        try:
            from gaozhi_sdk.documents import report as documents_report
        except ImportError:
            raise CliError(
                "GZ-CLI-051", "生成 DOCX/XLSX 须安装文书组件: pip install 'gaozhi-sdk[documents]'"
            ) from None
        render_report = documents_report.render_report
    first, last = _day(args.period_from, "--from"), _day(args.period_to, "--to")
    if first is not None and last is not None and last < first:
        raise CliError("GZ-CLI-052", f"统计期间的终点 {last} 早于起点 {first}")
    url, _ = store_url(args)
    with PledgeService.open(url) as svc:
        stats = svc.statistics(period_from=first, period_to=last, organ_uscc=args.organ)
    if render_report is not None:
        write_output(args.out, render_report(stats, fmt))
        print(f"已写入 {args.out} ({fmt.upper()})")
        return EX_OK
    text = (
        render_markdown(stats)
        if fmt == "md"
        else json.dumps(stats.model_dump(mode="json"), ensure_ascii=False, indent=2)
    )
    if args.out:
        write_output(args.out, text + "\n")
        print(f"已写入 {args.out} ({fmt.upper()})")
    else:
        print(text)
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi report``."""
    r = sub.add_parser(
        "report",
        help="向司法局报送的统计 (Markdown、JSON、DOCX 书面总结或 XLSX)",
        description="生成向司法局报送的统计 (R-079), 由数据库分组汇总。--from/--to 按办件受理"
        "(告知) 日期选择统计期间 (含首尾两日, 北京时间), 报告包括这些办件此后的核查、处置与信用"
        "记录, 以及期间内收到的投诉举报; --organ 只统计一个机关。格式由 --out 的扩展名决定 "
        "(.md、.json、.docx、.xlsx), 或用 --format 指定 (须与扩展名一致); 不给 --out 时输出 "
        "Markdown 到标准输出。只读取数据库, 不改动它。",
        epilog=examples(
            "gaozhi report --workdir demo",
            "gaozhi report --workdir demo --from 2026-01-01 --to 2026-03-31",
            "gaozhi report --db postgresql://gaozhi@db/gaozhi --from 2026-04-01 --to 2026-06-30 "
            "--organ 11411222005123018X --out 二季度.xlsx",
            "gaozhi report --workdir demo --out 报告.docx",
            "gaozhi report --db demo/gaozhi.db --format json",
        ),
    )
    add_store_args(r)
    r.add_argument("--format", choices=["md", "json", "docx", "xlsx"], default=None)
    r.add_argument("--out", metavar="FILE", help="写入文件 (docx、xlsx 必填)")
    r.add_argument(
        "--from", dest="period_from", metavar="DATE", help="统计期间起 (受理日期, YYYY-MM-DD, 含)"
    )
    r.add_argument(
        "--to", dest="period_to", metavar="DATE", help="统计期间止 (受理日期, YYYY-MM-DD, 含)"
    )
    r.add_argument("--organ", metavar="USCC", help="只统计该机关 (统一社会信用代码)")
    r.set_defaults(func=_cmd_report)
