"""Registering and validating a repository of thousands of tests, and what recording pytest's own
ids costs: a run with the harness's plugin against a plain `pytest -q` run in the same container.

    .venv/bin/python benchmarks/test_ids.py [--modules 40] [--repeats 3] [--out benchmarks/results]

The generated repo has `--modules` test files, each with a base class inherited from another
file, unittest cases and parametrized tests (about 55 tests a module: 2,200 by default). The
recorded ids must equal pytest's `--collect-only -q` output exactly, or the script fails.
Writes test_ids.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from srl_swe.atomic import write_json
from srl_swe.tasks.register import RegisterOptions, register_fix_commit
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tasks.testrun import run_scope
from srl_swe.tasks.validate import validate_task

LIB = "def scale(x, k):\n    return x * k\n\n\ndef clamp(x, lo, hi):\n    return max(lo, min(x, {hi_expr}))\n"
BASE = "from biglib.core import scale\n\n\nclass ScaleChecks:\n" + "".join(
    f"    def test_scale_{i}(self):\n        assert scale({i}, 2) == {2 * i}\n\n" for i in range(10))
MODULE = '''\
import unittest

import pytest

from biglib.core import clamp, scale
from tests.base import ScaleChecks


class TestScale{m}(ScaleChecks):
    pass


class Case{m}(unittest.TestCase):
{cases}

@pytest.mark.parametrize("x", range(30))
def test_param(x):
    assert scale(x, 1) == x


@pytest.mark.parametrize("v,lo,hi", [(5, 0, 3), (-1, 0, 3), (2, 0, 3)], ids=["over/hi", "under::lo", "in [range]"])
def test_clamp(v, lo, hi):
    assert lo <= clamp(v, lo, hi) <= hi
'''


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.com", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def make_repo(root: Path, modules: int) -> tuple[Path, str]:
    """A repo whose clamp ignores `hi`; the fix commit fixes it and touches one test file."""
    repo = root / "biglib"
    (repo / "biglib").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "biglib" / "__init__.py").write_text("")
    (repo / "biglib" / "core.py").write_text(LIB.format(hi_expr="x"))
    (repo / "tests" / "__init__.py").write_text("")
    (repo / "tests" / "base.py").write_text(BASE)
    cases = "".join(f"    def test_case_{i}(self):\n        self.assertEqual(scale({i}, 0), 0)\n\n" for i in range(12))
    for m in range(modules):
        (repo / "tests" / f"test_mod{m:03d}.py").write_text(MODULE.format(m=m, cases=cases))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "biglib")
    (repo / "biglib" / "core.py").write_text(LIB.format(hi_expr="hi"))
    (repo / "tests" / "test_mod000.py").write_text(
        MODULE.format(m=0, cases=cases) + "\n\ndef test_new():\n    assert clamp(9, 0, 3) == 3\n"
    )
    git(repo, "commit", "-qam", "clamp honours hi")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo, fix = make_repo(Path(tmp), args.modules)
        tasks_dir = Path(tmp) / "tasks"
        options = RegisterOptions(task_id="biglib-1", test_scope="all")
        register_s, spec = timed(lambda: register_fix_commit(str(repo), fix, options, tasks_dir, log=lambda _m: None))
        validate_s, result = timed(lambda: validate_task(spec, tasks_dir))
        if not result.ok:
            raise SystemExit(f"the generated task does not validate: {result.outcome} {result.detail}")
        with task_sandbox(spec, tasks_dir) as sandbox:
            listed = sandbox.run("python -m pytest --collect-only -q -p no:cacheprovider", timeout=600).output
            printed = [line for line in listed.splitlines() if "::" in line]
            plain, plugin, harness = [], [], []
            for _ in range(args.repeats):  # interleaved, so that load from elsewhere hits both alike
                plain.append(sandbox.run("python -m pytest -q -p no:cacheprovider", timeout=600).duration)
                seconds, run = timed(lambda: run_scope(sandbox, spec, [], timeout=600))
                plugin.append(run.duration)  # the pytest command alone, measured as the plain one is
                harness.append(seconds)  # plus writing the plugin and id files and reading the report
    if sorted(run.statuses) != sorted(printed):
        raise SystemExit(f"recorded ids differ from pytest's own: {len(run.statuses)} vs {len(printed)}")
    overhead = statistics.median(plugin) / statistics.median(plain)
    whole = statistics.median(harness) / statistics.median(plain)
    figures = dict(tests=len(printed), f2p=len(spec.FAIL_TO_PASS), p2p=len(spec.PASS_TO_PASS),
                   register_s=round(register_s, 1), validate_s=round(validate_s, 1),
                   plain_run_s=[round(s, 2) for s in plain], recorded_run_s=[round(s, 2) for s in plugin],
                   harness_run_s=[round(s, 2) for s in harness], overhead_ratio=round(overhead, 3),
                   harness_ratio=round(whole, 3), ids_equal_collect_only=True)
    write_json(args.out / "test_ids.json", figures)
    print(f"{len(printed)} tests ({len(spec.FAIL_TO_PASS)} F2P, {len(spec.PASS_TO_PASS)} P2P): "
          f"register {register_s:.1f} s, validate {validate_s:.1f} s")
    print(f"id capture: {statistics.median(plugin):.2f} s vs plain pytest -q {statistics.median(plain):.2f} s: "
          f"{overhead:.3f}x (goal <= 1.10x); recorded ids == --collect-only -q: yes")
    print(f"with the harness's file transfers: {statistics.median(harness):.2f} s: {whole:.3f}x")


if __name__ == "__main__":
    main()
