"""工作日历 — working-day arithmetic for administrative time limits (R-102).

Rules encoded here (DOMAIN §4.11):

* 《行政许可法》Art.82 [READ]: time limits of administrative licensing are counted in
  **工作日**, excluding statutory holidays. R-102 generalises this: every administrative
  time limit is in working days unless the rule itself says 日/月.
* A working day is Monday–Friday, except 法定节假日 (holidays), plus the 调休 make-up
  workdays announced each year by the State Council (a Saturday or Sunday that is worked).
* Counting starts on the day **after** the start (《民法典》Art.201 ¶1: 开始的当日不计入
  [RECALLED]): ``add_working_days(d, 1)`` is the first working day after ``d``.
* Calendar-day and month windows (``WindowUnit.CALENDAR_DAYS`` / ``MONTHS``): if the last
  day is not a working day the period ends on the next working day (《民法典》Art.203 ¶1,
  the same practice under 行政许可法 Art.82 [RECALLED]). Months are calendar months with an
  end-of-month clamp (1月31日 + 1 个月 = 2月28/29日).

The packaged schedule (``gaozhi_sdk/data/calendar_cn.yaml``) covers the years whose State
Council notices were checked (2025, 2026). Outside the covered years the calendar knows only
weekends; pass ``strict=True`` to make that an error (GZ-CF-111) instead.

Error codes: GZ-CF-110 (calendar file unreadable/invalid), GZ-CF-111 (year not covered,
strict mode only), GZ-RL-031 (negative working-day count).
"""

from __future__ import annotations

import calendar as _stdcal
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

import yaml
from pydantic import Field, ValidationError, model_validator

from gaozhi_sdk.errors import ConfigError, RuleViolationError
from gaozhi_sdk.models.enums import WindowUnit
from gaozhi_sdk.rules._base import RulesModel, errors_of, loc_path, pydantic_error_zh

__all__ = [
    "ChinaWorkingCalendar",
    "WeekendCalendar",
    "WorkingDayCalendar",
    "add_months",
    "default_calendar",
    "end_of_day",
    "roll_back",
    "roll_forward",
    "window_end",
]

D = TypeVar("D", bound=date)

#: Packaged calendar resource.
DEFAULT_CALENDAR_RESOURCE = "calendar_cn.yaml"


@runtime_checkable
class WorkingDayCalendar(Protocol):
    """What the rules need from a working-day calendar (R-102)."""

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day."""

    def add_working_days(self, start: D, n: int) -> D:
        """The ``n``-th working day after ``start`` (same time of day for datetimes)."""

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (negative when ``b < a``)."""


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def _with_date(original: D, new: date) -> D:
    """``new`` carrying ``original``'s time of day and tzinfo if it is a datetime."""
    if isinstance(original, datetime):
        return original.replace(year=new.year, month=new.month, day=new.day)
    return new  # type: ignore[return-value]


class _CalendarBase(ABC):
    """Shared arithmetic; subclasses implement :meth:`is_working_day`."""

    @abstractmethod
    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day."""

    def add_working_days(self, start: D, n: int) -> D:
        """The ``n``-th working day after ``start``; ``n == 0`` returns ``start`` unchanged.

        The start day itself is not counted (R-102). For a datetime the time of day and the
        timezone are kept; only the date moves.

        Raises:
            RuleViolationError: GZ-RL-031 if ``n`` is negative.
        """
        if n < 0:
            raise RuleViolationError(
                "GZ-RL-031", f"工作日数不能为负数: {n}", message_en="working days must be >= 0"
            )
        d = _as_date(start)
        left = n
        while left:
            d += timedelta(days=1)
            if self.is_working_day(d):
                left -= 1
        return _with_date(start, d)

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days ``d`` with ``a < d <= b``; ``-(count in (b, a])`` if ``b < a``.

        Inverse of :meth:`add_working_days`: ``working_days_between(s, add_working_days(s, n))
        == n`` for every ``n >= 0``.
        """
        da, db = _as_date(a), _as_date(b)
        if db < da:
            return -self.working_days_between(db, da)
        count = 0
        d = da
        while d < db:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count


