import pytest

SAMPLE = """\
; application settings
name = demo
debug = no

[server]
host = 0.0.0.0
port = 8080
workers: 4
timeout = 2.5   ; seconds
allowed_hosts = example.com, api.example.com,
    internal.example.com

[database]
url = postgres://${user}@${server:host}/app
user = "app user"
pool = 10
cache_size = 64k
"""


@pytest.fixture
def sample_text():
    return SAMPLE


@pytest.fixture
def ini_file(tmp_path):
    path = tmp_path / "app.ini"
    path.write_text(SAMPLE, encoding="utf-8")
    return path
