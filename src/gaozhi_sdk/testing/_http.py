"""The loopback HTTP server the test services share (local TSA, data-sharing emulator).

A client that goes away mid-answer (Ctrl-C in ``gaozhi demo``, a timed-out request) is
normal for these servers: :class:`LoopbackHTTPServer` drops such connections quietly
instead of printing a thread traceback on stderr; any other handler error is logged as
one warning line.
"""

from __future__ import annotations

import logging
import sys
from http.server import ThreadingHTTPServer
from typing import Any

__all__ = ["LoopbackHTTPServer"]

log = logging.getLogger(__name__)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with daemon threads and quiet client disconnects."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away: nothing to report
        log.warning("HTTP 请求处理出错 (%s): %s: %s", client_address, type(exc).__name__, exc)
