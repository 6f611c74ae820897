"""The ``gaozhi db migrate`` and ``gaozhi db status`` subcommands (DESIGN §6a).

Kept out of :mod:`gaozhi_sdk.cli`; :func:`add_db_commands` adds the parsers (``--db FILE|URL``
or ``--workdir DIR``, as every command that reads a store).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_db_commands"]

_EX_OK, _EX_PENDING = 0, 1


def _cmd_db(args: argparse.Namespace) -> int:
    from gaozhi_sdk.cli import store_url
    from gaozhi_sdk.store import open_store

    url, _ = store_url(args)
    store: Any = open_store(url, migrate=False, allow_outdated=True)
    try:
        if args.db_command == "migrate":
            applied = store.migrate()
            status = store.migration_status()
            if args.json:
                print(json.dumps({"applied_now": applied, **status.to_json_dict()}, indent=2))
            elif applied:
                print(f"已迁移到结构版本 {status.current}: 应用了步骤 {applied}")
            else:
                print(f"结构版本 {status.current} 已是最新, 无需迁移")
            return _EX_OK
        status = store.migration_status()
        if args.json:
            print(json.dumps(status.to_json_dict(), ensure_ascii=False, indent=2))
        else:
            print(f"存储: {status.backend}  结构版本 {status.current} / 最新 {status.latest}")
            for a in status.applied:
                print(f"  已应用 {a.version:3d}  {a.applied_at or '(迁移机制之前)'}  {a.name}")
            for m in status.pending:
                print(f"  待应用 {m.version:3d}  {m.name}")
            print("已是最新" if status.up_to_date else "有待应用的迁移: gaozhi db migrate --db URL")
        return _EX_OK if status.up_to_date else _EX_PENDING
    finally:
        store.close()


def add_db_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``db migrate`` and ``db status`` to the ``gaozhi`` subparsers."""
    db = sub.add_parser(
        "db",
        help="存储结构迁移 (版本化, 只向前)",
        description="存储结构迁移 (版本化, 只向前)。",
        epilog="示例:\n  gaozhi db status --db demo/gaozhi.db\n"
        "  gaozhi db migrate --db postgresql://gaozhi@localhost/gaozhi",
    )
    dbsub = db.add_subparsers(dest="db_command", required=True, parser_class=parser_class)
    migrate = dbsub.add_parser(
        "migrate",
        help="应用所有待应用的结构迁移 (以属主角色运行)",
        description="应用所有待应用的结构迁移 (以属主角色运行)。",
        epilog="示例:\n  gaozhi db migrate --db demo/gaozhi.db\n"
        "  gaozhi db migrate --db postgresql://gaozhi@localhost/gaozhi --json",
    )
    status = dbsub.add_parser(
        "status",
        help="显示已应用与待应用的迁移 (有待应用时退出码 1)",
        description="显示已应用与待应用的迁移; 有待应用的迁移时退出码 1。",
        epilog="示例:\n  gaozhi db status --db demo/gaozhi.db\n"
        "  gaozhi db status --workdir demo --json",
    )
    from gaozhi_sdk.cli import add_store_args

    for p in (migrate, status):
        add_store_args(p)
        p.add_argument("--json", action="store_true", help="输出 JSON")
        p.set_defaults(func=_cmd_db)
