"""The expert recorder and `srl-swe expert record`, against the tiny task in real containers: each
step's live observation is captured and the diff is graded; bad scripts are refused before any
container starts, naming the step; the CLI writes nothing for a diff that does not resolve the
task unless told to, and what it writes is JSONL that `read_jsonl` reads back."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from srl_swe.agents.record import load_steps, parse_steps, record_actions, save_expert
from srl_swe.cli.main import app
from srl_swe.errors import FormatError, TaskError
from srl_swe.tasks.registry import expert_path
from srl_swe.tools.actions import parse
from srl_swe.trajectories.schema import read_jsonl
from tests.tiny_task import EXPERT_STEPS, TASK_ID, make_tiny_task

BUNDLED_EXPERTS = Path(__file__).resolve().parents[1] / "tasks" / "_src" / "experts"
LS_THEN_SUBMIT = [EXPERT_STEPS[0], EXPERT_STEPS[-1]]  # looks around, fixes nothing


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory, base_image) -> Path:
    root = tmp_path_factory.mktemp("recorder")
    make_tiny_task(root / "tasks", root / "work", with_expert=False)
    return root / "tasks"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def steps_file(path: Path, steps: list[tuple[str, str]]) -> Path:
    path.write_text(yaml.safe_dump([{"thought": t, "action": a} for t, a in steps], sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ parsing and loading scripts

def test_a_step_that_does_not_parse_is_an_error_naming_it():
    steps = [EXPERT_STEPS[0], ("Oops.", "I will now look at the code."), EXPERT_STEPS[-1]]
    with pytest.raises(FormatError, match=r"^Step 2 does not parse"):
        parse_steps(steps)


def test_submit_must_come_last():
    steps = [EXPERT_STEPS[0], EXPERT_STEPS[-1], EXPERT_STEPS[2], EXPERT_STEPS[4]]
    with pytest.raises(FormatError, match=r"Step 2 submits but 2 step\(s\) follow it"):
        parse_steps(steps)


def test_the_given_thought_wins_and_an_empty_one_falls_back_to_the_text():
    parsed = parse_steps(
        [
            ("", "<think>theirs</think>\n<function=bash>\n<parameter=command>ls</parameter>\n</function>"),
            ("Mine.", "<think>theirs</think>\n<function=submit>\n</function>"),
        ]
    )
    assert [thought for thought, _ in parsed] == ["theirs", "Mine."]
    assert [action.name for _, action in parsed] == ["bash", "submit"]


def test_record_refuses_a_bad_script_before_running_it(tasks_dir):
    with pytest.raises(FormatError, match=r"^Step 1 submits"):
        record_actions(TASK_ID, [EXPERT_STEPS[-1], EXPERT_STEPS[0]], tasks_dir=tasks_dir)
    with pytest.raises(TaskError, match="No task 'no-such-task'"):
        record_actions("no-such-task", EXPERT_STEPS, tasks_dir=tasks_dir)


def test_load_steps_reads_a_bundled_expert_file(tmp_path):
    source = BUNDLED_EXPERTS / "lrukit-1.yaml"
    copy = tmp_path / "lrukit-1.yaml"
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    steps = load_steps(copy)
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert [action for _, action in steps] == [entry["action"] for entry in entries]
    parsed = parse_steps(steps)
    assert parsed[-1][1].name == "submit" and all(a.name != "submit" for _, a in parsed[:-1])


@pytest.mark.parametrize(("text", "message"), [
    ("[]\n", "expected a non-empty YAML list"),
    ("thought: a\naction: b\n", "expected a non-empty YAML list"),
    ("- thought: a\n", "entry 1 needs an 'action' string"),
    ("- action: ls\n- action: x\n  note: y\n", "entry 2 has unknown key\\(s\\) note"),
])
def test_load_steps_says_what_is_wrong_with_a_script(tmp_path, text, message):
    path = tmp_path / "steps.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaskError, match=message):
        load_steps(path)


# ------------------------------------------------------------------ recording in containers

def test_recording_captures_each_live_observation_and_resolves(tasks_dir, tmp_path):
    seen: list[int] = []
    trajectory = record_actions(TASK_ID, EXPERT_STEPS, tasks_dir=tasks_dir, on_step=lambda i, _s: seen.append(i))
    assert seen == [1, 2, 3, 4, 5, 6]
    assert [s.action for s in trajectory.steps] == [parse(text).action for _, text in EXPERT_STEPS]
    assert [s.thought for s in trajectory.steps] == [thought for thought, _ in EXPERT_STEPS]
    observations = [s.observation for s in trajectory.steps]
    assert observations[0].split() == ["calc.py", "test_calc.py"]       # ls in /testbed
    assert "2\t    return a - b" in observations[1]                      # the buggy file, as viewed
    assert observations[2].strip() == "-1"                               # the bug, reproduced
    assert "return a + b" in observations[3]                             # the edit's snippet
    assert observations[4].strip() == "5"                                # fixed, live
    assert trajectory.outcome.resolved is True
    diff = trajectory.outcome.diff
    assert "-    return a - b\n+    return a + b" in diff and "test_calc.py" not in diff
    assert (trajectory.task_id, trajectory.source) == (TASK_ID, "expert")
    path = save_expert(trajectory, path=tmp_path / "deep" / "expert.jsonl")
    assert list(read_jsonl(path)) == [trajectory]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_cli_writes_nothing_for_an_unresolved_diff(tasks_dir, tmp_path):
    script = steps_file(tmp_path / "lazy.yaml", LS_THEN_SUBMIT)
    before = snapshot(tasks_dir)
    result = CliRunner().invoke(app, ["expert", "record", "--task", TASK_ID, "--steps", str(script),
                                      "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 1, result.output
    assert "does not resolve tiny-calc" in result.output and "Nothing written" in result.output
    assert snapshot(tasks_dir) == before
    assert not expert_path(TASK_ID, tasks_dir).exists()

    out = tmp_path / "kept" / "lazy.jsonl"
    result = CliRunner().invoke(app, ["expert", "record", "--task", TASK_ID, "--steps", str(script),
                                      "--tasks-dir", str(tasks_dir), "--out", str(out), "--allow-unresolved"])
    assert result.exit_code == 0, result.output
    assert snapshot(tasks_dir) == before  # --out: the registry is still untouched
    [kept] = list(read_jsonl(out))
    assert kept.outcome.resolved is False and kept.outcome.diff == ""
    assert [s.action.name for s in kept.steps] == ["bash", "submit"]


def test_cli_writes_a_resolving_trajectory_as_the_task_expert(tasks_dir, tmp_path):
    script = steps_file(tmp_path / "expert.yaml", EXPERT_STEPS)
    result = CliRunner().invoke(app, ["expert", "record", "--task", TASK_ID, "--steps", str(script),
                                      "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 0, result.output
    target = expert_path(TASK_ID, tasks_dir)
    flat = "".join(result.output.split())  # rich wraps long paths
    assert "resolved;wrote" in flat and "notresolved" not in flat and str(target) in flat
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["task_id"] == TASK_ID  # valid JSONL, one record
    [trajectory] = list(read_jsonl(target))
    assert trajectory.outcome.resolved is True and len(trajectory.steps) == len(EXPERT_STEPS)
    assert trajectory.steps[4].observation.strip() == "5"
    assert list(target.parent.iterdir()) == [target]  # no temporary file left beside it
