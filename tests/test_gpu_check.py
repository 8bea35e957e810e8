"""benchmarks/gpu_check.sh in its CPU smoke mode (every part: SRL step, PPO step, RLVR turn, TRL's
GRPOTrainer), and the wheel list its --prepare mode downloads."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.long

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.train
def test_smoke_mode_measures_every_part(tmp_path):
    result = subprocess.run([str(BENCHMARKS / "gpu_check.sh"), "--smoke", "--json-out", str(tmp_path / "out.json")],
                            env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    for part in ("srl_step", "ppo_step", "rlvr_turn", "trl_grpo_step"):
        assert part in result.stdout
    assert "SRL step vs TRL GRPOTrainer" in result.stdout


def test_the_wheel_list_leaves_out_what_the_gpu_machine_has():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from gpu_wheels import ASSUMED_PRESENT, NEEDED, closure
    finally:
        sys.path.remove(str(BENCHMARKS))
    present = set(closure(ASSUMED_PRESENT))
    wanted = closure(NEEDED, skip=present)
    assert {"torch", "numpy", "pyarrow", "sympy"} <= present and not present & set(wanted)
    assert {"transformers", "peft", "trl", "datasets", "tokenizers", "pydantic-core"} <= set(wanted)


def test_the_wheels_hold_every_package_the_checks_srl_swe_modules_import():
    """The check's own imports of srl_swe (read from its scripts) pull in nothing third-party that the wheel list or
    the GPU machine lacks (a package added to srl_swe, say msgspec, must be carried too)."""
    sources = "".join((BENCHMARKS / name).read_text() for name in ("gpu_check.py", "ppo_step.py", "srl_step.py"))
    modules = sorted(set(re.findall(r"^\s*from (srl_swe[\w.]*) import", sources, re.M)))
    assert "srl_swe.train.session" in modules
    script = ("import sys, json\n" + "".join(f"import {m}\n" for m in modules)
              + "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                       timeout=300).stdout)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from gpu_wheels import ASSUMED_PRESENT, NEEDED, closure
    finally:
        sys.path.remove(str(BENCHMARKS))
    carried = {_key(name) for name in closure(NEEDED) | closure(ASSUMED_PRESENT)}
    providers = importlib.metadata.packages_distributions()
    missing = {dist for top in loaded for dist in providers.get(top, []) if _key(dist) not in carried}
    assert not missing - {"srl-swe"}, f"imported by the check but not carried: {sorted(missing)}"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
