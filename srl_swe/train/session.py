"""What SFT, SRL and RLVR share: the run directory, the trainable model (LoRA by default), the
optimizer and scheduler, the data sampler, metrics, checkpoints and resume, and the final adapter.
Each trainer opens a Session and then reads top to bottom."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from srl_swe.errors import ConfigError
from srl_swe.models.loading import is_adapter, resolve_model
from srl_swe.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from srl_swe.train.config import TrainConfig, dump_config, resolve_device
from srl_swe.train.metrics import MetricsLog

ADAPTER_DIR = "adapter"


class IndexSampler:
    """Endless shuffled passes over n items; its state is (epoch, position), so a resumed run
    draws exactly the items the uninterrupted run would have drawn."""

    def __init__(self, n: int, seed: int):
        if n == 0:
            raise ConfigError("The training data is empty: nothing to train on.")
        self.n, self.seed, self.epoch, self.pos = n, seed, 0, 0
        self._order = self._permutation()

    def _permutation(self) -> list[int]:
        return torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed + self.epoch)).tolist()

    def take(self, k: int) -> list[int]:
        out = []
        while len(out) < k:
            if self.pos == self.n:
                self.epoch, self.pos = self.epoch + 1, 0
                self._order = self._permutation()
            out.append(self._order[self.pos])
            self.pos += 1
        return out

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "pos": self.pos}

    def load(self, state: dict[str, int]) -> None:
        self.epoch, self.pos = state["epoch"], state["pos"]
        self._order = self._permutation()


@dataclass
class Session:
    cfg: TrainConfig
    run_dir: Path
    device: str
    model: Any
    tokenizer: Any
    optimizer: torch.optim.Optimizer
    scheduler: Any
    sampler: IndexSampler
    log: MetricsLog
    step: int = 0

    @property
    def uses_lora(self) -> bool:
        return hasattr(self.model, "disable_adapter")

    def end_step(self, metrics: dict) -> None:
        """Log the step's metrics; checkpoint every `save_every` steps and at the last step."""
        self.log.log(self.step, metrics)
        if self.step % self.cfg.save_every == 0 or self.step == self.cfg.max_steps:
            self.checkpoint()

    def checkpoint(self) -> Path:
        return save_checkpoint(self.run_dir, self.step, self.model, self.optimizer, self.scheduler,
                               self.sampler.state(), keep=self.cfg.keep_checkpoints)

    def export(self) -> Path:
        """The trained adapter (or full model) with its tokenizer at RUN_DIR/adapter, atomically."""
        target = self.run_dir / ADAPTER_DIR
        staging = Path(tempfile.mkdtemp(dir=self.run_dir, prefix=".adapter-"))
        try:
            self.model.save_pretrained(staging)
            self.tokenizer.save_pretrained(staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(cfg: TrainConfig, device: str):
    """The policy: `init_from` (an adapter or a run directory holding one) continues that adapter;
    otherwise the base model gets a fresh LoRA adapter, or is trained whole when LoRA is off."""
    dtype = torch.bfloat16 if cfg.bf16 else None
    if cfg.init_from:
        source = Path(cfg.init_from)
        source = source / ADAPTER_DIR if (source / ADAPTER_DIR).is_dir() else source
        if not is_adapter(source):
            raise ConfigError(f"--init-from {cfg.init_from!r} holds no LoRA adapter (adapter_config.json); "
                              "give a run directory or its adapter/ directory.")
        return resolve_model(str(source), device=device, dtype=dtype)
    model, tokenizer = resolve_model(cfg.model, device=device, dtype=dtype)
    if cfg.lora.enabled:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(
            r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
            target_modules=cfg.lora.target_modules, task_type="CAUSAL_LM",
        ))
    return model, tokenizer


@contextmanager
def open_session(cfg: TrainConfig, n_items: int, resume: bool = False):
    """Set up (or resume) a run in cfg.out; yields a Session and closes its logs on exit."""
    from transformers import get_scheduler

    if not cfg.out:
        raise ConfigError("No run directory: pass --out RUN_DIR.")
    run_dir = Path(cfg.out)
    found = latest_checkpoint(run_dir)
    if found and not resume:
        raise ConfigError(f"{run_dir} already holds a run (checkpoint {found.name}): pass --resume to continue it, "
                          "or choose another --out.")
    if resume and not found:
        raise ConfigError(f"--resume: {run_dir} holds no checkpoint to resume from.")
    device = resolve_device(cfg)
    seed_everything(cfg.seed)
    model, tokenizer = build_model(cfg, device)
    if cfg.gradient_checkpointing:
        # non-reentrant: works with frozen inputs (LoRA) without enable_input_require_grads
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = get_scheduler(cfg.lr_scheduler, optimizer, num_warmup_steps=cfg.warmup_steps,
                              num_training_steps=cfg.max_steps)
    sampler = IndexSampler(n_items, cfg.seed)
    step = 0
    if found:
        restored = load_checkpoint(found, model, optimizer, scheduler)
        sampler.load(restored["data"])
        step = restored["step"]
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(dump_config(cfg))
    with MetricsLog(run_dir, resumed_step=step) as log:
        yield Session(cfg, run_dir, device, model, tokenizer, optimizer, scheduler, sampler, log, step)
