import datetime as dt

import pytest

from datekit import ParseError, parse_date

TODAY = dt.date(2024, 5, 15)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024-3-1", dt.date(2024, 3, 1)),
        ("20240301", dt.date(2024, 3, 1)),
        ("03/01/2024", dt.date(2024, 3, 1)),
        ("12.25.99", dt.date(1999, 12, 25)),
        ("1/2/05", dt.date(2005, 1, 2)),
        ("March 1, 2024", dt.date(2024, 3, 1)),
        ("Mar. 1 2024", dt.date(2024, 3, 1)),
        ("sept 30, 2023", dt.date(2023, 9, 30)),
        ("1st Mar 2024", dt.date(2024, 3, 1)),
        ("22nd  December 2021", dt.date(2021, 12, 22)),
        ("2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_absolute(text, expected):
    assert parse_date(text) == expected


def test_dayfirst():
    assert parse_date("03/01/2024", dayfirst=True) == dt.date(2024, 1, 3)
    assert parse_date("25.12.2020", dayfirst=True) == dt.date(2020, 12, 25)


@pytest.mark.parametrize(
    "text",
    ["", "2023-02-29", "2024-13-01", "2024-04-31", "1900-02-29", "Smarch 3, 2024", "32 Jan 2024", "yesterdayish", "0000-01-01"],
)
def test_rejects(text):
    with pytest.raises(ParseError):
        parse_date(text)


def test_error_carries_text():
    with pytest.raises(ParseError) as info:
        parse_date("2024-04-31")
    assert info.value.text == "2024-04-31"
    assert "out of range" in str(info.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", TODAY),
        ("Tomorrow", dt.date(2024, 5, 16)),
        ("yesterday", dt.date(2024, 5, 14)),
        ("3 days ago", dt.date(2024, 5, 12)),
        ("a week ago", dt.date(2024, 5, 8)),
        ("in 2 weeks", dt.date(2024, 5, 29)),
        ("in three days", dt.date(2024, 5, 18)),
        ("next month", dt.date(2024, 6, 15)),
        ("last month", dt.date(2024, 4, 15)),
        ("2 months ago", dt.date(2024, 3, 15)),
        ("in 8 months", dt.date(2025, 1, 15)),
        ("next year", dt.date(2025, 5, 15)),
        ("10 years ago", dt.date(2014, 5, 15)),
    ],
)
def test_relative(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_relative_bad_number():
    with pytest.raises(ParseError):
        parse_date("many days ago", today=TODAY)


def test_rejects_non_string():
    with pytest.raises(TypeError):
        parse_date(dt.date.today())
