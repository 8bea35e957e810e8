"""Human-friendly descriptions of time spans: '3 minutes', 'an hour ago', 'in 2 days'."""

from __future__ import annotations

import datetime as _dt

# (threshold in seconds, singular, plural, unit size): the first row whose threshold exceeds
# the span describes it.
_SCALE = [
    (45, "a few seconds", None, 1),
    (90, "a minute", None, 60),
    (45 * 60, None, "minutes", 60),
    (90 * 60, "an hour", None, 3600),
    (22 * 3600, None, "hours", 3600),
    (36 * 3600, "a day", None, 86400),
    (26 * 86400, None, "days", 86400),
    (45 * 86400, "a month", None, 30 * 86400),
    (320 * 86400, None, "months", 30 * 86400),
    (548 * 86400, "a year", None, 365 * 86400),
]


def naturaldelta(delta: _dt.timedelta | float) -> str:
    """'a few seconds', 'a minute', '5 minutes', 'an hour', '3 days', '2 years'. Sign is ignored."""
    seconds = abs(delta.total_seconds() if isinstance(delta, _dt.timedelta) else float(delta))
    for threshold, singular, plural, size in _SCALE:
        if seconds < threshold:
            if singular is not None:
                return singular
            return f"{round(seconds / size)} {plural}"
    return f"{round(seconds / (365 * 86400))} years"


def naturaltime(moment: _dt.datetime, now: _dt.datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'in 2 hours'."""
    if now is None:
        now = _dt.datetime.now(moment.tzinfo)
    delta = now - moment
    if abs(delta.total_seconds()) < 10:
        return "just now"
    words = naturaldelta(delta)
    return f"{words} ago" if delta.total_seconds() > 0 else f"in {words}"
