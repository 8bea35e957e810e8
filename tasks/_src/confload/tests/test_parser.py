import pytest

from confload.errors import ParseError
from confload.parser import DEFAULT_SECTION, parse_ini


def test_sections_and_keys(sample_text):
    data = parse_ini(sample_text)
    assert list(data) == [DEFAULT_SECTION, "server", "database"]
    assert data[DEFAULT_SECTION] == {"name": "demo", "debug": "no"}
    assert data["server"]["port"] == "8080"
    assert data["server"]["workers"] == "4"


def test_inline_comment_removed(sample_text):
    assert parse_ini(sample_text)["server"]["timeout"] == "2.5"


def test_continuation_lines(sample_text):
    value = parse_ini(sample_text)["server"]["allowed_hosts"]
    assert value == "example.com, api.example.com,\ninternal.example.com"


def test_quoted_value_kept_verbatim():
    data = parse_ini('[a]\nx = "  spaced ; not a comment  "\ny = \'single\'\n')
    assert data["a"]["x"] == "  spaced ; not a comment  "
    assert data["a"]["y"] == "single"


def test_keys_lowercased_sections_keep_case():
    data = parse_ini("[Server]\nHost = x\n")
    assert data["Server"] == {"host": "x"}


def test_empty_value():
    assert parse_ini("[a]\nx =\n")["a"]["x"] == ""


def test_value_with_equals_sign():
    assert parse_ini("[a]\nquery = a=1&b=2\n")["a"]["query"] == "a=1&b=2"


def test_blank_and_comment_lines_ignored():
    text = "\n# comment\n; another\n\n[a]\n\n  # indented comment\nx = 1\n"
    assert parse_ini(text)["a"] == {"x": "1"}


@pytest.mark.parametrize(
    "text",
    [
        "[a]\nthis is not valid\n",
        "[a]\nx = 1\nx = 2\n",
        "[a]\nx = 1\n[a]\ny = 2\n",
        "[unclosed\nx = 1\n",
    ],
)
def test_errors(text):
    with pytest.raises(ParseError):
        parse_ini(text)


def test_error_names_source():
    with pytest.raises(ParseError) as info:
        parse_ini("garbage\n", source="app.ini")
    assert info.value.source == "app.ini"
    assert str(info.value).startswith("app.ini, line ")
