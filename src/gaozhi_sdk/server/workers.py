"""The worker threads that run a request's blocking work (store, signatures, documents).

Each request of ``gaozhi serve`` hops from the event loop to a worker thread a few times
(the gateway's admission, the route's operation, the stored response). One
:class:`WorkerPool` per process runs all of them: at most ``worker_threads`` requests
touch the store at once — the others wait here, never for a pool connection — and a hop
is the event loop's own executor round trip (about half the cost of
``anyio.to_thread.run_sync`` under uvloop; ``bench/server.py``).

The caller's context variables travel with the work (the gateway's ride-along writes reach
the store, :mod:`gaozhi_sdk.store.ride`). Work that has started is never abandoned: a
cancelled request waits for its thread to finish (see :meth:`WorkerPool.run`), so the
gateway never reads a request's outcome while its transaction may still commit.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["WorkerPool", "current_pool", "using_pool"]

T = TypeVar("T")

_POOL: contextvars.ContextVar[WorkerPool | None] = contextvars.ContextVar(
    "gaozhi_worker_pool", default=None
)


class WorkerPool:
    """``threads`` worker threads; :meth:`run` awaits one call in one of them."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gaozhi")

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        """``fn(*args)`` in a worker thread, in a copy of the caller's context.

        Cancelled while still queued, the call is dropped (nothing ran). Cancelled once
        started — once or repeatedly, natively or through an anyio cancel scope — it is
        waited for to the end before the cancellation takes effect: a request never ends
        while its operation is still running in a thread."""
        job = self._executor.submit(contextvars.copy_context().run, fn, *args)
        future = asyncio.wrap_future(job)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if job.cancel():  # still queued: it will never run
                raise
            while not future.done():
                try:
                    await asyncio.wait([future])
                except asyncio.CancelledError:
                    continue  # cancelled again: still wait for the started work
            raise

    def shutdown(self) -> None:
        """Finish the queued work and stop the threads."""
        self._executor.shutdown(wait=True)


def current_pool() -> WorkerPool | None:
    """The pool of the request being handled (set by the gateway), if any."""
    return _POOL.get()


@contextmanager
def using_pool(pool: WorkerPool) -> Iterator[None]:
    """Within the block, :func:`current_pool` is ``pool`` (the gateway's request scope)."""
    token = _POOL.set(pool)
    try:
        yield
    finally:
        _POOL.reset(token)
