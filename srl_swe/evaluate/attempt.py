"""One (task, attempt): run the policy in the chosen mode, grade, classify, and give back the
attempt's files. Whatever goes wrong is recorded as this attempt's error, never raised."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from srl_swe.evaluate import outputs
from srl_swe.evaluate.attempt_state import AttemptState, instance_deadline, run_agentic
from srl_swe.evaluate.oracle import run_oracle


@dataclass
class AttemptResult:
    """An attempt's record and files, made where the attempt ran and written where the run is driven."""

    record: outputs.InstanceRecord
    patch: str
    report: dict
    test_output: str
    trajectory: dict
    turns: list[dict]

    def write(self, out) -> outputs.InstanceRecord:
        folder = outputs.attempt_dir(out, self.record.instance_id, self.record.attempt)
        outputs.write_attempt(folder, self.record, self.patch, self.report, self.test_output, self.trajectory,
                              self.turns)
        return self.record


def run_attempt(config, factory, task_id: str, attempt: int) -> AttemptResult:
    """The attempt's record and files; nothing is written here (see AttemptResult.write)."""
    start = time.monotonic()
    state = AttemptState(deadline=instance_deadline(config.instance_timeout))
    spec, error, detail = None, None, ""
    try:
        from srl_swe.tasks.registry import load_task

        spec = load_task(task_id, config.tasks_dir)
        policy = factory(spec)
        if config.mode == "agentic":
            run_agentic(spec, policy, config.tasks_dir, config.max_steps, state, config.grade_timeout)
        else:
            run_oracle(spec, policy, config.tasks_dir, state)
            if state.patch.strip():
                _grade(spec, config, state)
    except Exception as exc:  # one instance's failure is its record; the run goes on
        error = _reason(exc)
        detail = traceback.format_exc()
    record = _classify(task_id, attempt, config.mode, state, error, time.monotonic() - start)
    return AttemptResult(record, state.patch, outputs.swebench_report(task_id, state.patch, state.grade),
                         _test_output(state, error, detail), _trajectory(spec, task_id, state, record, config),
                         state.turns)


def _grade(spec, config, state: AttemptState) -> None:
    from srl_swe.tasks.grading import grade

    state.deadline.check("before grading")
    state.grade = grade(
        spec, state.patch, config.tasks_dir, timeout=min(config.grade_timeout, max(state.deadline.remaining(), 1.0))
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _first(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "no detail"


def _classify(
    task_id, attempt, mode, state: AttemptState, error: str | None, duration: float
) -> outputs.InstanceRecord:
    """SWE-bench's buckets: an empty patch is not graded; a patch that does not apply or tests
    that could not run make an error; otherwise resolved (all FAIL_TO_PASS and PASS_TO_PASS pass)
    or unresolved."""
    grade = state.grade
    if error is None and state.patch.strip() and grade is not None:
        if not grade.patch_applied:
            error = f"patch does not apply: {_first(state.note or grade.error or '')}"
        elif grade.error:
            error = f"grading: {_first(grade.error)}"
    if error is not None:
        status = "error"
    elif not state.patch.strip():
        status = "empty_patch"
    elif grade is None:
        status, error = "error", "the patch was not graded"
    else:
        status = "resolved" if grade.resolved else "unresolved"
    return outputs.InstanceRecord(
        instance_id=task_id, attempt=attempt, mode=mode, status=status,
        grade_status=getattr(grade, "status", None), patch_applied=getattr(grade, "patch_applied", None),
        error=error, note=state.note, steps=state.steps, format_errors=state.format_errors,
        submitted=state.submitted, similarity=state.mean_similarity, duration_s=round(duration, 3),
    )


def _test_output(state: AttemptState, error: str | None, detail: str) -> str:
    parts = []
    if state.grade is not None and getattr(state.grade, "test_output", None):
        parts.append(state.grade.test_output)
    if error:
        parts.append(f"ERROR: {error}\n{detail}")
    if not parts:
        parts.append("No tests were run: the patch is empty.\n" if not state.patch.strip() else "")
    return "\n".join(parts)


def _trajectory(spec, task_id: str, state: AttemptState, record, config) -> dict:
    """Agentic: a Trajectory (srl_swe.trajectories.schema) of the steps that held an action;
    oracle-edit: the prompt and the answer."""
    from srl_swe.tools.actions import parse
    from srl_swe.trajectories.schema import Outcome, Step, Trajectory

    statement = spec.problem_statement if spec is not None else ""
    if config.mode == "oracle-edit":
        answer = [{"role": "assistant", "content": t["response"]} for t in state.turns]
        return {
            "task_id": task_id,
            "mode": config.mode,
            "model": config.policy.name,
            "messages": state.messages + answer,
        }
    # the env's canonical action text always parses, whatever form the policy wrote it in
    steps = [Step(thought=t["thought"], action=parse(t["action"]).action, observation=t["observation"],
                  reward=t["reward"], expert_action=t["expert_action"])
             for t in state.turns if t.get("action") is not None]
    return Trajectory(task_id=task_id, problem_statement=statement, steps=steps,
                      outcome=Outcome(resolved=record.status == "resolved", diff=state.patch),
                      source="srl-swe-eval", model=config.policy.name).model_dump(mode="json")
