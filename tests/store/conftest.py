"""Fixtures for the store contract tests.

``store_factory`` is parametrised over every Store implementation in the core package:
SQLite (file and memory) and PostgreSQL (a real server from the session's ``pg_cluster``,
one schema per test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gaozhi_sdk.store import SqliteStore, Store
from gaozhi_sdk.testing.postgres import postgres_store_factory
from gaozhi_sdk.testing.store_contract import StoreFactory, sqlite_file_factory


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgres"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "sqlite-file":
        factory = sqlite_file_factory(tmp_path)
    elif request.param == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        factory = postgres_store_factory(cluster, request.getfixturevalue("pg_database"))
    else:
        factory = StoreFactory(
            "sqlite-memory", False, lambda: SqliteStore(None), lambda n: SqliteStore(None)
        )
    yield factory
    factory.close_all()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory.open()
