"""模拟时钟 — a settable clock for running a case at a simulated date.

:class:`SimulatedClock` is a plain callable returning an aware :class:`~datetime.datetime`,
so it fits every place the SDK takes a clock::

    clock = SimulatedClock("2026-03-02T09:00:00+08:00")
    pki = TestPKI.create(clock=clock)           # certificates valid around the clock's time
    svc = PledgeService.open("sqlite://", clock=clock, ...)
    clock.advance(days=30)                      # the service, its deadlines and the PKI move
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gaozhi_sdk.errors import ConfigError

__all__ = ["SimulatedClock"]

#: China Standard Time, the zone a naive start time is read in.
_CST = timezone(timedelta(hours=8), "CST")


class SimulatedClock:
    """A clock that only moves when told to (tests, simulations, demos).

    Args:
        start: the initial time — an aware :class:`~datetime.datetime`, an ISO 8601 string, or a
            naive value read as China Standard Time (UTC+8). Default: the real time now.

    Calling the clock returns its current time; :meth:`advance` moves it forward and
    :meth:`set` jumps to a given time. Time never moves by itself, so two calls with
    nothing in between return the same value.
    """

    def __init__(self, start: datetime | str | None = None) -> None:
        self._now = _aware(start) if start is not None else datetime.now(_CST)

    def __call__(self) -> datetime:
        return self._now

    def now(self) -> datetime:
        """The current simulated time (same as calling the clock)."""
        return self._now

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the clock forward by ``delta`` and/or the keyword amounts; return the new time.

        Raises:
            ConfigError: ``GZ-CF-040`` for a negative amount (use :meth:`set` to go back).
        """
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        if step < timedelta():
            raise ConfigError(
                "GZ-CF-040",
                f"模拟时钟只能向前推进 (收到 {step})",
                message_en=f"a simulated clock only advances forward (got {step})",
            )
        self._now += step
        return self._now

    def set(self, when: datetime | str) -> datetime:
        """Jump to ``when`` (aware datetime or ISO 8601 string; naive means UTC+8)."""
        self._now = _aware(when)
        return self._now

    def __repr__(self) -> str:
        return f"SimulatedClock({self._now.isoformat()!r})"


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                "GZ-CF-041",
                f"模拟时钟的时间不是 ISO 8601 格式: {value!r}",
                message_en=f"not an ISO 8601 time: {value!r}",
            ) from None
    if not isinstance(value, datetime):
        raise ConfigError(
            "GZ-CF-041",
            f"模拟时钟的时间须为 datetime 或 ISO 8601 字符串: {value!r}",
            message_en=f"expected a datetime or an ISO 8601 string, got {type(value).__name__}",
        )
    return value if value.tzinfo is not None else value.replace(tzinfo=_CST)
