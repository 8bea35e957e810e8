"""Runs the demo's stages in order, each once: finished stages are kept and skipped on the next
run; Ctrl-C stops cleanly (containers are closed by the stages' context managers), marks the
output partial, and still writes the report of what finished."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console

from srl_swe.demo import stages_env, stages_eval, stages_train, summary
from srl_swe.demo.config import DemoConfig, budget_for, choose_tasks
from srl_swe.demo.context import Context
from srl_swe.demo.store import StageStore
from srl_swe.errors import ConfigError
from srl_swe.tasks.registry import expert_path, list_tasks

STAGES: list[tuple[str, str, Callable[[Context], dict]]] = [
    ("setup", "Docker engine and images", stages_env.setup),
    ("validate", "Validate the tasks (FAIL_TO_PASS / PASS_TO_PASS)", stages_env.validate),
    ("replay", "Replay the expert trajectories in SWEEnv (srl and rlvr modes)", stages_env.replay_experts),
    ("data", "Build the step-wise SRL dataset (split by trajectory)", stages_env.build_data),
    ("sft", "Train: SFT warm-up (LoRA)", stages_train.sft),
    ("srl", "Train: SRL (GRPO, LoRA, dynamic sampling)", stages_train.srl),
    ("similarity", "Score untrained / SFT / SRL on held-out steps", stages_train.similarity),
    ("evaluate", "Agentic resolve rate: replay and noop bounds, the three models", stages_eval.evaluate),
]


def context(config: DemoConfig, console: Console) -> Context:
    available = list_tasks(config.tasks_dir)
    tasks = choose_tasks(config, available)
    unknown = [t for t in tasks if t not in available]
    if unknown:
        raise ConfigError(f"Unknown task(s) {', '.join(unknown)}; see 'srl-swe tasks list'.")
    missing = [t for t in tasks if not expert_path(t, config.tasks_dir).is_file()]
    if missing:
        raise ConfigError(f"Task(s) {', '.join(missing)} have no expert trajectory; the demo needs one per task.")
    if len(tasks) < 2:
        raise ConfigError("The demo needs at least 2 tasks (one is held out for validation).")
    return Context(config=config, tasks=tasks, budget=budget_for(config.minutes, len(tasks)), console=console)


def run_demo(config: DemoConfig, console: Console) -> dict:
    """Run (or resume) the demo; returns the headline numbers. Raises KeyboardInterrupt after
    writing a partial report when interrupted."""
    ctx = context(config, console)
    _quiet_libraries()
    store = StageStore(ctx.out, config.fingerprint())
    console.print(
        f"[bold]srl-swe demo[/]: {len(ctx.tasks)} tasks, model {config.model}, budget {config.minutes:g} min, "
        f"output {ctx.out}" + (" [yellow](a smoke run: every stage at its smallest; the figures mean nothing)[/]"
                               if ctx.budget.smoke else "")
    )
    interrupted = False
    try:
        for number, (name, title, stage) in enumerate(STAGES, 1):
            if store.done(name):
                console.print(f"[dim]{number}/{len(STAGES)} {title}: done earlier, kept[/]")
                continue
            console.rule(f"{number}/{len(STAGES)} {title}")
            began = time.monotonic()
            result = stage(ctx)
            result["seconds"] = time.monotonic() - began
            store.save(name, result)
    except KeyboardInterrupt:
        interrupted = True
        console.print("[yellow]interrupted: writing a partial report; run the same command again to resume[/]")
    store.mark_partial(interrupted)
    report = summary.build(ctx.out, store.results(), interrupted)
    page = summary.write(ctx.out, report)
    console.print(f"report: {page}")
    for key, value in report.headline.items():
        console.print(f"  {key}: [bold]{value}[/]")
    if interrupted:
        raise KeyboardInterrupt
    return report.headline


def _quiet_libraries() -> None:
    """The stages' own progress bars say what is happening; transformers' per-load bars and its
    deprecation notices would bury them."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
