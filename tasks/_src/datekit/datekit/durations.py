"""Durations: '1h30m', '2 days 4 hours', '1.5h', ISO 8601 'P1DT2H30M'."""

from __future__ import annotations

import datetime as _dt
import re

from datekit.errors import ParseError

# Unit spellings -> seconds.
_UNITS = {
    "w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "ms": 0.001, "msec": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
}

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)

# Largest unit first, as format_duration writes them.
_FORMAT_UNITS = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]


def parse_duration(text: str) -> _dt.timedelta:
    """Parse a human or ISO 8601 duration into a timedelta.

    Accepts '90s', '1h30m', '1h 30m', '2 days, 4 hours', '1.5h', '-5m', 'PT1H30M', 'P1W'.
    A bare number is taken as seconds.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_duration() expects str, got {type(text).__name__}")
    raw = text
    text = text.strip().lower()
    if not text:
        raise ParseError("empty duration", raw)
    sign = 1
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:].strip()
    if text.startswith("p"):
        return sign * _parse_iso(text.upper(), raw)
    try:
        return _dt.timedelta(seconds=sign * float(text))
    except ValueError:
        pass
    total = 0.0
    position = 0
    for match in _PART.finditer(text):
        gap = text[position:match.start()]
        if gap.strip(" ,") and gap.strip(" ,") != "and":
            raise ParseError(f"unexpected {gap.strip()!r} in duration {raw!r}", raw)
        value, unit = match.groups()
        if unit not in _UNITS:
            raise ParseError(f"unknown unit {unit!r} in duration {raw!r}", raw)
        total += float(value) * _UNITS[unit]
        position = match.end()
    if position == 0 or text[position:].strip(" ,"):
        raise ParseError(f"cannot parse duration {raw!r}", raw)
    return _dt.timedelta(seconds=sign * total)


def _parse_iso(text: str, raw: str) -> _dt.timedelta:
    match = _ISO.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ParseError(f"invalid ISO 8601 duration {raw!r}", raw)
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return _dt.timedelta(**parts)


def _split(delta: _dt.timedelta) -> tuple[int, list[tuple[str, int]]]:
    """(sign, [(unit, amount), ...]) for the whole seconds of a timedelta, largest unit first."""
    seconds = int(delta.total_seconds())
    sign = -1 if seconds < 0 else 1
    seconds = abs(seconds)
    parts = []
    for unit, size in _FORMAT_UNITS:
        amount, seconds = divmod(seconds, size)
        parts.append((unit, amount))
    return sign, parts


def format_duration(delta: _dt.timedelta, precision: int | None = None) -> str:
    """'1h 30m'. `precision` keeps only that many of the largest non-zero units
    (truncating, never rounding up). Zero is '0s'."""
    if precision is not None and precision < 1:
        raise ValueError("precision must be at least 1")
    sign, parts = _split(delta)
    words = [f"{amount}{unit}" for unit, amount in parts if amount]
    if precision is not None:
        words = words[:precision]
    if not words:
        return "0s"
    return ("-" if sign < 0 else "") + " ".join(words)


def to_iso(delta: _dt.timedelta) -> str:
    """ISO 8601 form: 'P1DT2H30M', 'PT45S', 'PT0S' for zero."""
    sign, parts = _split(delta)
    amounts = dict(parts)
    date_part = f"{amounts['d']}D" if amounts["d"] else ""
    time_part = "".join(f"{amounts[u]}{u.upper()}" for u in ("h", "m", "s") if amounts[u])
    if not date_part and not time_part:
        return "PT0S"
    text = "P" + date_part + ("T" + time_part if time_part else "")
    return ("-" if sign < 0 else "") + text
