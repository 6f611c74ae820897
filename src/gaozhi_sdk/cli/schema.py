"""``gaozhi schema``: the data standard as JSON Schema (R-031)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gaozhi_sdk.cli._base import EX_OK, CliError, deprecated_alias, examples, output_dir


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _cmd_schema(args: argparse.Namespace) -> int:
    from gaozhi_sdk.cli._base import write_output
    from gaozhi_sdk.models import ENTITY_MODELS

    if args.report:
        from gaozhi_sdk.esign.report import report_json_schema

        text = _dump(report_json_schema())
        if args.out_dir:
            out = output_dir(args.out_dir)
            write_output(str(out / "verification-report.schema.json"), text)
            print(f"已写入验证报告 JSON Schema 到 {out}")
        else:
            print(text, end="")
        return EX_OK

    names = args.models or sorted(ENTITY_MODELS)
    unknown = [n for n in names if n not in ENTITY_MODELS]
    if unknown:
        raise CliError(
            "GZ-CLI-007",
            f"未知模型: {', '.join(unknown)}; 可用: " + ", ".join(sorted(ENTITY_MODELS)),
            details={"unknown": unknown},
        )
    schemas = {n: ENTITY_MODELS[n].model_json_schema() for n in names}
    if args.out_dir:
        out = output_dir(args.out_dir)
        for n, s in schemas.items():
            write_output(str(out / f"{n}.schema.json"), _dump(s))
        print(f"已写入 {len(schemas)} 个 JSON Schema 到 {out}")
    else:
        print(_dump(schemas if len(schemas) > 1 else schemas[names[0]]), end="")
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi schema``."""
    s = sub.add_parser(
        "schema",
        help="输出数据标准 (各实体的 JSON Schema, R-031)",
        description="输出各实体的 JSON Schema (数据标准, R-031); 不给模型名时输出全部。",
        epilog=examples(
            "gaozhi schema Case",
            "gaozhi schema --out-dir schemas/",
            "gaozhi schema --report",
        ),
    )
    s.add_argument("models", nargs="*", metavar="MODEL", help="模型名 (默认全部)")
    s.add_argument("--out-dir", metavar="DIR", help="写入目录 (每个模型一个文件)")
    deprecated_alias(s, "--out", "--out-dir", "out_dir")
    s.add_argument(
        "--report", action="store_true", help="输出验证报告 (VerificationReport) 的 JSON Schema"
    )
    s.set_defaults(func=_cmd_schema)
