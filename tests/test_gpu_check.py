"""benchmarks/gpu_check.sh in its CPU smoke mode (every part: SRL step, PPO step, RLVR turn, TRL's
GRPOTrainer), and the wheel list its --prepare mode downloads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
