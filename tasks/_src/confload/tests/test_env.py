import pytest

from confload.env import env_overrides
from confload.parser import DEFAULT_SECTION


def test_sections_and_default():
    environ = {"MYAPP_DB__HOST": "db", "MYAPP_DEBUG": "1", "PATH": "/bin"}
    assert env_overrides("MYAPP", environ) == {"db": {"host": "db"}, DEFAULT_SECTION: {"debug": "1"}}


def test_prefix_case_and_trailing_underscore():
    assert env_overrides("myapp_", {"MYAPP_X": "1"}) == {DEFAULT_SECTION: {"x": "1"}}


def test_custom_separator():
    assert env_overrides("A", {"A_DB_HOST": "h"}, separator="_") == {"db": {"host": "h"}}


def test_key_with_single_underscore():
    assert env_overrides("A", {"A_LOG__FILE_NAME": "x.log"}) == {"log": {"file_name": "x.log"}}


def test_ignores_bare_prefix_and_empty_parts():
    assert env_overrides("A", {"A_": "1", "A___X": "2", "A_X__": "3"}) == {}


def test_prefix_required():
    with pytest.raises(ValueError):
        env_overrides("", {})
