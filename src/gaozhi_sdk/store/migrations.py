"""存储结构迁移 — versioned, forward-only schema migrations for every store (DESIGN §6a).

One list, :data:`MIGRATIONS`, numbered 1, 2, 3, …; each step has the DDL for SQLite and
for PostgreSQL. A store applies the steps it has not applied yet, in order, inside one
transaction, when it is opened (unless opened with ``migrate=False``) or through
``gaozhi db migrate --db URL``. Applied steps are recorded in the table
``schema_migrations`` (version, name, applied_at) and ``meta.schema_version``; a store
written by a newer SDK (a version above :data:`SCHEMA_VERSION`) is refused (GZ-ST-003),
never downgraded. There is no ad-hoc DDL anywhere else.

Version 1 is the schema the SQLite store had before migrations existed; such a file has
``PRAGMA user_version = 1`` and no ``schema_migrations`` table — it is recorded as
version 1 (``applied_at`` unknown) and upgraded from there with no data lost.

PostgreSQL DDL is unqualified: it runs with ``search_path`` set to the store's schema.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AppliedMigration",
    "Migration",
    "MigrationStatus",
]


@dataclass(frozen=True)
class Migration:
    """One forward-only step: ``version``, a short ``name`` and the DDL per backend."""

    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]
    #: after the DDL, derive the index keys of every stored record
    #: (:func:`gaozhi_sdk.store.sqlbase.reindex_records`, same transaction)
    reindex: bool = False


@dataclass(frozen=True)
class AppliedMigration:
    """A step recorded in ``schema_migrations`` (``applied_at`` None for the pre-migration
    baseline)."""

    version: int
    name: str
    applied_at: str | None


@dataclass(frozen=True)
class MigrationStatus:
    """What ``gaozhi db status`` reports."""

    backend: str
    current: int
    latest: int
    applied: tuple[AppliedMigration, ...]
    pending: tuple[Migration, ...]

    @property
    def up_to_date(self) -> bool:
        """True when no step is pending."""
        return not self.pending

    def to_json_dict(self) -> dict[str, object]:
        """Plain JSON form (``gaozhi db status --json``)."""
        return {
            "backend": self.backend,
            "current": self.current,
            "latest": self.latest,
            "up_to_date": self.up_to_date,
            "applied": [
                {"version": a.version, "name": a.name, "applied_at": a.applied_at}
                for a in self.applied
            ],
            "pending": [{"version": m.version, "name": m.name} for m in self.pending],
        }


_V1_SQLITE = (
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE records (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        state TEXT NOT NULL,
        doc TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX records_kind_state ON records (kind, state, id)",
    """CREATE TABLE journal (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload_digest TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    )""",
    "CREATE INDEX journal_aggregate ON journal (aggregate_type, aggregate_id, seq)",
    """CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        media_type TEXT NOT NULL,
        data BLOB NOT NULL,
        sha256 TEXT NOT NULL
    )""",
    "CREATE INDEX blobs_kind ON blobs (kind, id)",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT,
        dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
    )""",
    "CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL AND dead = 0",
    # The journal is append-only and blobs are write-once (defence in depth: tampering
    # that bypasses this is still caught by verify_journal and the blob digest).
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
    """CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
        BEGIN SELECT RAISE(ABORT, 'blobs are write-once'); END""",
)

_V1_POSTGRES = (
    """CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
    )""",
    """CREATE TABLE records (
        kind text NOT NULL,
        id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        state text NOT NULL,
        doc text NOT NULL,
        updated_at text NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX records_kind_state ON records (kind, state, id)",
    """CREATE TABLE journal (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        at text NOT NULL,
        event text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        actor text NOT NULL,
        payload_digest text NOT NULL,
        outcome text NOT NULL,
        detail text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL UNIQUE
    )""",
    "CREATE INDEX journal_aggregate ON journal (aggregate_type, aggregate_id, seq)",
    # One row: the chain head. Appenders lock it (SELECT … FOR UPDATE) as the last step
    # of their transaction, so only the append is serialised across instances.
    """CREATE TABLE journal_head (
        id integer PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash text NOT NULL
    )""",
    "INSERT INTO journal_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))",
    """CREATE TABLE blobs (
        id text PRIMARY KEY,
        kind text NOT NULL,
        media_type text NOT NULL,
        data bytea NOT NULL,
        sha256 text NOT NULL
    )""",
    "CREATE INDEX blobs_kind ON blobs (kind, id)",
    """CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        payload text NOT NULL,
        created_at text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        delivered_at text,
        last_error text,
        dead boolean NOT NULL DEFAULT false
    )""",
    "CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL AND NOT dead",
    """CREATE FUNCTION gaozhi_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
        FOR EACH ROW EXECUTE FUNCTION gaozhi_refuse_change('journal is append-only')""",
    """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
        FOR EACH STATEMENT EXECUTE FUNCTION gaozhi_refuse_change('journal is append-only')""",
    """CREATE TRIGGER blobs_write_once BEFORE UPDATE ON blobs
        FOR EACH ROW EXECUTE FUNCTION gaozhi_refuse_change('blobs are write-once')""",
)

_V2_SQLITE = (
    "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
    "ALTER TABLE outbox ADD COLUMN lease_until REAL",
)
_V2_POSTGRES = (
    "ALTER TABLE outbox ADD COLUMN claimed_by text",
    "ALTER TABLE outbox ADD COLUMN lease_until timestamptz",
)

# Derived keys of a record (gaozhi_sdk.store.keys) and the indexes of the province
# queries (gaozhi_sdk.store.queries): keyset pages ordered by (at, id) per filter, and the
# joins of the statistics from a case to its verifications, dispositions, credit records.
_V3_INDEXES = (
    "CREATE INDEX records_at ON records (kind, at, id) WHERE at IS NOT NULL",
    "CREATE INDEX records_state_at ON records (kind, state, at, id) WHERE at IS NOT NULL",
    "CREATE INDEX records_organ_at ON records (kind, organ, at, id) WHERE organ IS NOT NULL",
    "CREATE INDEX records_subject_at ON records (kind, subject, at, id) WHERE subject IS NOT NULL",
    "CREATE INDEX records_ref ON records (ref, kind, at, id) WHERE ref IS NOT NULL",
)
_V3_SQLITE = (
    "ALTER TABLE records ADD COLUMN organ TEXT",
    "ALTER TABLE records ADD COLUMN subject TEXT",
    "ALTER TABLE records ADD COLUMN at TEXT",
    "ALTER TABLE records ADD COLUMN ref TEXT",
    "ALTER TABLE records ADD COLUMN facts TEXT",
    *_V3_INDEXES,
)
_V3_POSTGRES = (
    "ALTER TABLE records ADD COLUMN organ text, ADD COLUMN subject text, "
    "ADD COLUMN at text, ADD COLUMN ref text, ADD COLUMN facts text",
    *_V3_INDEXES,
)

#: Every step, in order. Append new steps; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "基础结构: 记录、日志哈希链、文件、发件箱、元数据", _V1_SQLITE, _V1_POSTGRES),
    Migration(2, "发件箱租约: 多个投递进程领取消息 (claim_outbox)", _V2_SQLITE, _V2_POSTGRES),
    Migration(
        3,
        "查询索引: 按申请人、机关、状态、受理时间分页查询办件, 到期核查, 分期统计",
        _V3_SQLITE,
        _V3_POSTGRES,
        reindex=True,
    ),
)

#: The version this SDK writes (the last step).
SCHEMA_VERSION = MIGRATIONS[-1].version

assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
