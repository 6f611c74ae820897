"""PostgreSQL 存储 — the server store for several application instances (DESIGN §6a).

``PostgresStore("postgresql://user:pw@host:5432/db")`` (also ``postgres://``; any libpq URL
or parameter such as ``sslmode=verify-full&sslrootcert=…``) keeps every table in one schema
(default ``gaozhi``; ``?schema=name`` in the URL or ``schema=``) and talks to the server
through a :mod:`psycopg_pool` connection pool (psycopg 3; ``pip install
'gaozhi-sdk[postgres]'``). It passes the same contract suite as the SQLite store.

Several processes may write at once:

* one state change = one PostgreSQL transaction (``READ COMMITTED``); ``tx.get`` reads the
  row ``FOR UPDATE`` so a read-modify-write of one aggregate inside a transaction is
  serialised, and ``put`` checks the optimistic version — a writer that read outside the
  transaction and lost the race gets GZ-ST-409;
* the journal stays one gap-free hash chain: the first ``append_journal`` of a transaction
  locks the single row of ``journal_head`` (``SELECT … FOR UPDATE``) and holds it until
  commit, so only the append is serialised, as late in the transaction as the caller
  appends (the service appends after writing its records);
* outbox messages are claimed by delivery workers with ``FOR UPDATE SKIP LOCKED`` and a
  lease (:meth:`PostgresStore.claim_outbox`).

Every session runs with ``search_path`` = the schema, ``statement_timeout`` (default
30 s) and ``lock_timeout`` (default 10 s). The URL's password never appears in a repr,
log line or error (:attr:`PostgresStore.display_url`).

Error codes as in :mod:`gaozhi_sdk.store.sqlite`, plus:

==========  ==========================================================
GZ-ST-001   cannot connect (host, port, database, role, password, TLS)
GZ-ST-409   also: deadlock or serialisation failure (retry the operation)
GZ-ST-501   lock_timeout or no free pool connection in time
GZ-ST-505   statement_timeout exceeded (rolled back)
GZ-ST-506   connection lost or terminated during the transaction (rolled back)
GZ-ST-507   connection lost while committing: the outcome is unknown
==========  ==========================================================
"""

from __future__ import annotations

import builtins
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, NoReturn, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gaozhi_sdk.errors import ConfigError, StoreError
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.store.base import (
    DeploymentSecret,
    JournalEntry,
    OutboxMessage,
    Record,
    Transaction,
    check_ephemeral,
    new_deployment_secret,
    secret_key_id,
)
from gaozhi_sdk.store.entries import (
    check_claim_args,
    check_name,
    invalid,
)
from gaozhi_sdk.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AppliedMigration,
    MigrationStatus,
)
from gaozhi_sdk.store.queries import POSTGRES
from gaozhi_sdk.store.ride import board, landed
from gaozhi_sdk.store.rows import outbox_from_row, record_from_row
from gaozhi_sdk.store.sqlbase import SECRET_PREFIX, SqlStore, SqlWrites, reindex_records

__all__ = ["DEFAULT_SCHEMA", "PostgresStore", "redact_url"]

#: Schema holding the tables unless the URL or ``schema=`` names another.
DEFAULT_SCHEMA = "gaozhi"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PAGE = 500
_BLOB_PAGE = 50
#: Advisory lock key serialising migrations of one database (any schema).
_MIGRATION_LOCK = 0x475A4831


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "GZ-CF-002",
            "使用 PostgreSQL 存储需要安装可选组件: pip install 'gaozhi-sdk[postgres]'",
            message_en="the PostgreSQL store needs the 'postgres' extra (psycopg, psycopg_pool)",
        ) from exc
    return psycopg


