import pytest

from texttable.width import display_width
from texttable.wrap import wrap_cell


def test_short_text_unchanged():
    assert wrap_cell("hello", 20) == ["hello"]


def test_wraps_on_spaces():
    assert wrap_cell("the quick brown fox jumps", 11) == ["the quick", "brown fox", "jumps"]


def test_collapses_runs_of_spaces():
    assert wrap_cell("a    b", 10) == ["a b"]


def test_long_word_is_split():
    assert wrap_cell("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_long_word_after_short_word():
    assert wrap_cell("hi abcdefgh", 4) == ["hi", "abcd", "efgh"]


def test_keeps_explicit_newlines():
    assert wrap_cell("one\ntwo three", 20) == ["one", "two three"]


def test_empty_text():
    assert wrap_cell("", 5) == [""]
    assert wrap_cell("a\n\nb", 5) == ["a", "", "b"]


def test_wide_characters_measured_in_columns():
    lines = wrap_cell("日本語のテキスト", 6)
    assert lines == ["日本語", "のテキ", "スト"]
    assert all(display_width(line) <= 6 for line in lines)


@pytest.mark.parametrize("width", [0, -3])
def test_rejects_bad_width(width):
    with pytest.raises(ValueError):
        wrap_cell("abc", width)


@pytest.mark.parametrize("width", [3, 7, 12, 25])
def test_no_line_exceeds_width(width):
    text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"
    assert all(display_width(line) <= width for line in wrap_cell(text, width))
