"""OpenHands' own event streams: an evaluation output.jsonl record (function calling: exact tool
calls, parallel calls, think, finish, an IPython step and a rejected call dropped with reasons) and a
saved event array (action + args, an agent message carried as thought, browsing and an LLM-editor
edit dropped)."""

from __future__ import annotations

import json

from srl_swe.tools.actions import Action, bash, submit
from srl_swe.trajectories.importers import import_paths
from srl_swe.trajectories.importers.detect import by_record, is_record_array
from srl_swe.trajectories.schema import read_jsonl, write_jsonl
from tests.test_importers import DATA

VIEW = Action(name="str_replace_editor",
              arguments={"command": "view", "path": "/workspace/calc/calc.py", "view_range": [1, 4]})


def test_evaluation_output_record_keeps_every_agent_step():
    [t], report = import_paths([DATA / "openhands_events.jsonl"])
    assert (t.task_id, t.source, t.model) == ("demo__calc-1", "openhands", "anthropic/claude-3-5-sonnet")
    assert t.problem_statement == "add() subtracts instead of adding"  # instance.problem_statement
    assert t.outcome.resolved is True and t.outcome.diff.startswith("diff --git a/calc.py")
    assert [s.action for s in t.steps] == [
        bash("grep -n 'def add' calc.py"),
        VIEW,
        bash("pytest -q"),  # the second call of the same response: its `timeout` is the runtime's, left out
        Action(name="str_replace_editor", arguments={"command": "str_replace", "path": "/workspace/calc/calc.py",
                                                     "old_str": "return a - b", "new_str": "return a + b"}),
        submit(),
    ]
    # the command's output as the agent saw it: metadata suffix, working directory, interpreter, exit code
    assert t.steps[0].observation == (
        "3:def add(a, b):\n[The command completed with exit code 0.]\n[Current working directory: /workspace/calc]"
        "\n[Python interpreter: /usr/bin/python]\n[Command finished with exit code 0]")
    assert t.steps[1].observation.startswith("Here's the result of running `cat -n`")
    assert t.steps[2].observation.startswith("F\n1 failed\n") and t.steps[2].observation.endswith("exit code 1]")
    assert t.steps[3].observation == "The file /workspace/calc/calc.py has been edited."
    assert t.steps[4].observation == ""
    # the think call and its response's text go to the next step; a response's text only to its first call
    assert t.steps[1].thought == "Thinking.\n\nThe sign is wrong.\n\nView it and run tests."
    assert (t.steps[0].thought, t.steps[2].thought, t.steps[4].thought) == ("Find add.", "", "Done.")
    assert [(e.kind, e.detail.split(":")[0]) for e in report.dropped] == [
        ("OpenHands action with no tool here", "event 6"), ("turn without a valid action", "event 8")]
    assert "'run_ipython'" in report.dropped[0].detail and "rejected the call" in report.dropped[1].detail


def test_saved_event_array_is_one_trajectory():
    events = json.loads((DATA / "openhands_events.json").read_text())
    assert by_record(events) == "openhands" and not is_record_array(events)
    assert is_record_array([{"instance_id": "a", "history": events}, {"instance_id": "b", "history": events}])
    [t], report = import_paths([DATA / "openhands_events.json"])
    assert (t.task_id, t.problem_statement, t.outcome.resolved) == ("openhands_events.json", "Fix add() in calc.py",
                                                                     None)
    assert [s.action for s in t.steps] == [
        bash("cat calc.py"),
        Action(name="str_replace_editor", arguments={"command": "str_replace", "path": "/workspace/calc.py",
                                                     "old_str": "a - b", "new_str": "a + b"}),
        submit(),
    ]
    assert t.steps[0].thought == "I will look first.\n\nRead the file."  # the agent's message, carried
    assert t.steps[0].observation == ("def add(a, b):\n    return a - b\n[Current working directory: /workspace]"
                                      "\n[Command finished with exit code 0]")
    assert [e.detail.split(":")[1].strip() for e in report.dropped] == [
        "action 'browse_interactive'", "action 'edit'"]
    assert "LLM-based file editor" in report.dropped[1].detail
    assert report.table()[1][1:] == ["1", "0", "3", "2 OpenHands action with no tool here"]


def test_events_import_export_import_identity(tmp_path):
    first, _ = import_paths([DATA / "openhands_events.jsonl", DATA / "openhands_events.json"])
    write_jsonl(tmp_path / "oh.jsonl", first)
    again, report = import_paths([tmp_path / "oh.jsonl"])
    assert again == first and list(read_jsonl(tmp_path / "oh.jsonl")) == first and not report.dropped


def test_resolver_output_with_flat_events_and_no_ids(tmp_path):
    """The resolver's older shape: arguments flat on each event, no ids or causes (an action's
    observation is the next one), the issue under `issue`, `git_patch` at the top."""
    history = [
        {"content": "Please fix the following issue...\n# Problem Statement\nAdd a license", "action": "message"},
        {"command": "touch LICENSE", "thought": "Create it.", "keep_prompt": True, "action": "run"},
        {"content": "\r\nroot@h:/workspace # ", "command_id": -1, "command": "touch LICENSE", "exit_code": 0,
         "observation": "run"},
        {"code": "print(1)", "thought": "Check.", "action": "run_ipython"},
        {"content": "1", "code": "print(1)", "observation": "run_ipython"},
        {"command": "cat LICENSE", "thought": "Look.", "action": "run"},
        {"content": "MIT License", "command": "cat LICENSE", "exit_code": 0, "observation": "run"},
        {"command": "C-c", "is_input": True, "thought": "Stop it.", "action": "run"},
        {"content": "^C", "command": "C-c", "exit_code": 130, "observation": "run"},
        {"outputs": {}, "thought": "Done.", "action": "finish"},
    ]
    record = {"issue": {"owner": "o", "repo": "r", "number": 5, "title": "Add MIT license", "body": "Add a license"},
              "git_patch": "diff --git a/LICENSE b/LICENSE\n", "history": history, "success": True}
    (tmp_path / "output.jsonl").write_text(json.dumps(record) + "\n")
    [t], report = import_paths([tmp_path / "output.jsonl"])
    assert (t.task_id, t.problem_statement) == ("o__r-5", "Add MIT license\nAdd a license")
    # `success` is the agent's own claim, not an evaluation
    assert t.outcome.resolved is None and t.outcome.diff == "diff --git a/LICENSE b/LICENSE\n"
    assert [(s.thought, s.action, s.observation) for s in t.steps] == [
        ("Create it.", bash("touch LICENSE"), "\r\nroot@h:/workspace # "),
        ("Look.", bash("cat LICENSE"), "MIT License"),
        ("Done.", submit(), ""),
    ]
    assert [(e.where.line, e.kind, e.detail) for e in report.dropped] == [
        (1, "OpenHands action with no tool here", "event 3: action 'run_ipython': no tool here runs it"),
        (1, "OpenHands action with no tool here", "event 7: action 'run': execute_bash with is_input true sends "
         "'C-c' to a command still running; here each command runs to its end, so there is none to send it to")]
