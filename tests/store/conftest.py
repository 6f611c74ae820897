"""Fixtures for the store contract tests.

``store_factory`` is parametrised over every Store implementation in the core package;
a server store (PostgreSQL plugin) adds its own factory and reuses ``test_contract.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gaozhi_sdk.store import SqliteStore, Store
from gaozhi_sdk.testing.store_contract import StoreFactory, sqlite_file_factory


@pytest.fixture(params=["sqlite-file", "sqlite-memory"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "sqlite-file":
        factory = sqlite_file_factory(tmp_path)
    else:
        factory = StoreFactory(
            "sqlite-memory", False, lambda: SqliteStore(None), lambda n: SqliteStore(None)
        )
    yield factory
    factory.close_all()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory.open()
