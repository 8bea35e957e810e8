"""Demo stage: resolve rates in agentic mode for the bounds (replay, noop) and the three models
(a smoke run: the SRL model only)."""

from __future__ import annotations

from srl_swe.demo.context import Context
from srl_swe.demo.stages_train import models
from srl_swe.evaluate.policies import PolicySettings
from srl_swe.evaluate.runner import EvalConfig, run_eval
from srl_swe.train.progress import progress_bar

BOUND_MAX_STEPS = 30


def policies(ctx: Context) -> dict[str, PolicySettings]:
    settings = {
        "replay": PolicySettings(kind="replay", tasks_dir=ctx.tasks_dir),
        "noop": PolicySettings(kind="noop", tasks_dir=ctx.tasks_dir),
    }
    for name, model in models(ctx).items():
        if ctx.budget.smoke and name != "srl":
            continue  # a smoke run checks that the stage runs: the three models take the same path
        is_base = name == "untrained"
        settings[name] = PolicySettings(kind="hf", model=ctx.config.model, adapter=None if is_base else model,
                                        tasks_dir=ctx.tasks_dir, max_tokens=ctx.budget.max_new_tokens)
    return settings


def evaluate(ctx: Context) -> dict:
    results = {}
    runs = policies(ctx)
    with progress_bar("agentic evaluation", len(runs) * len(ctx.tasks)) as advance:
        for name, policy in runs.items():
            # the bounds get the steps an expert needs; the models get the budget's
            steps = BOUND_MAX_STEPS if policy.kind in ("replay", "noop") else ctx.budget.eval_max_steps
            config = EvalConfig(policy=policy, tasks=ctx.tasks, tasks_dir=ctx.tasks_dir, mode="agentic",
                                workers=ctx.config.workers, max_steps=steps,
                                out=ctx.path("eval", name))
            report = run_eval(config, on_done=lambda _record: advance())
            results[name] = {k: report.get(k) for k in ("resolved_instances", "total_instances", "resolve_rate",
                                                         "mean_steps", "format_error_rate", "mean_expert_similarity")}
    return {"policies": results}
