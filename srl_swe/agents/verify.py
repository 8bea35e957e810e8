"""Verify an imported expert trajectory before training on it: replay every step on its registered
task in the env, compare each live observation with the recorded one, grade the final diff.

Published experts are not always right (a demonstration may submit a diff that fails the
upstream tests), and an expert whose steps do not run as recorded teaches observations the env
will never show. The original agent's absolute repo root (/testbed, /workspace/<repo>, ...) is
remapped to the task's workdir for the replay; relative paths run from the workdir, where the
shell starts. The replay is `agents.replay` (the one rollout loop, the expert's actions as the
policy's). The trajectory written back is the original, with `outcome.resolved` set."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srl_swe.agents.replay import replay
from srl_swe.tasks.registry import load_task
from srl_swe.tools.actions import Action
from srl_swe.tools.execute import NO_OUTPUT
from srl_swe.trajectories.importers.common import capped
from srl_swe.trajectories.schema import Outcome, Step, Trajectory

# Repo roots other agents run in (SWE-agent 0.x: `/<owner>__<repo>`); `/<repo name>` is added per task.
_ROOTS = r"/testbed|/workspace/[\w.-]+|/repo|/app|/[A-Za-z0-9][\w.-]*__[\w.-]+"


@dataclass
class Verified:
    trajectory: Trajectory  # the original, with outcome.resolved (and the replayed diff)
    steps_run: int
    steps_matching: int
    differences: list[str] = field(default_factory=list)
    root: str | None = None  # the original repo root that was remapped, if any

    @property
    def resolved(self) -> bool | None:
        return self.trajectory.outcome.resolved


def repo_root(trajectory: Trajectory, workdir: str, repo: str = "") -> str | None:
    """The absolute repo root the original agent worked in, where it is not `workdir`: the
    first known root that starts a path in the expert's actions or, where the actions name
    only relative paths (`open src/x.py`), in the observations (`[File: /<root>/src/x.py ...]`)."""
    names = _ROOTS + (f"|/{re.escape(repo.rsplit('/', 1)[-1])}" if repo else "")
    pattern = re.compile(rf"(?<![\w./-])({names})(?=/|\s|[\"':]|$)")
    texts = [v for s in trajectory.steps for v in s.action.arguments.values() if isinstance(v, str)]
    for text in texts + [s.observation for s in trajectory.steps]:
        match = pattern.search(text)
        if match:
            return None if match.group(1) == workdir else match.group(1)
    return None


def remap_text(text: str, root: str | None, workdir: str) -> str:
    if root is None:
        return text
    return re.sub(rf"(?<![\w./-]){re.escape(root)}(?=/|\s|[\"':]|$)", workdir, text)


def _remap_action(action: Action, root: str | None, workdir: str) -> Action:
    arguments: dict[str, Any] = {k: remap_text(v, root, workdir) if isinstance(v, str) else v
                                 for k, v in action.arguments.items()}
    return Action(name=action.name, arguments=arguments)


def first_difference(recorded: str, live: str) -> str | None:
    """Where a live observation departs from the recorded one (blank lines at the edges and trailing
    spaces ignored), or None. SWE-agent records a command's empty output as '' and shows the agent
    the env's no-output line."""
    want = [line.rstrip() for line in capped(recorded).strip("\r\n").rstrip().split("\n")]
    got = [line.rstrip() for line in capped(live).strip("\r\n").rstrip().split("\n")]
    if want == got or (want == [""] and got == [NO_OUTPUT]):
        return None
    for n, (a, b) in enumerate(zip(want, got, strict=False), 1):
        if a != b:
            return f"line {n}: recorded {a[:120]!r}, replay {b[:120]!r}"
    shorter, extra = ("replay", want[len(got)]) if len(want) > len(got) else ("recording", got[len(want)])
    return f"line {min(len(want), len(got)) + 1}: the {shorter} ends here; the other goes on with {extra[:120]!r}"


def _recorded(step: Step, diff: str | None) -> str:
    """What the step showed: SWE-agent 0.x records a submit's observation as '' and the diff it
    submitted as the run's submission (the outcome's diff)."""
    return diff if step.action.name == "submit" and not step.observation.strip() and diff else step.observation


def verify(trajectory: Trajectory, tasks_dir: str | Path | None = None, root: str | None = None,
           step_timeout: float = 60.0) -> Verified:
    """Replay `trajectory` on its task (raises TaskError when the task is not registered)."""
    task = load_task(trajectory.task_id, tasks_dir)
    root = root if root is not None else repo_root(trajectory, task.workdir, task.repo)
    root = None if root == task.workdir else root
    remapped = trajectory.model_copy(update={"steps": [
        Step(action=_remap_action(s.action, root, task.workdir)) for s in trajectory.steps]})
    result = Verified(trajectory, 0, 0, root=root)
    tools, file_tools = trajectory.tool_set()  # every call of the trajectory runs, with its bundle's file tools
    settings = {"grade_srl": True, "tools": tools, "file_tools": file_tools,
                "max_steps": len(remapped.steps) + 1,
                "max_format_errors": None, "step_timeout": step_timeout, "episode_timeout": 1e9}
    episode = replay(remapped, "srl", tasks_dir, task_id=task.instance_id, seed=0, expert=remapped, **settings)
    for k, (original, step, turn) in enumerate(zip(trajectory.steps, remapped.steps, episode.turns, strict=False)):
        result.steps_run += 1
        recorded = _recorded(original, trajectory.outcome.diff)
        difference = first_difference(remap_text(recorded, root, task.workdir), turn.observation)
        if difference is None:
            result.steps_matching += 1
        else:
            result.differences.append(f"step {k + 1} ({step.action.name}): {difference}")
    if result.steps_run < len(trajectory.steps):
        why = episode.truncated_by or "a submit"
        result.differences.append(f"steps {result.steps_run + 1}-{len(trajectory.steps)} did not run: "
                                  f"the episode ended at step {result.steps_run} ({why})")
    grade = episode.grade or {}
    resolved = bool(grade.get("resolved")) if grade else None
    result.trajectory = trajectory.model_copy(update={"outcome": Outcome(
        resolved=resolved, diff=trajectory.outcome.diff or episode.diff)})
    return result
