"""Writes that commit with the first transaction of a unit of work — or not at all.

The HTTP service admits a request by recording its nonce, journaling the platform's
applicant assertion and claiming its idempotency key. Committing those on their own
would cost a durable commit per request; instead they *ride along*: the gateway sets a
:class:`RideAlong` for the request (a context variable, so it reaches the worker thread
that runs the route), and the first ``store.transaction()`` of that store in the request
applies the writes right after ``BEGIN``. They commit atomically with the operation —
the operation is done exactly when its nonce is spent and its idempotency key claimed —
or roll back with it, and then the next transaction of the request (a journaled
refusal, or the gateway's own) carries them.

A write that conflicts (the nonce or key is already recorded: a replay, or a retry
racing its first attempt) raises :class:`RideConflict` — deliberately no
:class:`~gaozhi_sdk.errors.GaozhiError`, so the service does not journal the operation as
refused — and later transactions of the request refuse to start; the gateway answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from gaozhi_sdk.errors import GaozhiError

__all__ = ["RideAlong", "RideConflict", "board", "landed", "riding"]


class RideConflict(Exception):
    """A ride-along write conflicted with a record already stored."""

    def __init__(self, cause: GaozhiError) -> None:
        super().__init__(cause.code)
        self.cause = cause


class RideAlong:
    """Writes (``writes(tx)``) for the first transaction of ``store`` in this context."""

    def __init__(self, store: Any, writes: Callable[[Any], None]) -> None:
        self.store = store
        self.writes = writes
        self.committed = False
        self.conflict: RideConflict | None = None
        self._aboard = False

    def apply(self, tx: Any) -> None:
        """Apply the writes in ``tx`` (the owner's own transaction); conflicts raise
        :class:`RideConflict`."""
        try:
            self.writes(tx)
        except GaozhiError as err:
            if err.code != "GZ-ST-409":
                raise
            self.conflict = RideConflict(err)
            raise self.conflict from err


_RIDE: ContextVar[RideAlong | None] = ContextVar("gaozhi_ride_along", default=None)


@contextmanager
def riding(ride: RideAlong) -> Iterator[RideAlong]:
    """Let ``ride`` board the first transaction opened in this context."""
    token = _RIDE.set(ride)
    try:
        yield ride
    finally:
        _RIDE.reset(token)


def board(store: Any, tx: Any, *, durable: bool = True) -> RideAlong | None:
    """Called by a store right after ``BEGIN``: apply the pending ride-along writes — only
    to a durable transaction (the nonce, the journaled assertion and the key's claim must
    survive a power failure; a ``durable=False`` one leaves them for the next)."""
    ride = _RIDE.get()
    if ride is None or not durable or ride.store is not store or ride.committed or ride._aboard:
        return None
    if ride.conflict is not None:
        raise ride.conflict
    ride._aboard = True
    try:
        ride.apply(tx)
    except BaseException:
        ride._aboard = False
        raise
    return ride


def landed(ride: RideAlong | None, committed: bool) -> None:
    """Called by a store when the transaction ``ride`` boarded has ended."""
    if ride is not None:
        ride._aboard = False
        ride.committed = ride.committed or committed
