"""Circuit breaker, client rate limiter, retry budget and backoff (TRANSPORT §3.4).

All take an injectable monotonic clock so tests are deterministic; all are thread-safe.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from enum import StrEnum

__all__ = ["BreakerState", "CircuitBreaker", "RateLimiter", "RetryBudget", "backoff_delay"]

Clock = Callable[[], float]


class BreakerState(StrEnum):
    """States of :class:`CircuitBreaker`."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``fail_max`` consecutive transient failures; after ``reset_timeout_s``
    lets exactly one half-open probe through; closes on its success, re-opens on failure.

    Business answers (NOT_FOUND, MISMATCH, REJECTED …) count as successes: the endpoint
    is up (TRANSPORT §3.4).
    """

    def __init__(
        self, fail_max: int = 5, reset_timeout_s: float = 30.0, *, clock: Clock = time.monotonic
    ) -> None:
        self.fail_max = fail_max
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False
        self.transitions: list[BreakerState] = []

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker past its timeout reads as half-open)."""
        with self._lock:
            if (
                self._state is BreakerState.OPEN
                and self._clock() - self._opened_at >= self.reset_timeout_s
            ):
                return BreakerState.HALF_OPEN
            return self._state

    def _set(self, state: BreakerState) -> None:
        self._state = state
        self.transitions.append(state)

    def allow(self) -> bool:
        """May a call go out now? Half-open admits a single probe."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if self._clock() - self._opened_at < self.reset_timeout_s:
                    return False
                self._set(BreakerState.HALF_OPEN)
                self._probe_out = False
            if self._probe_out:
                return False
            self._probe_out = True
            return True

    def record_success(self) -> None:
        """The endpoint answered (any definitive answer)."""
        with self._lock:
            self._failures = 0
            self._probe_out = False
            if self._state is not BreakerState.CLOSED:
                self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """A transient technical failure (timeout, reset, 5xx, malformed body)."""
        with self._lock:
            self._failures += 1
            self._probe_out = False
            if self._state is BreakerState.HALF_OPEN or (
                self._state is BreakerState.CLOSED and self._failures >= self.fail_max
            ):
                self._opened_at = self._clock()
                self._set(BreakerState.OPEN)


class RateLimiter:
    """Token bucket: ``rate`` requests per second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int = 1, *, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; returns the seconds the caller must wait before sending (≥ 0)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def cancel(self) -> None:
        """Give back a token reserved by a caller that will not send."""
        with self._lock:
            self._tokens = min(float(self.burst), self._tokens + 1.0)


class RetryBudget:
    """botocore-style retry quota: a retry costs ``retry_cost`` (``timeout_cost`` after a
    timeout); a first-try success refunds ``refund``. Empty ⇒ no more retries."""

    def __init__(
        self, capacity: int = 500, retry_cost: int = 5, timeout_cost: int = 10, refund: int = 1
    ) -> None:
        self.capacity = capacity
        self.retry_cost = retry_cost
        self.timeout_cost = timeout_cost
        self.refund = refund
        self._level = capacity
        self._lock = threading.Lock()

    @property
    def level(self) -> int:
        """Tokens left."""
        return self._level

    def try_acquire(self, *, timeout: bool = False) -> bool:
        """Pay for one retry; False when the budget is spent."""
        cost = self.timeout_cost if timeout else self.retry_cost
        with self._lock:
            if self._level < cost:
                return False
            self._level -= cost
            return True

    def on_success(self) -> None:
        """A call succeeded without retrying."""
        with self._lock:
            self._level = min(self.capacity, self._level + self.refund)


def backoff_delay(
    attempt: int,
    *,
    base_s: float = 0.1,
    cap_s: float = 2.0,
    rng: random.Random | None = None,
    retry_after_s: float | None = None,
) -> float:
    """Exponential backoff with jitter (50–100 %), never shorter than Retry-After."""
    r: random.Random = rng or random.Random()
    d: float = min(cap_s, base_s * float(2 ** max(0, attempt - 1)))
    d = d * (0.5 + 0.5 * r.random())
    if retry_after_s is not None:
        d = max(d, retry_after_s)
    return d
