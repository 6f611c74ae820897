"""Fixtures for the store contract tests.

``store_factory`` is parametrised over every Store implementation in the core package;
a server store (PostgreSQL plugin) adds its own factory and reuses ``test_contract.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gaozhi_sdk.store import SqliteStore, Store


@dataclass
class StoreFactory:
    """Opens stores of one implementation.

    ``open()`` opens the factory's store — for a persistent backend, the *same* store
    again on every call (a reopen); for a memory backend, a fresh one. ``open_other()``
    always opens a new, independent store.
    """

    name: str
    persistent: bool
    _open: Callable[[], Store]
    _open_other: Callable[[int], Store]
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = self._open()
        self.opened.append(store)
        return store

    def open_other(self) -> Store:
        store = self._open_other(len(self.opened))
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=["sqlite-file", "sqlite-memory"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "sqlite-file":
        db = tmp_path / "gaozhi.db"
        factory = StoreFactory(
            "sqlite-file",
            True,
            lambda: SqliteStore(db),
            lambda n: SqliteStore(tmp_path / f"other-{n}.db"),
        )
    else:
        factory = StoreFactory(
            "sqlite-memory", False, lambda: SqliteStore(None), lambda n: SqliteStore(None)
        )
    yield factory
    factory.close_all()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory.open()
