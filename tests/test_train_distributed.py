"""Data-parallel training on two CPU processes (torchrun, gloo): the same SFT step as one process
over the same global batch, SRL that stays in step and resumes exactly, and drifted weights caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from srl_swe.train.config import load_config
from srl_swe.train.metrics import read_metrics
from srl_swe.train.sft import train_sft
from tests.train_support import one_thread

pytestmark = [pytest.mark.train, pytest.mark.long]
SCRIPT = Path(__file__).with_name("distributed_srl.py")


def torchrun(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    if check and done.returncode != 0:
        raise AssertionError(f"torchrun failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def adapter_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(run_dir / "adapter" / "adapter_model.safetensors"))


def test_two_processes_take_the_same_sft_steps_as_one(stepwise_data, tmp_path):
    settings = {
        "data": str(stepwise_data),
        "lr": 3e-3,
        "batch_size": 5,
        "max_steps": 2,
        "save_every": 1,
        "micro_batch_size": 2,
    }
    previous = one_thread()
    try:
        train_sft(load_config("sft", None, {**settings, "out": str(tmp_path / "one")}))
    finally:
        torch.set_num_threads(previous)
    sets = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    # The CLI's default preset follows the device; the one-process run above used load_config's `paper`.
    torchrun("-m", "srl_swe", "train", "sft", "--model", "tiny", "--preset", "paper", "--out", str(tmp_path / "two"),
             *sets)

    one, two = read_metrics(tmp_path / "one"), read_metrics(tmp_path / "two")
    assert [m["world_size"] for m in two] == [2, 2] and "world_size" not in one[0]
    for a, b in zip(one, two, strict=True):
        assert b["target_tokens"] == a["target_tokens"]  # the two shards together are the whole batch
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-5)
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-5)  # summed, not averaged, gradients
    w1, w2 = adapter_weights(tmp_path / "one"), adapter_weights(tmp_path / "two")
    assert w1.keys() == w2.keys()
    # Elementwise equality is too strict: Adam moves a weight by about lr whatever its gradient's
    # size, so a near-zero gradient's rounding (summed in another order) can flip a step. The
    # adapter as a whole must agree.
    v1, v2 = (torch.cat([w[k].flatten() for k in sorted(w1)]) for w in (w1, w2))
    assert float((v1 - v2).norm() / v1.norm()) < 2e-3
    assert any(not torch.allclose(w1[k], torch.zeros_like(w1[k])) for k in w1 if "lora_B" in k)  # it did train


def test_two_process_srl_stays_in_step_and_resumes_exactly(stepwise_data, tmp_path):
    torchrun(str(SCRIPT), "train", str(stepwise_data), str(tmp_path / "straight"), "2")
    # The run as a kill during step 2 leaves it: step 1's checkpoint in force, step 2's not written.
    shutil.copytree(tmp_path / "straight", tmp_path / "cut")
    shutil.rmtree(tmp_path / "cut" / "checkpoints" / "step-000002")
    (tmp_path / "cut" / "checkpoints" / "latest").write_text("step-000001")
    torchrun(str(SCRIPT), "resume", str(stepwise_data), str(tmp_path / "cut"), "2")
    straight, cut = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "cut")
    assert [m["step"] for m in straight] == [1, 2] == [m["step"] for m in cut]
    assert all(m["world_size"] == 2 and m["groups_kept"] == 3 for m in straight)
    for key in ("loss", "reward_mean", "completion_len_mean", "grad_norm"):
        assert cut[1][key] == pytest.approx(straight[1][key], rel=1e-5, abs=1e-7), key
    state = torch.load(tmp_path / "cut" / "checkpoints" / "step-000002" / "trainer_state.pt", weights_only=False)
    assert len(state["rng_by_rank"]) == 2
    assert not torch.equal(state["rng_by_rank"][0]["torch"], state["rng_by_rank"][1]["torch"])  # ranks sample apart


def test_processes_whose_weights_drift_apart_are_stopped(stepwise_data, tmp_path):
    done = torchrun(str(SCRIPT), "diverge", str(stepwise_data), str(tmp_path / "run"), "1", check=False)
    assert done.returncode != 0
    assert "processes hold different weights at step 0" in done.stdout + done.stderr


@pytest.mark.docker
def test_two_process_rlvr_runs_each_share_of_the_tasks_in_its_own_containers(base_image, tmp_path):
    """Two task groups, one per process, graded in real containers; the groups are pooled for the
    metrics (DAPO's filter off: an untrained model solves nothing, and the step still runs)."""
    sets = {"group_size": 2, "batch_tasks": 2, "max_turns": 1, "max_new_tokens": 8, "max_prompt_tokens": 512,
            "dapo_filter": "false", "env_overrides.observation_budget": 200}
    args = [arg for key, value in sets.items() for arg in ("--set", f"{key}={value}")]
    torchrun("-m", "srl_swe", "train", "rlvr", "--model", "tiny", "--task", "confload-2", "--task", "lrukit-3",
             "--out", str(tmp_path / "run"), "--max-steps", "1", *args)
    [metrics] = read_metrics(tmp_path / "run")
    assert metrics["world_size"] == 2 and metrics["fraction_filtered"] == 0.0
    assert metrics["turns_mean"] == 1.0 and metrics["success_rate"] == 0.0
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()
