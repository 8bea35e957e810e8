"""Recording a trajectory from a scripted list of steps: each action runs in a fresh task sandbox,
its live observation is captured, and the final diff is graded in another fresh container.
This is how bundled expert trajectories are made, so their observations are real."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from srl_swe.errors import FormatError, TaskError
from srl_swe.tasks.grading import grade
from srl_swe.tasks.registry import expert_path, load_task
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tools.actions import Action, parse
from srl_swe.tools.execute import ToolRunner
from srl_swe.trajectories.schema import Outcome, Step, Trajectory, write_jsonl

DEFAULT_COMMAND_TIMEOUT = 120.0

OnStep = Callable[[int, Step], None]


def parse_steps(steps: Sequence[tuple[str, str]]) -> list[tuple[str, Action]]:
    """(thought, action text) -> (thought, Action). The given thought wins over one inside the
    text; a step that does not parse is an error naming the step (scripts must be exact)."""
    parsed = []
    for index, (thought, text) in enumerate(steps, start=1):
        try:
            result = parse(text)
        except FormatError as exc:
            raise FormatError(f"Step {index} does not parse: {exc}") from exc
        parsed.append(((thought or "").strip() or result.thought, result.action))
    submits = [i for i, (_, action) in enumerate(parsed, start=1) if action.name == "submit"]
    if submits and submits[0] != len(parsed):
        raise FormatError(
            f"Step {submits[0]} submits but {len(parsed) - submits[0]} step(s) follow it; submit must come last."
        )
    return parsed


def load_steps(path: str | Path) -> list[tuple[str, str]]:
    """A YAML list of {thought, action} mappings (action: text in any format `parse` accepts)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not data:
        raise TaskError(f"{path}: expected a non-empty YAML list of {{thought, action}} entries.")
    steps = []
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("action"), str):
            raise TaskError(f"{path}: entry {index} needs an 'action' string (and optionally a 'thought').")
        unknown = set(entry) - {"thought", "action"}
        if unknown:
            raise TaskError(
                f"{path}: entry {index} has unknown key(s) {', '.join(sorted(unknown))}; use thought and action."
            )
        steps.append((str(entry.get("thought") or ""), entry["action"]))
    return steps


def record_actions(
    task_id: str,
    steps: Sequence[tuple[str, str]],
    tasks_dir: str | Path | None = None,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    on_step: OnStep | None = None,
    source: str = "expert",
) -> Trajectory:
    """Replay `steps` in a fresh sandbox of the task, capture each observation, take the diff
    (the submit's, or the work tree's if the script does not submit), grade it, and return the
    trajectory with `outcome.resolved` from the grade."""
    spec = load_task(task_id, tasks_dir)
    actions = parse_steps(steps)
    recorded: list[Step] = []
    diff: str | None = None
    with task_sandbox(spec, tasks_dir) as sandbox:
        runner = ToolRunner(sandbox, command_timeout)
        for index, (thought, action) in enumerate(actions, start=1):
            result = runner.run(action)
            step = Step(thought=thought, action=action, observation=result.observation)
            recorded.append(step)
            if on_step is not None:
                on_step(index, step)
            if result.submitted:
                diff = result.diff
        if diff is None:
            diff = sandbox.diff()
    graded = grade(spec, diff, tasks_dir=tasks_dir)
    return Trajectory(
        task_id=spec.instance_id,
        problem_statement=spec.problem_statement,
        steps=recorded,
        outcome=Outcome(resolved=bool(graded.resolved), diff=diff),
        source=source,
    )


def save_expert(trajectory: Trajectory, tasks_dir: str | Path | None = None, path: str | Path | None = None) -> Path:
    """Write the trajectory as the task's expert file (atomically), or to `path`."""
    target = Path(path) if path is not None else expert_path(trajectory.task_id, tasks_dir)
    write_jsonl(target, [trajectory])
    return target
