"""RLVR: GRPO over whole multi-turn episodes in SWEEnv (`rlvr` mode, Docker), rewarded 1.0 when the
task's tests pass on the episode's diff. `--init-from` an SRL adapter gives SRL then RLVR.

Tokens: at each turn the policy samples from the env's prompt for that turn, tokenized once; the
(context ids, sampled ids) pair is stored as is, and the loss later scores exactly those sampled
ids in exactly that context: the policy's text is never re-tokenized, and observations, which
only ever appear in contexts, never carry loss. Every turn of an episode gets the episode's
group-normalised advantage; the token-level mean runs over all turns of all kept episodes.

Groups: G episodes of one task run in lockstep (one batched generate per turn over the unfinished
ones, G warm containers). DAPO's filter keeps a group only when 0 < successes < G; more tasks are
drawn, within `max_refill_rounds`, until `batch_tasks` groups are kept."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import torch

from srl_swe.errors import ConfigError
from srl_swe.train import policy
from srl_swe.train.config import RLVRConfig
from srl_swe.train.grpo import EmptyBatch, filter_groups, group_advantages
from srl_swe.train.progress import StepProgress, progress_bar
from srl_swe.train.session import Session, open_session
from srl_swe.train.update import policy_update


@dataclass
class EpisodeRun:
    task_id: str
    contexts: list[list[int]] = field(default_factory=list)
    samples: list[list[int]] = field(default_factory=list)
    reward: float = 0.0
    format_errors: int = 0
    truncated_by: str | None = None
    steps: list[dict] = field(default_factory=list)  # per turn: reward, action, expert_action, format_error
    grade: dict | None = None


def task_ids(cfg: RLVRConfig) -> list[str]:
    from srl_swe.tasks.registry import list_tasks

    known = list_tasks(cfg.tasks_dir)
    chosen = cfg.task_ids or known
    missing = [t for t in chosen if t not in known]
    if missing or not chosen:
        raise ConfigError(f"Task(s) {', '.join(missing) or '(none)'} not found in {cfg.tasks_dir!r} "
                          f"(it has: {', '.join(known) or 'no tasks'}).")
    return chosen


def open_envs(cfg: RLVRConfig, stack: ExitStack, mode: str = "rlvr", count: int | None = None) -> list:
    """G environments (or `count`; one container each, reused warm across episodes) in `mode`,
    closed with the stack: in this process, or each in a Ray worker with `cfg.ray`."""
    from functools import partial

    from srl_swe.env.swe_env import SWEEnv
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks
    from srl_swe.tasks.registry import absolute_tasks_dir

    count = count or cfg.group_size
    executor = stack.enter_context(open_executor(ExecutorSettings(workers=count, ray=cfg.ray), node_hooks(cfg.ray)))
    overrides = {**cfg.env_overrides, "mode": mode, "max_steps": cfg.max_turns}
    envs = executor.host(partial(SWEEnv, tasks_dir=absolute_tasks_dir(cfg.tasks_dir), env_spec=cfg.env_spec, **overrides), count)
    for env in envs:
        stack.callback(env.close)
    return envs


def run_group(s: Session, envs: list, task_id: str) -> list[EpisodeRun]:
    """G episodes of `task_id`, one per env, until each submits or is truncated (and graded)."""
    return run_episodes(s, envs, [task_id] * len(envs))


def run_episodes(s: Session, envs: list, tasks: list[str]) -> list[EpisodeRun]:
    """One episode of tasks[i] in envs[i] each, in lockstep (one batched generate per turn over the
    unfinished ones), until each submits or is truncated (and graded)."""
    cfg: RLVRConfig = s.cfg  # type: ignore[assignment]
    runs = [EpisodeRun(task_id) for task_id in tasks]
    infos = [env.reset(options={"task_id": task_id})[1] for env, task_id in zip(envs, tasks, strict=True)]
    live, done = list(range(len(envs))), set()
    while live:
        contexts = [policy.encode_prompt(s.tokenizer, infos[i]["messages"], cfg.max_prompt_tokens) for i in live]
        samples = s.sample(contexts, 1, cfg.max_new_tokens, cfg.temperature, cfg.top_p)
        for i, context, sample in zip(live, contexts, samples, strict=True):
            runs[i].contexts.append(context)
            runs[i].samples.append(sample)
            _, reward, terminated, truncated, infos[i] = envs[i].step(policy.decode(s.tokenizer, sample))
            runs[i].reward += reward
            runs[i].format_errors += infos[i]["format_error"] is not None
            runs[i].steps.append({"reward": reward, **{k: infos[i][k] for k in ("action", "expert_action", "format_error")}})
            if terminated or truncated:
                runs[i].truncated_by = infos[i].get("truncated_by")
                runs[i].grade = infos[i].get("grade")
                done.add(i)
        live = [i for i in live if i not in done]
    return runs


def collect_groups(s: Session, envs: list, tasks: list[str],
                   progress: StepProgress | None = None) -> tuple[list[list[EpisodeRun]], dict]:
    """Dynamic sampling over tasks: run groups, keep those with mixed outcomes (DAPO). Data-parallel
    processes each run their share of the drawn tasks; the groups are pooled after every round."""
    cfg: RLVRConfig = s.cfg  # type: ignore[assignment]
    kept: list[list[EpisodeRun]] = []
    every: list[EpisodeRun] = []
    rounds = sampled = 0
    began = time.perf_counter()
    while len(kept) < cfg.batch_tasks and rounds <= cfg.max_refill_rounds:
        indices = s.sampler.take(cfg.batch_tasks - len(kept))
        sampled += len(indices)
        mine, runs = s.workers.shard(indices), []
        for n, i in enumerate(mine):
            if progress is not None:  # this process's task groups run so far in this round
                progress.phase(f"episodes, round {rounds + 1}", n, len(mine), f"{tasks[i]}, {cfg.group_size} episodes")
            runs.append(run_group(s, envs, tasks[i]))
        for group in s.workers.gather(runs):
            every += group
            if not cfg.dapo_filter or filter_groups([r.reward for r in group], cfg.group_size, cfg.std_eps):
                kept.append(group)
        rounds += 1
    stats = {"runs": every, "groups_sampled": sampled, "rounds": rounds, "seconds": s.workers.maximum(time.perf_counter() - began)}
    if not kept:
        successes = sum(r.reward > 0 for r in every)
        raise EmptyBatch(
            f"All {sampled} task group(s) had the same outcome in every episode ({successes}/{len(every)} solved) after "
            f"{rounds - 1} refill round(s): no learning signal. Start from a stronger policy (--init-from an SRL or SFT "
            "run), raise max_refill_rounds, or set dapo_filter: false."
        )
    return kept, stats


def update(s: Session, groups: list[list[EpisodeRun]]) -> dict[str, float]:
    """Each turn of each episode is one scored sequence carrying its episode's advantage; each
    data-parallel process updates on its share of the groups."""
    cfg: RLVRConfig = s.cfg  # type: ignore[assignment]
    groups = s.workers.shard(groups)
    runs = [r for g in groups for r in g]
    if not runs:
        return policy_update(s, [], [], torch.zeros(0))
    episode_adv = group_advantages([r.reward for r in runs], cfg.group_size, cfg.adv_eps)
    contexts = [c for r in runs for c in r.contexts]
    samples = [x for r in runs for x in r.samples]
    advantages = torch.cat([episode_adv[i].repeat(len(r.samples)) for i, r in enumerate(runs)])
    return policy_update(s, contexts, samples, advantages)


def train_rlvr(cfg: RLVRConfig, resume: bool = False) -> dict:
    """Run RLVR to cfg.max_steps; returns the last step's metrics."""
    tasks = task_ids(cfg)
    last: dict = {}
    with ExitStack() as stack:
        s = stack.enter_context(open_session(cfg, len(tasks), resume))
        envs = open_envs(cfg, stack)
        advance = stack.enter_context(progress_bar("RLVR", cfg.max_steps, s.step, s.workers.is_main))
        while s.step < cfg.max_steps:
            began = time.perf_counter()
            groups, st = collect_groups(s, envs, tasks, advance)
            advance.phase("update")
            metrics = update(s, groups)
            s.step += 1
            runs = st["runs"]
            lengths = [len(x) for r in runs for x in r.samples]
            last = {
                **metrics,
                "success_rate": sum(r.reward > 0 for r in runs) / len(runs),
                "reward_mean": sum(r.reward for r in runs) / len(runs),
                "fraction_filtered": 1 - len(groups) / st["groups_sampled"],
                "refill_rounds": st["rounds"] - 1,
                "turns_mean": sum(len(r.samples) for r in runs) / len(runs),
                "format_errors_mean": sum(r.format_errors for r in runs) / len(runs),
                "completion_len_mean": sum(lengths) / len(lengths),
                "tokens_per_s": sum(lengths) / st["seconds"],
                "step_seconds": time.perf_counter() - began,
                "lr": s.scheduler.get_last_lr()[0],
            }
            s.end_step(last)
            advance(success=last["success_rate"], filtered=last["fraction_filtered"])
        s.export()
    return last
