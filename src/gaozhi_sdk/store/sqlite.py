"""SQLite 存储 — the embedded default store (DESIGN §6), stdlib :mod:`sqlite3`.

One state change = one ``BEGIN IMMEDIATE … COMMIT`` transaction that writes records,
appends hash-chained journal entries, enqueues outbox messages and stores blobs; an
exception rolls all of it back. Files use WAL journal mode (readers never block the
writer), ``synchronous=FULL`` by default (a committed transaction survives power loss),
a busy timeout and foreign keys.

Threads: a :class:`SqliteStore` owns **one** connection guarded by a re-entrant lock. A
transaction holds the lock from ``BEGIN`` to ``COMMIT``; other threads wait for it (up to
``busy_timeout``, then GZ-ST-501). Reads take the lock only while fetching a page of rows,
so an unfinished iterator never blocks anybody. Reads made by the thread that holds an
open transaction see that transaction's uncommitted writes — use ``tx.get`` inside a
transaction. Several processes may open the same file; SQLite's file locks serialise
their writers. Do not share a store across ``fork()``; open one per process.

Files are identified by ``PRAGMA application_id`` and the ``meta`` table; a file that is
not a gaozhi store (random bytes, another application's database) is refused with
GZ-ST-002 and never re-initialised or overwritten.

Error codes (GZ-ST-*):

==========  ==========================================================
GZ-ST-001   the database file cannot be opened (path, directory, permissions)
GZ-ST-002   the file is not a gaozhi store
GZ-ST-003   gaozhi store of an unsupported (newer) schema or incomplete
GZ-ST-004   nested transaction (or store-level write inside a transaction)
GZ-ST-005   the store is closed
GZ-ST-006   transaction object used after its transaction ended
GZ-ST-007   the store needs a schema migration (opened with ``migrate=False``)
GZ-ST-010   invalid argument (kind, id, document, state, options)
GZ-ST-011   journal entry invalid (fields, digest, outcome, time)
GZ-ST-012   journal entry would contain a full personal identifier
GZ-ST-404   outbox message not found
GZ-ST-409   optimistic-concurrency version conflict
GZ-ST-410   blob write-once conflict
GZ-ST-500   other database error
GZ-ST-501   database busy/locked (timeout)
GZ-ST-502   disk or database full
GZ-ST-503   database file corrupt
GZ-ST-504   I/O error, read-only file or missing permission
==========  ==========================================================

A blob whose bytes no longer match its stored SHA-256 raises
:class:`~gaozhi_sdk.errors.IntegrityError` GZ-JR-010 on read.
"""

from __future__ import annotations

import builtins
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, NoReturn, cast

from gaozhi_sdk.errors import (
    StoreError,
)
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.store.base import (
    GENESIS_HASH,
    DeploymentSecret,
    OutboxMessage,
    Record,
    Transaction,
    check_ephemeral,
    new_deployment_secret,
    secret_key_id,
)
from gaozhi_sdk.store.entries import (
    check_claim_args as _claim_args,
)
from gaozhi_sdk.store.entries import (
    check_name,
    invalid,
)
from gaozhi_sdk.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AppliedMigration,
    MigrationStatus,
)
from gaozhi_sdk.store.queries import SQLITE
from gaozhi_sdk.store.ride import board, landed
from gaozhi_sdk.store.rows import outbox_from_row as _outbox
from gaozhi_sdk.store.rows import record_from_row as _record
from gaozhi_sdk.store.sqlbase import SECRET_PREFIX, SqlStore, SqlWrites, reindex_records

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SqliteStore"]

#: ``PRAGMA application_id`` of a gaozhi store ("GZH1").
APPLICATION_ID = 0x475A4831

#: meta rows holding deployment secrets: ``id_salt`` (current), ``id_salt.<key id>`` (older).
_SYNCHRONOUS = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
_PAGE = 500
_BLOB_PAGE = 50

