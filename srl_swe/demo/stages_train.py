"""Demo stages that train and score the model: SFT warm-up, SRL, and validation similarity."""

from __future__ import annotations

from pathlib import Path

from srl_swe.demo.context import Context
from srl_swe.train.checkpoint import latest_checkpoint
from srl_swe.train.session import ADAPTER_DIR


def _run_dir(ctx: Context, name: str) -> Path:
    return ctx.path("train", name)


def adapter(ctx: Context, name: str) -> str:
    return str(_run_dir(ctx, name) / ADAPTER_DIR)


def sft(ctx: Context) -> dict:
    from srl_swe.train.config import SFTConfig
    from srl_swe.train.sft import train_sft

    run_dir = _run_dir(ctx, "sft")
    b = ctx.budget
    cfg = SFTConfig(model=ctx.config.model, data=str(ctx.path("data")), out=str(run_dir), max_steps=b.sft_steps,
                    lr=b.sft_lr, seed=ctx.config.seed, save_every=max(5, b.sft_steps // 4), batch_size=8,
                    with_thought=False, max_prompt_tokens=b.max_prompt_tokens,
                    max_seq_tokens=b.max_prompt_tokens + b.max_new_tokens)
    last = train_sft(cfg, resume=latest_checkpoint(run_dir) is not None)
    return {"steps": cfg.max_steps, "last": last}


def srl(ctx: Context) -> dict:
    """SRL from the SFT adapter, as the demo's SFT warm-up then SRL."""
    from srl_swe.train.config import SRLConfig
    from srl_swe.train.srl import train_srl

    run_dir = _run_dir(ctx, "srl")
    b = ctx.budget
    cfg = SRLConfig(model=ctx.config.model, init_from=adapter(ctx, "sft"), data=str(ctx.path("data")), out=str(run_dir),
                    max_steps=b.srl_steps, lr=b.srl_lr, batch_prompts=b.srl_batch_prompts,
                    generation_batch_prompts=b.srl_batch_prompts, group_size=b.group_size,
                    max_new_tokens=b.max_new_tokens, max_prompt_tokens=b.max_prompt_tokens, seed=ctx.config.seed,
                    save_every=max(1, b.srl_steps // 2),
                    # after a smoke run's 4 SFT steps every sample breaks the format (-1 each): the
                    # paper's dynamic sampling would drop every group and SRL would stop
                    dynamic_sampling=not b.smoke)
    last = train_srl(cfg, resume=latest_checkpoint(run_dir) is not None)
    return {"steps": cfg.max_steps, "last": last}


def models(ctx: Context) -> dict[str, str]:
    """The three policies compared: the base model, after SFT, after SFT then SRL."""
    return {"untrained": ctx.config.model, "sft": adapter(ctx, "sft"), "srl": adapter(ctx, "srl")}


def similarity(ctx: Context) -> dict:
    """Mean SRL reward (similarity to the expert's action, -1 for a broken format) on the held-out
    trajectories' steps, greedy decoding."""
    import datasets

    from srl_swe.train.progress import progress_bar
    from srl_swe.train.step_rewards import mean_step_similarity

    validation = datasets.load_from_disk(str(ctx.path("data")))["validation"]
    scores = {}
    with progress_bar("validation similarity", 3) as advance:
        for name, model in models(ctx).items():
            scores[name] = mean_step_similarity(model, validation, max_new_tokens=ctx.budget.max_new_tokens,
                                                max_prompt_tokens=ctx.budget.max_prompt_tokens)
            advance(**{name: scores[name]})
    return {"rows": validation.num_rows, "mean_similarity": scores}
