"""`data verify` replays imported experts on their registered task in real containers (the
original agent's /workspace/<repo> root remapped to the task's workdir), reports the steps whose
observation differs from the recording, grades the final diff, and `data build --only-resolved`
then keeps only the verified expert."""

from __future__ import annotations

import json

import datasets
from typer.testing import CliRunner

from srl_swe.agents.verify import first_difference, remap_text, repo_root
from srl_swe.cli.main import app
from srl_swe.tools.actions import make_action
from srl_swe.tools.execute import NO_OUTPUT
from srl_swe.trajectories.importers import import_paths
from srl_swe.trajectories.schema import Outcome, Step, Trajectory, read_jsonl, write_jsonl

ROOT = "/workspace/lrukit"
FILE = f"{ROOT}/lrukit/lru.py"
FIX = ("        if key in self._data:\n            self._data[key] = value\n            self._data.move_to_end(key)\n"
       "            return\n        if self.maxsize is not None and len(self._data) >= self.maxsize:\n")


def step(name: str, observation: str, **arguments) -> Step:
    return Step(action=make_action(name, arguments), observation=observation)


FIXES = Trajectory(task_id="lrukit-1", source="swe-agent", outcome=Outcome(resolved=True), steps=[
    step("find_file", f'Found 1 matches for "lru.py" in {ROOT}:\n{FILE}', file_name="lru.py"),
    step("search_file", f'Found 1 matches for "def put" in {FILE}:\n'
                        'Line 47:    def put(self, key: Hashable, value: Any) -> None:\n'
                        f'End of matches for "def put" in {FILE}', search_term="def put", file=FILE),
    step("open", f"[File: {FILE} (110 lines total)]", path=FILE, line_number=47),  # recorded wrongly
    step("edit", "File updated.", start_line=48, end_line=48, replacement_text=FIX),  # recorded in part
    step("bash", "41 passed", command=f"cd {ROOT} && python -m pytest -q 2>&1 | tail -1 | cut -d' ' -f1-2"),
])
# Claimed resolved by its source, but the diff it submits fixes nothing.
WRONG = Trajectory(task_id="lrukit-1", source="swe-agent", outcome=Outcome(resolved=True), steps=[
    step("bash", "Your command ran successfully and did not produce any output.",
         command="cd /testbed && echo '# cache' >> lrukit/lru.py"),
    step("submit", ""),
])


def test_repo_root_is_found_in_actions_and_remapped_as_a_whole_path():
    assert repo_root(FIXES, "/testbed") == ROOT and repo_root(WRONG, "/testbed") is None
    assert remap_text(f"cd {ROOT} && ls {ROOT}/x '{ROOT}' {ROOT}-old /x{ROOT}", ROOT, "/testbed") == (
        f"cd /testbed && ls /testbed/x '/testbed' {ROOT}-old /x{ROOT}")
    assert first_difference("a\nb  \n", "a\nb") is None
    assert first_difference("a\nb", "a\nc") == "line 2: recorded 'b', replay 'c'"
    assert first_difference("a", "a\nmore") == "line 2: the recording ends here; the other goes on with 'more'"
    # SWE-agent records '' for a command with no output, and a submission after a blank line.
    assert first_difference("", NO_OUTPUT) is None and first_difference("\r\ndiff\r\n", "diff") is None
    assert first_difference("x", NO_OUTPUT) is not None


# SWE-agent 0.x: repo at /<owner>__<repo>, actions as typed (relative paths), the root only in what
# the tools printed; an empty observation for a command without output and for `submit`, whose diff is
# `info.submission`; no instance id in the file (its name is the task's).
OLD_ROOT = "/acme__lrukit"
OLD_STEPS = [
    ('find_file "lru.py"\n', f'Found 1 matches for "lru.py" in {OLD_ROOT}:\n{OLD_ROOT}/lrukit/lru.py\n'),
    ("echo '# cache' >> lrukit/lru.py\n", ""),
    # 0.x's own tools (SWE-agent 1.x's of the same names print otherwise): one empty line, the window, then updated
    ("create /tmp/notes.py\n", "[File: /tmp/notes.py (1 lines total)]\n1:\n"),
    ("edit 1:1\nx = 1\nend_of_edit\n", "[File: /tmp/notes.py (1 lines total)]\n1:x = 1\nFile updated. Please review "
     "the changes and make sure they are correct (correct indentation, no duplicate lines, etc). Edit the file again "
     "if necessary.\n"),
    ("submit\n", ""),
]
OLD_TRAJ = {
    "environment": "swe_main",
    "trajectory": [{"action": action, "observation": observation, "response": f"Next.\n```\n{action}```",
                    "state": json.dumps({"open_file": "n/a", "working_dir": OLD_ROOT}) + "\n", "thought": "Next.\n"}
                   for action, observation in OLD_STEPS],
    "history": [
        {"message_type": "system_prompt", "role": "system", "content": "SETTING: a shell.", "agent": "primary"},
        {"message_type": "observation", "role": "user", "agent": "primary",
         "content": "We're currently solving the following issue within our repository. Here's the issue text:\n"
                    "ISSUE:\nput() on a full cache evicts the key it updates\n\nINSTRUCTIONS:\nFix it."},
    ],
    "info": {"exit_status": "submitted",
             "submission": "\ndiff --git a/lrukit/other.py b/lrukit/other.py\n--- a/lrukit/other.py\n"},
}


