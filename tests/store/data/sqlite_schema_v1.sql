-- The SQLite store schema before migrations existed (gaozhi-sdk main at 6d8240f),
-- dumped from a store that code created; PRAGMA user_version = 1, application_id = 0x475A4831.
CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
CREATE TABLE records (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        state TEXT NOT NULL,
        doc TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
CREATE INDEX records_kind_state ON records (kind, state, id);
CREATE TABLE journal (
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
    );
CREATE INDEX journal_aggregate ON journal (aggregate_type, aggregate_id, seq);
CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        media_type TEXT NOT NULL,
        data BLOB NOT NULL,
        sha256 TEXT NOT NULL
    );
CREATE INDEX blobs_kind ON blobs (kind, id);
CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT,
        dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
    );
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL AND dead = 0;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
        BEGIN SELECT RAISE(ABORT, 'blobs are write-once'); END;
