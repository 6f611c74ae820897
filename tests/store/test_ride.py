"""Writes riding along with an operation's transaction (``gaozhi_sdk.store.ride``): the
gateway's nonce, journaled assertion and Idempotency-Key claim board the *first durable*
transaction of the store in the request's context — never a ``durable=False`` one, whose
commit may be lost on power failure (issue 13, DESIGN §10)."""

from __future__ import annotations

from typing import Any

from gaozhi_sdk.store.base import Store
from gaozhi_sdk.store.ride import RideAlong, riding


def _ride(store: Store) -> RideAlong:
    def writes(tx: Any) -> None:
        tx.put("nonce", "N-1", {"at": 1}, state="SEEN", expected_version=None)

    return RideAlong(store, writes)


def test_ride_boards_the_first_durable_transaction_only(store: Store) -> None:
    ride = _ride(store)
    with riding(ride):
        with store.transaction(durable=False) as tx:  # e.g. a stored response
            tx.put("case", "C-1", {}, state="DRAFT", expected_version=None)
        assert not ride.committed and store.get("nonce", "N-1") is None
        with store.transaction() as tx:  # the operation's own
            tx.put("case", "C-2", {}, state="DRAFT", expected_version=None)
        assert ride.committed and store.get("nonce", "N-1") is not None
        with store.transaction() as tx:  # later ones carry nothing more
            tx.put("case", "C-3", {}, state="DRAFT", expected_version=None)
    nonce = store.get("nonce", "N-1")
    assert nonce is not None and nonce.version == 1
