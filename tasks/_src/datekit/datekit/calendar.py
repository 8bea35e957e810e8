"""Calendar arithmetic on the proleptic Gregorian calendar."""

from __future__ import annotations

import datetime as _dt

MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]

_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def is_leap_year(year: int) -> bool:
    """Gregorian rule: every 4th year, except centuries not divisible by 400."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, got {month}")
    if month == 2 and is_leap_year(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def month_from_name(name: str) -> int | None:
    """'Mar', 'march', 'MARCH' -> 3; None when the name is not a month."""
    name = name.lower().rstrip(".")
    if len(name) < 3:
        return None
    for index, full in enumerate(MONTH_NAMES, start=1):
        if full.startswith(name):
            return index
    return None


def add_months(day: _dt.date, months: int) -> _dt.date:
    """Shift a date by whole months, clamping the day to the end of the target month
    (Jan 31 + 1 month = Feb 28 or 29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, days_in_month(year, month)))


def add_years(day: _dt.date, years: int) -> _dt.date:
    return add_months(day, 12 * years)