class WeekendCalendar(_CalendarBase):
    """Monday–Friday only; no holidays. For tests and jurisdictions without a schedule."""

    def is_working_day(self, d: date) -> bool:
        """True on Monday–Friday."""
        return _as_date(d).weekday() < 5


class _HolidayRange(RulesModel):
    name: str = Field(min_length=1, description="节日名称")
    from_: date = Field(alias="from", description="放假起始日")
    to: date = Field(description="放假截止日 (含)")

    @model_validator(mode="after")
    def _order(self) -> _HolidayRange:
        if self.to < self.from_:
            raise ValueError(f"{self.name}: 截止日早于起始日")
        return self


class _YearSchedule(RulesModel):
    source: str = Field(min_length=1, description="放假安排通知")
    verified: bool = Field(description="是否已对照通知原文核对")
    holidays: tuple[_HolidayRange, ...] = Field(default=(), description="放假 (含调休)")
    workdays: tuple[date, ...] = Field(default=(), description="调休上班日")


class _CalendarFile(RulesModel):
    calendar: str = Field(default="CN", description="日历名称")
    years: dict[int, _YearSchedule] = Field(description="按年的放假安排")


class ChinaWorkingCalendar(_CalendarBase):
    """PRC working days: weekends off, statutory holidays off, 调休 make-up workdays on.

    Args:
        holidays: 放假日期 (any weekday; weekends inside a holiday range may be listed).
        adjusted_workdays: 调休上班日 (weekend days that are worked).
        years: calendar years whose schedule is known (used by ``strict`` and ``covers``).
        strict: raise ConfigError GZ-CF-111 for dates in years not in ``years``.
        sources: year → the notice the schedule comes from (documentation only).
    """

    def __init__(
        self,
        holidays: Iterable[date] = (),
        adjusted_workdays: Iterable[date] = (),
        *,
        years: Iterable[int] | None = None,
        strict: bool = False,
        sources: Mapping[int, str] | None = None,
    ) -> None:
        self.holidays: frozenset[date] = frozenset(holidays)
        self.adjusted_workdays: frozenset[date] = frozenset(adjusted_workdays)
        clash = self.holidays & self.adjusted_workdays
        if clash:
            raise ConfigError(
                "GZ-CF-110",
                f"同一日期既是放假日又是调休上班日: {sorted(clash)[0].isoformat()}",
                message_en="a date is both a holiday and a make-up workday",
            )
        if years is None:
            years = {d.year for d in self.holidays | self.adjusted_workdays}
        self.years: frozenset[int] = frozenset(years)
        self.strict = strict
        self.sources: dict[int, str] = dict(sources or {})

    def __repr__(self) -> str:
        return (
            f"ChinaWorkingCalendar(years={sorted(self.years)}, holidays={len(self.holidays)}, "
            f"adjusted_workdays={len(self.adjusted_workdays)}, strict={self.strict})"
        )

    def covers(self, d: date) -> bool:
        """True if the holiday schedule of ``d``'s year is known."""
        return _as_date(d).year in self.years

    def is_working_day(self, d: date) -> bool:
        """Weekday and not a holiday, or a 调休 make-up workday (R-102)."""
        day = _as_date(d)
        if self.strict and day.year not in self.years:
            raise ConfigError(
                "GZ-CF-111",
                f"工作日历未包含 {day.year} 年的放假安排",
                message_en=f"the working-day calendar has no schedule for {day.year}",
                details={"year": day.year},
            )
        if day in self.adjusted_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def merge(self, other: ChinaWorkingCalendar) -> ChinaWorkingCalendar:
        """A new calendar with both schedules; for a year present in both, ``other`` wins.

        This lets a region override or extend the packaged national schedule (e.g. add a
        new year, or a local working-day adjustment) without editing the packaged file.
        """
        keep_h = {d for d in self.holidays if d.year not in other.years}
        keep_w = {d for d in self.adjusted_workdays if d.year not in other.years}
        sources = {**self.sources, **other.sources}
        return ChinaWorkingCalendar(
            keep_h | other.holidays,
            keep_w | other.adjusted_workdays,
            years=self.years | other.years,
            strict=self.strict or other.strict,
            sources=sources,
        )

    @classmethod
    def from_mapping(cls, data: Any, *, strict: bool = False) -> ChinaWorkingCalendar:
        """Build from the parsed YAML structure (see ``data/calendar_cn.yaml``).

        Raises:
            ConfigError: GZ-CF-110 with the offending key path.
        """
        try:
            parsed = _CalendarFile.model_validate(data)
        except ValidationError as exc:
            err = errors_of(exc)[0]
            key = loc_path(err["loc"])
            raise ConfigError(
                "GZ-CF-110",
                f"工作日历配置无效: {key}: {pydantic_error_zh(err)}",
                message_en=f"invalid calendar data at {key}",
                details={"key": key},
            ) from None
        holidays: set[date] = set()
        workdays: set[date] = set()
        for sched in parsed.years.values():
            for rng in sched.holidays:
                d = rng.from_
                while d <= rng.to:
                    holidays.add(d)
                    d += timedelta(days=1)
            workdays.update(sched.workdays)
        return cls(
            holidays,
            workdays,
            years=parsed.years.keys(),
            strict=strict,
            sources={y: s.source for y, s in parsed.years.items()},
        )

    @classmethod
    def from_yaml(cls, path: str | Path, *, strict: bool = False) -> ChinaWorkingCalendar:
        """Load a calendar YAML file.

        Raises:
            ConfigError: GZ-CF-110 if the file cannot be read or parsed, or is invalid.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                "GZ-CF-110",
                f"无法读取工作日历文件: {path}: {exc.strerror}",
                message_en="cannot read calendar file",
            ) from None
        return cls.from_mapping(_load_yaml(text, str(path)), strict=strict)


def _load_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 1} 行" if mark is not None else "位置未知"
        raise ConfigError(
            "GZ-CF-110",
            f"工作日历文件 YAML 语法错误 ({where}, {line})",
            message_en="calendar YAML syntax error",
        ) from None


_DEFAULT: ChinaWorkingCalendar | None = None


def default_calendar() -> ChinaWorkingCalendar:
    """The packaged national calendar (``gaozhi_sdk/data/calendar_cn.yaml``), cached."""
    global _DEFAULT  # noqa: PLW0603
    if _DEFAULT is None:
        res = resources.files("gaozhi_sdk").joinpath("data", DEFAULT_CALENDAR_RESOURCE)
        _DEFAULT = ChinaWorkingCalendar.from_mapping(
            _load_yaml(res.read_text(encoding="utf-8"), DEFAULT_CALENDAR_RESOURCE)
        )
    return _DEFAULT


def add_months(d: D, n: int) -> D:
    """``d`` plus ``n`` calendar months, clamped to the month's last day (n may be negative)."""
    day = _as_date(d)
    months = day.year * 12 + (day.month - 1) + n
    year, month = divmod(months, 12)
    month += 1
    last = _stdcal.monthrange(year, month)[1]
    return _with_date(d, date(year, month, min(day.day, last)))


