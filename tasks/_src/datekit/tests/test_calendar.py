import datetime as dt

import pytest

from datekit import add_months, days_in_month, is_leap_year
from datekit.calendar import add_years, month_from_name


@pytest.mark.parametrize("year, leap", [(2024, True), (2023, False), (1996, True), (1900, False), (2100, False)])
def test_is_leap_year(year, leap):
    assert is_leap_year(year) is leap


@pytest.mark.parametrize(
    "year, month, days",
    [(2023, 1, 31), (2023, 2, 28), (2024, 2, 29), (2023, 4, 30), (2023, 12, 31)],
)
def test_days_in_month(year, month, days):
    assert days_in_month(year, month) == days


@pytest.mark.parametrize("month", [0, 13, -1])
def test_days_in_month_rejects_bad_month(month):
    with pytest.raises(ValueError):
        days_in_month(2024, month)


@pytest.mark.parametrize(
    "name, month", [("jan", 1), ("January", 1), ("SEPT", 9), ("dec.", 12), ("ju", None), ("foo", None)]
)
def test_month_from_name(name, month):
    assert month_from_name(name) == month


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (dt.date(2024, 1, 15), 1, dt.date(2024, 2, 15)),
        (dt.date(2024, 11, 10), 3, dt.date(2025, 2, 10)),
        (dt.date(2024, 3, 10), -3, dt.date(2023, 12, 10)),
        (dt.date(2024, 6, 1), -18, dt.date(2022, 12, 1)),
        (dt.date(2024, 6, 1), 0, dt.date(2024, 6, 1)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_add_years():
    assert add_years(dt.date(2020, 7, 4), 3) == dt.date(2023, 7, 4)


def test_add_months_keeps_datetime():
    moment = dt.datetime(2024, 1, 10, 12, 30)
    assert add_months(moment, 2) == dt.datetime(2024, 3, 10, 12, 30)
