"""What one attempt at one task produced (patch, turns, grade), and its agentic run: the policy in
SWEEnv's `rlvr` mode through the one rollout loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from srl_swe.deadline import Deadline, DeadlineExceeded
from srl_swe.env.rollout import Turn, rollout
from srl_swe.srl.similarity import ratio

ENV_MARGIN_S = 5.0


class InstanceTimeout(DeadlineExceeded):
    pass


def instance_deadline(seconds: float) -> Deadline:
    return Deadline(seconds, what="the instance", error=InstanceTimeout)


def similarity(action: str | None, expert: str | None) -> float | None:
    """The SRL step reward of a recorded turn: None without an expert, 0 for a format error."""
    if expert is None:
        return None
    if action is None:
        return 0.0
    return ratio(action, expert)


@dataclass
class AttemptState:
    deadline: Deadline
    patch: str = ""
    steps: int = 0
    format_errors: int = 0
    submitted: bool = False
    truncated: bool = False
    turns: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)  # oracle-edit: the prompt
    grade: Any = None  # GradeResult, when the env graded the episode
    note: str | None = None  # why a patch did not apply, etc.

    def record_response(self, response: str) -> None:
        self.turns.append({"response": response})

    def record_turn(self, turn: Turn) -> None:
        self.steps += 1
        self.format_errors += bool(turn.format_error)
        self.turns.append(
            {
                "response": turn.response,
                "thought": turn.thought,
                "action": turn.action,
                "format_error": turn.format_error,
                "observation": turn.observation,
                "reward": turn.reward,
                "expert_action": turn.expert_action,
                "similarity": similarity(turn.action, turn.expert_action),
            }
        )

    @property
    def mean_similarity(self) -> float | None:
        scores = [t["similarity"] for t in self.turns if t.get("similarity") is not None]
        return sum(scores) / len(scores) if scores else None


def run_agentic(spec, policy, tasks_dir, max_steps: int, state: AttemptState, grade_timeout: float) -> None:
    """The policy in SWEEnv (the `rlvr` env spec) until it submits or the env truncates the
    episode (steps, format errors, wall-clock); the env grades the final diff in a fresh container.
    The env's wall-clock ends a few seconds before the instance's, so that a slow episode is still
    graded; the instance's own deadline is the fallback."""
    from srl_swe.env.swe_env import SWEEnv
    from srl_swe.tasks.grading import GradeResult

    env = SWEEnv(task_id=spec.instance_id, tasks_dir=tasks_dir, mode="rlvr", env_spec="rlvr", max_steps=max_steps,
                 episode_timeout=max(state.deadline.remaining() - ENV_MARGIN_S, 1.0), grade_timeout=grade_timeout)
    with env:
        episode = rollout(env, policy, task_id=spec.instance_id, deadline=state.deadline,
                          on_turn=lambda _episode, turn: state.record_turn(turn))
    state.submitted, state.truncated = episode.terminated, episode.truncated_by is not None
    if state.truncated:
        state.note = f"truncated: {episode.truncated_by}"
    state.patch = episode.diff
    state.grade = GradeResult.model_validate(episode.grade) if episode.grade is not None else None
