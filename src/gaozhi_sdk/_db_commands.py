"""The ``gaozhi db migrate`` and ``gaozhi db status`` subcommands (DESIGN §6a).

Kept out of :mod:`gaozhi_sdk.cli`; :func:`add_db_commands` adds the parsers and
:func:`resolve_db_url` turns a ``--db`` argument (a store URL, a database file or a demo
working directory) into a store URL for every command that takes ``--db``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_db_commands", "resolve_db_url"]

_EX_OK, _EX_PENDING, _EX_USAGE = 0, 1, 64
_URL_SCHEMES = ("sqlite://", "postgresql://", "postgres://")


def resolve_db_url(db_arg: str) -> str | None:
    """``--db`` → store URL: a URL is kept as it is; a directory means its ``gaozhi.db``;
    an existing file becomes ``sqlite:///FILE``. ``None`` when no such file exists."""
    if db_arg.startswith(_URL_SCHEMES):
        return db_arg
    db = Path(db_arg)
    if db.is_dir():
        db = db / "gaozhi.db"
    return f"sqlite:///{db}" if db.is_file() else None


def _cmd_db(args: argparse.Namespace) -> int:
    from gaozhi_sdk.store import open_store

    url = resolve_db_url(args.db)
    if url is None:
        sys.stderr.write(f"gaozhi: [GZ-CLI-008] 找不到数据库文件: {args.db}\n")
        return _EX_USAGE
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
    db = sub.add_parser("db", help="存储结构迁移 (版本化, 只向前)")
    dbsub = db.add_subparsers(dest="db_command", required=True, parser_class=parser_class)
    migrate = dbsub.add_parser("migrate", help="应用所有待应用的结构迁移 (以属主角色运行)")
    status = dbsub.add_parser("status", help="显示已应用与待应用的迁移 (有待应用时退出码 1)")
    for p in (migrate, status):
        p.add_argument(
            "--db",
            required=True,
            help="存储 URL (sqlite:///路径.db, postgresql://…) 或数据库文件、demo 工作目录",
        )
        p.add_argument("--json", action="store_true", help="输出 JSON")
        p.set_defaults(func=_cmd_db)
