"""Forward-only schema migrations (DESIGN §6a): a store made before migrations existed is
upgraded on open (or by ``gaozhi db migrate``) with no data lost."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.store.entries import prepare_entry
from gaozhi_sdk.store.migrations import MIGRATIONS, SCHEMA_VERSION
from gaozhi_sdk.store.sqlite import APPLICATION_ID

V1_SCHEMA = Path(__file__).parent / "data" / "sqlite_schema_v1.sql"
SALT = "ab" * 32


def make_v1_store(db: Path, *, cases: int = 30) -> dict[str, object]:
    """A store exactly as the pre-migration SDK wrote it, with data in every table."""
    raw = sqlite3.connect(db, isolation_level=None)
    raw.executescript(V1_SCHEMA.read_text())
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [
            ("schema_version", "1"),
            ("id_salt", SALT),
            ("created_at", "2025-01-02T03:04:05+08:00"),
            ("application", "gaozhi-sdk"),
        ],
    )
    prev_seq, prev_hash = 0, "0" * 64
    for i in range(cases):
        doc = {"i": i, "申请人": "某公司", "status": "ACCEPTED" if i % 2 else "PLEDGED"}
        raw.execute(
            "INSERT INTO records VALUES ('case', ?, ?, ?, ?, ?)",
            (f"C-{i:04d}", 1 + i % 3, doc["status"], json.dumps(doc, ensure_ascii=False), "x"),
        )
        entry = prepare_entry(
            event="case.accepted",
            aggregate_type="case",
            aggregate_id=f"C-{i:04d}",
            actor={"role": "OFFICER", "ref": "o-1"},
            payload_digest=hashlib.sha256(str(i).encode()).hexdigest(),
            detail={"i": i},
            at="2025-01-02T03:04:05+08:00",
        ).seal(prev_seq + 1, prev_hash)
        raw.execute(
            "INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                entry.at,
                entry.event,
                entry.aggregate_type,
                entry.aggregate_id,
                json.dumps(entry.actor),
                entry.payload_digest,
                entry.outcome,
                json.dumps(entry.detail),
                entry.prev_hash,
                entry.hash,
            ),
        )
        prev_seq, prev_hash = entry.seq, entry.hash
        raw.execute(
            "INSERT INTO outbox (topic, idempotency_key, payload, created_at) VALUES (?,?,?,?)",
            ("case.accepted", f"k-{i}", json.dumps({"i": i}), "t"),
        )
        data = bytes([i]) * (i + 1)
        raw.execute(
            "INSERT INTO blobs VALUES (?, 'bundle', 'application/json', ?, ?)",
            (f"B-{i:04d}", data, hashlib.sha256(data).hexdigest()),
        )
    raw.execute("UPDATE outbox SET delivered_at = 't2', attempts = 1 WHERE id <= 5")
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute("COMMIT")
    raw.close()
    return {"head": prev_hash, "count": prev_seq}


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            # the columns of version 1 (migration 3 adds derived keys beside them)
            "records": raw.execute(
                "SELECT kind, id, version, state, doc, updated_at FROM records ORDER BY kind, id"
            ).fetchall(),
            "journal": raw.execute("SELECT * FROM journal ORDER BY seq").fetchall(),
            "outbox": raw.execute(
                "SELECT id, topic, idempotency_key, payload, created_at, attempts, "
                "delivered_at, last_error, dead FROM outbox ORDER BY id"
            ).fetchall(),
            "blobs": raw.execute("SELECT * FROM blobs ORDER BY id").fetchall(),
            "meta": raw.execute(
                "SELECT key, value FROM meta WHERE key != 'schema_version' ORDER BY key"
            ).fetchall(),
        }
    finally:
        raw.close()


def test_pre_migration_store_upgrades_on_open_with_no_data_lost(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    expected = make_v1_store(db)
    before = _rows(db)
    store = SqliteStore(db)
    try:
        status = store.migration_status()
        assert status.current == status.latest == SCHEMA_VERSION
        assert status.up_to_date and status.pending == ()
        assert [a.version for a in status.applied] == list(range(1, SCHEMA_VERSION + 1))
        assert status.applied[0].applied_at is None  # the pre-migration baseline
        assert all(a.applied_at for a in status.applied[1:])
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        report = store.verify_journal(
            expected_head=str(expected["head"]), expected_count=int(str(expected["count"]))
        )
        assert report.ok, report.problems
        assert store.deployment_secret().key.hex() == SALT
        assert store.count("case") == 30
        assert len(store.pending_outbox(limit=100)) == 25
        # the store works after the upgrade: the chain continues from the old head
        with store.transaction() as tx:
            entry = tx.append_journal(
                event="case.closed",
                aggregate_type="case",
                aggregate_id="C-0001",
                actor={"role": "OFFICER"},
                payload_digest="0" * 64,
            )
        assert entry.seq == 31 and entry.prev_hash == expected["head"]
    finally:
        store.close()
    after = _rows(db)
    assert after["records"] == before["records"]
    assert after["journal"][:30] == before["journal"]
    assert after["outbox"] == before["outbox"]
    assert after["blobs"] == before["blobs"]
    assert after["meta"] == before["meta"]
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()


def test_migrate_off_refuses_an_old_store_and_leaves_the_file_untouched(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    make_v1_store(db, cases=3)
    before = _rows(db)
    with pytest.raises(StoreError) as err:
        SqliteStore(db, migrate=False)
    assert err.value.code == "GZ-ST-007"
    assert "gaozhi db migrate" in err.value.message
    assert _rows(db) == before
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "schema_migrations" not in tables
    raw.close()
    store = SqliteStore(db, migrate=True)
    assert store.migration_status().up_to_date
    store.close()
    SqliteStore(db, migrate=False).close()  # up to date: opens without migrating


def test_explicit_migrate_is_idempotent(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "new.db")
    try:
        assert store.migrate() == []
        status = store.migration_status()
        assert [(a.version, a.name) for a in status.applied] == [
            (m.version, m.name) for m in MIGRATIONS
        ]
    finally:
        store.close()


def test_store_from_a_newer_sdk_is_refused_not_downgraded(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    SqliteStore(db).close()
    raw = sqlite3.connect(db)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError) as err:
        SqliteStore(db)
    assert err.value.code == "GZ-ST-003"


def test_cli_db_status_and_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gaozhi_sdk.cli import main

    db = tmp_path / "old.db"
    make_v1_store(db, cases=2)
    before = _rows(db)
    assert main(["db", "status", "--db", str(db), "--json"]) == 1  # pending steps
    status = json.loads(capsys.readouterr().out)
    assert status["current"] == 1 and status["latest"] == SCHEMA_VERSION
    assert [p["version"] for p in status["pending"]] == list(range(2, SCHEMA_VERSION + 1))
    assert _rows(db) == before  # status changes nothing
    assert main(["db", "migrate", "--db", f"sqlite:///{db}"]) == 0
    assert f"结构版本 {SCHEMA_VERSION}" in capsys.readouterr().out
    assert main(["db", "status", "--db", str(tmp_path)]) == 64  # a directory without gaozhi.db
    capsys.readouterr()
    assert main(["db", "status", "--db", str(db)]) == 0
    assert "已是最新" in capsys.readouterr().out
    assert main(["db", "migrate", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["applied_now"] == []
    assert _rows(db) == before


def test_cli_db_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gaozhi_sdk.cli import main

    assert main(["db", "status", "--db", str(tmp_path / "nope.db")]) == 64
    assert "GZ-CLI-008" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()
