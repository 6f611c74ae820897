"""The worker pool every request hop runs in (``gaozhi_sdk.server.workers``)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from typing import Any

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


class HeldWork:
    """Work that starts, then waits until released; what happened goes to ``log``."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.log: list[str] = []

    def __call__(self) -> None:
        self.started.set()
        self.release.wait(5)
        self.log.append("work done")


@pytest.mark.parametrize("cancels", [1, 3])
def test_started_work_outlives_repeated_cancellation(cancels: int) -> None:
    pool = WorkerPool(1)
    work = HeldWork()
    log = work.log

    async def main() -> None:
        task = asyncio.create_task(pool.run(work))
        while not work.started.is_set():
            await asyncio.sleep(0.001)
        for _ in range(cancels):
            task.cancel()
            await asyncio.sleep(0.01)
        log.append(f"request done before its work: {task.done()}")
        work.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        log.append("request done")

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert log == ["request done before its work: False", "work done", "request done"]


def test_started_work_outlives_an_anyio_cancel_scope() -> None:
    import anyio

    pool = WorkerPool(1)
    work = HeldWork()
    log = work.log

    async def main() -> None:
        async with anyio.create_task_group() as tg:

            async def request() -> None:
                with anyio.CancelScope() as scope:
                    scopes.append(scope)
                    await pool.run(work)
                log.append("scope exited")

            scopes: list[anyio.CancelScope] = []
            tg.start_soon(request)
            while not work.started.is_set():
                await anyio.sleep(0.001)
            scopes[0].cancel()  # anyio re-delivers the cancellation at every await
            await anyio.sleep(0.05)
            work.release.set()

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert log == ["work done", "scope exited"]


def test_work_cancelled_while_queued_never_runs() -> None:
    pool = WorkerPool(1)
    ran: list[str] = []

    async def main() -> None:
        gate = threading.Event()
        first = asyncio.create_task(pool.run(gate.wait, 5))
        await asyncio.sleep(0.01)
        queued = asyncio.create_task(pool.run(lambda: ran.append("ran")))
        await asyncio.sleep(0.01)
        queued.cancel()
        await asyncio.sleep(0.01)
        gate.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await queued

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert ran == []


def test_every_route_of_the_service_runs_its_work_in_the_pool(tmp_path: Any) -> None:
    """No endpoint — API or browser page — is an ``async def`` doing its store, signing or
    identity-provider work on the event loop (one slow call would stall every request of
    the process): each is a plain function the route runs in the worker pool; only reading
    the request body is awaited (``web.pages.raw_body``)."""
    import inspect

    from fastapi.routing import APIRoute

    from gaozhi_sdk.server.app import create_app
    from gaozhi_sdk.server.config import load_config
    from gaozhi_sdk.testing.pki import TestPKI
    from gaozhi_sdk.testing.server import ServedService

    served = ServedService(
        tmp_path / "svc",
        TestPKI.create(),
        web={"list_id": "SZ-411222-GZCN-2025", "platform_credential": "platform"},
    )
    served.prepare()
    app = create_app(served.db_url, load_config(served.workdir / "service.yaml"), dev=True)
    routes = [r for r in app.app.routes if isinstance(r, APIRoute)]
    assert any(r.path.startswith("/apply/") for r in routes)  # the pages are mounted
    on_loop = [
        r.path
        for r in routes
        if not inspect.isfunction(getattr(r.endpoint, "__wrapped__", None))  # not OneHopRoute's
    ]
    assert on_loop == []
