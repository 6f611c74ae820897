"""Session-wide test services.

``pg_cluster`` starts one throw-away PostgreSQL cluster (initdb + pg_ctl in a temporary
folder, Unix socket + a free 127.0.0.1 port) the first time a test asks for it; without
server binaries or psycopg the test is skipped — or fails under
``GAOZHI_REQUIRE_SERVICES=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gaozhi_sdk.testing.postgres import PostgresCluster, postgres_cluster_or_skip


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = postgres_cluster_or_skip()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def pg_database(pg_cluster: PostgresCluster) -> str:
    """One database for the session's store tests (each test uses its own schema)."""
    return pg_cluster.new_database("gzstore")
