import pytest

from confload.coerce import coerce, to_bool, to_float, to_int, to_list, to_size
from confload.errors import CoercionError, ConfigError


@pytest.mark.parametrize("text", ["1", "true", "Yes", "ON", "y", " True "])
def test_true(text):
    assert to_bool(text) is True


@pytest.mark.parametrize("text", ["0", "false", "No", "off", "n", ""])
def test_false(text):
    assert to_bool(text) is False


def test_bool_rejects():
    with pytest.raises(CoercionError):
        to_bool("maybe")


@pytest.mark.parametrize("text, value", [("42", 42), ("-7", -7), ("1_000", 1000), ("0x1F", 31), ("0o17", 15), ("0b101", 5)])
def test_int(text, value):
    assert to_int(text) == value


@pytest.mark.parametrize("text", ["4.5", "", "abc"])
def test_int_rejects(text):
    with pytest.raises(CoercionError):
        to_int(text)


def test_float():
    assert to_float(" 2.5 ") == 2.5
    with pytest.raises(CoercionError):
        to_float("two")


def test_list():
    assert to_list("a, b,,c ") == ["a", "b", "c"]
    assert to_list("a\nb, c") == ["a", "b", "c"]
    assert to_list("a;b", separator=";") == ["a", "b"]
    assert to_list("") == []


@pytest.mark.parametrize("text, value", [("512", 512), ("10k", 10240), ("1.5 MB", 1572864), ("2g", 2 * 1024**3)])
def test_size(text, value):
    assert to_size(text) == value


@pytest.mark.parametrize("text", ["", "k", "12 parsecs"])
def test_size_rejects(text):
    with pytest.raises(CoercionError):
        to_size(text)


def test_coercion_error_is_value_and_config_error():
    with pytest.raises(ValueError):
        to_int("x")
    with pytest.raises(ConfigError):
        to_int("x")


def test_coerce_dispatch():
    assert coerce("3", int) == 3
    assert coerce("yes", bool) is True
    with pytest.raises(TypeError):
        coerce("3", complex)
