"""Store.prune_expired: only ephemeral kinds (HTTP nonces, idempotency records, web
sessions and login nonces) are ever
deleted, by age, in bounded batches — on SQLite (file and memory) and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.models import CST
from gaozhi_sdk.store.base import EPHEMERAL_KINDS, Store


def _put(store: Store, kind: str, ids: list[str]) -> None:
    with store.transaction() as tx:
        for i in ids:
            tx.put(kind, i, {"at": 1}, state="SEEN", expected_version=None)


def test_prune_deletes_only_old_ephemeral_records_in_batches(store: Store) -> None:
    # the HTTP caches, and the browser pages' sessions and login nonces (server.web)
    assert {"http_nonce", "http_idempotency", "web_session", "web_login_nonce"} == EPHEMERAL_KINDS
    _put(store, "http_nonce", ["n1", "n2", "n3"])
    _put(store, "http_idempotency", ["k1"])
    _put(store, "case", ["c1"])
    now = datetime.now(CST)
    # written now: a cut-off in the past removes nothing
    assert store.prune_expired("http_nonce", updated_before=now - timedelta(seconds=5)) == 0
    later = now + timedelta(seconds=5)
    assert store.prune_expired("http_nonce", updated_before=later, limit=2) == 2
    assert store.prune_expired("http_nonce", updated_before=later, limit=2) == 1
    assert store.prune_expired("http_nonce", updated_before=later, limit=2) == 0
    assert store.count("http_nonce") == 0
    assert store.count("http_idempotency") == 1  # another kind: untouched
    assert store.get("case", "c1") is not None


@pytest.mark.parametrize("kind", ["case", "journal", "pledge", "http_nonce_x"])
def test_prune_refuses_domain_kinds(store: Store, kind: str) -> None:
    _put(store, "case", ["c1"])
    with pytest.raises(StoreError) as info:
        store.prune_expired(kind, updated_before=datetime.now(CST) + timedelta(days=1))
    assert info.value.code == "GZ-ST-010"
    assert store.get("case", "c1") is not None


def test_prune_refuses_naive_cutoff_and_bad_limits(store: Store) -> None:
    for kwargs in (
        {"updated_before": datetime.now()},
        {"updated_before": datetime.now(CST), "limit": 0},
        {"updated_before": datetime.now(CST), "limit": True},
    ):
        with pytest.raises(StoreError) as info:
            store.prune_expired("http_nonce", **kwargs)  # type: ignore[arg-type]
        assert info.value.code == "GZ-ST-010"
