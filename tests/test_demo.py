"""`srl-swe demo` end to end on a short budget: interrupted once (Ctrl-C), then resumed to the end;
its report holds every section with numbers."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import labelled

pytestmark = [pytest.mark.docker, pytest.mark.train, pytest.mark.long]


def _demo(out: Path) -> subprocess.Popen:
    # A smoke budget on two tasks (one trains, one is held out): every stage, at its smallest.
    command = ["demo", "--minutes", "1", "--tasks", "confload-1,lrukit-1", "--out", str(out)]
    return subprocess.Popen([sys.executable, "-m", "srl_swe.cli.main", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, f"{path} did not appear in {seconds} s"
        time.sleep(0.5)


def _containers_of(pid: int) -> list:
    return labelled(docker_client(), f"srl_swe.pid={pid}")


@pytest.mark.timeout(1800)  # two demo runs on a 2-core machine
def test_demo_interrupted_then_resumed(tmp_path):
    out = tmp_path / "demo"
    first = _demo(out)
    _wait_for(out / "stages" / "validate.json", first, 600)
    time.sleep(2)  # inside the replay stage: containers are running
    first.send_signal(signal.SIGINT)
    output, _ = first.communicate(timeout=120)
    assert first.returncode == 130, output
    assert (out / "PARTIAL").is_file()
    assert "Partial" in (out / "report.html").read_text()
    assert _containers_of(first.pid) == []

    second = _demo(out)
    output, _ = second.communicate(timeout=1200)
    assert second.returncode == 0, output
    assert "done earlier, kept" in output  # setup and validation were not redone
    assert not (out / "PARTIAL").exists()

    page = (out / "report.html").read_text()
    for section in ("id='headline'", "id='plots'", "Task validation", "Expert replay in SWEEnv",
                    "Mean step similarity", "Agentic evaluation", "id='trajectories'"):
        assert section in page, section
    data = json.loads(re.search(r"<script type='application/json' id='runs-data'>(.*?)</script>", page, re.S).group(1))
    names = {run["name"] for run in data}
    assert {"expert replay (srl rewards)", "eval: replay", "eval: noop", "eval: srl"} <= names

    stages = {p.stem: json.loads(p.read_text()) for p in (out / "stages").glob("*.json")}
    assert all(r["outcome"] == "ok" for r in stages["validate"]["results"])
    assert all(r == 1.0 for t in stages["replay"]["srl"].values() for r in t["rewards"])
    assert all(t["resolved"] for t in stages["replay"]["rlvr"].values())
    scores = stages["similarity"]["mean_similarity"]
    assert set(scores) == {"untrained", "sft", "srl"} and all(-1.0 <= v <= 1.0 for v in scores.values())
    evaluation = stages["evaluate"]["policies"]
    assert evaluation["replay"]["resolve_rate"] == 1.0
    assert evaluation["noop"]["resolve_rate"] == 0.0
    summary = (out / "report.md").read_text()
    assert all(f"resolve rate, {name}" in summary for name in ("replay", "noop", "srl"))
    assert "resolve rate, sft" not in summary  # a smoke run evaluates the final model only
    assert list((out / "train" / "srl").glob("*.png"))
