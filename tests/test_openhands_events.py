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
