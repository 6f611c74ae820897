"""Breaker, limiter, retry budget and backoff with an injected clock (TRANSPORT §3.4)."""

from __future__ import annotations

import random

from gaozhi_sdk.sharing import BreakerState, CircuitBreaker, RateLimiter, RetryBudget
from gaozhi_sdk.sharing.resilience import backoff_delay
from gaozhi_sdk.sharing.tokens import TokenCache, TwoSecretRefresher


def _state(b: CircuitBreaker) -> BreakerState:
    return b.state  # through a call: mypy must not narrow the property


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_breaker_opens_half_opens_with_one_probe_and_closes() -> None:
    clock = FakeClock()
    b = CircuitBreaker(fail_max=3, reset_timeout_s=10, clock=clock)
    for _ in range(3):
        assert b.allow()
        b.record_failure()
    assert _state(b) == BreakerState.OPEN and not b.allow()
    clock.t = 9.9
    assert not b.allow()
    clock.t = 10.0
    assert _state(b) == BreakerState.HALF_OPEN
    assert b.allow() and not b.allow()  # exactly one probe
    b.record_failure()
    assert _state(b) is BreakerState.OPEN
    clock.t = 20.0
    assert b.allow()
    b.record_success()
    assert _state(b) is BreakerState.CLOSED and b.allow()
    assert b.transitions == [
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.CLOSED,
    ]


def test_breaker_success_resets_consecutive_count() -> None:
    b = CircuitBreaker(fail_max=2, clock=FakeClock())
    b.record_failure()
    b.record_success()
    b.record_failure()
    assert _state(b) is BreakerState.CLOSED


def test_rate_limiter_spaces_requests_after_burst() -> None:
    clock = FakeClock()
    lim = RateLimiter(rate=10, burst=2, clock=clock)
    assert lim.reserve() == 0 and lim.reserve() == 0
    assert abs(lim.reserve() - 0.1) < 1e-9
    clock.t = 1.0
    assert lim.reserve() == 0


def test_retry_budget_drains_and_refunds() -> None:
    b = RetryBudget(capacity=12, retry_cost=5, timeout_cost=10)
    assert b.try_acquire() and b.try_acquire() and not b.try_acquire()
    b.on_success()
    assert b.level == 3


def test_backoff_never_shorter_than_retry_after_and_capped() -> None:
    rng = random.Random(1)
    for n in range(1, 10):
        d = backoff_delay(n, base_s=0.1, cap_s=1.0, rng=rng)
        assert 0.05 <= d <= 1.0
    assert backoff_delay(1, rng=rng, retry_after_s=3.0) == 3.0


def test_two_secret_refresher_uses_refresh_secret_until_it_expires() -> None:
    clock = FakeClock()
    r = TwoSecretRefresher(
        by_key=lambda: ("RF", 100.0, "RQ1", 10.0),
        by_secret=lambda rf: (f"RQ-{rf}", 10.0),
        clock=clock,
    )
    cache = TokenCache(r, clock=clock)
    assert cache.get() == "RQ1"
    clock.t = 11
    assert cache.get() == "RQ-RF"
    clock.t = 101
    assert cache.get() == "RQ1"
    assert (r.key_fetches, r.secret_fetches, cache.refreshes) == (2, 1, 3)
