"""Checkpoints that let an interrupted run continue with nothing lost: the trainable weights
(the LoRA adapter, or all weights in full fine-tuning), optimizer, scheduler, every RNG, the data
position and the step. Each is written in a temporary directory and renamed into place, then
`latest` is replaced atomically, so a crash mid-save leaves the previous checkpoint in force."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from srl_swe.atomic import replacing_dir, write_text
from srl_swe.errors import ConfigError

STATE_FILE = "trainer_state.pt"
LATEST = "latest"


def checkpoints_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoints"


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(run_dir: Path, step: int, model, optimizer, scheduler, data_state: dict, keep: int = 2,
                    rng_by_rank: list[dict[str, Any]] | None = None) -> Path:
    """Write checkpoint `step-NNNNNN` (with a loadable adapter under `adapter/` for LoRA runs).
    `rng_by_rank`: every data-parallel process's RNG state, when there are several."""
    root = checkpoints_dir(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step:06d}"
    with replacing_dir(final, prefix=".staging-") as staging:
        torch.save(
            {
                "step": step,
                "weights": trainable_state(model),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rng_state(),
                "rng_by_rank": rng_by_rank,
                "data": data_state,
            },
            staging / STATE_FILE,
        )
        if hasattr(model, "peft_config"):
            model.save_pretrained(staging / "adapter")
    write_text(root / LATEST, final.name)
    for old in sorted(p for p in root.glob("step-*") if p.is_dir())[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    pointer = checkpoints_dir(run_dir) / LATEST
    if not pointer.is_file():
        return None
    path = checkpoints_dir(run_dir) / pointer.read_text().strip()
    return path if (path / STATE_FILE).is_file() else None


def load_checkpoint(path: Path, model, optimizer, scheduler, rank: int = 0, world: int = 1) -> dict[str, Any]:
    """Restore weights, optimizer, scheduler and this process's RNG in place; returns {"step",
    "data", "rng_restored"} (False when the run resumes with a different number of processes:
    the caller then seeds the other processes afresh)."""
    state = torch.load(Path(path) / STATE_FILE, map_location="cpu", weights_only=False)
    expected = {n for n, p in model.named_parameters() if p.requires_grad}
    if set(state["weights"]) != expected:
        raise ConfigError(f"Checkpoint {path} does not match this model's trainable weights (different model or "
                          "LoRA settings?): resume with the run's original config.")
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, tensor in state["weights"].items():
            params[name].copy_(tensor.to(params[name].device, params[name].dtype))
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    by_rank = state.get("rng_by_rank") or [state["rng"]]
    restored = len(by_rank) == world
    if restored:
        set_rng_state(by_rank[rank])
    elif rank == 0:
        set_rng_state(state["rng"])
    return {"step": state["step"], "data": state["data"], "rng_restored": restored or rank == 0}
