"""The scripted expert, recorded: its steps (srl_swe.factory.script) are played as a policy in the
task's rlvr env through the one rollout loop, so every observation is live and the final diff is
graded in a fresh container; a trajectory is kept only when it resolves the task (FAIL_TO_PASS and
PASS_TO_PASS pass). It is stored beside the task's other expert trajectories, marked
`source: scripted`: a recorded model or teacher trajectory is never replaced, and stays first in
the file (what replay plays); the env's srl mode draws among all of them."""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from srl_swe.env.rollout import Episode, Turn
from srl_swe.errors import EngineUnreachable, SrlSweError, TaskError
from srl_swe.factory.script import PlannedStep, plan_steps
from srl_swe.policy import Reply
from srl_swe.tasks.gitrepo import clone, file_text, files_at
from srl_swe.tasks.registry import bundle_path, expert_path, list_tasks, load_task
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.schema import Trajectory, read_jsonl, write_jsonl

SOURCE = "scripted"
STEP_TIMEOUT = 120.0


@dataclass
class ScriptedResult:
    task_id: str
    resolved: bool
    steps: int
    detail: str = ""  # why it did not resolve
    trajectory: Trajectory | None = None  # the recorded episode (kept only when resolved)


class BundleFiles:
    """The base commit's files, read from the task's repo bundle: what /testbed holds."""

    def __init__(self, repo: Path, commit: str):
        self.repo, self.commit = repo, commit
        self.files = set(files_at(repo, commit))
        self.folders = {str(parent) for path in self.files for parent in Path(path).parents if str(parent) != "."}

    def read(self, path: str) -> str | None:
        if path not in self.files:
            return None
        text = file_text(self.repo, self.commit, path)
        if text is None:
            raise TaskError(f"{path} is not UTF-8 text; the editor handles text files only.")
        return text

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.folders


@contextlib.contextmanager
def base_files(spec: TaskSpec, tasks_dir: str | Path | None) -> Iterator[BundleFiles]:
    bundle = bundle_path(spec.instance_id, tasks_dir)
    if not bundle.is_file():
        raise TaskError(f"{spec.instance_id}: no repo bundle at {bundle} (a prebuilt-image task); the scripted "
                        "expert reads the base files from the bundle.")
    with tempfile.TemporaryDirectory(prefix="srl-swe-expert-") as tmp:
        repo = clone(str(bundle), Path(tmp) / "repo")
        yield BundleFiles(repo, spec.base_commit or "srl_swe_base")


class ScriptedExpert:
    """The planned steps as a policy: one per turn, each thought written from the observation of
    the step before (given by the loop's on_turn)."""

    def __init__(self, plan: Sequence[PlannedStep]):
        self.plan = list(plan)
        self._next = 0
        self._observation = ""

    def act(self, messages: list[dict]) -> Reply:
        step = self.plan[self._next]
        self._next += 1
        return Reply(action=canonical(step.action), thought=step.thought(self._observation))

    def observe(self, episode: Episode, turn: Turn) -> None:
        self._observation = turn.observation


def script_task(task_id: str, tasks_dir: str | Path | None = None,
                step_timeout: float = STEP_TIMEOUT) -> ScriptedResult:
    """Plan and play the scripted expert on one task. A task that cannot be scripted, or whose
    episode does not resolve, is a result with its reason; infrastructure failures raise."""
    from srl_swe.agents.collect import episode_trajectory
    from srl_swe.env.rollout import rollout
    from srl_swe.env.swe_env import SWEEnv

    spec = load_task(task_id, tasks_dir)
    if not spec.FAIL_TO_PASS:
        return ScriptedResult(task_id, False, 0, "no FAIL_TO_PASS tests: nothing shows the expert's fix works")
    try:
        with base_files(spec, tasks_dir) as files:
            plan = plan_steps(spec, files)
    except TaskError as exc:
        return ScriptedResult(task_id, False, 0, f"not scriptable: {str(exc).splitlines()[0]}")
    policy = ScriptedExpert(plan)
    with SWEEnv(task_id=task_id, tasks_dir=tasks_dir, env_spec="rlvr", mode="rlvr", max_steps=len(plan),
                step_timeout=step_timeout) as env:
        episode = rollout(env, policy, task_id=task_id, max_turns=len(plan), on_turn=policy.observe)
    trajectory = episode_trajectory(episode, spec.problem_statement, source=SOURCE)
    resolved = bool(trajectory.outcome.resolved)
    return ScriptedResult(task_id, resolved, len(trajectory.steps), "" if resolved else _why(episode), trajectory)


def _why(episode: Episode) -> str:
    if not episode.terminated:
        return f"the episode ended by {episode.truncated_by} before the submit"
    grade = episode.grade or {}
    if grade.get("error"):
        return f"grading: {str(grade['error']).splitlines()[0]}"
    failing = [test for group in ("FAIL_TO_PASS", "PASS_TO_PASS")
               for test in grade.get("tests_status", {}).get(group, {}).get("failure", [])]
    return f"{len(failing)} test(s) fail after the edits: {', '.join(failing[:3])}"


def save_scripted(trajectory: Trajectory, tasks_dir: str | Path | None = None) -> Path:
    """Store it among the task's expert trajectories (atomically): an earlier scripted one is
    replaced, every other kept ahead of it."""
    path = expert_path(trajectory.task_id, tasks_dir)
    others = [t for t in read_jsonl(path) if t.source != SOURCE] if path.is_file() else []
    write_jsonl(path, [*others, trajectory])
    return path


def without_expert(tasks_dir: str | Path | None = None) -> list[TaskSpec]:
    """The factory's tasks (mined or synthesized: `extra.factory` set) in the registry that have no
    expert trajectory yet: what a factory run scripts after it registers."""
    specs = (load_task(task_id, tasks_dir) for task_id in list_tasks(tasks_dir))
    return [s for s in specs if s.extra.get("factory") and not expert_path(s.instance_id, tasks_dir).is_file()]


def record_scripted_experts(
    specs: Sequence[TaskSpec], tasks_dir: str | Path | None = None, workers: int = 1, ray: str | None = None,
    on_done: Callable[[ScriptedResult], None] | None = None, step_timeout: float = STEP_TIMEOUT,
) -> list[ScriptedResult]:
    """Script, play and verify each task on `workers` envs at once (local threads, or Ray workers at
    the address `ray`), and save each resolving trajectory as the task's scripted expert. Results
    in the order of `specs`; `on_done` as each finishes."""
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks
    from srl_swe.tasks.registry import absolute_tasks_dir

    registry = absolute_tasks_dir(tasks_dir)
    play = functools.partial(_script_or_error, tasks_dir=registry, step_timeout=step_timeout)
    results: dict[str, ScriptedResult] = {}
    with open_executor(ExecutorSettings(workers=workers, ray=ray), node_hooks(ray, [registry])) as executor:
        for task_id, result in executor.map(play, {s.instance_id: s.instance_id for s in specs}):
            if result.resolved and result.trajectory is not None:
                save_scripted(result.trajectory, tasks_dir)
            results[task_id] = result
            if on_done is not None:
                on_done(result)
    return [results[s.instance_id] for s in specs]


def _script_or_error(task_id: str, tasks_dir: str, step_timeout: float) -> ScriptedResult:
    """One task; a task-level error (its image cannot be built, say) is its result, not the run's end."""
    try:
        return script_task(task_id, tasks_dir, step_timeout)
    except EngineUnreachable:
        raise
    except SrlSweError as exc:
        return ScriptedResult(task_id, False, 0, f"error: {str(exc).splitlines()[0]}")