def test_verify_remaps_a_root_found_only_in_observations_of_a_swe_agent_0x_file(tmp_path, base_image):
    (tmp_path / "lrukit-1.traj").write_text(json.dumps(OLD_TRAJ))
    (imported,), _ = import_paths([tmp_path / "lrukit-1.traj"])
    assert imported.task_id == "lrukit-1" and repo_root(imported, "/testbed", "lrukit") == OLD_ROOT
    assert imported.tools == "swe-agent-0"  # replayed with 0.x's tools
    result = CliRunner().invoke(app, ["data", "verify", str(tmp_path / "lrukit-1.traj"),
                                      "--out", str(tmp_path / "verified.jsonl")])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "1 lrukit-1 5 4/5 no /acme__lrukit" in out
    assert "step 1 (find_file)" not in out and "step 2 (bash)" not in out  # remapped root; '' is "no output"
    assert ("step 5 (submit): line 1: recorded 'diff --git a/lrukit/other.py b/lrukit/other.py', "
            "replay 'diff --git a/lrukit/lru.py b/lrukit/lru.py'") in out  # compared with the submission


def test_verify_replays_reports_differences_and_build_keeps_only_resolved(tmp_path, base_image):
    write_jsonl(tmp_path / "imported.jsonl", [FIXES, WRONG])
    runner = CliRunner()
    result = runner.invoke(app, ["data", "verify", str(tmp_path / "imported.jsonl"),
                                 "--out", str(tmp_path / "verified.jsonl")])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "step 3 (open): line 1: recorded '[File: /testbed/lrukit/lru.py (110 lines total)]', " \
           "replay '[File: /testbed/lrukit/lru.py (109 lines total)]'" in out
    assert "step 4 (edit): line 1: recorded 'File updated.', replay 'File updated. Please review the changes" in out
    assert "step 2 (submit): line 1: recorded '', replay 'diff --git a/lrukit/lru.py b/lrukit/lru.py'" in out
    assert "step 1 (find_file)" not in out and "step 5 (bash)" not in out  # ran as recorded
    assert "1 lrukit-1 5 3/5 yes /workspace/lrukit" in out and "2 lrukit-1 2 1/2 no -" in out
    assert "wrote 2 trajectories" in out and "1 resolved" in out
    verified = list(read_jsonl(tmp_path / "verified.jsonl"))
    assert [t.outcome.resolved for t in verified] == [True, False]
    assert [t.steps for t in verified] == [FIXES.steps, WRONG.steps]  # the expert's own actions, not remapped
    built = runner.invoke(app, ["data", "build", "--trajectories", str(tmp_path / "verified.jsonl"), "--only-resolved",
                                "--out", str(tmp_path / "ds"), "--val-fraction", "0"])
    assert built.exit_code == 0, built.output
    assert "instances from 1 of 2 trajectories (resolved ones)" in " ".join(built.output.split())
    assert sum(len(split) for split in datasets.load_from_disk(str(tmp_path / "ds")).values()) == len(FIXES.steps)


def test_verify_names_tasks_that_are_not_registered(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [FIXES.model_copy(update={"task_id": "nope-1"})])
    result = CliRunner().invoke(app, ["data", "verify", str(tmp_path / "t.jsonl"), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1 and "No registered task for nope-1" in result.output
    assert "srl-swe tasks add" in " ".join(result.output.split())
    (tmp_path / "registry").mkdir()  # the registry flag has the name the other commands give it, too
    result = CliRunner().invoke(app, ["data", "verify", str(tmp_path / "t.jsonl"), "--out", str(tmp_path / "o.jsonl"),
                                      "--tasks-dir", str(tmp_path / "registry")])
    assert result.exit_code == 1
    assert f"No registered task for nope-1 in {tmp_path / 'registry'}" in " ".join(result.output.split())
    assert not (tmp_path / "o.jsonl").exists()
