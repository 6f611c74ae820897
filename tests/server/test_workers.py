"""The worker pool every request hop runs in (``gaozhi_sdk.server.workers``)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from gaozhi_sdk.server.workers import WorkerPool, current_pool, using_pool

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def test_work_runs_in_a_worker_thread_with_the_callers_context() -> None:
    pool = WorkerPool(2)

    async def main() -> tuple[str, int]:
        VAR.set("request-1")
        with using_pool(pool):
            assert current_pool() is pool
            return await pool.run(lambda: (VAR.get(), threading.get_ident()))

    try:
        seen, ident = asyncio.run(main())
    finally:
        pool.shutdown()
    assert seen == "request-1" and ident != threading.get_ident()
    assert current_pool() is None


def test_at_most_threads_calls_run_at_once() -> None:
    pool = WorkerPool(2)
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(pool.run(work) for _ in range(8)))

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert peak == 2


def test_a_cancelled_request_waits_for_its_started_work() -> None:
    """Started work is never abandoned: the cancellation takes effect when it is done."""
    pool = WorkerPool(1)
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def work() -> None:
        started.set()
        release.wait(5)
        finished.append(True)

    async def main() -> None:
        task = asyncio.create_task(pool.run(work))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        await asyncio.sleep(0.02)
        assert not task.done()  # still waiting for the thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished == [True]

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
