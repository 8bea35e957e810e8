import pytest

from confload import Config, CoercionError, InterpolationError, MissingKeyError, load


@pytest.fixture
def cfg(sample_text):
    return Config.from_string(sample_text)


def test_sections(cfg):
    assert cfg.sections() == ["server", "database"]
    assert cfg.has_section("server")
    assert not cfg.has_section("DEFAULT")


def test_typed_getters(cfg):
    assert cfg.get("server", "host") == "0.0.0.0"
    assert cfg.getint("server", "port") == 8080
    assert cfg.getfloat("server", "timeout") == 2.5
    assert cfg.getbool("server", "debug") is False
    assert cfg.getsize("database", "cache_size") == 65536
    assert cfg.getlist("server", "allowed_hosts") == ["example.com", "api.example.com", "internal.example.com"]


def test_keys_case_insensitive(cfg):
    assert cfg.getint("server", "PORT") == 8080


def test_default_section_fallback(cfg):
    assert cfg.get("database", "name") == "demo"
    assert cfg.has_option("database", "name")


def test_missing_key(cfg):
    with pytest.raises(MissingKeyError) as info:
        cfg.get("server", "nope")
    assert "nope" in str(info.value)
    assert not cfg.has_option("server", "nope")


def test_missing_key_is_key_error(cfg):
    with pytest.raises(KeyError):
        cfg.get("server", "nope")


def test_default_for_missing_key(cfg):
    assert cfg.get("server", "nope", default="x") == "x"
    assert cfg.getint("server", "retries", default=3) == 3
    assert cfg.getlist("server", "tags", default=[]) == []


def test_coercion_error_names_key(cfg):
    with pytest.raises(CoercionError) as info:
        cfg.getint("server", "host")
    assert "[server] host" in str(info.value)


def test_interpolation(cfg):
    assert cfg.get("database", "url") == "postgres://app user@0.0.0.0/app"


def test_interpolation_dollar_escape():
    cfg = Config.from_string("[a]\nprice = $$5\n")
    assert cfg.get("a", "price") == "$5"


def test_interpolation_missing_reference():
    cfg = Config.from_string("[a]\nx = ${nope}\n")
    with pytest.raises(InterpolationError):
        cfg.get("a", "x")


def test_interpolation_cycle():
    cfg = Config.from_string("[a]\nx = ${y}\ny = ${x}\n")
    with pytest.raises(InterpolationError):
        cfg.get("a", "x")


def test_section_dict(cfg):
    section = cfg.section("database")
    assert section["url"] == "postgres://app user@0.0.0.0/app"
    assert section["name"] == "demo"


def test_as_dict(cfg):
    assert set(cfg.as_dict()) == {"server", "database"}


def test_env_overrides_explicit_environ(sample_text):
    environ = {"APP_SERVER__PORT": "9090", "APP_DEBUG": "yes", "APP_CACHE__TTL": "30", "OTHER_X": "1"}
    cfg = Config.from_string(sample_text, env_prefix="APP", environ=environ)
    assert cfg.getint("server", "port") == 9090
    assert cfg.getbool("server", "debug") is True
    assert cfg.getint("cache", "ttl") == 30


def test_env_sections_match_case_insensitively():
    cfg = Config.from_string("[Server]\nport = 1\n", env_prefix="app", environ={"APP_SERVER__PORT": "2"})
    assert cfg.sections() == ["Server"]
    assert cfg.getint("Server", "port") == 2


def test_load_file(ini_file):
    cfg = load(ini_file)
    assert cfg.source == str(ini_file)
    assert cfg.getint("server", "workers") == 4


def test_load_file_with_env(ini_file):
    cfg = load(ini_file, env_prefix="APP", environ={"APP_DATABASE__POOL": "20"})
    assert cfg.getint("database", "pool") == 20
