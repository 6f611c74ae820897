# ruff: noqa: S608 - SQL is assembled from literal fragments only; every value is bound
"""What both SQL stores share: writing a record with its derived keys, the journal append,
outbox writes and delivery marks, deployment secrets and their rotation, the committed
reads, the province queries and re-deriving keys in a migration.

:class:`~gaozhi_sdk.store.sqlite.SqliteStore` and
:class:`~gaozhi_sdk.store.postgres.PostgresStore` differ in connections, locking and
error translation; the SQL they run for these operations is written once here and
adapted by a :class:`~gaozhi_sdk.store.queries.Dialect` (placeholder, JSON functions).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NoReturn

from gaozhi_sdk.errors import NotFoundError, StoreError
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.store.base import (
    BlobRecord,
    DeploymentSecret,
    JournalEntry,
    OutboxMessage,
    Record,
    Transaction,
    new_deployment_secret,
    secret_key_id,
)
from gaozhi_sdk.store.entries import (
    MAX_ERROR_TEXT,
    check_name,
    dump_json,
    invalid,
    prepare_entry,
)
from gaozhi_sdk.store.journal import ChainReport, MalformedLine, verify_chain, write_jsonl
from gaozhi_sdk.store.keys import KEYED_KINDS, record_keys
from gaozhi_sdk.store.queries import (
    Dialect,
    RecordQuery,
    StatisticsCounts,
    StatisticsQuery,
    unknown_cursor,
)
from gaozhi_sdk.store.rows import blob_from_row, journal_from_row, outbox_from_row, record_from_row

__all__ = [
    "SECRET_PREFIX",
    "SqlReads",
    "SqlStore",
    "SqlWrites",
    "reindex_records",
    "secret_from_hex",
]

_INSERT = (
    "INSERT INTO records (kind, id, version, state, doc, updated_at, organ, subject, at, ref, "
    "facts) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING"
)
_UPDATE = (
    "UPDATE records SET version = version + 1, state = ?, doc = ?, updated_at = ?, "
    "organ = ?, subject = ?, at = ?, ref = ?, facts = ? WHERE kind = ? AND id = ? AND version = ?"
)
_VERSION = "SELECT version FROM records WHERE kind = ? AND id = ?"
_JOURNAL_INSERT = (
    "INSERT INTO journal (seq, at, event, aggregate_type, aggregate_id, actor, "
    "payload_digest, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX_INSERT = (
    "INSERT INTO outbox (topic, idempotency_key, payload, created_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)
_BLOB_INSERT = (
    "INSERT INTO blobs (id, kind, media_type, data, sha256) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)
_MARK_DELIVERED = (
    "UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?), "
    "claimed_by = NULL, lease_until = NULL WHERE id = ?"
)
# ``dead OR …`` is the engine's own boolean (SQLite 0/1, PostgreSQL boolean); a delivered
# message never dies.
_MARK_FAILED = (
    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
    "claimed_by = NULL, lease_until = NULL, "
    "dead = (dead OR (delivered_at IS NULL AND attempts + 1 >= ?)) WHERE id = ?"
)
_META_READ = "SELECT value FROM meta WHERE key = ?"
_META_KEEP = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
_META_SET = "UPDATE meta SET value = ? WHERE key = ?"


def _json_text(value: Mapping[str, Any]) -> str:
    """Actor and detail as stored in the journal (sorted keys; they are hashed by JCS)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_REINDEX_PAGE = 1000


def _sql(d: Dialect, text: str) -> str:
    return text if d.param == "?" else text.replace("?", d.param)


def _outbox_not_found(message_id: int) -> NoReturn:
    raise NotFoundError(
        "GZ-ST-404",
        f"待发消息 {message_id} 不存在",
        message_en=f"outbox message {message_id} not found",
    )


