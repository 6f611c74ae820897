"""PostgreSQL-specific behaviour of the server store (DESIGN §6a); the shared contract runs
in ``test_contract.py`` and the crash test in ``test_crash.py`` for this backend too."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from gaozhi_sdk.errors import ConfigError, StoreError
from gaozhi_sdk.store import open_store
from gaozhi_sdk.store.migrations import SCHEMA_VERSION
from gaozhi_sdk.store.postgres import PostgresStore, redact_url
from gaozhi_sdk.testing.postgres import PostgresCluster


def _schema() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


def test_open_store_accepts_both_url_schemes_and_the_schema_parameter(
    pg_cluster: PostgresCluster, pg_database: str
) -> None:
    schema = _schema()
    url = pg_cluster.url(pg_database, schema=schema)
    first: Any = open_store(url)
    assert isinstance(first, PostgresStore) and first.schema == schema
    with first.transaction() as tx:
        tx.put("case", "C-1", {"名称": "药店"}, state="DRAFT", expected_version=None)
    first.close()
    again: Any = open_store("postgres://" + url[len("postgresql://") :])
    try:
        rec = again.get("case", "C-1")
        assert rec is not None and rec.doc == {"名称": "药店"}
        assert again.meta("schema_version") == str(SCHEMA_VERSION)
    finally:
        again.close()
    tables = pg_cluster.sql(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{schema}' ORDER BY table_name",
        pg_database,
    )
    assert {t[0] for t in tables} >= {"records", "journal", "journal_head", "outbox", "blobs"}


def test_default_schema_is_gaozhi(pg_cluster: PostgresCluster) -> None:
    db = pg_cluster.new_database("gzdefault")
    store = PostgresStore(pg_cluster.url(db))
    try:
        assert store.schema == "gaozhi"
    finally:
        store.close()
    assert pg_cluster.sql("SELECT count(*) FROM gaozhi.schema_migrations", db) == [
        (SCHEMA_VERSION,)
    ]


def test_schema_of_another_application_is_refused_untouched(
    pg_cluster: PostgresCluster, pg_database: str
) -> None:
    schema = _schema()
    pg_cluster.sql(f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (id int)", pg_database)
    with pytest.raises(StoreError) as err:
        PostgresStore(pg_cluster.url(pg_database, schema=schema))
    assert err.value.code == "GZ-ST-002"
    tables = pg_cluster.sql(
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'",
        pg_database,
    )
    assert tables == [("orders",)]


@pytest.mark.parametrize("schema", ["Bad", "1x", "a;drop", "x" * 64])
def test_bad_schema_names_are_refused(pg_cluster: PostgresCluster, schema: str) -> None:
    with pytest.raises(ConfigError) as err:
        PostgresStore(pg_cluster.url("postgres"), schema=schema)
    assert err.value.code == "GZ-CF-001"


def test_unreachable_server_is_a_coded_error(pg_cluster: PostgresCluster) -> None:
    with pytest.raises(StoreError) as err:
        PostgresStore("postgresql://nobody@127.0.0.1:1/none", connect_timeout=2)
    assert err.value.code == "GZ-ST-001"
    assert "127.0.0.1" in err.value.message_en


def test_migrate_off_refuses_an_empty_schema_and_db_status_reports(
    pg_cluster: PostgresCluster, pg_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from gaozhi_sdk.cli import main

    url = pg_cluster.url(pg_database, schema=_schema())
    with pytest.raises(StoreError) as err:
        PostgresStore(url, migrate=False)
    assert err.value.code == "GZ-ST-007"
    assert main(["db", "status", "--db", url]) == 1
    assert "待应用" in capsys.readouterr().out
    assert main(["db", "migrate", "--db", url]) == 0
    assert main(["db", "status", "--db", url, "--json"]) == 0
    assert f'"current": {SCHEMA_VERSION}' in capsys.readouterr().out
    PostgresStore(url, migrate=False).close()


def test_redact_url_hides_passwords_in_every_position() -> None:
    assert redact_url("postgresql://app:s3cr3t@db:5432/gz") == "postgresql://app:***@db:5432/gz"
    shown = redact_url("postgresql://app@db/gz?password=s3cr3t&sslmode=verify-full")
    assert "s3cr3t" not in shown and "sslmode=verify-full" in shown


def test_pledge_service_opens_on_postgres(pg_cluster: PostgresCluster, pg_database: str) -> None:
    from gaozhi_sdk import PledgeService

    url = pg_cluster.url(pg_database, schema=_schema())
    with PledgeService.open(url) as svc:
        assert isinstance(svc.store, PostgresStore)
        assert svc.store.journal_head() is None


def test_not_durable_transaction_sets_synchronous_commit_off_for_itself_only(
    pg_cluster: PostgresCluster, pg_database: str
) -> None:
    store = PostgresStore(pg_cluster.url(pg_database, schema=_schema()), max_size=1)
    try:
        seen = []
        with store.transaction(durable=False) as tx:
            seen.append(tx._conn.execute(b"SHOW synchronous_commit").fetchone()[0])
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
        with store.transaction() as tx:  # the same (only) pooled connection
            seen.append(tx._conn.execute(b"SHOW synchronous_commit").fetchone()[0])
        assert seen == ["off", "on"]
        assert store.get("case", "C-1") is not None
    finally:
        store.close()


def test_two_instances_updating_one_aggregate_exactly_one_wins_with_409(
    pg_cluster: PostgresCluster, pg_database: str
) -> None:
    import threading

    url = pg_cluster.url(pg_database, schema=_schema())
    a, b = PostgresStore(url), PostgresStore(url)  # two instances, two pools
    try:
        with a.transaction() as tx:
            tx.put("case", "C-1", {"v": 0}, state="PLEDGED", expected_version=None)
        seen = [a.get("case", "C-1"), b.get("case", "C-1")]  # both read version 1
        assert all(r is not None and r.version == 1 for r in seen)
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def update(name: str, store: PostgresStore) -> None:
            barrier.wait()
            try:
                with store.transaction() as tx:
                    tx.put("case", "C-1", {"v": name}, state="ACCEPTED", expected_version=1)
                    tx.append_journal(
                        event="case.accept",
                        aggregate_type="case",
                        aggregate_id="C-1",
                        actor={"role": "OFFICER", "ref": name},
                        payload_digest="0" * 64,
                    )
                results[name] = "APPLIED"
            except StoreError as err:
                results[name] = err.code

        threads = [threading.Thread(target=update, args=(n, s)) for n, s in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == ["APPLIED", "GZ-ST-409"]
        winner = next(n for n, r in results.items() if r == "APPLIED")
        rec = b.get("case", "C-1")
        assert rec is not None and rec.version == 2 and rec.doc == {"v": winner}
        journal = list(a.journal())
        assert [e.actor["ref"] for e in journal] == [winner]  # the loser left no entry
    finally:
        a.close()
        b.close()


def test_events_deliver_with_worker_claims_its_batch(
    pg_cluster: PostgresCluster,
    pg_database: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gaozhi_sdk.cli import main

    monkeypatch.setenv("GAOZHI_SDK_LOAD_PLUGINS", "no-such-plugin")  # no gaozhi_event impl
    url = pg_cluster.url(pg_database, schema=_schema())
    store = PostgresStore(url)
    try:
        with store.transaction() as tx:
            for i in range(5):
                tx.enqueue("case.decided", {"i": i}, idempotency_key=f"k-{i}")
        held = store.claim_outbox("other-instance", limit=2, lease_s=60)
        assert main(["events", "deliver", "--db", url, "--worker", "w1", "--limit", "10"]) == 0
        assert "已投递 3" in capsys.readouterr().out  # the two claimed elsewhere are skipped
        assert [m.id for m in store.pending_outbox()] == [m.id for m in held]
    finally:
        store.close()
