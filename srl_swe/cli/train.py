"""`srl-swe train`: sft | srl | rlvr | ppo, merge, plot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from srl_swe.cli.common import Ray, friendly, out

app = typer.Typer(help="Train policies: SFT baseline, SRL (step-wise GRPO), RLVR in SWEEnv, PPO with a value head; "
                       "merge adapters; plot runs.", no_args_is_help=True)

Model = Annotated[str | None, typer.Option("--model", help="'tiny', a local model/adapter directory, or a hub name.")]
Data = Annotated[
    str | None, typer.Option("--data", help="Step-wise dataset directory (or an SFT export .jsonl for sft).")
]
Out = Annotated[str | None, typer.Option("--out", help="Run directory (checkpoints, metrics, adapter).")]
MaxSteps = Annotated[int | None, typer.Option("--max-steps", help="Optimizer steps to run.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint.")]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="YAML file of settings (keys of the command's config).")
]
InitFrom = Annotated[
    str | None, typer.Option("--init-from", help="Start from this adapter (a run directory or adapter dir).")
]
Lr = Annotated[float | None, typer.Option("--lr", help="Learning rate.")]
Set = Annotated[
    list[str] | None,
    typer.Option("--set", help="Any setting as key=value (dotted for nested, e.g. lora.r=8); repeatable."),
]
Preset = Annotated[str | None, typer.Option(
    "--preset", help="Starting settings: 'paper' (batch 512, group 8; GPU) or 'cpu-demo' (minutes on a CPU). "
    "Default: paper on a GPU, cpu-demo without one. --config and the other options override it.")]
TasksData = Annotated[str | None, typer.Option("--data", help="Tasks directory (default: tasks).")]
Task = Annotated[list[str] | None, typer.Option("--task", help="Task id to train on; repeatable (default: all).")]
PPOMode = Annotated[
    str | None, typer.Option("--mode", help="stepwise (--data), or episodes in SWEEnv: srl | rlvr | both.")
]
PPOTasks = Annotated[
    list[str] | None, typer.Option("--tasks", "--task", help="Episode modes: task id; repeatable (default: all).")
]
PPOTasksDir = Annotated[
    str | None, typer.Option("--tasks-dir", help="Episode modes: tasks directory (default: tasks).")
]
# What each command's summary shows of its last step's metrics.
SHOWN = ("loss", "reward_mean", "fraction_filtered", "success_rate", "value_loss")


def _config(kind: str, config: Path | None, sets: list[str] | None, preset: str | None, resume: bool = False, **given):
    from srl_swe.train.config import PRESETS, default_preset, load_config, parse_assignments

    saved = Path(given["out"]) / "config.yaml" if resume and given.get("out") else None
    if config is None and saved is not None and saved.is_file():
        config = saved  # `--resume` continues with the run's own settings; options given still win
    chosen = preset or default_preset()
    overrides = {**parse_assignments(sets or []), **{k: v for k, v in given.items() if v is not None}}
    cfg = load_config(kind, config, overrides, chosen)
    sizes = ", ".join(f"{k}={getattr(cfg, k)}" for k in PRESETS["cpu-demo"][kind] if k != "save_every")
    return cfg, f"preset {chosen}{'' if preset else ' (chosen by device)'}: {sizes}"


def _report(kind: str, cfg, sizes: str, last: dict) -> None:
    """The run's summary and where everything went (printed last, so a failure stays one line)."""
    shown = ", ".join(f"{k}={v:.4g}" for k, v in last.items() if k in SHOWN)
    run = Path(cfg.out)
    out.print(f"{kind} done{': ' + shown if shown else ''}\n  {sizes}\n  run directory: {run}\n"
              f"  adapter: {run / 'adapter'}\n  metrics: {run / 'metrics.jsonl'} (curves: srl-swe train plot {run})",
              highlight=False, soft_wrap=True)  # paths stay whole, to copy


@app.command("sft")
@friendly
def sft(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None, set_: Set = None,
        preset: Preset = None) -> None:
    """LoRA supervised fine-tuning on expert steps (the paper's baseline)."""
    from srl_swe.train.sft import train_sft

    cfg, sizes = _config("sft", config, set_, preset, resume, model=model, data=data, out=out_dir, max_steps=max_steps,
                         init_from=init_from, lr=lr)
    _report("sft", cfg, sizes, train_sft(cfg, resume=resume))


@app.command("srl")
@friendly
def srl(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None, set_: Set = None,
        preset: Preset = None) -> None:
    """SRL: step-wise GRPO with the action-similarity reward and dynamic sampling."""
    from srl_swe.train.srl import train_srl

    cfg, sizes = _config("srl", config, set_, preset, resume, model=model, data=data, out=out_dir, max_steps=max_steps,
                         init_from=init_from, lr=lr)
    _report("srl", cfg, sizes, train_srl(cfg, resume=resume))


@app.command("rlvr")
@friendly
def rlvr(model: Model = None, data: TasksData = None, out_dir: Out = None, max_steps: MaxSteps = None,
         resume: Resume = False, config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None,
         task: Task = None, set_: Set = None, preset: Preset = None, ray: str | None = Ray) -> None:
    """RLVR: GRPO over whole episodes in SWEEnv, rewarded by the task's tests."""
    from srl_swe.train.rlvr import train_rlvr

    cfg, sizes = _config("rlvr", config, set_, preset, resume, model=model, tasks_dir=data, out=out_dir,
                         max_steps=max_steps, init_from=init_from, lr=lr, task_ids=task, ray=ray)
    _report("rlvr", cfg, sizes, train_rlvr(cfg, resume=resume))


@app.command("ppo")
@friendly
def ppo(model: Model = None, data: Data = None, out_dir: Out = None, max_steps: MaxSteps = None, resume: Resume = False,
        config: ConfigFile = None, init_from: InitFrom = None, lr: Lr = None, mode: PPOMode = None,
        tasks: PPOTasks = None, tasks_dir: PPOTasksDir = None, set_: Set = None, preset: Preset = None,
        ray: str | None = Ray) -> None:
    """PPO with a value head: step-wise SRL instances, or multi-turn episodes rewarded per step and/or by tests."""
    from srl_swe.train.ppo import train_ppo

    cfg, sizes = _config("ppo", config, set_, preset, resume, model=model, data=data, out=out_dir, max_steps=max_steps,
                         init_from=init_from, lr=lr, mode=mode, task_ids=_split(tasks), tasks_dir=tasks_dir, ray=ray)
    _report("ppo", cfg, sizes, train_ppo(cfg, resume=resume))


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
def plot(
    run_dir: Annotated[Path, typer.Argument(help="A run directory with metrics.jsonl.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="PNG path (default RUN_DIR/curves.png).")] = None,
) -> None:
    """Draw a run's training curves as a PNG."""
    from srl_swe.train.plot import plot_run

    out.print(f"curves: {plot_run(run_dir, out_file)}")