# Literal SQL only (no string building): every value is a bound parameter.
_SQL_RECORD = (
    "SELECT kind, id, version, state, doc, updated_at FROM records WHERE kind = ? AND id = ?"
)
_SQL_RECORDS_PAGE = (
    "SELECT kind, id, version, state, doc, updated_at FROM records "
    "WHERE kind = ? AND id > ? ORDER BY id LIMIT ?"
)
_SQL_RECORDS_STATE_PAGE = (
    "SELECT kind, id, version, state, doc, updated_at FROM records "
    "WHERE kind = ? AND state = ? AND id > ? ORDER BY id LIMIT ?"
)
_SQL_JOURNAL_INSERT = (
    "INSERT INTO journal (seq, at, event, aggregate_type, aggregate_id, actor, "
    "payload_digest, outcome, detail, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQL_JOURNAL_PAGE = (
    "SELECT seq, at, event, aggregate_type, aggregate_id, actor, payload_digest, outcome, "
    "detail, prev_hash, hash FROM journal WHERE seq > ? ORDER BY seq LIMIT ?"
)
_SQL_JOURNAL_HEAD = (
    "SELECT seq, at, event, aggregate_type, aggregate_id, actor, payload_digest, outcome, "
    "detail, prev_hash, hash FROM journal ORDER BY seq DESC LIMIT 1"
)
_SQL_OUTBOX_PENDING = (
    "SELECT id, topic, idempotency_key, payload, created_at, attempts, delivered_at, "
    "last_error, dead FROM outbox WHERE delivered_at IS NULL AND dead = 0 ORDER BY id LIMIT ?"
)
_SQL_OUTBOX_ONE = (
    "SELECT id, topic, idempotency_key, payload, created_at, attempts, delivered_at, "
    "last_error, dead FROM outbox WHERE id = ?"
)
_SQL_BLOB = "SELECT id, kind, media_type, data, sha256 FROM blobs WHERE id = ?"
_SQL_BLOBS_PAGE = (
    "SELECT id, kind, media_type, data, sha256 FROM blobs WHERE id > ? ORDER BY id LIMIT ?"
)
_SQL_BLOBS_KIND_PAGE = (
    "SELECT id, kind, media_type, data, sha256 FROM blobs "
    "WHERE kind = ? AND id > ? ORDER BY id LIMIT ?"
)


# --------------------------------------------------------------------------- errors


def _store_error(exc: sqlite3.Error, doing: str) -> StoreError:
    """Translate a sqlite3 error into a coded StoreError with a Chinese message."""
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    details = {"sqlite_error": name, "operation": doing}
    if primary in (5, 6) or "locked" in text or "busy" in text:
        return StoreError(
            "GZ-ST-501",
            f"数据库正被其他连接占用, 等待超时 ({doing}); 未写入任何数据, 请稍后重试",
            message_en=f"database is busy/locked ({doing})",
            details=details,
        )
    if primary == 13 or "disk is full" in text:
        return StoreError(
            "GZ-ST-502",
            f"磁盘或数据库空间已满 ({doing}); 本次事务已整体回滚",
            message_en=f"disk or database full ({doing})",
            details=details,
        )
    if primary == 11 or "malformed" in text:
        return StoreError(
            "GZ-ST-503",
            f"数据库文件已损坏 ({doing}); 请从备份或导出的证据包恢复",
            message_en=f"database file is corrupt ({doing})",
            details=details,
        )
    if primary == 26 or "not a database" in text:
        return StoreError(
            "GZ-ST-002",
            "该文件不是 gaozhi 存储 (不是 SQLite 数据库); 文件未被改动",
            message_en="the file is not a gaozhi store (not an SQLite database)",
            details=details,
        )
    if primary == 14:
        return StoreError(
            "GZ-ST-001",
            f"无法打开数据库文件 ({doing}): 请检查路径、目录是否存在及权限",
            message_en=f"unable to open database file ({doing})",
            details=details,
        )
    if primary in (3, 8, 10, 23) or "readonly" in text or "i/o" in text:
        return StoreError(
            "GZ-ST-504",
            f"数据库读写失败 (I/O 错误、只读文件或无权限) ({doing}); 本次事务已整体回滚",
            message_en=f"I/O error, read-only database or permission denied ({doing})",
            details=details,
        )
    return StoreError(
        "GZ-ST-500",
        f"数据库错误 ({doing}): {name}",
        message_en=f"database error ({doing}): {exc}",
        details=details,
    )


