"""Security of the server store (issue 12 item 9).

* the URL's password never appears in a repr, a log line or an error (a planted password
  is searched for everywhere, DEBUG logs included);
* TLS with ``sslmode=verify-full`` against the local server, certificate from a test CA
  (a server whose certificate another CA issued is refused);
* two roles: migrations run as the schema owner; the application role holds only DML on
  the schema's tables and runs every store operation — but cannot change the schema.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.store import open_store
from gaozhi_sdk.store.postgres import PostgresStore
from gaozhi_sdk.testing.emulator.tls import make_tls_material
from gaozhi_sdk.testing.postgres import PostgresCluster, postgres_cluster_or_skip

PLANTED = "Pl4nted-S3cret-7Qz"  # the password we look for everywhere
OWNER_PW = "Owner-Pw-9x"
DB = "gzsec"

#: What the application role needs: DML on the store's tables, nothing else (deployment
#: guide, docs/deployment.md).
APP_GRANTS = """
GRANT CONNECT ON DATABASE {db} TO gz_app;
GRANT USAGE ON SCHEMA {schema} TO gz_app;
GRANT SELECT, INSERT, UPDATE ON {schema}.records, {schema}.outbox, {schema}.meta,
    {schema}.journal_head TO gz_app;
GRANT SELECT, INSERT ON {schema}.journal, {schema}.blobs TO gz_app;
GRANT SELECT ON {schema}.schema_migrations TO gz_app;
"""


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PostgresCluster, Any]]:
    c = postgres_cluster_or_skip()
    try:
        tls = make_tls_material(tmp_path_factory.mktemp("pgtls"))
        c.enable_ssl(tls.cert_pem, tls.key_pem)
        c.restart()
        c.sql(f"CREATE DATABASE {DB}")
        c.sql(f"CREATE ROLE gz_owner LOGIN PASSWORD '{OWNER_PW}'")
        c.sql(f"CREATE ROLE gz_app LOGIN PASSWORD '{PLANTED}'")
        c.sql(f"REVOKE ALL ON DATABASE {DB} FROM PUBLIC")
        c.sql(f"GRANT CONNECT, CREATE ON DATABASE {DB} TO gz_owner")
        c.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", DB)
        yield c, tls
    finally:
        c.destroy()


def _app_url(c: PostgresCluster, tls: Any, schema: str, password: str = PLANTED) -> str:
    return c.tcp_url(
        DB, "gz_app", password, sslmode="verify-full", sslrootcert=str(tls.ca_pem), schema=schema
    )


def _owner_url(c: PostgresCluster, tls: Any, schema: str) -> str:
    return c.tcp_url(
        DB, "gz_owner", OWNER_PW, sslmode="verify-full", sslrootcert=str(tls.ca_pem), schema=schema
    )


def _migrated_schema(c: PostgresCluster, tls: Any) -> str:
    schema = f"s_{uuid.uuid4().hex[:8]}"
    owner = PostgresStore(_owner_url(c, tls, schema))  # creates and migrates as the owner
    owner.close()
    c.sql(APP_GRANTS.format(db=DB, schema=schema), DB)
    return schema


def test_app_role_with_only_dml_runs_every_operation_over_verified_tls(
    tls_cluster: tuple[PostgresCluster, Any],
) -> None:
    c, tls = tls_cluster
    schema = _migrated_schema(c, tls)
    store: Any = open_store(_app_url(c, tls, schema))  # migrate=True: nothing pending
    try:
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
            tx.append_journal(
                event="case.created",
                aggregate_type="case",
                aggregate_id="C-1",
                actor={"role": "CLERK"},
                payload_digest="0" * 64,
            )
            tx.enqueue("case.created", {"c": 1}, idempotency_key="k-1")
            tx.put_blob("B-1", kind="bundle", media_type="application/json", data=b"{}")
        [msg] = store.claim_outbox("w1", limit=5)
        store.mark_delivered(msg.id)
        assert store.verify_journal().ok
        assert store.deployment_secret().key
        assert store.migration_status().up_to_date
        with store._connection() as conn:  # the session really is encrypted and verified
            ssl_in_use = conn.execute(
                b"SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            ).fetchone()[0]
        assert ssl_in_use is True
    finally:
        store.close()
    import psycopg

    plain = _app_url(c, tls, schema).split("&schema=")[0]
    with psycopg.connect(plain, autocommit=True) as conn:
        for ddl in (
            f"CREATE TABLE {schema}.evil (x int)",
            f"DROP TABLE {schema}.journal",
            f"DELETE FROM {schema}.journal",
            f"TRUNCATE {schema}.records",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(ddl.encode())


def test_app_role_cannot_migrate_and_says_so(tls_cluster: tuple[PostgresCluster, Any]) -> None:
    c, tls = tls_cluster
    schema = f"s_{uuid.uuid4().hex[:8]}"
    with pytest.raises(StoreError) as err:  # nothing exists yet: the app may not create it
        PostgresStore(_app_url(c, tls, schema))
    assert err.value.code == "GZ-ST-504"
    assert PLANTED not in f"{err.value} {err.value.message_en} {err.value.details}"


def test_verify_full_refuses_a_server_certificate_from_another_ca(
    tls_cluster: tuple[PostgresCluster, Any], tmp_path: Path
) -> None:
    c, tls = tls_cluster
    schema = _migrated_schema(c, tls)
    other = make_tls_material(tmp_path / "other", name="another-ca")
    url = c.tcp_url(
        DB, "gz_app", PLANTED, sslmode="verify-full", sslrootcert=str(other.ca_pem), schema=schema
    )
    with pytest.raises(StoreError) as err:
        PostgresStore(url, connect_timeout=3)
    assert err.value.code == "GZ-ST-001"
    assert PLANTED not in f"{err.value} {err.value.message_en} {err.value.details}"


def test_planted_password_never_in_logs_reprs_or_errors(
    tls_cluster: tuple[PostgresCluster, Any], caplog: pytest.LogCaptureFixture
) -> None:
    c, tls = tls_cluster
    schema = _migrated_schema(c, tls)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    store = PostgresStore(_app_url(c, tls, schema))
    try:
        seen += [repr(store), str(store), store.display_url]
        with store.transaction() as tx:
            tx.put("case", "C-1", {"v": 1}, state="DRAFT", expected_version=None)
        # a server-side error inside a transaction
        with pytest.raises(StoreError) as err, store.transaction() as tx:
            tx._exec("SELECT * FROM no_such_table")  # type: ignore[attr-defined]
        seen += [str(err.value), err.value.message_en, repr(err.value.details)]
        # every live connection killed: the pool notices and reconnects (and logs it)
        for _ in range(3):
            c.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename='gz_app'")
            try:
                store.get("case", "C-1")
            except StoreError as lost:
                seen += [str(lost), lost.message_en, repr(lost.details)]
        assert store.get("case", "C-1") is not None
    finally:
        store.close()
    for wrong in ("wrong-" + PLANTED, PLANTED):  # a rejected password is not echoed either
        try:
            PostgresStore(_app_url(c, tls, schema, password=wrong) + "x", connect_timeout=3)
        except StoreError as exc:
            seen += [str(exc), exc.message_en, repr(exc.details), repr(exc.__cause__)]
    seen += [r.getMessage() for r in caplog.records]
    seen += [repr(r.args) for r in caplog.records]
    assert seen and all(PLANTED not in s for s in seen), [s for s in seen if PLANTED in s]
