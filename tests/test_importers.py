"""Each importer on a sample file in its format's exact shape, format detection, and bad input:
every record left out is in the report with its file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, submit
from srl_swe.trajectories.importers import ImportReport, import_file, import_paths
from srl_swe.trajectories.importers.common import MAX_OBSERVATION_CHARS
from srl_swe.trajectories.importers.detect import by_name, by_record
from srl_swe.trajectories.importers.swe_agent_commands import action_from_command
from srl_swe.trajectories.schema import read_jsonl

DATA = Path(__file__).parent / "data" / "trajectories"
# The first sample files; tests whose figures were measured on them (datasets, reward bounds) read only these.
FIRST_SAMPLES = [DATA / n for n in ("demo__calc-1.traj", "demo__calc-1.traj.json", "messages.jsonl", "openhands.jsonl",
                                    "swe_smith.jsonl")]
PROBLEM_HEAD = "calc.add returns the difference of its arguments instead of their sum."
EDIT = Action(
    name="str_replace_editor",
    arguments={
        "command": "str_replace",
        "path": "/testbed/calc.py",
        "old_str": "    return a - b",
        "new_str": "    return a + b",
    },
)
EXPERT_ACTIONS = [
    Action(name="str_replace_editor", arguments={"command": "view", "path": "/testbed"}),
    bash("grep -rn 'def add' /testbed"),
    EDIT,
    bash("cd /testbed && python -m pytest -q tests"),
    submit(),
]
THOUGHTS = ["Let me look at the repository layout first.", "Find where add is defined.", "add subtracts; it must add.",
            "Run the tests to check the fix.", "The fix works; submit it."]


def load(name: str, format: str = "auto"):
    report = ImportReport()
    return list(import_file(DATA / name, format, report)), report


def test_swe_agent_traj_uses_history_tool_calls():
    [t], report = load("demo__calc-1.traj")
    assert (t.source, t.task_id, t.model) == ("swe-agent", "demo__calc-1", "claude-3-7-sonnet-20250219")
    assert [s.action for s in t.steps] == EXPERT_ACTIONS
    assert [s.thought for s in t.steps] == THOUGHTS
    assert t.steps[1].observation == "/testbed/calc.py:1:def add(a, b):"
    assert t.problem_statement.startswith(PROBLEM_HEAD) and t.outcome.diff.startswith("diff --git a/calc.py")
    assert t.outcome.resolved is None and report.skipped == [] and report.notes == []


def test_swe_agent_command_lines_without_tool_calls():
    assert action_from_command("str_replace_editor view /testbed/calc.py  --view_range 1 20") == Action(
        name="str_replace_editor", arguments={"command": "view", "path": "/testbed/calc.py", "view_range": [1, 20]})
    assert (
        action_from_command(
            "str_replace_editor str_replace /testbed/calc.py   --old_str '    return a - b' --new_str '    return a + "
            "b'"
        )
        == EDIT
    )
    created = action_from_command("str_replace_editor create /testbed/r.py --file_text 'print(1)\nprint(\"--x\")\n'")
    assert created.arguments["file_text"] == 'print(1)\nprint("--x")\n'
    assert action_from_command(
        "str_replace_editor insert /testbed/a.py --insert_line 3 --new_str '--verbose'"
    ).arguments == {"command": "insert", "path": "/testbed/a.py", "insert_line": 3, "new_str": "--verbose"}
    assert action_from_command("submit") == submit()
    assert action_from_command("ls -la /testbed") == bash("ls -la /testbed")
    assert action_from_command('open "calc.py" 10') == Action(name="open",
                                                              arguments={"path": "calc.py", "line_number": 10})
    with pytest.raises(FormatError, match="at most 2"):
        action_from_command("open calc.py 10 20")


def test_swe_smith_jsonl_leaves_out_a_turn_without_action():
    trajectories, report = load("swe_smith.jsonl")
    first, second = trajectories
    assert [s.action for s in first.steps] == EXPERT_ACTIONS == [s.action for s in second.steps]
    assert [s.thought for s in first.steps] == THOUGHTS
    assert first.steps[0].observation.startswith("Here's the files")  # the OBSERVATION: prefix is gone
    assert (first.task_id, first.outcome.resolved, second.task_id, second.outcome.resolved) == (
        "demo__calc-1",
        True,
        "demo__calc-2",
        False,
    )
    assert first.source == "swe-smith" and first.problem_statement.startswith(PROBLEM_HEAD)
    assert [(str(n.where), n.kind) for n in report.dropped] == [
        (f"{DATA / 'swe_smith.jsonl'}:1", "turn without a valid action")]


def test_mini_swe_agent_traj_json():
    [t], report = load("demo__calc-1.traj.json")
    assert (
        t.source == "mini-swe-agent" and t.task_id == "demo__calc-1" and t.model == "anthropic/claude-sonnet-4-20250514"
    )
    assert [s.action for s in t.steps] == [
        bash("ls -R /testbed"),
        bash("grep -rn 'def add' /testbed"),
        bash("sed -i 's/return a - b/return a + b/' /testbed/calc.py"),
        bash("cd /testbed && python -m pytest -q tests"),
        submit(),
    ]
    assert t.steps[0].thought == THOUGHTS[0]  # "THOUGHT:" prefix dropped
    # observations verbatim: what the agent saw, return code and all
    assert t.steps[2].observation == "<returncode>0</returncode>\n<output>\n\n</output>"
    assert t.steps[3].observation == (
        "<returncode>1</returncode>\n<output>\nF.\nFAILED tests/test_calc.py::test_add\n</output>")
    assert t.problem_statement.startswith(PROBLEM_HEAD) and "Consider the following" not in t.problem_statement
    assert t.outcome.diff.startswith("diff --git")
    assert [n.kind for n in report.dropped] == ["turn without a valid action"]


def test_mini_swe_agent_bare_message_list(tmp_path):
    data = json.loads((DATA / "demo__calc-1.traj.json").read_text())
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data["messages"]))
    [t] = list(import_file(path))
    assert t.source == "mini-swe-agent" and len(t.steps) == 5 and t.task_id == "run.json"


def test_openhands_tool_calls():
    [t], report = load("openhands.jsonl")
    assert t.source == "openhands" and t.outcome.resolved is True and t.model == "gpt-4o"
    assert [s.action for s in t.steps] == [
        bash("ls /testbed"),
        Action(name="str_replace_editor", arguments={"command": "view", "path": "/testbed/calc.py"}),
        EDIT,
        bash("cd /testbed && python -m pytest -q tests"),
        submit(),
    ]
    assert (
        t.steps[1].thought == "The bug must be in calc.py.\n\nStep 2."
    )  # the think call joins the next step's thought
    assert t.steps[1].observation.startswith("Here's the result of running `cat -n`")
    assert t.problem_statement.startswith(PROBLEM_HEAD) and report.notes == []


def test_plain_messages_mix_text_hermes_and_tool_calls():
    [t], _ = load("messages.jsonl")
    assert t.source == "messages" and [s.action for s in t.steps] == EXPERT_ACTIONS
    assert [s.thought for s in t.steps] == THOUGHTS
    assert (
        t.steps[3].observation
        == "..                                                                       [100%]\n2 passed in 0.01s"
    )


def test_detection_by_name_and_shape():
    assert (
        by_name(DATA / "demo__calc-1.traj") == "swe-agent"
        and by_name(DATA / "demo__calc-1.traj.json") == "mini-swe-agent"
    )
    first = {
        name: json.loads((DATA / name).read_text().splitlines()[0])
        for name in ("swe_smith.jsonl", "openhands.jsonl", "messages.jsonl")
    }
    assert [by_record(first[n]) for n in first] == ["swe-smith", "openhands", "messages"]
    assert by_record(json.loads((DATA / "demo__calc-1.traj").read_text())) == "swe-agent"
    assert by_record({"foo": 1}) is None
    _, report = import_paths([DATA])
    assert dict(report.formats) == {"swe-agent": 7, "swe-smith": 2, "mini-swe-agent": 4, "openhands": 5, "messages": 1}


def test_bad_records_are_reported_with_file_and_line(tmp_path):
    good = (DATA / "openhands.jsonl").read_text().strip()
    record = json.loads(good)
    browser = json.loads(good)
    browser["messages"][2]["tool_calls"][0]["function"] = {"name": "browser", "arguments": "{\"code\": \"goto('x')\"}"}
    huge = json.loads(good)
    huge["messages"][3]["content"] = [{"type": "text", "text": "x" * (MAX_OBSERVATION_CHARS + 10)}]
    no_steps = {"instance_id": "t", "messages": record["messages"][:2]}
    lines = [good, good[: len(good) // 2], json.dumps(browser), json.dumps(no_steps), "", json.dumps(huge)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ImportReport()
    trajectories = list(import_file(path, report=report))
    assert len(trajectories) == 2 and report.imported == 2
    assert [(e.where.line, e.kind) for e in report.skipped] == [
        (2, "invalid JSON"),
        (3, "unsupported tool call"),
        (4, "no steps"),
    ]
    assert [(e.where.line, e.kind) for e in report.notes] == [(6, "observation clipped")]
    assert len(trajectories[1].steps[0].observation) < MAX_OBSERVATION_CHARS + 100
    assert "3 skipped" not in report.summary() and "skipped 3" in report.summary()
    assert all(str(path) in line for line in report.details())


def test_broken_whole_file_and_unknown_shape(tmp_path):
    (tmp_path / "cut.traj").write_text((DATA / "demo__calc-1.traj").read_text()[:500])
    (tmp_path / "other.jsonl").write_text(json.dumps({"hello": "world"}) + "\n")
    trajectories, report = import_paths([tmp_path])
    assert trajectories == []
    assert sorted((Path(e.where.file).name, e.kind) for e in report.skipped) == [
        ("cut.traj", "invalid JSON"),
        ("other.jsonl", "unknown format"),
    ]


def test_forced_wrong_format_is_a_counted_skip():
    trajectories, report = import_paths([DATA / "messages.jsonl"], format="swe-agent")
    assert trajectories == [] and [e.kind for e in report.skipped] == ["bad record"]


def test_cli_import_writes_srl_swe_jsonl(tmp_path):
    out = tmp_path / "all.jsonl"
    result = CliRunner().invoke(app, ["data", "import", str(DATA), "--out", str(out)])
    assert result.exit_code == 0, result.output
    trajectories = list(read_jsonl(out))
    assert len(trajectories) == 19 and "imported 19 trajectories" in result.output
    again, report = import_paths([out])  # srl-swe's own format reads back unchanged
    assert again == trajectories and dict(report.formats) == {"srl-swe": 19}
    bad = CliRunner().invoke(
        app, ["data", "import", str(DATA / "messages.jsonl"), "--format", "nope", "--out", str(out)]
    )
    assert bad.exit_code == 1 and "Unknown trajectory format" in bad.output
