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
from collections.abc import Sequence
from contextlib import ExitStack

import torch

from srl_swe.env.rollout import Episode, rollout_group
from srl_swe.errors import ConfigError
from srl_swe.policy import Reply
from srl_swe.train import policy
from srl_swe.train.config import RLVRConfig
from srl_swe.train.grpo import EmptyBatch, filter_groups, group_advantages
from srl_swe.train.progress import StepProgress, progress_bar
from srl_swe.train.session import Session, open_session
from srl_swe.train.update import policy_update


class SampledPolicy:
    """The policy being trained, sampled through the session: one batched generate per turn over
    the unfinished episodes' prompts; each reply keeps its (context, sample) token ids."""

    def __init__(self, s: Session):
        self.s = s

    def act(self, messages: list[dict]) -> Reply:
        return self.act_batch([messages])[0]

    def act_batch(self, batch: Sequence[list[dict]]) -> list[Reply]:
        s, cfg = self.s, self.s.cfg
        contexts = [policy.encode_prompt(s.tokenizer, messages, cfg.max_prompt_tokens) for messages in batch]
        samples = s.sample(contexts, 1, cfg.max_new_tokens, cfg.temperature, cfg.top_p)
        return [Reply(action=policy.decode(s.tokenizer, sample), prompt_ids=context, completion_ids=sample)
                for context, sample in zip(contexts, samples, strict=True)]


def contexts(episode: Episode) -> list[list[int]]:
    return [turn.prompt_ids for turn in episode.turns]


def samples(episode: Episode) -> list[list[int]]:
    return [turn.completion_ids for turn in episode.turns]


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
    registry = absolute_tasks_dir(cfg.tasks_dir)
    hooks = node_hooks(cfg.ray, [registry])
    executor = stack.enter_context(open_executor(ExecutorSettings(workers=count, ray=cfg.ray), hooks))
    overrides = {**cfg.env_overrides, "mode": mode, "max_steps": cfg.max_turns}
    make = partial(SWEEnv, tasks_dir=registry, env_spec=cfg.env_spec, **overrides)
    envs = executor.host(make, count)
    for env in envs:
        stack.callback(env.close)
    return envs


def run_group(s: Session, envs: list, task_id: str) -> list[Episode]:
    """G episodes of `task_id`, one per env, until each submits or is truncated (and graded)."""
    return rollout_group(envs, SampledPolicy(s), task_id=task_id)


def collect_groups(s: Session, envs: list, tasks: list[str],
                   progress: StepProgress | None = None) -> tuple[list[list[Episode]], dict]:
    """Dynamic sampling over tasks: run groups, keep those with mixed outcomes (DAPO). Data-parallel
    processes each run their share of the drawn tasks; the groups are pooled after every round."""
    cfg: RLVRConfig = s.cfg  # type: ignore[assignment]
    kept: list[list[Episode]] = []
    every: list[Episode] = []
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
            if not cfg.dapo_filter or filter_groups([r.total_reward for r in group], cfg.group_size, cfg.std_eps):
                kept.append(group)
        rounds += 1
    stats = {
        "runs": every,
        "groups_sampled": sampled,
        "rounds": rounds,
        "seconds": s.workers.maximum(time.perf_counter() - began),
    }
    if not kept:
        successes = sum(r.total_reward > 0 for r in every)
        raise EmptyBatch(
            f"All {sampled} task group(s) had the same outcome in every episode ({successes}/{len(every)} solved) "
            "after "
            f"{rounds - 1} refill round(s): no learning signal. Start from a stronger policy (--init-from an SRL or "
            "SFT "
            "run), raise max_refill_rounds, or set dapo_filter: false."
        )
    return kept, stats


def update(s: Session, groups: list[list[Episode]]) -> dict[str, float]:
    """Each turn of each episode is one scored sequence carrying its episode's advantage; each
    data-parallel process updates on its share of the groups."""
    cfg: RLVRConfig = s.cfg  # type: ignore[assignment]
    groups = s.workers.shard(groups)
    runs = [r for g in groups for r in g]
    if not runs:
        return policy_update(s, [], [], torch.zeros(0))
    episode_adv = group_advantages([r.total_reward for r in runs], cfg.group_size, cfg.adv_eps)
    all_contexts = [c for r in runs for c in contexts(r)]
    all_samples = [x for r in runs for x in samples(r)]
    advantages = torch.cat([episode_adv[i].repeat(len(r.turns)) for i, r in enumerate(runs)])
    return policy_update(s, all_contexts, all_samples, advantages)


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
            lengths = [len(x) for r in runs for x in samples(r)]
            last = {
                **metrics,
                "success_rate": sum(r.total_reward > 0 for r in runs) / len(runs),
                "reward_mean": sum(r.total_reward for r in runs) / len(runs),
                "fraction_filtered": 1 - len(groups) / st["groups_sampled"],
                "refill_rounds": st["rounds"] - 1,
                "turns_mean": sum(len(r.turns) for r in runs) / len(runs),
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
