"""`srl-swe train`: sft | srl | rlvr | ppo, merge, plot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from srl_swe.cli.common import friendly, out

app = typer.Typer(help="Train policies: SFT baseline, SRL (step-wise GRPO), RLVR in SWEEnv, PPO with a value head; merge adapters; plot runs.",
                  no_args_is_help=True)

Model = Annotated[str | None, typer.Option("--model", help="'tiny', a local model/adapter directory, or a hub name.")]
Data = Annotated[str | None, typer.Option("--data", help="Step-wise dataset directory (or an SFT export .jsonl for sft).")]
Out = Annotated[str | None, typer.Option("--out", help="Run directory (checkpoints, metrics, adapter).")]
MaxSteps = Annotated[int | None, typer.Option("--max-steps", help="Optimizer steps to run.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint.")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML file of settings (keys of the command's config).")]
InitFrom = Annotated[str | None, typer.Option("--init-from", help="Start from this adapter (a run directory or adapter dir).")]
Lr = Annotated[float | None, typer.Option("--lr", help="Learning rate.")]
Set = Annotated[list[str] | None, typer.Option("--set", help="Any setting as key=value (dotted for nested, e.g. lora.r=8); repeatable.")]


def _config(kind: str, config: Path | None, sets: list[str] | None, **given):
    from srl_swe.train.config import load_config, parse_assignments

    overrides = {**parse_assignments(sets or []), **{k: v for k, v in given.items() if v is not None}}
    return load_config(kind, config, overrides)


def _report(kind: str, cfg, last: dict) -> None:
    shown = ", ".join(f"{k}={v:.4g}" for k, v in last.items() if k in ("loss", "reward_mean", "fraction_filtered", "success_rate", "value_loss"))
    out.print(f"{kind} done: {cfg.out} (adapter in {Path(cfg.out) / 'adapter'}){': ' + shown if shown else ''}")


@app.command("sft")
@friendly
def sft(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None, set_: Set = None) -> None:
    """LoRA supervised fine-tuning on expert steps (the paper's baseline)."""
    from srl_swe.train.sft import train_sft

    cfg = _config("sft", config, set_, model=model, data=data, out=out_dir, max_steps=max_steps, init_from=init_from, lr=lr)
    _report("sft", cfg, train_sft(cfg, resume=resume))


@app.command("srl")
@friendly
def srl(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None, set_: Set = None) -> None:
    """SRL: step-wise GRPO with the action-similarity reward and dynamic sampling."""
    from srl_swe.train.srl import train_srl

    cfg = _config("srl", config, set_, model=model, data=data, out=out_dir, max_steps=max_steps, init_from=init_from, lr=lr)
    _report("srl", cfg, train_srl(cfg, resume=resume))


@app.command("rlvr")
@friendly
def rlvr(model: Model = None, data: Annotated[str | None, typer.Option("--data", help="Tasks directory (default: tasks).")] = None,
         out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False, config: ConfigFile = None,
         init_from: InitFrom = None, lr: Lr = None, task: Annotated[list[str] | None, typer.Option("--task", help="Task id to train on; repeatable (default: all).")] = None,
         set_: Set = None) -> None:
    """RLVR: GRPO over whole episodes in SWEEnv, rewarded by the task's tests."""
    from srl_swe.train.rlvr import train_rlvr

    cfg = _config("rlvr", config, set_, model=model, tasks_dir=data, out=out_dir, max_steps=max_steps,
                  init_from=init_from, lr=lr, task_ids=task)
    _report("rlvr", cfg, train_rlvr(cfg, resume=resume))


@app.command("ppo")
@friendly
def ppo(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None,
        mode: Annotated[str | None, typer.Option("--mode", help="stepwise (--data), or episodes in SWEEnv: srl | rlvr | both.")] = None,
        tasks: Annotated[list[str] | None, typer.Option("--tasks", "--task", help="Episode modes: task id; repeatable (default: all).")] = None,
        tasks_dir: Annotated[str | None, typer.Option("--tasks-dir", help="Episode modes: tasks directory (default: tasks).")] = None,
        set_: Set = None) -> None:
    """PPO with a value head: step-wise SRL instances, or multi-turn episodes rewarded per step and/or by tests."""
    from srl_swe.train.ppo import train_ppo

    cfg = _config("ppo", config, set_, model=model, data=data, out=out_dir, max_steps=max_steps, init_from=init_from,
                  lr=lr, mode=mode, task_ids=_split(tasks), tasks_dir=tasks_dir)
    _report("ppo", cfg, train_ppo(cfg, resume=resume))


def _split(values: list[str] | None) -> list[str] | None:
    """`--tasks a,b --tasks c` -> [a, b, c]."""
    return [v for value in values for v in value.split(",") if v] if values else None


@app.command("merge")
@friendly
def merge(run_dir: Annotated[Path, typer.Argument(help="A run directory (or an adapter directory).")],
          out_dir: Annotated[Path, typer.Option("--out", help="Where to write the merged model.")]) -> None:
    """Merge a run's LoRA adapter into its base model."""
    from srl_swe.train.merge import merge_run

    out.print(f"merged model: {merge_run(run_dir, out_dir)}")


@app.command("plot")
@friendly
def plot(run_dir: Annotated[Path, typer.Argument(help="A run directory with metrics.jsonl.")],
         out_file: Annotated[Path | None, typer.Option("--out", help="PNG path (default RUN_DIR/curves.png).")] = None) -> None:
    """Draw a run's training curves as a PNG."""
    from srl_swe.train.plot import plot_run

    out.print(f"curves: {plot_run(run_dir, out_file)}")
