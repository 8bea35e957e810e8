"""Training configs: one pydantic model per command (extra keys are errors), read from YAML and
overridden from the command line; GPU-only options are refused on a machine without a GPU.

Defaults follow the SRL paper (arXiv 2510.25992, App. B) where it is specific: group size 8,
temperature 1.0, KL coefficient 0, clipped ratio (0.2), batch 512 prompts, lr 5e-7 for full
fine-tuning. The LoRA learning rate default is 10x the full fine-tuning one (5e-6), as TRL's
"LoRA Without Regret" guide advises for LoRA on all linear layers (its finding: the best LoRA lr
is about 10x the best full fine-tuning lr, for SFT and RL alike); full fine-tuning
(`lora.enabled: false`) should set lr back to 5e-7."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from srl_swe.errors import ConfigError

RAY_ENVS = ("Ray address for the episode envs, each in a worker on a docker node (auto | local | ray://HOST:PORT); "
            "none: here.")


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    target_modules: list[str] | str = "all-linear"


class TrainConfig(BaseModel):
    """What every trainer shares."""

    model_config = ConfigDict(extra="forbid")

    model: str = "tiny"
    data: str | None = None
    out: str | None = None
    init_from: str | None = Field(None, description="An adapter (or run directory) to start from.")
    max_steps: int = Field(100, ge=1)
    lr: float = Field(5e-6, gt=0)
    lr_scheduler: Literal["constant", "constant_with_warmup", "linear", "cosine"] = "constant_with_warmup"
    warmup_steps: int = Field(0, ge=0)
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    bf16: bool = Field(False, description="Load the model in bfloat16 (the LoRA weights stay float32).")
    gradient_checkpointing: bool = False
    save_every: int = Field(50, ge=1)
    keep_checkpoints: int = Field(2, ge=1)
    train_split: str = "train"
    max_prompt_tokens: int = Field(2048, ge=16)
    micro_batch_size: int = Field(8, ge=1, description="Sequences per forward/backward pass.")
    lora: LoraSettings = Field(default_factory=LoraSettings)


class SFTConfig(TrainConfig):
    lr: float = Field(1e-4, gt=0)  # 10x a typical 1e-5 full fine-tuning SFT lr (TRL, LoRA Without Regret)
    batch_size: int = Field(8, ge=1)
    with_thought: bool = True
    max_seq_tokens: int = Field(3072, ge=16)


class GRPOSettings(TrainConfig):
    group_size: int = Field(8, ge=2)
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1.0)
    kl_coef: float = Field(0.0, ge=0)
    log_kl: bool = Field(True, description="Measure KL to the base policy even when kl_coef is 0.")
    clip_eps: float = Field(0.2, gt=0)
    num_iterations: int = Field(1, ge=1, description="Gradient passes over each sampled batch.")
    std_eps: float = Field(1e-6, ge=0, description="Dynamic sampling keeps groups with reward std above this.")
    adv_eps: float = Field(1e-4, gt=0)
    max_refill_rounds: int = Field(4, ge=0)
    max_new_tokens: int = Field(512, ge=1)
    use_vllm: bool = Field(
        False, description="Sample rollouts with vLLM (GPU, LoRA runs); else transformers' generate()."
    )
    vllm_gpu_memory_utilization: float = Field(0.3, gt=0, lt=1, description="GPU memory share of the vLLM engine.")


class SRLConfig(GRPOSettings):
    batch_prompts: int = Field(512, ge=1)
    dynamic_sampling: bool = Field(True, description="Keep only groups whose rewards differ (the paper); false keeps "
                                   "every group (those with equal rewards have zero advantage).")
    generation_batch_prompts: int = Field(16, ge=1, description="Prompts per generate() call.")


class RLVRConfig(GRPOSettings):
    tasks_dir: str | None = Field(None, description="Tasks directory (default: the bundled tasks/).")
    task_ids: list[str] | None = None
    batch_tasks: int = Field(2, ge=1, description="Task groups (G episodes each) kept per step.")
    max_turns: int = Field(30, ge=1, description="Policy turns before an episode is truncated (and graded).")
    env_spec: str = Field("rlvr", description="An envs/ spec name or YAML path (mode is forced to rlvr).")
    env_overrides: dict[str, Any] = Field(default_factory=dict, description="EnvSettings fields to change.")
    dapo_filter: bool = Field(True, description="Keep only groups with 0 < successes < G (DAPO).")
    ray: str | None = Field(None, description=RAY_ENVS)


class PPOConfig(TrainConfig):
    """PPO with a learned value (train/ppo.py). `stepwise`: one sample per step-wise prompt, rewarded
    by the SRL reward. `srl`, `rlvr`, `both`: multi-turn SWEEnv episodes rewarded per step (similarity
    to the expert's step, expert's action executed), by the tests at submit, or both (the policy's
    own actions run and each step is also compared with the expert's step of the same index)."""

    mode: Literal["stepwise", "srl", "rlvr", "both"] = "stepwise"
    ray: str | None = Field(None, description=RAY_ENVS)
    critic: Literal["separate", "shared"] = Field(
        "separate", description="Own LoRA adapter on the shared base, or the policy's.")
    batch_prompts: int = Field(64, ge=1, description="stepwise: prompts (one sample each) per step.")
    generation_batch_prompts: int = Field(16, ge=1, description="Prompts per generate() call.")
    batch_episodes: int = Field(4, ge=1, description="Episode modes: episodes per step (one env each, in lockstep).")
    ppo_epochs: int = Field(2, ge=1, description="Passes over each batch of rollouts.")
    minibatch_size: int = Field(16, ge=1, description="Turns per optimizer step within a pass.")
    gamma: float = Field(1.0, ge=0, le=1)
    lam: float = Field(0.95, ge=0, le=1)
    clip_eps: float = Field(0.2, gt=0)
    value_clip_eps: float = Field(0.2, gt=0)
    vf_coef: float = Field(0.5, gt=0)
    kl_coef: float = Field(0.0, ge=0, description="Per-token KL penalty to the base (adapter off) in the reward.")
    log_kl: bool = Field(True, description="Measure KL to the base policy even when kl_coef is 0.")
    whiten_advantages: bool = True
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1.0)
    max_new_tokens: int = Field(512, ge=1)
    tasks_dir: str | None = Field(None, description="Episode modes: tasks directory (default: the bundled tasks/).")
    task_ids: list[str] | None = None
    max_turns: int = Field(30, ge=1, description="Policy turns before an episode is truncated.")
    env_spec: str = Field("rlvr", description="An envs/ spec name or YAML path (its mode is set from `mode`).")
    env_overrides: dict[str, Any] = Field(default_factory=dict, description="EnvSettings fields to change.")


