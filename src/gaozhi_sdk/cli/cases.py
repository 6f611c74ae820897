"""``gaozhi cases``: list case numbers (for ``gaozhi evidence export``)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gaozhi_sdk.cli._base import EX_OK, add_store_args, examples, store_url


def _cmd_cases(args: argparse.Namespace) -> int:
    from gaozhi_sdk.store import open_store

    url, _ = store_url(args)
    store = open_store(url)
    try:
        rows = [
            {
                "case_no": rec.id,
                "status": rec.state,
                "matter_code": str(rec.doc.get("matter_code", "")),
                "signed": bool(rec.doc.get("pledge_id")),
            }
            for rec in store.list("case", state=args.status)
        ]
    finally:
        store.close()
    if args.limit is not None:
        rows = rows[: args.limit]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EX_OK
    for r in rows:
        signed = "有承诺书" if r["signed"] else "-"
        print(f"{r['case_no']}  {r['status']:<16} {r['matter_code']:<16} {signed}")
    print(f"合计 {len(rows)} 个办件")
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi cases``."""
    c = sub.add_parser(
        "cases",
        help="列出办件编号与状态 (供 gaozhi evidence export 使用)",
        description="列出数据库中的办件: 编号、状态、事项代码、是否有签名的承诺书。只读。",
        epilog=examples(
            "gaozhi cases --workdir demo",
            "gaozhi cases --workdir demo --status ACCEPTED --limit 5",
            "gaozhi cases --db gaozhi.db --json",
        ),
    )
    add_store_args(c)
    c.add_argument("--status", metavar="STATE", help="只列出此状态的办件 (如 ACCEPTED)")
    c.add_argument("--limit", type=int, metavar="N", help="最多列出 N 个")
    c.add_argument("--json", action="store_true", help="输出 JSON")
    c.set_defaults(func=_cmd_cases)
