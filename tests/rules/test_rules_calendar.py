"""R-102 working-day calendar: packaged schedules, arithmetic, YAML loading."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaozhi_sdk.errors import ConfigError, RuleViolationError
from gaozhi_sdk.models import CST
from gaozhi_sdk.models.enums import WindowUnit
from gaozhi_sdk.rules import (
    ChinaWorkingCalendar,
    WeekendCalendar,
    WorkingDayCalendar,
    add_months,
    default_calendar,
    roll_forward,
    window_end,
)

CAL = default_calendar()
DATES = st.dates(min_value=date(2024, 12, 1), max_value=date(2026, 12, 31))


def test_r102_packaged_calendar_covers_2025_and_2026() -> None:
    assert CAL.years == {2025, 2026}
    assert isinstance(CAL, WorkingDayCalendar)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-01", False),  # 元旦 (周三)
        ("2025-01-26", True),  # 春节调休上班 (周日)
        ("2025-01-28", False),  # 除夕
        ("2025-02-04", False),  # 正月初七
        ("2025-02-05", True),
        ("2025-02-08", True),  # 调休上班 (周六)
        ("2025-04-27", True),  # 劳动节调休 (周日)
        ("2025-05-05", False),
        ("2025-10-08", False),  # 国庆中秋第 8 天
        ("2025-10-11", True),  # 调休 (周六)
        ("2026-01-02", False),
        ("2026-01-04", True),  # 元旦调休 (周日)
        ("2026-02-23", False),  # 春节最后一天 (周一)
        ("2026-02-28", True),  # 调休 (周六)
        ("2026-05-09", True),
        ("2026-09-20", True),
        ("2026-10-07", False),
        ("2026-10-10", True),
        ("2026-03-07", False),  # ordinary Saturday
    ],
)
def test_r102_holidays_and_make_up_workdays(day: str, working: bool) -> None:
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_r102_make_up_workdays_are_weekend_days_in_the_data() -> None:
    # 调休上班日 in the notices are all Saturdays/Sundays; a typo would show up here.
    assert CAL.adjusted_workdays
    assert all(d.weekday() >= 5 for d in CAL.adjusted_workdays)


def test_r102_add_working_days_skips_spring_festival() -> None:
    # Accepted Monday 2025-01-27; 1st working day after is 2025-02-05 (holiday 01-28..02-04).
    assert CAL.add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    # Friday 2025-02-07 + 1 → Saturday 2025-02-08 (调休上班).
    assert CAL.add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 8)


def test_r102_datetime_keeps_time_and_zone() -> None:
    start = datetime(2026, 9, 30, 15, 30, tzinfo=CST)
    out = CAL.add_working_days(start, 1)
    assert out == datetime(2026, 10, 8, 15, 30, tzinfo=CST)


def test_r102_negative_working_days_rejected() -> None:
    with pytest.raises(RuleViolationError) as ei:
        CAL.add_working_days(date(2025, 3, 3), -1)
    assert ei.value.code == "GZ-RL-031"


@given(DATES, st.integers(min_value=0, max_value=120))
def test_r102_add_is_inverse_of_between(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(end, start) == -n


@given(DATES, st.integers(min_value=1, max_value=120))
def test_r102_add_lands_on_working_day(start: date, n: int) -> None:
    assert CAL.is_working_day(CAL.add_working_days(start, n))


@given(DATES, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_r102_add_is_monotonic(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add_working_days(start, lo) <= CAL.add_working_days(start, hi)


@given(DATES, DATES)
def test_r102_between_counts_working_days(a: date, b: date) -> None:
    lo, hi = sorted((a, b))
    expected = sum(
        1 for i in range(1, (hi - lo).days + 1) if CAL.is_working_day(lo + timedelta(days=i))
    )
    assert CAL.working_days_between(lo, hi) == expected


def test_r102_month_window_clamps_end_of_month_and_rolls_forward() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    # 2025-08-31 + 1 month = 2025-09-30 (Tuesday, working) — no roll.
    assert window_end(CAL, date(2025, 8, 31), 1, WindowUnit.MONTHS) == date(2025, 9, 30)
    # 2025-09-01 + 1 month = 2025-10-01 (国庆) → next working day 2025-10-09.
    assert window_end(CAL, date(2025, 9, 1), 1, WindowUnit.MONTHS) == date(2025, 10, 9)


def test_r102_calendar_day_window_rolls_to_next_working_day() -> None:
    # 2025-05-01 + 0.. : start 2025-04-25 + 8 days = 2025-05-03 (holiday) → 2025-05-06.
    assert window_end(CAL, date(2025, 4, 25), 8, WindowUnit.CALENDAR_DAYS) == date(2025, 5, 6)
    assert roll_forward(CAL, date(2025, 5, 6)) == date(2025, 5, 6)


def test_r102_uncovered_year_is_weekends_only_unless_strict(tmp_path: Path) -> None:
    assert CAL.is_working_day(date(2027, 1, 1)) == WeekendCalendar().is_working_day(
        date(2027, 1, 1)
    )
    strict = ChinaWorkingCalendar(CAL.holidays, CAL.adjusted_workdays, years=CAL.years, strict=True)
    with pytest.raises(ConfigError) as ei:
        strict.is_working_day(date(2027, 1, 4))
    assert ei.value.code == "GZ-CF-111"


def test_r102_from_yaml_and_merge_override_a_year(tmp_path: Path) -> None:
    f = tmp_path / "local.yaml"
    f.write_text(
        "years:\n"
        "  2027:\n"
        "    source: 示例地方日历\n"
        "    verified: false\n"
        "    holidays:\n"
        "      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
        "    workdays: [2027-01-09]\n",
        encoding="utf-8",
    )
    local = ChinaWorkingCalendar.from_yaml(f)
    merged = CAL.merge(local)
    assert merged.years == {2025, 2026, 2027}
    assert not merged.is_working_day(date(2027, 1, 1))
    assert merged.is_working_day(date(2027, 1, 9))  # Saturday made a workday
    assert not merged.is_working_day(date(2025, 1, 28))  # national data kept


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("years: [1, 2", "YAML"),
        ("years:\n  2027:\n    source: x\n    verified: true\n    holidayz: []\n", "holidayz"),
        (
            "years:\n  2027:\n    source: x\n    verified: true\n"
            "    holidays: [{name: a, from: 2027-01-03, to: 2027-01-01}]\n",
            "截止日早于起始日",
        ),
    ],
)
def test_r102_bad_calendar_file_is_config_error(tmp_path: Path, text: str, fragment: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        ChinaWorkingCalendar.from_yaml(f)
    assert ei.value.code == "GZ-CF-110"
    assert fragment in ei.value.message


def test_r102_date_both_holiday_and_workday_rejected() -> None:
    with pytest.raises(ConfigError):
        ChinaWorkingCalendar({date(2027, 1, 2)}, {date(2027, 1, 2)})
