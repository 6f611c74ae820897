"""Retention of the HTTP service's caches: request nonces and ``Idempotency-Key`` responses.

Both live in the service's store (shared by every worker and instance) as
:data:`~gaozhi_sdk.store.base.EPHEMERAL_KINDS` records and would grow without bound, so
each worker process prunes them by age every ``prune_interval_s`` seconds, after a
response has been sent (the caller never waits for it), in batches of short transactions:

* **nonces** are kept ``2 × hmac_max_skew_s + NONCE_MARGIN_S``. Why that is safe while
  pruning runs on several instances: a nonce was first accepted at ``t1`` for a request
  stamped ``ts`` with ``|t1 − ts| ≤ W`` (the window), and the record is deleted only after
  ``t1 + 2W + M``. A replay that finds the record gone therefore writes it after that
  moment, and :class:`~gaozhi_sdk.server.auth.Authenticator` checks the timestamp again
  *after* writing the nonce: ``now − ts > W + M`` — refused. ``M`` covers clock
  differences between instances (and the stores' whole-second ``updated_at``).
* **idempotency records** are kept ``idempotency_retention_s`` (default 24 h); a retry
  with the same key after that runs as a new request. A record still ``RUNNING`` is never
  that old (its lease is :data:`~gaozhi_sdk.server.gateway.RUNNING_LEASE_S`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.models import CST
from gaozhi_sdk.store.base import Store

__all__ = ["IDEMPOTENCY_KIND", "NONCE_KIND", "NONCE_MARGIN_S", "Retention"]

log = logging.getLogger("gaozhi_sdk.server")

NONCE_KIND = "http_nonce"
IDEMPOTENCY_KIND = "http_idempotency"
#: clock difference between instances (and whole-second ``updated_at``) a nonce survives
NONCE_MARGIN_S = 60
_BATCH = 1000
_MAX_BATCHES = 20


class Retention:
    """Age-based pruning of one store's nonces and idempotency records (see module)."""

    def __init__(
        self,
        store: Store,
        *,
        hmac_max_skew_s: int,
        idempotency_retention_s: int,
        interval_s: float,
        clock: Callable[[], float] = time.time,
        more: Mapping[str, int] | None = None,
    ) -> None:
        self.store = store
        self.keep = {
            NONCE_KIND: 2 * hmac_max_skew_s + NONCE_MARGIN_S,
            IDEMPOTENCY_KIND: idempotency_retention_s,
            **(more or {}),  # e.g. the browser pages' sessions (gaozhi_sdk.server.web)
        }
        self.interval_s = interval_s
        self._clock = clock
        self._next = clock() + interval_s
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True once per interval (the caller that sees it runs :meth:`prune`)."""
        with self._lock:
            now = self._clock()
            if now < self._next:
                return False
            self._next = now + self.interval_s
            return True

    def prune(self) -> dict[str, int]:
        """Delete what is past its retention now; returns how many records per kind."""
        removed: dict[str, int] = {}
        for kind, keep in self.keep.items():
            cutoff = datetime.fromtimestamp(self._clock() - keep, CST)
            removed[kind] = 0
            for _ in range(_MAX_BATCHES):
                n = self.store.prune_expired(kind, updated_before=cutoff, limit=_BATCH)
                removed[kind] += n
                if n < _BATCH:
                    break
        return removed

    def prune_quietly(self) -> None:
        """:meth:`prune` for the request path: a store problem is logged, never raised (the
        next interval tries again)."""
        try:
            removed = self.prune()
        except GaozhiError as exc:
            log.warning("pruning nonces/idempotency records failed: %s", exc.code)
            return
        if any(removed.values()):
            log.info("pruned %s", removed)