def _conflict(kind: str, id: str, expected: int | None, found: int | None) -> StoreError:
    if expected is None:
        return StoreError(
            "GZ-ST-409",
            f"记录已存在, 不能按新建写入 ({kind}/{id}); 请读取最新版本后重试",
            message_en=f"record {kind}/{id} already exists",
            details={"kind": kind, "id": id, "expected_version": None},
        )
    return StoreError(
        "GZ-ST-409",
        f"记录版本冲突 ({kind}/{id}): 期望版本 {expected}, "
        f"当前{'不存在' if found is None else f'版本 {found}'}; 请读取最新版本后重试",
        message_en=f"version conflict on {kind}/{id}",
        details={"kind": kind, "id": id, "expected_version": expected, "actual_version": found},
    )


class SqlWrites(ABC):
    """The writes of a transaction every SQL store makes the same way: ``put`` (one INSERT
    or version-checked UPDATE with the derived keys of :mod:`gaozhi_sdk.store.keys`),
    ``append_journal``, ``enqueue`` and ``put_blob``. Subclasses give ``_exec`` (returns a
    cursor with ``rowcount`` and ``fetchone``), ``_dialect``, ``_store`` and how the chain
    head is read and locked (``_chain_head``) and kept (``_chain_advanced``). The store-level
    outbox marks and the secret rotation of :class:`SqlStore` run here too, inside one
    transaction."""

    _dialect: Dialect
    _head: tuple[int, str] | None
    _store: SqlStore

    @abstractmethod
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Run one statement in this transaction; a cursor with ``rowcount``/``fetchone``."""

    def _secret(self) -> DeploymentSecret:
        """The deployment secret the derived keys are digested with (read once per store,
        inside the transaction; a rotation through this store replaces it)."""
        cached = self._store._secret_cache
        if cached is None:
            row = self._exec(_sql(self._dialect, _META_READ), (SECRET_PREFIX,)).fetchone()
            cached = self._store._secret_cache = secret_from_hex(str(row[0]))
        return cached

    @abstractmethod
    def _chain_head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry, serialising appenders from here to commit."""

    def _chain_advanced(self, entry: JournalEntry) -> None:
        """The chain head moved to ``entry`` (inside this transaction); SQLite keeps no
        cached head, so by default there is nothing to do."""
        return None

    def append_journal(
        self,
        *,
        event: str,
        aggregate_type: str,
        aggregate_id: str,
        actor: Mapping[str, str],
        payload_digest: str,
        outcome: str = "APPLIED",
        detail: Mapping[str, Any] | None = None,
        at: str | None = None,
    ) -> JournalEntry:
        """Append one entry to the hash chain and return it.

        Raises:
            StoreError: GZ-ST-011 on invalid fields, GZ-ST-012 if the entry would contain
                a full resident ID or mobile number (use ``mask_identifier`` /
                ``digest_identifier``).
        """
        pending = prepare_entry(
            event=event,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            actor=actor,
            payload_digest=payload_digest,
            outcome=outcome,
            detail=detail,
            at=at,
        )
        if self._head is None:
            self._head = self._chain_head()
        entry = pending.seal(self._head[0] + 1, self._head[1])
        self._exec(
            _sql(self._dialect, _JOURNAL_INSERT),
            (
                *(entry.seq, entry.at, entry.event, entry.aggregate_type, entry.aggregate_id),
                *(_json_text(entry.actor), entry.payload_digest, entry.outcome),
                *(_json_text(entry.detail), entry.prev_hash, entry.hash),
            ),
        )
        self._chain_advanced(entry)
        self._head = (entry.seq, entry.hash)
        return entry

    def enqueue(self, topic: str, payload: Mapping[str, Any], *, idempotency_key: str) -> None:
        """Add an outbox message; a duplicate ``idempotency_key`` is ignored."""
        check_name(topic, "topic")
        check_name(idempotency_key, "idempotency_key")
        text = dump_json(payload, "payload")
        self._exec(
            _sql(self._dialect, _OUTBOX_INSERT),
            (topic, idempotency_key, text, now_cst().isoformat()),
        )

    def put_blob(self, id: str, *, kind: str, media_type: str, data: bytes) -> str:
        """Store bytes under ``id`` (write-once); returns their SHA-256 hex.

        Raises:
            StoreError: GZ-ST-410 if ``id`` already holds different bytes or metadata.
        """
        check_name(id, "blob id")
        check_name(kind, "blob kind")
        check_name(media_type, "media_type")
        if not isinstance(data, bytes | bytearray | memoryview):
            invalid("GZ-ST-010", "blob 数据必须是 bytes", "blob data must be bytes")
        raw = bytes(data)
        digest = hashlib.sha256(raw).hexdigest()
        d = self._dialect
        cur = self._exec(_sql(d, _BLOB_INSERT), (id, kind, media_type, raw, digest))
        if cur.rowcount == 1:
            return digest
        row = self._exec(
            _sql(d, "SELECT kind, media_type, sha256 FROM blobs WHERE id = ?"), (id,)
        ).fetchone()
        if row is not None and tuple(row) == (kind, media_type, digest):
            return digest
        raise StoreError(
            "GZ-ST-410",
            f"文件 {id!r} 已存储且只能写入一次, 不能用不同的内容覆盖",
            message_en=f"blob {id!r} is write-once and already holds different content",
            details={"blob_id": id},
        )

    # -- store-level operations, each in a transaction of its own ------------------------

    def _mark_delivered(self, message_id: int) -> None:
        cur = self._exec(_sql(self._dialect, _MARK_DELIVERED), (now_cst().isoformat(), message_id))
        if cur.rowcount != 1:
            _outbox_not_found(message_id)

    def _mark_failed(self, message_id: int, error: str, max_attempts: int) -> None:
        cur = self._exec(
            _sql(self._dialect, _MARK_FAILED),
            (str(error)[:MAX_ERROR_TEXT], max_attempts, message_id),
        )
        if cur.rowcount != 1:
            _outbox_not_found(message_id)

    def _rotate_secret(self, new: DeploymentSecret) -> None:
        """Keep the current secret as ``id_salt.<key id>`` and make ``new`` current."""
        d = self._dialect
        old = self._exec(_sql(d, _META_READ + d.for_update), (SECRET_PREFIX,)).fetchone()
        old_key = bytes.fromhex(str(old[0]))
        self._exec(
            _sql(d, _META_KEEP), (f"{SECRET_PREFIX}.{secret_key_id(old_key)}", old_key.hex())
        )
        self._exec(_sql(d, _META_SET), (new.key.hex(), SECRET_PREFIX))

    def put(
        self,
        kind: str,
        id: str,
        doc: Mapping[str, Any],
        *,
        state: str,
        expected_version: int | None,
    ) -> int:
        """Insert (``expected_version=None``) or update (version must match).

        Returns:
            The new version (1 for an insert).

        Raises:
            StoreError: GZ-ST-409 on a version conflict, GZ-ST-010 on bad arguments.
        """
        check_name(kind, "kind")
        check_name(id, "id")
        check_name(state, "state")
        text = dump_json(doc, "doc")
        now = now_cst().isoformat()
        if expected_version is not None and (
            not isinstance(expected_version, int)
            or isinstance(expected_version, bool)
            or expected_version < 1
        ):
            invalid(
                "GZ-ST-010",
                "expected_version 必须是正整数或 None",
                "expected_version must be a positive integer or None",
            )
        k = record_keys(kind, doc, self._secret()) if kind in KEYED_KINDS else None
        keys = (None,) * 5 if k is None else (k.organ, k.subject, k.at, k.ref, k.facts)
        d = self._dialect
        if expected_version is None:
            cur = self._exec(_sql(d, _INSERT), (kind, id, state, text, now, *keys))
            if cur.rowcount != 1:
                raise _conflict(kind, id, None, None)
            return 1
        cur = self._exec(_sql(d, _UPDATE), (state, text, now, *keys, kind, id, expected_version))
        if cur.rowcount != 1:
            row = self._exec(_sql(d, _VERSION), (kind, id)).fetchone()
            raise _conflict(kind, id, expected_version, None if row is None else int(row[0]))
        return expected_version + 1