def roll_forward(cal: WorkingDayCalendar, d: D) -> D:
    """``d`` if it is a working day, else the next working day (R-102, 民法典 Art.203)."""
    day = _as_date(d)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return _with_date(d, day)


def roll_back(cal: WorkingDayCalendar, d: D) -> D:
    """``d`` if it is a working day, else the previous working day (for caps)."""
    day = _as_date(d)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return _with_date(d, day)


def window_end(cal: WorkingDayCalendar, start: D, amount: int, unit: WindowUnit) -> D:
    """Last day of a window of ``amount`` ``unit`` starting at ``start``.

    * ``WORKING_DAYS`` — the ``amount``-th working day after ``start`` (R-102);
    * ``CALENDAR_DAYS`` — ``start + amount`` days, moved to the next working day if needed;
    * ``MONTHS`` — calendar months with end-of-month clamp, moved to the next working day.
    """
    if unit is WindowUnit.WORKING_DAYS:
        return cal.add_working_days(start, amount)
    if unit is WindowUnit.CALENDAR_DAYS:
        return roll_forward(cal, start + timedelta(days=amount))
    return roll_forward(cal, add_months(start, amount))


def end_of_day(d: datetime) -> datetime:
    """The last second of ``d``'s day in ``d``'s timezone (期间最后一日截止到二十四时)."""
    return datetime.combine(d.date(), time(23, 59, 59), tzinfo=d.tzinfo)
