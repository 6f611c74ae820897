"""Single-flight token and secret refresh (TRANSPORT §2.2 anti-pattern: a global token
cache refreshed without a lock gives a thundering herd on expiry).

:class:`TokenCache` serialises refresh: when 32 threads find the token expired at once,
exactly one fetches; the others wait and reuse it. ``invalidate(stale)`` only drops the
token the caller actually used, so a burst of ``TOKEN_EXPIRED`` answers causes one refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TokenCache", "TwoSecretRefresher"]

#: ``fetch()`` returns ``(token, ttl_seconds)``.
Fetch = Callable[[], tuple[str, float]]


class TokenCache:
    """A cached credential refreshed single-flight ``margin_s`` (at most 10 % of the
    lifetime) before its expiry."""

    def __init__(
        self, fetch: Fetch, *, margin_s: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self.margin_s = margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.refreshes = 0

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires

    def get(self) -> str:
        """The current token, fetching a new one (once, for all waiting threads) if needed."""
        token = self._token
        if token is not None and self._valid():
            return token
        with self._lock:
            if self._token is not None and self._valid():
                return self._token
            value, ttl = self._fetch()
            self.refreshes += 1
            early = min(self.margin_s, float(ttl) * 0.1)  # refresh a little before expiry
            self._token, self._expires = value, self._clock() + float(ttl) - early
            return value

    def invalidate(self, stale: str) -> None:
        """Drop ``stale`` if it is still current (the server said it expired)."""
        with self._lock:
            if self._token == stale:
                self._token = None


@dataclass
class TwoSecretRefresher:
    """Zhejiang-IRS-style two-secret flow as a :class:`TokenCache` fetch function.

    ``by_key()`` (signed with the app secret) returns ``(refresh_secret, refresh_ttl,
    request_secret, request_ttl)``; ``by_secret(refresh_secret)`` returns
    ``(request_secret, request_ttl)``. The long-lived refresh secret is used until it
    expires, then the app secret fetches both again.
    """

    by_key: Callable[[], tuple[str, float, str, float]]
    by_secret: Callable[[str], tuple[str, float]]
    clock: Callable[[], float] = time.monotonic
    _refresh: str | None = None
    _refresh_expires: float = 0.0
    key_fetches: int = 0
    secret_fetches: int = 0

    def __call__(self) -> tuple[str, float]:
        """Fetch a fresh request secret (call under the TokenCache lock)."""
        if self._refresh is None or self.clock() >= self._refresh_expires:
            refresh, refresh_ttl, request, request_ttl = self.by_key()
            self.key_fetches += 1
            self._refresh, self._refresh_expires = refresh, self.clock() + refresh_ttl
            return request, request_ttl
        self.secret_fetches += 1
        return self.by_secret(self._refresh)
