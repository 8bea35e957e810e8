"""Relative dates: 'today', 'tomorrow', '3 days ago', 'in 2 weeks', 'next month', 'last year'."""

from __future__ import annotations

import datetime as _dt
import re

from datekit.calendar import add_months

_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_AGO = re.compile(r"^(\w+)\s+(day|week|month|year)s?\s+ago$")
_IN = re.compile(r"^in\s+(\w+)\s+(day|week|month|year)s?$")
_NEXT_LAST = re.compile(r"^(next|last)\s+(day|week|month|year)$")
_FIXED = {"today": 0, "now": 0, "tomorrow": 1, "yesterday": -1}


def parse_relative(text: str, today: _dt.date) -> _dt.date | None:
    """The date `text` names relative to `today`, or None when it is not a relative form."""
    if text in _FIXED:
        return today + _dt.timedelta(days=_FIXED[text])
    if match := _AGO.match(text):
        count, unit = match.groups()
        return _shift(today, unit, -_count(count))
    if match := _IN.match(text):
        count, unit = match.groups()
        return _shift(today, unit, _count(count))
    if match := _NEXT_LAST.match(text):
        direction, unit = match.groups()
        return _shift(today, unit, 1 if direction == "next" else -1)
    return None


def _count(word: str) -> int:
    if word.isdigit():
        return int(word)
    if word in _WORD_NUMBERS:
        return _WORD_NUMBERS[word]
    from datekit.errors import ParseError

    raise ParseError(f"cannot read {word!r} as a number", word)


def _shift(today: _dt.date, unit: str, amount: int) -> _dt.date:
    if unit == "day":
        return today + _dt.timedelta(days=amount)
    if unit == "week":
        return today + _dt.timedelta(weeks=amount)
    if unit == "month":
        return add_months(today, amount)
    return add_months(today, 12 * amount)