# --------------------------------------------------------------------------- transaction


class SqliteTransaction(SqlWrites):
    """Operations inside one ``BEGIN IMMEDIATE`` transaction (see :class:`Transaction`)."""

    _dialect = SQLITE
    _store: SqliteStore

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._active = True
        self._head: tuple[int, str] | None = None  # (seq, hash) cached within this tx

    def _conn(self) -> sqlite3.Connection:
        if not self._active:
            invalid(
                "GZ-ST-006",
                "事务已结束, 不能再使用该事务对象",
                "the transaction has ended; the transaction object can no longer be used",
            )
        return self._store._connection()

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        conn = self._conn()
        try:
            return conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _store_error(exc, "写入事务") from exc

    def get(self, kind: str, id: str) -> Record | None:
        """Read a record (sees this transaction's own writes)."""
        row = self._exec(_SQL_RECORD, (kind, id)).fetchone()
        return None if row is None else _record(row)

    def _chain_head(self) -> tuple[int, str]:
        # BEGIN IMMEDIATE already holds the write lock: the head cannot move under us.
        row = self._exec("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


# --------------------------------------------------------------------------- store


class SqliteStore(SqlStore):
    """The embedded SQLite store (implements :class:`gaozhi_sdk.store.base.Store`).

    Args:
        path: database file; ``None`` or ``":memory:"`` for a private in-memory store.
            The parent directory must exist. An existing file must be a gaozhi store.
        synchronous: ``PRAGMA synchronous`` (``"FULL"`` default, ``"NORMAL"``, ``"OFF"``,
            ``"EXTRA"``). ``NORMAL`` in WAL mode stays consistent after a crash but may
            lose the last commits on power loss.
        busy_timeout: seconds to wait for a lock held by another connection or thread.
        migrate: apply pending schema migrations on open (default). With ``False`` an
            outdated store is refused with GZ-ST-007 (run ``gaozhi db migrate``).
        allow_outdated: open an outdated store without migrating it (for
            :meth:`migration_status` / :meth:`migrate` only, as ``gaozhi db`` does).

    Raises:
        StoreError: GZ-ST-001 (cannot open), GZ-ST-002 (not a gaozhi store), GZ-ST-003
            (unsupported schema), GZ-ST-007 (needs migration), GZ-ST-010 (bad option).
    """

    _dialect = SQLITE

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        synchronous: str = "FULL",
        busy_timeout: float = 5.0,
        migrate: bool = True,
        allow_outdated: bool = False,
    ) -> None:
        sync = str(synchronous).upper()
        if sync not in _SYNCHRONOUS:
            invalid(
                "GZ-ST-010",
                f"synchronous 只能是 {', '.join(sorted(_SYNCHRONOUS))}",
                "invalid synchronous mode",
            )
        if not isinstance(busy_timeout, int | float) or busy_timeout < 0:
            invalid("GZ-ST-010", "busy_timeout 必须是非负秒数", "busy_timeout must be >= 0")
        target = ":memory:" if path is None else os.fspath(path)
        if not target:
            invalid("GZ-ST-010", "数据库路径不能为空", "the database path is empty")
        self.path: str | None = None if target == ":memory:" else target
        self._busy_timeout = float(busy_timeout)
        self._sync = sync
        self._lock = threading.RLock()
        self._tx_owner: int | None = None
        self._closed = False
        self._migrate_on_open = bool(migrate)
        self._allow_outdated = bool(allow_outdated)
        self._secret_cache: DeploymentSecret | None = None
        if self.path is not None and os.path.isdir(self.path):
            invalid(
                "GZ-ST-001",
                f"数据库路径是一个目录, 不是文件: {self.path}",
                "the database path is a directory",
            )
        try:
            self._conn = sqlite3.connect(
                target,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise _store_error(exc, "打开数据库") from exc
        try:
            self._open(sync)
        except BaseException:
            self._conn.close()
            self._closed = True
            raise

    # -- opening -----------------------------------------------------------------

    def _open(self, sync: str) -> None:
        conn = self._conn
        try:
            # Reading the header identifies the file before anything is written to it.
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.Error as exc:
            raise _store_error(exc, "识别数据库文件") from exc
        if app_id != APPLICATION_ID and not (app_id == 0 and tables == 0):
            raise StoreError(
                "GZ-ST-002",
                "该文件是其他应用的 SQLite 数据库, 不是 gaozhi 存储; 文件未被改动",
                message_en="the file is another application's SQLite database",
                details={"application_id": app_id},
            )
        try:
            if self.path is not None:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(
                        "GZ-ST-504",
                        "无法为数据库启用 WAL 日志模式 (文件系统不支持?)",
                        message_en="cannot enable WAL journal mode",
                    )
            conn.execute(f"PRAGMA synchronous = {sync}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        except sqlite3.Error as exc:
            raise _store_error(exc, "设置数据库参数") from exc
        if app_id == 0:
            self._initialise()
        self._check_schema()

    def _initialise(self) -> None:
        """Create a new store: every migration step and the meta rows, in one transaction."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have initialised the file meanwhile.
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id == 0 and tables == 0:
                    self._apply_steps(0)
                    conn.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("id_salt", new_deployment_secret().key.hex()),
                            ("created_at", now_cst().isoformat()),
                            ("application", "gaozhi-sdk"),
                        ],
                    )
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _store_error(exc, "创建数据库结构") from exc

    def _apply_steps(self, current: int) -> None:
        """Inside an open write transaction: apply every step above ``current``."""
        conn = self._conn
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)"
        )
        if current >= 1:  # a store made before migrations existed: record its baseline
            conn.execute(
                "INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) "
                "VALUES (1, ?, NULL)",
                (MIGRATIONS[0].name,),
            )
        for step in MIGRATIONS[current:]:
            for stmt in step.sqlite:
                conn.execute(stmt)
            if step.reindex and current >= 1:
                salt = conn.execute("SELECT value FROM meta WHERE key = ?", (SECRET_PREFIX,))
                key = bytes.fromhex(str(salt.fetchone()[0]))
                reindex_records(
                    SQLITE,
                    lambda q, p: conn.execute(q, p).fetchall(),
                    conn.execute,
                    DeploymentSecret(secret_key_id(key), key),
                )
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (step.version, step.name, now_cst().isoformat()),
            )
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        try:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error as exc:
            raise _store_error(exc, "检查数据库结构") from exc

    def migrate(self) -> builtins.list[int]:
        """Apply every pending migration step in one transaction; returns their versions.

        Raises:
            StoreError: GZ-ST-003 if the store is newer than this SDK, GZ-ST-004 inside an
                open transaction, GZ-ST-5xx on database errors (nothing is changed then).
        """
        with self._locked() as conn:
            if self._tx_owner is not None:
                invalid(
                    "GZ-ST-004",
                    "事务进行中不能迁移存储结构",
                    "cannot migrate inside a transaction",
                )
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    current = self._schema_version()
                    if current > SCHEMA_VERSION:
                        self._too_new(current)
                    done = [m.version for m in MIGRATIONS[current:]]
                    if done:
                        self._apply_steps(current)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise _store_error(exc, "迁移存储结构") from exc
        return done

    def migration_status(self) -> MigrationStatus:
        """Applied and pending migration steps (``gaozhi db status``)."""
        with self._locked():
            current = self._schema_version()
        names = {r[0] for r in self._fetch("SELECT name FROM sqlite_master WHERE type = 'table'")}
        applied: builtins.list[AppliedMigration] = []
        if "schema_migrations" in names:
            rows = self._fetch(
                "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
            )
            applied = [AppliedMigration(int(r[0]), str(r[1]), r[2]) for r in rows]
        elif current >= 1:
            applied = [AppliedMigration(1, MIGRATIONS[0].name, None)]
        return MigrationStatus(
            backend="sqlite",
            current=current,
            latest=SCHEMA_VERSION,
            applied=tuple(applied),
            pending=tuple(MIGRATIONS[current:]),
        )

    @staticmethod
    def _too_new(version: int) -> NoReturn:
        raise StoreError(
            "GZ-ST-003",
            f"存储结构版本 {version} 高于本 SDK 支持的版本 {SCHEMA_VERSION}; 请升级 gaozhi-sdk",
            message_en="the store was written by a newer gaozhi-sdk",
            details={"schema_version": version, "supported": SCHEMA_VERSION},
        )

    def _check_schema(self) -> None:
        conn = self._conn
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            meta: dict[str, str] = {}
            if "meta" in names:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise _store_error(exc, "检查数据库结构") from exc
        if app_id != APPLICATION_ID:
            raise StoreError(
                "GZ-ST-002",
                "该文件不是 gaozhi 存储; 文件未被改动",
                message_en="the file is not a gaozhi store",
            )
        try:
            meta_version = int(meta.get("schema_version", "0"))
        except ValueError:
            meta_version = 0
        if version > SCHEMA_VERSION or meta_version > SCHEMA_VERSION:
            self._too_new(max(version, meta_version))
        required = {"meta", "records", "journal", "outbox", "blobs"}
        salt = meta.get("id_salt", "")
        if not required <= names or len(salt) != 64 or meta_version < 1 or version < 1:
            raise StoreError(
                "GZ-ST-003",
                "gaozhi 存储结构不完整 (缺少表或元数据); 文件未被改动, 请从备份恢复",
                message_en="the gaozhi store is incomplete (tables or meta missing)",
                details={"missing_tables": sorted(required - names)},
            )
        if version < SCHEMA_VERSION and not self._allow_outdated:
            if not self._migrate_on_open:
                raise StoreError(
                    "GZ-ST-007",
                    f"存储结构版本 {version} 低于本 SDK 的版本 {SCHEMA_VERSION}, 需要迁移; "
                    "请运行 gaozhi db migrate --db URL (文件未被改动)",
                    message_en="the store needs a schema migration (gaozhi db migrate)",
                    details={"schema_version": version, "latest": SCHEMA_VERSION},
                )
            self.migrate()

    # -- plumbing ----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            invalid("GZ-ST-005", "存储已关闭", "the store is closed")
        return self._conn

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        got = (
            self._lock.acquire(timeout=self._busy_timeout)
            if self._busy_timeout > 0
            else self._lock.acquire(blocking=False)
        )
        if not got:
            raise StoreError(
                "GZ-ST-501",
                "存储正被本进程的其他线程占用, 等待超时; 未写入任何数据, 请稍后重试",
                message_en="the store is busy in another thread (timeout)",
            )
        try:
            yield self._connection()
        finally:
            self._lock.release()

    def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        with self._locked() as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _store_error(exc, "读取") from exc

    # -- Store protocol ------------------------------------------------------------

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Transaction]:
        """Begin an exclusive write transaction; commit on exit, roll back on exception.
        ``durable=False``: committed without ``fsync`` (see
        :meth:`Store.transaction <gaozhi_sdk.store.base.Store.transaction>`).

        Raises:
            StoreError: GZ-ST-004 if this thread already has an open transaction,
                GZ-ST-501 if the lock cannot be obtained within ``busy_timeout``.
        """
        if self._tx_owner == threading.get_ident():
            invalid(
                "GZ-ST-004",
                "不支持嵌套事务: 本线程已有一个未结束的事务",
                "nested transactions are not supported",
            )
        with self._locked() as conn:
            self._tx_owner = threading.get_ident()
            relaxed = not durable and self._sync in ("FULL", "EXTRA") and self.path is not None
            try:
                try:
                    if relaxed:  # WAL: still atomic and crash-safe for this process
                        conn.execute("PRAGMA synchronous = NORMAL")
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    raise _store_error(exc, "开始事务") from exc
                tx = SqliteTransaction(self)
                ride = None
                committed = False
                try:
                    # writes riding along (gaozhi_sdk.store.ride): durable transactions only
                    ride = board(self, tx, durable=durable)
                    yield tx
                    tx._active = False
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.Error as exc:
                        raise _store_error(exc, "提交事务") from exc
                    committed = True
                finally:
                    landed(ride, committed)
                    tx._active = False
                    if conn.in_transaction:
                        # The original exception is more useful than a failed rollback.
                        with suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
            finally:
                self._tx_owner = None
                if relaxed:
                    self._restore_synchronous(conn)

    def _restore_synchronous(self, conn: sqlite3.Connection) -> None:
        """Back to the configured mode after a ``durable=False`` transaction. The mode
        cannot change inside a transaction: one a failed ROLLBACK left open is rolled back
        first. If the mode still cannot be restored the store is closed — it never goes on
        committing with less durability than configured."""
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute(f"PRAGMA synchronous = {self._sync}")
        except sqlite3.Error as exc:
            self.close()
            raise _store_error(exc, "恢复同步模式") from exc

    def prune_expired(self, kind: str, *, updated_before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` ephemeral records written before ``updated_before``
        (:meth:`Store.prune_expired <gaozhi_sdk.store.base.Store.prune_expired>`)."""
        cutoff = check_ephemeral(kind, updated_before, limit)
        with self.transaction() as tx:
            cur = cast(SqliteTransaction, tx)._exec(
                "DELETE FROM records WHERE kind = ? AND id IN (SELECT id FROM records "
                "WHERE kind = ? AND updated_at < ? LIMIT ?)",
                (kind, kind, cutoff, limit),
            )
            return int(cur.rowcount)

    def claim_outbox(
        self, worker_id: str, limit: int = 100, lease_s: float = 60.0
    ) -> builtins.list[OutboxMessage]:
        """Claim up to ``limit`` deliverable messages for ``lease_s`` seconds (see
        :meth:`gaozhi_sdk.store.base.Store.claim_outbox`); ``BEGIN IMMEDIATE`` makes the
        claim atomic across threads and processes.

        Raises:
            StoreError: GZ-ST-010 on a bad worker id, limit or lease.
        """
        check_name(worker_id, "worker_id")
        limit, lease_s = _claim_args(limit, lease_s)
        now = time.time()
        with self.transaction() as tx:
            assert isinstance(tx, SqliteTransaction)
            rows = tx._exec(
                "SELECT id, topic, idempotency_key, payload, created_at, attempts, "
                "delivered_at, last_error, dead FROM outbox "
                "WHERE delivered_at IS NULL AND dead = 0 "
                "AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
            for row in rows:
                tx._exec(
                    "UPDATE outbox SET claimed_by = ?, lease_until = ? WHERE id = ?",
                    (worker_id, now + lease_s, row[0]),
                )
        return [_outbox(r) for r in rows]

    def close(self) -> None:
        """Close the connection (idempotent). A WAL file is checkpointed on close."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.path if self.path is not None else ":memory:"
        return f"SqliteStore({where!r}{', closed' if self._closed else ''})"

    # -- journal verification ------------------------------------------------------
