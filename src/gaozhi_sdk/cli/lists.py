"""``gaozhi list check|export|import``: commitment-list tools."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gaozhi_sdk.cli._base import (
    EX_FAIL,
    EX_OK,
    CliError,
    check_output,
    examples,
    output_format,
    read_input,
    read_text_input,
    write_output,
)

_FORMATS = {".xlsx": "xlsx", ".docx": "docx"}


def _load(path: str) -> Any:
    """Parse a list file (``-``: standard input), format from the suffix or the text."""
    from gaozhi_sdk.rules import load_list

    text = read_text_input(path, "清单文件")
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return load_list(text, format="json")
    if suffix in (".yaml", ".yml"):
        return load_list(text, format="yaml")
    return load_list(text)


def _cmd_list_check(args: argparse.Namespace) -> int:
    from gaozhi_sdk.errors import ListValidationError
    from gaozhi_sdk.rules import lint_list

    try:
        clist = _load(args.file)
    except ListValidationError as exc:
        findings = exc.findings
    else:
        findings = lint_list(clist)
    errors = [f for f in findings if f.level == "ERROR"]
    if args.json:
        print(
            json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False, indent=2)
        )
    else:
        for f in findings:
            where = "/".join(str(x) for x in (f.entry_id, f.field) if x)
            print(f"{f.level:<7} {f.code} {f.rule or '':<6} {where}: {f.message_zh}")
        print(f"{args.file}: {len(errors)} 个错误, {len(findings) - len(errors)} 个警告")
    return EX_FAIL if errors else EX_OK


def _documents(what: str) -> Any:
    try:
        from gaozhi_sdk.documents import lists
    except ImportError:
        raise CliError(
            "GZ-CLI-051", f"{what}须安装文书组件: pip install 'gaozhi-sdk[documents]'"
        ) from None
    return lists


def _cmd_list_export(args: argparse.Namespace) -> int:
    lists = _documents("导出清单")
    if args.out != "-":
        check_output(args.out)
    fmt = output_format(args.out, args.format, _FORMATS)
    if args.out == "-" and sys.stdout.isatty():
        raise CliError("GZ-CLI-009", f"{fmt} 为二进制格式, 不能输出到终端; 请用 --out 指定文件")
    clist = _load(args.file)
    data = lists.export_list_xlsx(clist) if fmt == "xlsx" else lists.export_list_docx(clist)
    write_output(args.out, data)
    if args.out != "-":
        print(f"已写入 {args.out} ({fmt.upper()}, {len(clist.entries)} 个条目)")
    return EX_OK


def _cmd_list_import(args: argparse.Namespace) -> int:
    from gaozhi_sdk.errors import ListValidationError

    lists = _documents("导入清单")
    if args.out and args.out != "-":
        check_output(args.out)
    data = read_input(args.file, "清单表格")
    if data[:4] != b"PK\x03\x04":
        raise CliError(
            "GZ-CLI-012",
            f"{args.file} 不是 XLSX 表格 (应为 gaozhi list export 导出的 .xlsx 文件)",
            details={"path": args.file},
        )
    try:
        clist = lists.import_list_xlsx(data)
    except ListValidationError as exc:
        sys.stderr.write(f"gaozhi: {exc}\n")
        for f in exc.findings:
            sys.stderr.write(f"  {f}\n")
        return EX_FAIL
    text = json.dumps(clist.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if args.out and args.out != "-":
        write_output(args.out, text)
        print(f"已写入 {args.out} ({len(clist.entries)} 个条目)")
    else:
        sys.stdout.write(text)
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi list check|export|import``."""
    lst = sub.add_parser(
        "list",
        help="告知承诺制清单工具 (校验、导出、导入)",
        description="告知承诺制清单工具。",
        epilog=examples(
            "gaozhi list check 清单.yaml",
            "gaozhi list export 清单.yaml --out 清单.xlsx",
            "gaozhi list import 清单.xlsx --out 清单.json",
        ),
    )
    lsub = lst.add_subparsers(dest="list_command")
    lst.set_defaults(func=None, _parser=lst)
    lc = lsub.add_parser(
        "check",
        help="校验清单 YAML/JSON (有错误时退出码 1)",
        description="校验清单: 结构、设定依据、核查方式、格式文本用语 (R-029) 等。"
        "有错误时退出码 1。",
        epilog=examples(
            "gaozhi list check 清单.yaml",
            "gaozhi list check 清单.json --json",
            "cat 清单.yaml | gaozhi list check -",
        ),
    )
    lc.add_argument("file", metavar="FILE", help="清单 YAML/JSON (UTF-8; - 表示标准输入)")
    lc.add_argument("--json", action="store_true", help="输出 JSON")
    lc.set_defaults(func=_cmd_list_check)
    le = lsub.add_parser(
        "export",
        help="按公布列导出清单 (XLSX 或 DOCX)",
        description="按公布列导出清单。格式由 --out 的扩展名 (.xlsx/.docx) 决定, "
        "或用 --format 指定 (须与扩展名一致)。",
        epilog=examples(
            "gaozhi list export 清单.yaml --out 清单.xlsx",
            "gaozhi list export 清单.yaml --out 清单.docx",
            "gaozhi list export 清单.yaml --format xlsx --out - > 清单.xlsx",
        ),
    )
    le.add_argument("file", metavar="FILE", help="清单 YAML/JSON (- 表示标准输入)")
    le.add_argument("--format", choices=["xlsx", "docx"], default=None, help="输出格式")
    le.add_argument("--out", required=True, metavar="FILE", help="输出文件 (- 表示标准输出)")
    le.set_defaults(func=_cmd_list_export)
    li = lsub.add_parser(
        "import",
        help="从 XLSX 导入清单 (错误指明行列, 有错误时退出码 1)",
        description="从 gaozhi list export 导出 (可能经过编辑) 的 XLSX 读回清单, 输出 JSON。",
        epilog=examples(
            "gaozhi list import 清单.xlsx",
            "gaozhi list import 清单.xlsx --out 清单.json",
        ),
    )
    li.add_argument("file", metavar="FILE", help="清单 XLSX (- 表示标准输入)")
    li.add_argument("--out", metavar="FILE", help="写入 JSON 文件 (默认输出到标准输出)")
    li.set_defaults(func=_cmd_list_import)
