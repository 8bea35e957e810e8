"""THE rollout loop: a policy in an env, to the end of an episode. Evaluation, expert recording,
replay, the demo and the trainers all run episodes here; a second loop is a bug.

Each turn: the policy gets the env's prompt (`info["messages"]`) and replies (text, OpenAI tool
calls, or a `Reply` with the tokens it sampled); the env parses and runs (or scores) it; the turn
is recorded. The episode ends when the env ends it (submit, or its own step, format-error and
wall-clock limits: then `diff` and `grade` come from the env), or when a limit of the loop's own
is reached first (`max_turns`, `max_tokens`: then nothing is graded). A deadline that passes
raises its error: the caller decides what a timed-out episode is worth.

Groups: `rollout_group` runs one episode per env in lockstep, so that a `BatchPolicy` answers
every unfinished episode's prompt in one call (one batched generate per turn)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from srl_swe.deadline import Deadline
from srl_swe.errors import FormatError
from srl_swe.executors import HostedLost, WorkerLost
from srl_swe.policy import BatchPolicy, Policy, Reply
from srl_swe.tools.actions import parse


@dataclass
class Turn:
    response: str | list | dict  # what the policy answered
    thought: str  # its reasoning ("" when the turn held no valid action)
    action: str | None  # the canonical action the env took; None: a format error
    format_error: str | None
    observation: str  # the tool's output (or the format error the policy was shown)
    reward: float
    expert_action: str | None  # srl mode: the expert's canonical action at this step
    prompt_ids: list[int] | None = None
    completion_ids: list[int] | None = None


@dataclass
class Episode:
    task_id: str
    turns: list[Turn] = field(default_factory=list)
    terminated: bool = False  # the agent submitted (srl mode: the expert's path ended)
    truncated_by: str | None = None  # the env's or the loop's limit that ended it
    diff: str = ""  # set when the env ended the episode
    grade: dict | None = None  # the env's grade of the diff, when it graded
    messages: list[dict] = field(default_factory=list)  # the last prompt

    @property
    def ended_by_env(self) -> bool:
        return self.terminated or self.truncated_by not in (None, *LOOP_LIMITS)

    @property
    def rewards(self) -> list[float]:
        return [t.reward for t in self.turns]

    @property
    def total_reward(self) -> float:
        return sum(self.rewards)

    @property
    def format_errors(self) -> int:
        return sum(t.format_error is not None for t in self.turns)

    @property
    def completion_tokens(self) -> int:
        return sum(len(t.completion_ids or ()) for t in self.turns)


LOOP_LIMITS = ("max_turns", "max_tokens")
OnTurn = Callable[[Episode, Turn], None]


def rollout(env: Any, policy: Policy, **options: Any) -> Episode:
    """One episode of `policy` in `env`; `options` as for rollout_group."""
    return rollout_group([env], policy, **options)[0]


def rollout_group(
    envs: Sequence[Any],
    policy: Policy,
    *,
    task_id: str | None = None,
    task_ids: Sequence[str] | None = None,
    seed: int | None = None,
    max_turns: int | None = None,
    max_tokens: int | None = None,
    deadline: Deadline | None = None,
    on_turn: OnTurn | None = None,
) -> list[Episode]:
    """One episode per env, all of `task_id` or each of its own `task_ids[k]` (default: each env's
    own task), stepped in lockstep. `seed`: the first env's reset seed (env k gets seed + k).
    `max_turns` / `max_tokens`: stop an episode after that many turns / completion tokens (counted
    where the policy gives its tokens). `deadline`: checked before every turn. `on_turn(episode,
    turn)`: after each recorded turn.

    Envs hosted on Ray workers (executor.host) can be lost with their node: the call raises
    HostedLost once the env was made anew on another worker, and that env's episode is run again
    from reset (the same task and seed, a fresh sample; the turns of the lost attempt are dropped,
    though on_turn saw them), at most the executor's max_attempts times, then WorkerLost. Every
    episode of the group is returned once."""
    tasks = _tasks_per_env(len(envs), task_id, task_ids)
    seeds = [None if seed is None else seed + k for k in range(len(envs))]
    lost = [0] * len(envs)
    started = [_begin(envs[k], seeds[k], tasks[k], lost, k) for k in range(len(envs))]
    episodes, prompts = [e for e, _ in started], [p for _, p in started]
    for episode in episodes:  # a limit of 0 turns ends the episode before it starts
        _apply_loop_limits(episode, max_turns, max_tokens)
    live = [i for i in range(len(envs)) if not _ended(episodes[i])]
    while live:
        if deadline is not None:
            deadline.check(f"at step {len(episodes[live[0]].turns) + 1}")
        replies = _act(policy, [prompts[i] for i in live])
        for i, reply in zip(live, replies, strict=True):
            try:
                prompts[i] = _step(envs[i], episodes[i], reply)
            except HostedLost as exc:
                # the env was made anew elsewhere: its episode starts over (the partial one is dropped)
                _count_loss(exc, lost, i, episodes[i].task_id)
                episodes[i], prompts[i] = _begin(envs[i], seeds[i], episodes[i].task_id, lost, i)
            else:
                if on_turn is not None:
                    on_turn(episodes[i], episodes[i].turns[-1])
            _apply_loop_limits(episodes[i], max_turns, max_tokens)
        live = [i for i in live if not _ended(episodes[i])]
    return episodes


def _begin(env: Any, seed: int | None, task: str | None, lost: list[int], k: int) -> tuple[Episode, list[dict]]:
    """Env k's episode from reset, and its first prompt; again on the env made anew if it is lost."""
    while True:
        try:
            _, info = env.reset(seed=seed, options={"task_id": task} if task else None)
        except HostedLost as exc:
            _count_loss(exc, lost, k, task)
            continue
        return Episode(task_id=info["task_id"], messages=info["messages"]), info["messages"]


