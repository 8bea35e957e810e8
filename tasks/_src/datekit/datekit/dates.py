"""parse_date: ISO, numeric, written-out and relative dates."""

from __future__ import annotations

import datetime as _dt
import re

from datekit.calendar import days_in_month, month_from_name
from datekit.errors import ParseError
from datekit.relative import parse_relative

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
_WORDS_MDY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_WORDS_DMY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")


def parse_date(text: str, *, dayfirst: bool = False, today: _dt.date | None = None) -> _dt.date:
    """Parse a calendar date.

    Formats: '2024-03-01', '20240301', '03/01/2024' (month first unless `dayfirst`),
    '01.03.2024', 'March 1, 2024', '1st Mar 2024', and relative forms
    ('today', 'yesterday', '3 days ago', 'in 2 weeks', 'next month') counted from `today`.
    Two-digit years are 2000-2068 for 00-68 and 1969-1999 for 69-99.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_date() expects str, got {type(text).__name__}")
    raw = text
    text = " ".join(text.strip().lower().split())
    if not text:
        raise ParseError("empty date", raw)

    relative = parse_relative(text, today or _dt.date.today())
    if relative is not None:
        return relative

    if match := _ISO.match(text) or _COMPACT.match(text):
        year, month, day = (int(g) for g in match.groups())
        return _build(year, month, day, raw)
    if match := _NUMERIC.match(text):
        first, second, year = match.groups()
        month, day = (int(second), int(first)) if dayfirst else (int(first), int(second))
        return _build(_expand_year(year), month, day, raw)
    if match := _WORDS_MDY.match(text):
        name, day, year = match.groups()
        return _build(int(year), _month(name, raw), int(day), raw)
    if match := _WORDS_DMY.match(text):
        day, name, year = match.groups()
        return _build(int(year), _month(name, raw), int(day), raw)
    raise ParseError(f"cannot parse date {raw!r}", raw)


def _expand_year(text: str) -> int:
    year = int(text)
    if len(text) == 4:
        return year
    return 2000 + year if year <= 68 else 1900 + year


def _month(name: str, raw: str) -> int:
    month = month_from_name(name)
    if month is None:
        raise ParseError(f"unknown month {name!r} in {raw!r}", raw)
    return month


def _build(year: int, month: int, day: int, raw: str) -> _dt.date:
    if not 1 <= month <= 12:
        raise ParseError(f"month {month} is out of range in {raw!r}", raw)
    if not 1 <= year <= 9999:
        raise ParseError(f"year {year} is out of range in {raw!r}", raw)
    last = days_in_month(year, month)
    if not 1 <= day <= last:
        raise ParseError(f"day {day} is out of range for {year}-{month:02d} (1..{last}) in {raw!r}", raw)
    return _dt.date(year, month, day)