CONFIGS: dict[str, type[TrainConfig]] = {"sft": SFTConfig, "srl": SRLConfig, "rlvr": RLVRConfig, "ppo": PPOConfig}

# Starting values under the config file and the command line. `paper`: the defaults above (the
# paper's batch of 512, group 8, 512 new tokens), sized for GPUs. `cpu-demo`: minutes on a laptop
# CPU with the tiny model, with the sizes and rates `srl-swe demo` uses (tuned in
# benchmarks/learning.py; the tiny model is random-init, so SFT needs a far larger rate: pass --lr
# for a real model). A step of the paper's batch takes hours on a CPU.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "paper": {"sft": {}, "srl": {}, "rlvr": {}, "ppo": {}},
    "cpu-demo": {
        "sft": {"lr": 5e-3, "batch_size": 8, "with_thought": False, "max_prompt_tokens": 512, "max_seq_tokens": 704,
                "max_steps": 200, "save_every": 50},
        "srl": {"lr": 1e-4, "batch_prompts": 4, "generation_batch_prompts": 4, "group_size": 8, "max_new_tokens": 192,
                "max_prompt_tokens": 512, "max_steps": 8, "save_every": 4},
        # A small model rarely solves a task, so every group would be filtered (DAPO) and the run
        # would stop: here such groups are kept; their advantages are zero, so they teach nothing.
        "rlvr": {"lr": 1e-4, "batch_tasks": 1, "group_size": 4, "max_turns": 4, "max_new_tokens": 192,
                 "max_prompt_tokens": 1024, "max_steps": 3, "save_every": 1, "dapo_filter": False},
        # The SRL demo's rate and lengths, one sample per prompt (PPO needs no group).
        "ppo": {"lr": 1e-4, "batch_prompts": 8, "generation_batch_prompts": 8, "minibatch_size": 8, "batch_episodes": 1,
                "max_turns": 4, "max_new_tokens": 192, "max_prompt_tokens": 512, "max_steps": 8, "save_every": 4},
    },
}


def default_preset() -> str:
    """`paper` where a GPU is visible, else `cpu-demo`."""
    import torch

    return "paper" if torch.cuda.is_available() else "cpu-demo"


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """`key=value` (dotted keys for nested settings, values read as YAML) -> a nested dict."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"Override {pair!r} is not key=value (e.g. --set lora.r=8).")
        node = result
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    return result


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def load_config(kind: str, file: str | Path | None = None, overrides: dict[str, Any] | None = None,
                preset: str = "paper") -> TrainConfig:
    """The `kind` config: the preset's values, then an optional YAML file, then overrides (None
    values are ignored)."""
    cls = CONFIGS[kind]
    if preset not in PRESETS:
        raise ConfigError(f"Unknown preset {preset!r}; known: {', '.join(PRESETS)}.")
    values: dict[str, Any] = {}
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise ConfigError(f"Config file {str(path)!r} does not exist.")
        loaded = yaml.safe_load(path.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"Config file {str(path)!r} must hold a mapping of settings.")
        values = loaded
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = _merge(_merge(PRESETS[preset][kind], values), given)
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, cls, file)) from exc


def _explain(exc: ValidationError, cls: type[BaseModel], file) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    source = f" in {file}" if file else ""
    if first["type"] == "extra_forbidden":
        return f"Unknown {cls.__name__} key {where!r}{source}; known keys: {', '.join(cls.model_fields)}."
    return f"Bad value for {where!r}{source}: {first['msg']}."


def resolve_device(cfg: TrainConfig) -> str:
    """'cuda' or 'cpu'. GPU-only options with no GPU visible are a ConfigError. bf16 and gradient
    checkpointing are not among them: both work on a CPU too (slower), which is how they are tested."""
    import torch

    has_gpu = torch.cuda.is_available()
    use_vllm = getattr(cfg, "use_vllm", False)
    wants_gpu = [name for name, wanted in (("device=cuda", cfg.device == "cuda"), ("use_vllm", use_vllm)) if wanted]
    if wants_gpu and not has_gpu:
        raise ConfigError(f"{', '.join(wants_gpu)} need(s) a CUDA GPU and none is visible: drop the option(s) "
                          "or run on a GPU machine.")
    if use_vllm and cfg.device == "cpu":
        raise ConfigError("use_vllm samples on the GPU: it cannot be combined with device=cpu.")
    if use_vllm:
        from srl_swe.train.vllm_generation import vllm_missing_reason

        if reason := vllm_missing_reason():
            raise ConfigError(reason)
    return "cuda" if has_gpu and cfg.device != "cpu" else "cpu"


def dump_config(cfg: TrainConfig) -> str:
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
