"""存储层 — Store protocol, the SQLite default store and the journal hash chain (DESIGN §6).

Open a store from a URL::

    from gaozhi_sdk.store import open_store

    store = open_store("sqlite:///gaozhi.db")  # relative path
    store = open_store("sqlite:////var/lib/gaozhi/gaozhi.db")  # absolute path
    store = open_store("sqlite://")  # in memory
"""

from __future__ import annotations

from urllib.parse import unquote

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.store.base import (
    GENESIS_HASH,
    BlobRecord,
    DeploymentSecret,
    JournalEntry,
    OutboxMessage,
    Record,
    Store,
    Transaction,
    new_deployment_secret,
    secret_key_id,
)
from gaozhi_sdk.store.journal import (
    ChainProblem,
    ChainReport,
    MalformedLine,
    entry_hash,
    read_jsonl,
    verify_chain,
    verify_chain_or_raise,
    write_jsonl,
)
from gaozhi_sdk.store.keys import period_bounds, sortable_time
from gaozhi_sdk.store.migrations import AppliedMigration, Migration, MigrationStatus
from gaozhi_sdk.store.queries import RecordQuery, StatisticsCounts, StatisticsQuery
from gaozhi_sdk.store.sqlite import SqliteStore, SqliteTransaction

__all__ = [
    "GENESIS_HASH",
    "SUPPORTED_SCHEMES",
    "AppliedMigration",
    "BlobRecord",
    "ChainProblem",
    "ChainReport",
    "DeploymentSecret",
    "JournalEntry",
    "MalformedLine",
    "Migration",
    "MigrationStatus",
    "OutboxMessage",
    "Record",
    "RecordQuery",
    "SqliteStore",
    "SqliteTransaction",
    "StatisticsCounts",
    "StatisticsQuery",
    "Store",
    "Transaction",
    "entry_hash",
    "new_deployment_secret",
    "open_store",
    "period_bounds",
    "read_jsonl",
    "secret_key_id",
    "sortable_time",
    "verify_chain",
    "verify_chain_or_raise",
    "write_jsonl",
]

#: URL forms accepted by :func:`open_store`.
SUPPORTED_SCHEMES = (
    "sqlite:///相对路径.db",
    "sqlite:////绝对路径.db",
    "sqlite://",
    "sqlite:///:memory:",
    "postgresql://用户@主机:端口/数据库",
    "postgres://用户@主机:端口/数据库",
)


def open_store(
    url: str,
    *,
    synchronous: str = "FULL",
    migrate: bool = True,
    allow_outdated: bool = False,
) -> Store:
    """Open a store from a URL.

    Supported (only ``str`` URLs; pass a :class:`pathlib.Path` to :class:`SqliteStore`
    directly):

    * ``sqlite:///relative/path.db`` — a file relative to the working directory;
    * ``sqlite:////absolute/path.db`` — an absolute path (``sqlite:///`` followed by
      ``/…`` is also absolute on POSIX; a Windows path ``sqlite:///C:/…`` works too);
    * ``sqlite://`` or ``sqlite:///:memory:`` — a private in-memory store;
    * ``postgresql://user@host:port/db`` or ``postgres://…`` — the server store
      (``PostgresStore``; extra ``postgres``; libpq
      parameters and ``schema=`` in the query string).

    Percent-escapes in the path are decoded; query strings are not supported.
    ``migrate`` / ``allow_outdated``: see :class:`~gaozhi_sdk.store.sqlite.SqliteStore`.

    Raises:
        ConfigError: GZ-CF-001 for any other scheme or form.
        StoreError: GZ-ST-* if the database cannot be opened (see
            :class:`~gaozhi_sdk.store.sqlite.SqliteStore`).
    """
    if isinstance(url, str) and url.startswith(("postgresql://", "postgres://")):
        from gaozhi_sdk.store.postgres import PostgresStore

        return PostgresStore(url, migrate=migrate, allow_outdated=allow_outdated)
    if not isinstance(url, str) or not url.startswith("sqlite://") or "?" in url or "#" in url:
        shown = url if isinstance(url, str) else type(url).__name__
        if isinstance(shown, str) and len(shown) > 200:
            shown = shown[:200] + "…"
        raise ConfigError(
            "GZ-CF-001",
            f"不支持的存储地址 {shown!r}; 支持的形式: {', '.join(SUPPORTED_SCHEMES)}",
            message_en="unsupported store URL; supported: sqlite:///path.db, sqlite:// (memory), "
            "postgresql://…",
            details={"supported": list(SUPPORTED_SCHEMES)},
        )
    rest = url[len("sqlite://") :]
    if rest in ("", "/:memory:"):
        return SqliteStore(None, synchronous=synchronous)  # always created up to date
    if not rest.startswith("/") or rest == "/":
        raise ConfigError(
            "GZ-CF-001",
            f"存储地址缺少文件路径 {url!r}; 支持的形式: {', '.join(SUPPORTED_SCHEMES)}",
            message_en="store URL has no database path (sqlite:///path.db)",
            details={"supported": list(SUPPORTED_SCHEMES)},
        )
    path = unquote(rest[1:])  # "sqlite:///x.db" → "x.db"; "sqlite:////abs" → "/abs"
    return SqliteStore(
        path, synchronous=synchronous, migrate=migrate, allow_outdated=allow_outdated
    )


_rehome(__name__, __all__, globals())
