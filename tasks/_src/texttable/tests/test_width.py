import pytest

from texttable.width import char_width, display_width, truncate


@pytest.mark.parametrize(
    "text, width",
    [("", 0), ("abc", 3), ("日本", 4), ("ｶﾀｶﾅ", 4), ("e\u0301", 1), ("a\u200bb", 2), ("Ｆｕｌｌ", 8)],
)
def test_display_width(text, width):
    assert display_width(text) == width


def test_control_characters_have_no_width():
    assert char_width("\x1b") == 0


@pytest.mark.parametrize(
    "text, width, expected",
    [("hello", 10, "hello"), ("hello world", 8, "hello w…"), ("日本語テキスト", 5, "日本…"), ("abc", 0, "")],
)
def test_truncate(text, width, expected):
    assert truncate(text, width) == expected
    assert display_width(truncate(text, width)) <= width
