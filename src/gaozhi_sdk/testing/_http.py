"""The loopback HTTP server the test services share (local TSA, event CA, data-sharing
emulator), and the start/stop plumbing of a service served by it.

A client that goes away mid-answer (Ctrl-C in ``gaozhi demo``, a timed-out request) is
normal for these servers: :class:`LoopbackHTTPServer` drops such connections quietly
instead of printing a thread traceback on stderr; any other handler error is logged as
one warning line.
"""

from __future__ import annotations

import logging
import sys
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

__all__ = ["LoopbackHTTPServer", "LoopbackService"]

log = logging.getLogger(__name__)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with daemon threads and quiet client disconnects."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away: nothing to report
        log.warning("HTTP 请求处理出错 (%s): %s: %s", client_address, type(exc).__name__, exc)


class LoopbackService(ABC):
    """Serving on 127.0.0.1 in a daemon thread: ``start()`` (the subclass builds its handler
    and calls :meth:`_serve`), an idempotent :meth:`stop`, and use as a context manager."""

    _server: LoopbackHTTPServer | None = None
    _thread: threading.Thread | None = None

    @abstractmethod
    def start(self) -> str:
        """Serve (idempotent) and return the base URL."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self._server = LoopbackHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the HTTP server (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = None
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
