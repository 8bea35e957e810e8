"""The executor interface with local threads: each key once, errors raised, an interrupt aborts the
work in flight; a bad --ray address is one line naming what to pass; Ray is never imported unless
asked. (Ray itself: tests/test_ray.py.)"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.errors import ConfigError
from srl_swe.executors import ExecutorSettings, NodeHooks, open_executor

ROOT = Path(__file__).resolve().parents[1]


def test_threads_yield_every_key_once_with_its_result():
    with open_executor(ExecutorSettings(workers=3)) as executor:
        got = list(executor.map(lambda x: x * x, {f"k{i}": i for i in range(20)}))
    assert sorted(got) == sorted((f"k{i}", i * i) for i in range(20))


def test_an_error_in_the_work_is_raised_and_aborts_the_rest():
    aborted = threading.Event()
    release = threading.Event()

    def work(item: int) -> int:
        if item == 0:
            raise ValueError("item 0 is bad")
        release.wait(10)  # held until abort runs: the rest is in flight when the error comes
        return item

    with pytest.raises(ValueError, match="item 0 is bad"):
        with open_executor(ExecutorSettings(workers=2), NodeHooks(abort=lambda: (aborted.set(), release.set()))) as ex:
            list(ex.map(work, {i: i for i in range(4)}))
    assert aborted.is_set()


@pytest.mark.parametrize("address", ["auto", "local", "ray://head:10001", "10.0.0.5:6379"])
def test_ray_addresses_that_are_accepted(address):
    assert ExecutorSettings(ray=address).ray == address


def test_a_bad_ray_address_is_one_line_naming_the_forms():
    with pytest.raises(ConfigError, match=r"^--ray takes auto, local, ray://HOST:PORT or HOST:PORT, not 'head'$"):
        ExecutorSettings(ray="head")
    from srl_swe.cli.main import app

    result = CliRunner().invoke(app, ["eval", "--policy", "noop", "--out", "x", "--ray", "http://head"])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())
    assert "auto, local, ray://HOST:PORT or HOST:PORT, not 'http://head'" in said


def test_ray_is_not_imported_unless_asked():
    code = ("import sys\n"
            "import srl_swe.cli.main, srl_swe.evaluate.runner, srl_swe.tasks.validate, srl_swe.sandbox.nodes\n"
            "from srl_swe.executors import ExecutorSettings, open_executor\n"
            "with open_executor(ExecutorSettings(workers=2)) as ex:\n"
            "    assert dict(ex.map(abs, {1: -1})) == {1: 1}\n"
            "print('ray' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_no_cluster_at_the_address_is_one_line_saying_what_to_do(monkeypatch):
    ray = pytest.importorskip("ray")
    from srl_swe.executors import ray_actors

    def no_cluster(**_):
        raise ConnectionError("Could not find any running Ray instance. Please specify the one to connect to by "
                              "setting `--address` flag or `RAY_ADDRESS` environment variable.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_cluster)
    with pytest.raises(ConfigError) as caught:
        ray_actors.connect("auto", 2)
    message = str(caught.value)
    assert message.startswith("--ray auto: no Ray cluster answers (Could not find any running Ray instance.")
    assert "ray start --head" in message and "--ray local" in message and "\n" not in message