def redact_url(url: str) -> str:
    """``url`` with any password (in the authority or a ``password=`` parameter) removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://<无法解析的地址>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = urlencode(
        [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(parts.query)],
        safe="/:,",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _split_schema(url: str, schema: str | None) -> tuple[str, str]:
    """Remove the ``schema=`` parameter (not a libpq one) from ``url``."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    in_url = [v for k, v in params if k == "schema"]
    rest = [(k, v) for k, v in params if k != "schema"]
    chosen = schema or (in_url[-1] if in_url else DEFAULT_SCHEMA)
    if not _SCHEMA_NAME.fullmatch(chosen):
        raise ConfigError(
            "GZ-CF-001",
            f"PostgreSQL 模式名不合法: {chosen!r} (小写字母、数字、下划线, 不以数字开头)",
            message_en="invalid PostgreSQL schema name",
        )
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    clean = urlunsplit((scheme, parts.netloc, parts.path, urlencode(rest, safe="/:,"), ""))
    return clean, chosen


# --------------------------------------------------------------------------- errors


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text


def _pg_error(exc: BaseException, doing: str, secret: str | None = None) -> StoreError:
    """Translate a psycopg / pool error into a coded StoreError (never with the password)."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    name = type(exc).__name__
    text = _scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else name, secret)
    details = {"sqlstate": sqlstate, "error": name, "operation": doing}
    if name == "PoolTimeout":
        return StoreError(
            "GZ-ST-501",
            f"连接池中没有空闲连接, 等待超时 ({doing}); 未写入任何数据, 请稍后重试",
            message_en=f"no free pool connection in time ({doing})",
            details=details,
        )
    if sqlstate in ("40001", "40P01"):
        return StoreError(
            "GZ-ST-409",
            f"并发冲突 (死锁或串行化失败, {doing}); 本次事务已整体回滚, 请重试",
            message_en=f"concurrent update conflict ({doing}); retry",
            details=details,
        )
    if sqlstate == "55P03":
        return StoreError(
            "GZ-ST-501",
            f"等待锁超时 (lock_timeout, {doing}); 本次事务已整体回滚, 请稍后重试",
            message_en=f"lock_timeout exceeded ({doing})",
            details=details,
        )
    if sqlstate == "57014":
        return StoreError(
            "GZ-ST-505",
            f"语句执行超时 (statement_timeout, {doing}); 本次事务已整体回滚",
            message_en=f"statement_timeout exceeded ({doing})",
            details=details,
        )
    if sqlstate == "53100":
        return StoreError(
            "GZ-ST-502",
            f"数据库磁盘已满 ({doing}); 本次事务已整体回滚",
            message_en=f"disk full ({doing})",
            details=details,
        )
    if sqlstate == "42501":
        return StoreError(
            "GZ-ST-504",
            f"数据库角色没有所需权限 ({doing}): {text}",
            message_en=f"permission denied ({doing}): {text}",
            details=details,
        )
    if (
        sqlstate.startswith("08")
        or sqlstate in ("57P01", "57P02", "57P03")
        or name
        in (
            "OperationalError",
            "InterfaceError",
        )
    ):
        return StoreError(
            "GZ-ST-506",
            f"与数据库的连接中断 ({doing}); 本次事务已回滚, 未写入任何数据, 可以重试",
            message_en=f"database connection lost ({doing}); rolled back",
            details=details,
        )
    return StoreError(
        "GZ-ST-500",
        f"数据库错误 ({doing}): {name} {sqlstate}",
        message_en=f"database error ({doing}): {text}",
        details=details,
    )


# --------------------------------------------------------------------------- transaction


class PostgresTransaction(SqlWrites):
    """Operations inside one PostgreSQL transaction (see :class:`Transaction`)."""

    _dialect = POSTGRES
    _store: PostgresStore

    def __init__(self, store: PostgresStore, conn: Any) -> None:
        self._store = store
        self._conn = conn
        self._active = True
        self._head: tuple[int, str] | None = None  # (seq, hash), locked from first append

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if not self._active:
            invalid(
                "GZ-ST-006",
                "事务已结束, 不能再使用该事务对象",
                "the transaction has ended; the transaction object can no longer be used",
            )
        if self._store._closed:
            invalid("GZ-ST-005", "存储已关闭", "the store is closed")
        try:
            return self._conn.execute(sql.encode(), params)
        except self._store._pg.Error as exc:
            raise _pg_error(exc, "写入事务", self._store._password) from exc

    def get(self, kind: str, id: str) -> Record | None:
        """Read a record and lock it until commit (sees this transaction's own writes)."""
        row = self._exec(
            "SELECT kind, id, version, state, doc, updated_at FROM records WHERE kind = %s "
            "AND id = %s FOR UPDATE",
            (kind, id),
        ).fetchone()
        return None if row is None else record_from_row(row)

    def _chain_head(self) -> tuple[int, str]:
        # Locked until commit: only the append is serialised across instances.
        row = self._exec("SELECT seq, hash FROM journal_head WHERE id = 1 FOR UPDATE").fetchone()
        if row is None:  # pragma: no cover - created by migration 1
            invalid("GZ-ST-003", "日志链头缺失", "journal_head row missing")
        return int(row[0]), str(row[1])

    def _chain_advanced(self, entry: JournalEntry) -> None:
        self._exec(
            "UPDATE journal_head SET seq = %s, hash = %s WHERE id = 1", (entry.seq, entry.hash)
        )


# --------------------------------------------------------------------------- store


class PostgresStore(SqlStore):
    """The PostgreSQL store (implements :class:`gaozhi_sdk.store.base.Store`).

    Args:
        url: ``postgresql://`` or ``postgres://`` URL (libpq parameters allowed; ``schema=``
            selects the schema).
        schema: the schema (default ``gaozhi`` or the URL's ``schema=``).
        min_size / max_size: connection pool bounds (per process).
        statement_timeout / lock_timeout: seconds (``0`` = no limit) for every session.
        connect_timeout: seconds to wait for a connection.
        migrate: apply pending migrations on open (needs the schema owner's rights); with
            ``False`` an outdated schema is refused with GZ-ST-007.
        allow_outdated: open without migrating (``gaozhi db status``).

    Raises:
        ConfigError: GZ-CF-001 bad URL or schema name, GZ-CF-002 psycopg missing.
        StoreError: GZ-ST-001 cannot connect, GZ-ST-002 the schema holds something else,
            GZ-ST-003 schema newer than this SDK, GZ-ST-007 needs migration.
    """

    _dialect = POSTGRES

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 8,
        statement_timeout: float = 30.0,
        lock_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        migrate: bool = True,
        allow_outdated: bool = False,
    ) -> None:
        self._pg = _psycopg()
        from psycopg.conninfo import conninfo_to_dict
        from psycopg_pool import ConnectionPool

        if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                "GZ-CF-001",
                "PostgreSQL 存储地址须以 postgresql:// 或 postgres:// 开头",
                message_en="PostgreSQL store URL must start with postgresql:// or postgres://",
            )
        self.display_url = redact_url(url)
        conninfo, self.schema = _split_schema(url, schema)
        try:
            params = conninfo_to_dict(conninfo)
        except self._pg.Error:
            raise ConfigError(
                "GZ-CF-001",
                f"PostgreSQL 存储地址不合法: {self.display_url}",
                message_en="invalid PostgreSQL URL",
            ) from None
        self._password: str | None = str(params.get("password") or "") or None
        for name, value in (
            ("statement_timeout", statement_timeout),
            ("lock_timeout", lock_timeout),
        ):
            if not isinstance(value, int | float) or value < 0:
                invalid("GZ-ST-010", f"{name} 必须是非负秒数", f"{name} must be >= 0")
        if not (
            isinstance(min_size, int) and isinstance(max_size, int) and 0 < min_size <= max_size
        ):
            invalid("GZ-ST-010", "连接池大小须满足 0 < min_size <= max_size", "bad pool size")
        self.statement_timeout = float(statement_timeout)
        self.lock_timeout = float(lock_timeout)
        self._closed = False
        self._secret_cache: DeploymentSecret | None = None
        self._local = threading.local()
        options = (
            f"-c search_path={self.schema} "
            f"-c statement_timeout={int(self.statement_timeout * 1000)} "
            f"-c lock_timeout={int(self.lock_timeout * 1000)}"
        )
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "options": options,
            "connect_timeout": max(1, int(connect_timeout)),
            "application_name": "gaozhi-sdk",
        }
        self._conninfo = conninfo
        self._kwargs = kwargs
        # One direct connection first: a clear error now (no pool retry loop), then the
        # schema check / migration.
        try:
            with self._pg.connect(conninfo, **kwargs) as conn:
                self._open(conn, migrate=migrate, allow_outdated=allow_outdated)
        except self._pg.Error as exc:
            raise self._connect_error(exc) from None
        self._pool = ConnectionPool(
            conninfo,
            kwargs=kwargs,
            min_size=min_size,
            max_size=max_size,
            timeout=max(1.0, float(connect_timeout)),
            check=ConnectionPool.check_connection,
            name=f"gaozhi-{self.schema}",
            open=False,
        )
        self._pool.open(wait=False)

    def _connect_error(self, exc: BaseException) -> StoreError:
        err = _pg_error(exc, "连接数据库", self._password)
        if err.code in ("GZ-ST-506", "GZ-ST-500") and not getattr(exc, "sqlstate", None):
            return StoreError(
                "GZ-ST-001",
                f"无法连接 PostgreSQL ({self.display_url}): 请检查主机、端口、数据库、角色、"
                "口令与 TLS 设置",
                message_en=f"cannot connect to PostgreSQL ({self.display_url}): "
                f"{_scrub(str(exc).strip(), self._password)[:300]}",
                details={"url": self.display_url},
            )
        return err

    # -- opening and migrations -----------------------------------------------------------

    def _version(self, conn: Any) -> tuple[int, bool]:
        """(schema version, whether the schema holds anything at all)."""
        row = conn.execute(
            b"SELECT to_regclass('schema_migrations') IS NOT NULL, "
            b"(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            b"WHERE n.nspname = %s)",
            (self.schema,),
        ).fetchone()
        if not row[0]:
            return 0, bool(row[1])
        got = conn.execute(b"SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(got[0]), True

    def _open(self, conn: Any, *, migrate: bool, allow_outdated: bool) -> None:
        version, anything = self._version(conn)
        if version == 0 and anything:
            raise StoreError(
                "GZ-ST-002",
                f"模式 {self.schema} 中已有其他表, 不是 gaozhi 存储; 未做任何改动",
                message_en=f"schema {self.schema} holds another application's tables",
                details={"schema": self.schema},
            )
        if version > SCHEMA_VERSION:
            self._too_new(version)
        if version < SCHEMA_VERSION and not allow_outdated:
            if not migrate:
                raise StoreError(
                    "GZ-ST-007",
                    f"存储结构版本 {version} 低于本 SDK 的版本 {SCHEMA_VERSION}, 需要迁移; "
                    "请以属主角色运行 gaozhi db migrate --db URL (未做任何改动)",
                    message_en="the store needs a schema migration (gaozhi db migrate)",
                    details={"schema_version": version, "latest": SCHEMA_VERSION},
                )
            self._migrate(conn)

    @staticmethod
    def _too_new(version: int) -> NoReturn:
        raise StoreError(
            "GZ-ST-003",
            f"存储结构版本 {version} 高于本 SDK 支持的版本 {SCHEMA_VERSION}; 请升级 gaozhi-sdk",
            message_en="the store was written by a newer gaozhi-sdk",
            details={"schema_version": version, "supported": SCHEMA_VERSION},
        )

    def _migrate(self, conn: Any) -> builtins.list[int]:
        from psycopg import sql

        with conn.transaction():
            # One migrator at a time per database; others wait, then find nothing to do.
            conn.execute(b"SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            conn.execute(
                b"CREATE TABLE IF NOT EXISTS schema_migrations ("
                b"version integer PRIMARY KEY, name text NOT NULL, applied_at text)"
            )
            current, _ = self._version(conn)
            if current > SCHEMA_VERSION:
                self._too_new(current)
            steps = MIGRATIONS[current:]
            for step in steps:
                for stmt in step.postgres:
                    conn.execute(stmt.encode())
                if step.reindex and current >= 1:
                    row = conn.execute(
                        b"SELECT value FROM meta WHERE key = %s", (SECRET_PREFIX,)
                    ).fetchone()
                    key = bytes.fromhex(str(row[0]))
                    reindex_records(
                        POSTGRES,
                        lambda q, p: conn.execute(q.encode(), p).fetchall(),
                        lambda q, p: conn.execute(q.encode(), p),
                        DeploymentSecret(secret_key_id(key), key),
                    )
                conn.execute(
                    b"INSERT INTO schema_migrations (version, name, applied_at) "
                    b"VALUES (%s, %s, %s)",
                    (step.version, step.name, now_cst().isoformat()),
                )
            if current == 0 and steps:
                conn.execute(
                    b"INSERT INTO meta (key, value) VALUES (%s, %s), (%s, %s), (%s, %s)",
                    (
                        SECRET_PREFIX,
                        new_deployment_secret().key.hex(),
                        "created_at",
                        now_cst().isoformat(),
                        "application",
                        "gaozhi-sdk",
                    ),
                )
            if steps:
                conn.execute(
                    b"INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                    b"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
        return [s.version for s in steps]

    def migrate(self) -> builtins.list[int]:
        """Apply every pending migration step in one transaction; returns their versions."""
        with self._connection() as conn:
            try:
                return self._migrate(conn)
            except self._pg.Error as exc:
                raise _pg_error(exc, "迁移存储结构", self._password) from exc

    def migration_status(self) -> MigrationStatus:
        """Applied and pending migration steps (``gaozhi db status``)."""
        with self._connection() as conn:
            current, _ = self._version(conn)
            applied: builtins.list[AppliedMigration] = []
            if current:
                rows = conn.execute(
                    b"SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
                ).fetchall()
                applied = [AppliedMigration(int(r[0]), str(r[1]), r[2]) for r in rows]
        return MigrationStatus(
            backend=f"postgresql (schema {self.schema})",
            current=current,
            latest=SCHEMA_VERSION,
            applied=tuple(applied),
            pending=tuple(MIGRATIONS[current:]),
        )

    # -- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self._closed:
            invalid("GZ-ST-005", "存储已关闭", "the store is closed")
        try:
            with self._pool.connection() as conn:
                yield conn
        except self._pg.Error as exc:
            raise _pg_error(exc, "读取", self._password) from exc
        except Exception as exc:
            if type(exc).__name__ == "PoolTimeout":
                raise _pg_error(exc, "获取连接", self._password) from None
            raise

    def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        with self._connection() as conn:
            return list(conn.execute(sql.encode(), params).fetchall())

    # -- Store protocol ------------------------------------------------------------------

    @property
    def pool_max_size(self) -> int:
        """The most connections this process's pool opens (``max_size``)."""
        return int(self._pool.max_size)

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Transaction]:
        """One PostgreSQL transaction; commit on exit, roll back on exception.
        ``durable=False``: ``SET LOCAL synchronous_commit = off`` (see
        :meth:`Store.transaction <gaozhi_sdk.store.base.Store.transaction>`).

        Raises:
            StoreError: GZ-ST-004 nested in this thread; GZ-ST-409 deadlock/serialisation;
                GZ-ST-501/505 timeouts; GZ-ST-506 connection lost (rolled back);
                GZ-ST-507 connection lost during COMMIT (outcome unknown).
        """
        if getattr(self._local, "in_tx", False):
            invalid(
                "GZ-ST-004",
                "不支持嵌套事务: 本线程已有一个未结束的事务",
                "nested transactions are not supported",
            )
        if self._closed:
            invalid("GZ-ST-005", "存储已关闭", "the store is closed")
        self._local.in_tx = True
        try:
            with self._connection() as conn:
                tx = PostgresTransaction(self, conn)
                committing = False
                ride = None
                try:
                    conn.execute(b"BEGIN")
                    if not durable:
                        conn.execute(b"SET LOCAL synchronous_commit = off")
                    ride = board(
                        self, tx, durable=durable
                    )  # writes riding along (gaozhi_sdk.store.ride)
                    yield tx
                    tx._active = False
                    committing = True
                    conn.execute(b"COMMIT")
                    landed(ride, True)
                    ride = None
                except self._pg.Error as exc:
                    tx._active = False
                    with suppress(self._pg.Error):
                        if not conn.closed:
                            conn.execute(b"ROLLBACK")
                    err = _pg_error(exc, "提交事务" if committing else "写入事务", self._password)
                    if committing and err.code == "GZ-ST-506":
                        err = StoreError(
                            "GZ-ST-507",
                            "提交事务时与数据库的连接中断: 无法确定本次事务是否已提交, "
                            "请查询后再决定是否重试",
                            message_en="connection lost during COMMIT; outcome unknown",
                            details=err.details,
                        )
                    raise err from exc
                except BaseException:
                    tx._active = False
                    with suppress(self._pg.Error):
                        if not conn.closed:
                            conn.execute(b"ROLLBACK")
                    raise
                finally:
                    landed(ride, False)
        finally:
            self._local.in_tx = False

    def prune_expired(self, kind: str, *, updated_before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` ephemeral records written before ``updated_before``
        (:meth:`Store.prune_expired <gaozhi_sdk.store.base.Store.prune_expired>`); rows
        another instance is pruning or writing right now are skipped, not waited for."""
        cutoff = check_ephemeral(kind, updated_before, limit)
        with self.transaction() as tx:
            cur = cast(PostgresTransaction, tx)._exec(
                # materialised once: a semi-join could rescan a LIMIT … SKIP LOCKED subquery
                # and delete more than ``limit`` rows
                "WITH doomed AS MATERIALIZED (SELECT id FROM records WHERE kind = %s "
                "AND updated_at < %s LIMIT %s FOR UPDATE SKIP LOCKED) "
                "DELETE FROM records r USING doomed d WHERE r.kind = %s AND r.id = d.id",
                (kind, cutoff, limit, kind),
            )
            return int(cur.rowcount)

    def claim_outbox(
        self, worker_id: str, limit: int = 100, lease_s: float = 60.0
    ) -> builtins.list[OutboxMessage]:
        """Claim up to ``limit`` deliverable messages for ``lease_s`` seconds with
        ``FOR UPDATE SKIP LOCKED`` (workers never wait for each other) and a lease on the
        server's clock; expired leases are claimable again."""
        check_name(worker_id, "worker_id")
        limit, lease_s = check_claim_args(limit, lease_s)
        with self.transaction() as tx:
            assert isinstance(tx, PostgresTransaction)
            rows = tx._exec(
                "UPDATE outbox o SET claimed_by = %s, "
                "lease_until = now() + %s * interval '1 second' "
                "FROM (SELECT id FROM outbox WHERE delivered_at IS NULL AND NOT dead "
                "AND (lease_until IS NULL OR lease_until < now()) ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED) c WHERE o.id = c.id "
                "RETURNING o.id, o.topic, o.idempotency_key, o.payload, o.created_at, "
                "o.attempts, o.delivered_at, o.last_error, o.dead",
                (worker_id, lease_s, limit),
            ).fetchall()
        return sorted((outbox_from_row(r) for r in rows), key=lambda m: m.id)

    def close(self) -> None:
        """Close the pool (idempotent)."""
        if not self._closed:
            self._closed = True
            self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        closed = ", closed" if self._closed else ""
        return f"PostgresStore({self.display_url!r}, schema={self.schema!r}{closed})"

    # -- journal verification -----------------------------------------------------------