_RECORD_COLUMNS = "kind, id, version, state, doc, updated_at"
_JOURNAL_COLUMNS = (
    "seq, at, event, aggregate_type, aggregate_id, actor, payload_digest, outcome, detail, "
    "prev_hash, hash"
)
_OUTBOX_COLUMNS = (
    "id, topic, idempotency_key, payload, created_at, attempts, delivered_at, last_error, dead"
)
_BLOB_COLUMNS = "id, kind, media_type, data, sha256"
_PAGE = 500
_BLOB_PAGE = 50
#: meta rows holding deployment secrets: ``id_salt`` (current), ``id_salt.<key id>`` (older).
SECRET_PREFIX = "id_salt"  # noqa: S105 - a meta row name, not a secret


class SqlReads(ABC):
    """The committed reads every SQL store answers the same way — records, blobs, journal,
    outbox, meta and deployment secrets, and the province queries
    (:mod:`gaozhi_sdk.store.queries`) — in keyset pages, never all rows at once.
    Subclasses give ``_fetch`` (one committed read) and ``_dialect``."""

    _dialect: Dialect

    @abstractmethod
    def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        """One committed read: every row of ``sql``."""

    def _q(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        return self._fetch(_sql(self._dialect, sql), params)

    def _pages(
        self, sql: str, params: tuple[Any, ...], start: Any, size: int, key: int
    ) -> Iterator[Any]:
        """Rows of ``sql`` (ending ``> ? ORDER BY … LIMIT ?``) page by page."""
        last = start
        while True:
            rows = self._q(sql, (*params, last, size))
            yield from rows
            if len(rows) < size:
                return
            last = rows[-1][key]

    # -- records ------------------------------------------------------------------------

    def get(self, kind: str, id: str) -> Record | None:
        """Read a committed record."""
        rows = self._q(
            f"SELECT {_RECORD_COLUMNS} FROM records WHERE kind = ? AND id = ?", (kind, id)
        )
        return record_from_row(rows[0]) if rows else None

    def list(self, kind: str, *, state: str | None = None) -> Iterator[Record]:
        """Committed records of a kind (optionally in one state), ordered by id."""
        where, params = (
            ("kind = ?", (kind,)) if state is None else ("kind = ? AND state = ?", (kind, state))
        )
        sql = f"SELECT {_RECORD_COLUMNS} FROM records WHERE {where} AND id > ? ORDER BY id LIMIT ?"
        for row in self._pages(sql, params, "", _PAGE, 1):
            yield record_from_row(row)

    def count(self, kind: str, *, state: str | None = None) -> int:
        """Number of committed records of a kind (optionally in one state)."""
        if state is None:
            return int(self._q("SELECT count(*) FROM records WHERE kind = ?", (kind,))[0][0])
        sql = "SELECT count(*) FROM records WHERE kind = ? AND state = ?"
        return int(self._q(sql, (kind, state))[0][0])

    # -- blobs --------------------------------------------------------------------------

    def get_blob(self, id: str) -> BlobRecord | None:
        """Read stored bytes (GZ-JR-010 if they no longer match their SHA-256)."""
        rows = self._q(f"SELECT {_BLOB_COLUMNS} FROM blobs WHERE id = ?", (id,))
        return blob_from_row(rows[0]) if rows else None

    def list_blobs(self, kind: str | None = None) -> Iterator[BlobRecord]:
        """Stored blobs (optionally of one kind), ordered by id."""
        where, params = ("", ()) if kind is None else ("kind = ? AND ", (kind,))
        sql = f"SELECT {_BLOB_COLUMNS} FROM blobs WHERE {where}id > ? ORDER BY id LIMIT ?"
        for row in self._pages(sql, params, "", _BLOB_PAGE, 0):
            yield blob_from_row(row)

    # -- journal ------------------------------------------------------------------------

    def _journal_rows(self, after_seq: int) -> Iterator[Any]:
        sql = f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE seq > ? ORDER BY seq LIMIT ?"
        return self._pages(sql, (), after_seq, _PAGE, 0)

    def journal(self, *, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Journal entries with ``seq > after_seq`` in order."""
        for row in self._journal_rows(after_seq):
            yield journal_from_row(row)

    def journal_head(self) -> JournalEntry | None:
        """The last journal entry."""
        rows = self._q(f"SELECT {_JOURNAL_COLUMNS} FROM journal ORDER BY seq DESC LIMIT 1")
        return journal_from_row(rows[0]) if rows else None

    def _journal_dicts(self) -> Iterator[dict[str, Any]]:
        """Stored journal rows as entry dicts; unreadable rows become MalformedLine."""
        for row in self._journal_rows(0):
            try:
                yield journal_from_row(row).to_json_dict()
            except (ValueError, TypeError):
                yield MalformedLine(row[0], "数据库中的 actor/detail 不是有效 JSON 对象")

    def verify_journal(
        self, *, expected_head: str | None = None, expected_count: int | None = None
    ) -> ChainReport:
        """Verify the stored hash chain (see :func:`gaozhi_sdk.store.journal.verify_chain`)."""
        return verify_chain(
            self._journal_dicts(), expected_head=expected_head, expected_count=expected_count
        )

    def export_journal(self, path: str | os.PathLike[str]) -> int:
        """Write the journal as ``journal.jsonl`` (canonical JSON lines); returns the count."""
        return write_jsonl(self.journal(), path)

    # -- outbox -------------------------------------------------------------------------

    def pending_outbox(self, *, limit: int = 100) -> builtins.list[OutboxMessage]:
        """Undelivered, not dead messages, oldest first."""
        sql = (
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL "
            f"AND dead = {self._dialect.false} ORDER BY id LIMIT ?"
        )
        return [outbox_from_row(r) for r in self._q(sql, (max(0, int(limit)),))]

    def outbox_message(self, message_id: int) -> OutboxMessage | None:
        """One outbox message in any state (delivered and dead ones included)."""
        rows = self._q(f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (message_id,))
        return outbox_from_row(rows[0]) if rows else None

    def outbox_count(self, *, pending_only: bool = False) -> int:
        """Number of outbox messages (all, or only undelivered and not dead)."""
        sql = "SELECT count(*) FROM outbox"
        if pending_only:
            sql += f" WHERE delivered_at IS NULL AND dead = {self._dialect.false}"
        return int(self._q(sql)[0][0])

    # -- province queries (DESIGN §6a) ---------------------------------------------------

    def find(self, query: RecordQuery) -> builtins.list[Record]:
        """One page of committed records matching ``query``, ordered by ``(at, id)``.

        Raises:
            StoreError: GZ-ST-010 if ``query.after`` names no record of ``query.kind``.
        """
        after_at: str | None = None
        if query.after is not None:
            rows = self._fetch(*query.cursor_sql(self._dialect))
            if not rows or rows[0][0] is None:
                unknown_cursor(query.after)
            after_at = str(rows[0][0])
        return [record_from_row(r) for r in self._fetch(*query.sql(self._dialect, after_at))]

    def statistics_counts(self, query: StatisticsQuery) -> StatisticsCounts:
        """The grouped counts behind the statistics for a period, by SQL aggregation."""
        statements = query.statements(self._dialect)
        return query.counts({name: self._fetch(*stmt) for name, stmt in statements.items()})

    # -- meta and deployment secrets ----------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A store-level setting (``schema_version``, ``created_at``, ``application``).

        Deployment secrets are not readable here (see :meth:`deployment_secret`)."""
        if key.startswith(SECRET_PREFIX):
            return None
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def deployment_secret(self) -> DeploymentSecret:
        """The current per-deployment secret (meta row ``id_salt``, made with
        ``os.urandom(32)`` when the store was created)."""
        rows = self._q("SELECT value FROM meta WHERE key = ?", (SECRET_PREFIX,))
        return secret_from_hex(str(rows[0][0]))

    def deployment_secrets(self) -> builtins.list[DeploymentSecret]:
        """Every secret this store has used, the current one first."""
        rows = self._q(
            "SELECT value FROM meta WHERE key LIKE ? ORDER BY key", (SECRET_PREFIX + ".%",)
        )
        return [self.deployment_secret(), *(secret_from_hex(str(v)) for (v,) in rows)]


class SqlStore(SqlReads):
    """The store-level writes every SQL store makes the same way, each in one transaction of
    its own: the outbox marks (:meth:`mark_delivered`, :meth:`mark_failed`) and
    :meth:`rotate_deployment_secret`. Subclasses give ``transaction()`` (whose transaction
    object is a :class:`SqlWrites`) and keep ``_secret_cache``."""

    _secret_cache: DeploymentSecret | None

    @abstractmethod
    def transaction(self, *, durable: bool = True) -> AbstractContextManager[Transaction]:
        """One write transaction (see :meth:`gaozhi_sdk.store.base.Store.transaction`)."""

    @contextmanager
    def _writes(self) -> Iterator[SqlWrites]:
        with self.transaction() as tx:
            assert isinstance(tx, SqlWrites)
            yield tx

    def mark_delivered(self, message_id: int) -> None:
        """Record a successful delivery (idempotent; the first time is kept).

        Raises:
            NotFoundError: GZ-ST-404 if there is no such message.
        """
        with self._writes() as tx:
            tx._mark_delivered(message_id)

    def mark_failed(self, message_id: int, error: str, *, max_attempts: int) -> None:
        """Record a failed attempt; after ``max_attempts`` attempts the message is dead.

        Raises:
            NotFoundError: GZ-ST-404 if there is no such message.
            StoreError: GZ-ST-010 if ``max_attempts`` < 1.
        """
        if not isinstance(max_attempts, int) or max_attempts < 1:
            invalid("GZ-ST-010", "max_attempts 必须是正整数", "max_attempts must be >= 1")
        with self._writes() as tx:
            tx._mark_failed(message_id, error, max_attempts)

    def rotate_deployment_secret(self) -> DeploymentSecret:
        """Make a new current secret; the previous one is kept as ``id_salt.<key id>``
        (digests made before stay verifiable, :meth:`deployment_secrets`).

        Raises:
            StoreError: GZ-ST-004 inside an open transaction of this thread.
        """
        new = new_deployment_secret()
        with self._writes() as tx:
            tx._rotate_secret(new)
        self._secret_cache = new
        return new


def secret_from_hex(text: str) -> DeploymentSecret:
    """A deployment secret from its meta row (64 hex digits)."""
    key = bytes.fromhex(text)
    return DeploymentSecret(secret_key_id(key), key)


def reindex_records(
    d: Dialect,
    fetch: Callable[[str, tuple[Any, ...]], Sequence[Sequence[Any]]],
    execute: Callable[[str, tuple[Any, ...]], object],
    secret: DeploymentSecret,
) -> int:
    """Derive the keys of every stored record of a keyed kind (migration 3, inside the
    migration's transaction); returns how many records were updated."""
    kinds = sorted(KEYED_KINDS)
    select = _sql(
        d,
        f"SELECT kind, id, doc FROM records WHERE kind IN ({', '.join(['?'] * len(kinds))}) "
        "AND (kind, id) > (?, ?) ORDER BY kind, id LIMIT ?",
    )
    update = _sql(
        d,
        "UPDATE records SET organ = ?, subject = ?, at = ?, ref = ?, facts = ? "
        "WHERE kind = ? AND id = ?",
    )
    last = ("", "")
    done = 0
    while True:
        rows = fetch(select, (*kinds, *last, _REINDEX_PAGE))
        for kind, id, doc in rows:
            k = record_keys(str(kind), _loads(doc), secret)
            execute(update, (k.organ, k.subject, k.at, k.ref, k.facts, kind, id))
        done += len(rows)
        if len(rows) < _REINDEX_PAGE:
            return done
        last = (str(rows[-1][0]), str(rows[-1][1]))


def _loads(text: Any) -> Mapping[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, Mapping) else {}
