import datetime as dt

import pytest

from datekit import naturaldelta, naturaltime


@pytest.mark.parametrize(
    "seconds, text",
    [
        (5, "a few seconds"),
        (60, "a minute"),
        (5 * 60, "5 minutes"),
        (3600, "an hour"),
        (5 * 3600, "5 hours"),
        (86400, "a day"),
        (3 * 86400, "3 days"),
        (35 * 86400, "a month"),
        (100 * 86400, "3 months"),
        (400 * 86400, "a year"),
        (3 * 365 * 86400, "3 years"),
    ],
)
def test_naturaldelta(seconds, text):
    assert naturaldelta(dt.timedelta(seconds=seconds)) == text
    assert naturaldelta(seconds) == text


def test_naturaldelta_ignores_sign():
    assert naturaldelta(dt.timedelta(minutes=-5)) == "5 minutes"


NOW = dt.datetime(2024, 5, 15, 12, 0, 0)


@pytest.mark.parametrize(
    "moment, text",
    [
        (NOW, "just now"),
        (NOW - dt.timedelta(seconds=5), "just now"),
        (NOW - dt.timedelta(minutes=5), "5 minutes ago"),
        (NOW + dt.timedelta(hours=2), "in 2 hours"),
        (NOW - dt.timedelta(days=1), "a day ago"),
    ],
)
def test_naturaltime(moment, text):
    assert naturaltime(moment, now=NOW) == text


def test_naturaltime_defaults_to_now():
    assert naturaltime(dt.datetime.now() - dt.timedelta(hours=3)) == "3 hours ago"
