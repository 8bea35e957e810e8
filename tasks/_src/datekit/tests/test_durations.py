import datetime as dt

import pytest

from datekit import ParseError, format_duration, parse_duration, to_iso


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90s", 90),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2 days, 4 hours", 2 * 86400 + 4 * 3600),
        ("1 hour and 5 minutes", 3900),
        ("1.5h", 5400),
        ("1w", 604800),
        ("250ms", 0.25),
        ("45", 45),
        ("  10 MIN ", 600),
    ],
)
def test_parse_human(text, seconds):
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


def test_parse_negative():
    assert parse_duration("-5m") == dt.timedelta(minutes=-5)
    assert parse_duration("+5m") == dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("PT1H30M", dt.timedelta(hours=1, minutes=30)),
        ("P1DT2H", dt.timedelta(days=1, hours=2)),
        ("P1W", dt.timedelta(weeks=1)),
        ("pt45s", dt.timedelta(seconds=45)),
        ("-PT5M", dt.timedelta(minutes=-5)),
    ],
)
def test_parse_iso(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "abc", "1h banana", "P", "PT", "P1DT"])
def test_parse_rejects(text):
    with pytest.raises(ParseError):
        parse_duration(text)


def test_parse_error_is_value_error():
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_parse_rejects_non_string():
    with pytest.raises(TypeError):
        parse_duration(5)


@pytest.mark.parametrize(
    "delta, text",
    [
        (dt.timedelta(seconds=0), "0s"),
        (dt.timedelta(seconds=59), "59s"),
        (dt.timedelta(minutes=90), "1h 30m"),
        (dt.timedelta(days=2, seconds=5), "2d 5s"),
        (dt.timedelta(minutes=-90), "-1h 30m"),
    ],
)
def test_format(delta, text):
    assert format_duration(delta) == text


def test_format_precision_truncates():
    delta = dt.timedelta(days=1, hours=23, minutes=59)
    assert format_duration(delta, precision=1) == "1d"
    assert format_duration(delta, precision=2) == "1d 23h"


def test_format_precision_must_be_positive():
    with pytest.raises(ValueError):
        format_duration(dt.timedelta(seconds=1), precision=0)


@pytest.mark.parametrize(
    "delta, text",
    [
        (dt.timedelta(0), "PT0S"),
        (dt.timedelta(days=1, hours=2, minutes=30), "P1DT2H30M"),
        (dt.timedelta(days=3), "P3D"),
        (dt.timedelta(seconds=45), "PT45S"),
        (dt.timedelta(minutes=-5), "-PT5M"),
    ],
)
def test_to_iso(delta, text):
    assert to_iso(delta) == text


@pytest.mark.parametrize("text", ["1h30m", "P2DT3H4M5S", "45s", "3d"])
def test_iso_round_trip(text):
    delta = parse_duration(text)
    assert parse_duration(to_iso(delta)) == delta
