"""What SFT, SRL and RLVR share: the run directory, the trainable model (LoRA by default), the
optimizer and scheduler, the data sampler, metrics, checkpoints and resume, and the final adapter.
Each trainer opens a Session and then reads top to bottom."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from srl_swe import atomic
from srl_swe.atomic import replacing_dir
from srl_swe.errors import ConfigError
from srl_swe.models.loading import is_adapter, resolve_model
from srl_swe.train import policy
from srl_swe.train.checkpoint import latest_checkpoint, load_checkpoint, rng_state, save_checkpoint
from srl_swe.train.config import TrainConfig, dump_config, resolve_device
from srl_swe.train.distributed import Workers, rank_seed
from srl_swe.train.metrics import MetricsLog, NullLog

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
    log: MetricsLog | NullLog
    workers: Workers
    step: int = 0
    vllm: Any = None  # a VLLMSampler when use_vllm

    def sample(self, prompts: list[list[int]], num_samples: int, max_new_tokens: int, temperature: float = 1.0,
               top_p: float = 1.0) -> list[list[int]]:
        """Completions from the current policy (vLLM's engine, synced to this step's adapter, or
        transformers' generate()), `num_samples` per prompt, grouped prompt by prompt."""
        if self.vllm is not None:
            self.vllm.sync(self.model, self.step)
            return self.vllm.sample(prompts, num_samples, max_new_tokens, temperature, top_p)
        return policy.sample(self.model, self.tokenizer, prompts, num_samples, max_new_tokens, temperature, top_p)

    @property
    def uses_lora(self) -> bool:
        return hasattr(self.model, "disable_adapter")

    @property
    def trainable(self) -> list[torch.nn.Parameter]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def end_step(self, metrics: dict) -> None:
        """Log the step's metrics; checkpoint every `save_every` steps and at the last step."""
        self.log.log(self.step, {**metrics, "world_size": self.workers.world} if self.workers.world > 1 else metrics)
        if self.step % self.cfg.save_every == 0 or self.step == self.cfg.max_steps:
            self.checkpoint()

    def checkpoint(self) -> Path | None:
        """Every process takes part (their RNG states are saved); the main process writes."""
        self.workers.check_in_step(self.trainable, self.step)
        rngs = self.workers.gather([rng_state()])
        saved = None
        if self.workers.is_main:
            saved = save_checkpoint(self.run_dir, self.step, self.model, self.optimizer, self.scheduler,
                                    self.sampler.state(), keep=self.cfg.keep_checkpoints,
                                    rng_by_rank=rngs if self.workers.world > 1 else None)
        self.workers.barrier()
        return saved

    def export(self) -> Path:
        """The trained adapter (or full model) with its tokenizer at RUN_DIR/adapter, atomically
        (written by the main process)."""
        target = self.run_dir / ADAPTER_DIR
        if not self.workers.is_main:
            self.workers.barrier()
            return target
        with replacing_dir(target, prefix=".adapter-") as staging:
            self.model.save_pretrained(staging)
            self.tokenizer.save_pretrained(staging)
        self.workers.barrier()
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


def enable_checkpointing(model) -> None:
    """Recompute activations in backward. Non-reentrant: it works with frozen inputs (LoRA)
    without enable_input_require_grads. transformers 5 renamed the method."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


@contextmanager
def open_session(cfg: TrainConfig, n_items: int, resume: bool = False, prepare: Callable[[Any], Any] | None = None):
    """Set up (or resume) a run in cfg.out; yields a Session and closes its logs on exit. `prepare`
    adds trainable parts to the model (PPO's critic) before the optimizer and the checkpoint see it."""
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
    workers = Workers(resolve_device(cfg))
    device = workers.device
    seed_everything(cfg.seed)
    with workers.main_first():
        model, tokenizer = build_model(cfg, device)
    if prepare is not None:
        model = prepare(model)
    if cfg.gradient_checkpointing:
        enable_checkpointing(model)
    params = [p for p in model.parameters() if p.requires_grad]
    workers.broadcast_parameters(params)
    if workers.rank:
        seed_everything(rank_seed(cfg.seed, workers.rank))
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = get_scheduler(cfg.lr_scheduler, optimizer, num_warmup_steps=cfg.warmup_steps,
                              num_training_steps=cfg.max_steps)
    sampler = IndexSampler(n_items, cfg.seed)
    step = 0
    if found:
        restored = load_checkpoint(found, model, optimizer, scheduler, workers.rank, workers.world)
        sampler.load(restored["data"])
        step = restored["step"]
        if not restored["rng_restored"]:  # resumed with another number of processes
            seed_everything(rank_seed(cfg.seed + step, workers.rank))
    run_dir.mkdir(parents=True, exist_ok=True)
    if workers.is_main:
        atomic.write_text(run_dir / "config.yaml", dump_config(cfg))
    log = MetricsLog(run_dir, resumed_step=step) if workers.is_main else NullLog()
    vllm = open_vllm(cfg, model, tokenizer, workers) if getattr(cfg, "use_vllm", False) else None
    try:
        with log:
            yield Session(
                cfg, run_dir, device, model, tokenizer, optimizer, scheduler, sampler, log, workers, step, vllm
            )
    finally:
        if vllm is not None:
            vllm.close()
    workers.close()  # not after an error: a barrier there would wait for processes that died


def open_vllm(cfg, model, tokenizer, workers: Workers):
    from srl_swe.train.vllm_generation import VLLMSampler, base_model_of

    return VLLMSampler(base_model_of(model), cfg.lora.r, cfg.max_prompt_tokens + cfg.max_new_tokens,
                       policy.stop_ids(tokenizer, model), tokenizer.eos_token_id, rank_seed(cfg.seed, workers.rank),
                       "bfloat16" if cfg.bf16 else "auto", cfg.vllm_gpu_memory_utilization, workers.world)
