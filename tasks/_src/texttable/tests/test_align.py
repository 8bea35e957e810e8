import pytest

from texttable.align import align_cell, align_decimal, normalize_alignment


@pytest.mark.parametrize(
    "how, expected",
    [("left", "ab    "), ("right", "    ab"), ("center", "  ab  "), ("l", "ab    "), ("R", "    ab")],
)
def test_align(how, expected):
    assert align_cell("ab", 6, how) == expected


def test_center_odd_gap_puts_extra_space_right():
    assert align_cell("ab", 5, "center") == " ab  "


def test_wider_text_returned_as_is():
    assert align_cell("abcdef", 3, "right") == "abcdef"


@pytest.mark.parametrize("value", ["middle", "x", "", "lefty"])
def test_unknown_alignment(value):
    with pytest.raises(ValueError):
        normalize_alignment(value)


def test_align_decimal():
    assert align_decimal(["1.5", "10", "2.25"]) == [" 1.5 ", "10   ", " 2.25"]


def test_align_decimal_leaves_text_alone():
    assert align_decimal(["n/a", "3.5"]) == ["n/a", "3.5"]