def _count_loss(exc: HostedLost, lost: list[int], k: int, task: str | None) -> None:
    lost[k] += 1
    if lost[k] >= exc.max_attempts:
        raise WorkerLost(f"Episode {k} of the group ({task or 'its env task'}) lost its env {lost[k]} times (last: "
                         f"{exc}); check the Ray nodes' memory and logs.") from exc


def _tasks_per_env(n: int, task_id: str | None, task_ids: Sequence[str] | None) -> list[str | None]:
    if task_ids is None:
        return [task_id] * n
    if task_id is not None:
        raise ValueError("Give task_id (one task for every env) or task_ids (one per env), not both.")
    if len(task_ids) != n:
        raise ValueError(f"{len(task_ids)} task ids for {n} envs: give one per env.")
    return list(task_ids)


def _act(policy: Policy, batch: list[list[dict]]) -> list[Reply]:
    if len(batch) > 1 and isinstance(policy, BatchPolicy):
        answers = policy.act_batch(batch)
        if len(answers) != len(batch):
            raise ValueError(f"The policy answered {len(answers)} of {len(batch)} prompts.")
    else:
        answers = [policy.act(messages) for messages in batch]
    return [a if isinstance(a, Reply) else Reply(action=a) for a in answers]


def _step(env: Any, episode: Episode, reply: Reply) -> list[dict]:
    """Run one reply in the env, record the turn; the next prompt."""
    _, reward, terminated, truncated, info = env.step(reply.action)
    action, error = info["action"], info["format_error"]
    episode.turns.append(Turn(
        response=reply.action, thought=_thought(reply) if action is not None else "", action=action,
        format_error=error, observation=info["tool_observation"], reward=float(reward),
        expert_action=info.get("expert_action"), prompt_ids=reply.prompt_ids, completion_ids=reply.completion_ids,
    ))
    episode.messages = info["messages"]
    if terminated or truncated:
        episode.terminated = bool(terminated)
        episode.truncated_by = info.get("truncated_by") if truncated else None
        episode.diff = info.get("diff") or ""
        episode.grade = info.get("grade")
    return info["messages"]


def _thought(reply: Reply) -> str:
    if reply.thought is not None:
        return reply.thought
    if not isinstance(reply.action, str):
        return ""
    try:
        return parse(reply.action).thought
    except FormatError:  # the env took an action from it, so only the thought is lost
        return ""


def _apply_loop_limits(episode: Episode, max_turns: int | None, max_tokens: int | None) -> None:
    if _ended(episode):
        return
    if max_turns is not None and len(episode.turns) >= max_turns:
        episode.truncated_by = "max_turns"
    elif max_tokens is not None and episode.completion_tokens >= max_tokens:
        episode.truncated_by = "max_tokens"


def _ended(episode: Episode) -> bool:
    return episode.terminated or episode.truncated_by is not None
