"""The formats real agents write: mini-swe-agent 2.x (each action syntax, tool calls), SWE-agent's
windowed tools (function calling, history-only .traj, ai/text datasets), OpenHands text mode in a
JSON array; gz and globs; import -> export -> import identity; --strict."""

from __future__ import annotations

import gzip
import json
import random
import shlex
import shutil

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action, bash, parse, submit
from srl_swe.trajectories.importers import ImportReport, import_file, import_paths
from srl_swe.trajectories.importers.report import StrictImportError
from srl_swe.trajectories.importers.swe_agent_commands import action_from_command, shell_words
from srl_swe.trajectories.schema import read_jsonl, write_jsonl
from tests.test_importers import DATA, PROBLEM_HEAD

SED = "sed -i 's/return a - b/return a + b/' /testbed/calc.py"
MINI_ACTIONS = [bash("ls -R /testbed"), bash("grep -rn 'def add' /testbed"), bash(SED),
                bash("cd /testbed && python -m pytest -q tests"), submit()]


def load(name: str):
    report = ImportReport()
    return list(import_file(DATA / name, report=report)), report


@pytest.mark.parametrize("name", ["mini_v2_fence.traj.json", "mini_v2_tags.traj.json"])
def test_mini_swe_agent_2_text_syntaxes_use_the_regex_of_the_run(name):
    [t], report = load(name)
    assert t.source == "mini-swe-agent" and t.model == "openai/gpt-5-mini"
    assert [s.action for s in t.steps] == MINI_ACTIONS
    assert t.steps[0].thought == "Let me look at the repository layout first."
    # the output came as a list of blocks
    assert t.steps[0].observation == "<returncode>0</returncode>\n<output>\n/testbed:\ncalc.py\ntests\n</output>"
    assert "timed out" in t.steps[3].observation and "<returncode>-1</returncode>" in t.steps[3].observation
    assert t.problem_statement.startswith(PROBLEM_HEAD) and t.outcome.diff.startswith("diff --git")
    # the two-action format error never ran: one dropped step, named
    assert [(e.kind, e.detail.split(":")[0]) for e in report.dropped] == [("turn without a valid action", "message 6")]


def test_mini_swe_agent_2_tool_calls():
    [t], report = load("mini_v2_toolcall.traj.json")
    assert [s.action for s in t.steps] == MINI_ACTIONS and report.dropped == []
    assert t.steps[3].observation == (
        '{\n  "returncode": 1,\n  "output": "F.\\nFAILED tests/test_calc.py::test_add\\n"\n}')
    assert [s.thought for s in t.steps] == [f"Step {k}." for k in range(1, 6)]


def test_swe_agent_function_calling_windowed_tools_keep_every_step():
    [t], report = load("swe_agent_windowed.traj")
    assert report.dropped == [] and report.skipped == [] and t.task_id == "demo__calc-windowed" and t.model == "gpt-4o"
    assert [s.action.name for s in t.steps] == ["find_file", "open", "search_file", "goto", "scroll_down", "scroll_up",
                                                "edit", "search_dir", "create", "insert", "edit", "bash", "submit"]
    assert t.steps[1].action == Action(name="open", arguments={"path": "calc.py", "line_number": 1})
    # tool_calls stored as a Python literal
    assert t.steps[3].action == Action(name="goto", arguments={"line_number": 2})
    assert t.steps[6].action.arguments == {"search": "return a - b", "replace": "return a + b"}
    assert t.steps[9].action.arguments == {"text": "from calc import add\nprint(add(2, 3))"}
    assert t.steps[10].action.arguments == {"start_line": 1, "end_line": 1, "replacement_text": "from calc import add"}
    assert t.steps[1].observation.startswith("[File: /testbed/calc.py (2 lines total)]\n1:def add(a, b):")
    assert t.problem_statement.startswith(PROBLEM_HEAD) and t.outcome.diff.startswith("diff --git")


def test_swe_agent_cursor_tools_keep_every_step_and_round_trip(tmp_path):
    [t], report = load("swe_agent_cursors.traj")
    assert report.dropped == [] and report.skipped == [] and len(t.steps) == 10
    assert [s.action.name for s in t.steps] == ["create", "edit", "bash", "open", "set_cursors", "edit", "edit", "bash",
                                                "bash", "submit"]
    assert t.steps[4].action == Action(name="set_cursors", arguments={"start_line": 2, "end_line": 2})
    # the here-document's lines verbatim, each with its newline, indentation included
    assert t.steps[5].action == Action(name="edit", arguments={"replacement_text": "return a + b\n"})
    assert t.steps[6].action.arguments == {"replacement_text": "    return a + b\n"}
    assert t.steps[1].action.arguments == {"replacement_text": "from calc import add\nprint(add(2, 3))\n"}
    assert t.steps[5].observation.startswith("Your proposed edit has introduced new syntax error(s).")
    assert all(parse(s.canonical_action).action == s.action for s in t.steps)
    write_jsonl(tmp_path / "c.jsonl", [t])
    [again], _ = import_paths([tmp_path / "c.jsonl"])
    assert again == t


def test_a_trajectory_names_the_bundle_its_tool_names_do_not_tell(tmp_path):
    # SWE-agent 0.x ("environment": "swe_main") with its default tools: 1.x's names, 0.x's tools
    [t], report = load("swe_agent_0.traj")
    assert report.dropped == [] and t.tools == "swe-agent-0" and len(t.steps) == 9
    assert t.steps[4].action == Action(name="edit", arguments={"start_line": 2, "end_line": 2,
                                                               "replacement_text": "return a + b"})
    assert load("swe_agent_cursors.traj")[0][0].tools == "swe-agent-cursors"
    # 1.x files: the names tell
    assert load("swe_agent_windowed.traj")[0][0].tools is None and load("demo__calc-1.traj")[0][0].tools is None
    write_jsonl(tmp_path / "t.jsonl", [t])
    [again], _ = import_paths([tmp_path / "t.jsonl"])
    assert again == t
    # a 0.x config that names the default command files says so without the environment key
    record = json.loads((DATA / "swe_agent_0.traj").read_text())
    del record["environment"]
    (tmp_path / "named.traj").write_text(json.dumps(record))
    assert import_paths([tmp_path / "named.traj"])[0][0].tools is None
    record["replay_config"] = json.dumps({"agent": {"config": {"command_files": [
        "config/commands/defaults.sh", "config/commands/search.sh", "config/commands/edit_linting.sh"]}}})
    (tmp_path / "named.traj").write_text(json.dumps(record))
    assert import_paths([tmp_path / "named.traj"])[0][0].tools == "swe-agent-0"


def test_a_bare_edit_of_a_trajectory_with_other_tools_is_dropped_with_the_reason(tmp_path):
    record = json.loads((DATA / "swe_agent_cursors.traj").read_text())
    record["replay_config"] = json.dumps({"agent": {"tools": {"bundles": [
        {"path": "tools/defaults"}, {"path": "tools/edit_linting"}, {"path": "tools/submit"}]}}})
    (tmp_path / "other.traj").write_text(json.dumps(record))
    [t], report = import_paths([tmp_path / "other.traj"])
    assert len(t.steps) == 7 and [d.detail.split(":")[0] for d in report.dropped] == ["step 1", "step 5", "step 6"]
    assert all("`edit` with no line range is the edit of SWE-agent's cursor tools" in d.detail and
               "tools/edit_linting" in d.detail for d in report.dropped)
    # naming the cursor command files (SWE-agent 0.x) keeps them
    record["replay_config"] = json.dumps({"agent": {"config": {"command_files": [
        "config/commands/cursors_defaults.sh", "config/commands/cursors_edit_linting.sh"]}}})
    (tmp_path / "other.traj").write_text(json.dumps(record))
    [t], report = import_paths([tmp_path / "other.traj"])
    assert len(t.steps) == 10 and report.dropped == []


def test_swe_agent_history_only_traj_skips_the_demonstration():
    [t], report = load("history_only.traj")
    assert [s.action.name for s in t.steps] == ["find_file", "open", "edit", "bash", "submit"] and report.dropped == []
    assert t.problem_statement.startswith(PROBLEM_HEAD)  # not the demonstration's issue
    assert t.steps[0].observation.endswith("(Current directory: /testbed)\nbash-$")  # what the agent saw


def test_swe_agent_dataset_roles_ai_and_text():
    (first, second), report = load("swe_agent_dataset.jsonl")
    assert [s.action for s in first.steps] == [
        Action(name="find_file", arguments={"file_name": "calc.py"}),
        Action(name="open", arguments={"path": "calc.py"}),
        Action(name="edit", arguments={"start_line": 2, "end_line": 2, "replacement_text": "    return a + b"}),
        bash("python -m pytest -q tests"), submit()]
    assert (first.outcome.resolved, second.outcome.resolved, first.model) == (True, False, "swe-agent-llama-70b")
    assert first.steps[0].thought == "Find the file."
    assert [e.kind for e in report.notes] == ["bash then submit in one step, kept as two"]
    assert [(e.where.line, e.kind) for e in report.dropped] == [(2, "turn without a valid action")]


def test_openhands_text_array_unclosed_finish_and_swe_gym_patch():
    trajectories, report = load("openhands_text.json")
    assert [str(e) for e in report.dropped + report.skipped] == []
    for t in trajectories:
        assert [s.action.name for s in t.steps] == ["bash", "str_replace_editor", "bash", "submit"]
        assert t.problem_statement.startswith(PROBLEM_HEAD) and t.problem_statement.endswith("-1\n```")  # no example
        assert t.outcome.diff.startswith("diff --git") and t.outcome.resolved is True
    assert trajectories[0].steps[2].action == bash("cd /workspace/calc__0.1 && python -m pytest -q tests")


def test_gz_glob_and_export_identity(tmp_path):
    with open(DATA / "swe_agent_windowed.traj", "rb") as src, gzip.open(tmp_path / "run.traj.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    shutil.copy(DATA / "openhands_text.json", tmp_path / "oh.json")
    trajectories, report = import_paths([str(tmp_path / "*.*")])
    assert [len(t.steps) for t in trajectories] == [4, 4, 13]
    assert dict(report.formats) == {"openhands": 2, "swe-agent": 1}
    everything, _ = import_paths([DATA])
    write_jsonl(tmp_path / "all.jsonl", everything)
    again, _ = import_paths([tmp_path / "all.jsonl"])
    write_jsonl(tmp_path / "again.jsonl", again)
    assert again == everything and list(read_jsonl(tmp_path / "again.jsonl")) == everything
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "all.jsonl").read_bytes()


def test_strict_fails_on_a_dropped_step_and_the_cli_prints_a_table(tmp_path):
    with pytest.raises(StrictImportError, match="1 step"):
        import_paths([DATA / "mini_v2_tags.traj.json"], strict=True)
    import_paths([DATA / "swe_agent_windowed.traj"], strict=True)  # nothing dropped: no error
    out = tmp_path / "o.jsonl"
    out.write_text("earlier\n")
    result = CliRunner().invoke(app, ["data", "import", str(DATA / "mini_v2_tags.traj.json"), "--out", str(out),
                                      "--strict"])
    # the import streams into a temporary file, which replaces --out only when all went well
    assert result.exit_code == 1 and "--strict" in result.output
    assert out.read_text() == "earlier\n" and sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl"]
    result = CliRunner().invoke(app, ["data", "import", str(DATA / "mini_v2_tags.traj.json"),
                                      str(DATA / "history_only.traj"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "steps dropped" in result.output and "1 turn without a valid action" in result.output


def test_build_takes_several_files_after_one_flag(tmp_path):
    files = [str(DATA / "swe_agent_windowed.traj"), str(DATA / "mini_v2_fence.traj.json")]
    result = CliRunner().invoke(app, ["data", "build", "--trajectories", *files, "--out", str(tmp_path / "d"),
                                      "--val-fraction", "0.5"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "train 5, validation 13 instances from 2 trajectories" in text
    stray = CliRunner().invoke(app, ["data", "build", "stray.json", "--out", str(tmp_path / "e")])
    assert stray.exit_code == 1 and "go after --trajectories" in stray.output


def test_a_tool_call_whose_function_is_not_an_object_is_reported_not_raised(tmp_path):
    bad = {"messages": [{"role": "user", "content": "Fix it."},
                        {"role": "assistant", "content": "", "tool_calls": [{"function": "bash"}]}]}
    good = {"messages": [{"role": "user", "content": "Fix it."},
                         {"role": "assistant", "content": "", "tool_calls": [
                             {"function": {"name": "bash", "arguments": json.dumps({"command": "ls"})}}]}]}
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(bad) + "\n" + json.dumps(good) + "\n")
    trajectories, report = import_paths([path])
    assert [len(t.steps) for t in trajectories] == [1]
    assert [(e.kind, e.where.line) for e in report.skipped] == [("no steps", 1)]
    assert "needs a 'name'" in report.dropped[0].detail


def test_windowed_commands_split_as_shlex_splits_them():
    """The regex split gives shlex.split's words (or its error) on random text over shell-significant characters,
    and refuses an unclosed quote after a long word at once (nested quantifiers there backtrack for hours)."""
    rng = random.Random(3)
    alphabet = ["a", "b", " ", "\t", "\n", "\r", "'", '"', "\\", "#", "é", "\x0b", "\xa0", "1", "="]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        try:
            expected = shlex.split(text)
        except ValueError:
            with pytest.raises(FormatError, match="cannot split command"):
                shell_words(text)
            continue
        assert shell_words(text) == expected, repr(text)
    with pytest.raises(FormatError, match="No closing quotation"):
        shell_words("open " + "a" * 200 + "'")
    assert action_from_command('search_dir "def add" src').arguments == {"search_term": "def add", "dir": "src"}


def test_an_openhands_input_to_a_running_command_drops_its_turn_with_that_reason(tmp_path):
    """`is_input` true types into a command OpenHands let run past its soft timeout (`C-c`, say):
    here every command runs to its end, so that turn is dropped, named, in both call modes."""
    long_run = {"role": "assistant", "content": "Run the tests.", "tool_calls": [{"id": "a", "type": "function",
                "function": {"name": "execute_bash", "arguments": json.dumps({"command": "pytest"})}}]}
    still_running = {"role": "tool", "tool_call_id": "a", "content": "....\n[The command has no new output after 30 "
                     "seconds. You may wait longer to see additional output by sending empty command '', send "
                     "other commands to interact with the current process, or send keys to interrupt/kill the "
                     "command.]"}
    keys = json.dumps({"command": "C-c", "is_input": "true"})
    interrupt = {"role": "assistant", "content": "Too slow.", "tool_calls": [{"id": "b", "type": "function",
                 "function": {"name": "execute_bash", "arguments": keys}}]}
    text_interrupt = {"role": "assistant", "content": "Too slow.\n<function=execute_bash>\n<parameter=command>C-c"
                      "</parameter>\n<parameter=is_input>true</parameter>\n</function>"}
    finish = {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function",
              "function": {"name": "finish", "arguments": "{}"}}]}
    records = [{"instance_id": f"x-{k}", "messages": [{"role": "user", "content": "Fix it."}, long_run, still_running,
                                                      turn, {"role": "tool", "tool_call_id": "b", "content": "^C"},
                                                      finish]}
               for k, turn in enumerate([interrupt, text_interrupt])]
    path = tmp_path / "oh.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    trajectories, report = import_paths([path], format="openhands")
    for t in trajectories:
        assert [s.action for s in t.steps] == [bash("pytest"), submit()]
        assert t.steps[0].observation == still_running["content"]  # what the agent saw, verbatim
    assert [(e.where.line, e.kind) for e in report.dropped] == [(1, "turn without a valid action"),
                                                                (2, "turn without a valid action")]
    assert all("is_input true sends 'C-c' to a command still running" in e.detail for e in report.dropped)


def test_an_openhands_call_whose_arguments_are_not_json_drops_its_turn_only(tmp_path):
    """Arguments that are not JSON are the agent's format error: that turn is dropped, the record kept; a tool we
    have no counterpart of (IPython) still skips the record."""
    def call(name: str, arguments: str) -> dict:
        return {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}]}
    fine = call("execute_bash", json.dumps({"command": "ls", "is_input": "false"}))
    messages = [{"role": "user", "content": "Fix it."}, call("str_replace_editor", '{"command": "view", "path'),
                {"role": "tool", "tool_call_id": "c", "content": "error"}, fine,
                {"role": "tool", "tool_call_id": "c", "content": "a.py"}, call("finish", "{}")]
    path = tmp_path / "oh.jsonl"
    path.write_text(json.dumps({"instance_id": "x-1", "messages": messages}) + "\n"
                    + json.dumps({"instance_id": "x-2", "messages": [messages[0],
                                                                     call("execute_ipython_cell", '{"code": "1"}')]})
                    + "\n")
    trajectories, report = import_paths([path], format="openhands")
    assert [t.task_id for t in trajectories] == ["x-1"]
    assert [s.action for s in trajectories[0].steps] == [bash("ls"), submit()]
    assert trajectories[0].steps[0].observation == "a.py"
    assert [(e.where.line, e.kind) for e in report.dropped] == [(1, "turn without a valid action")]
    assert [e.kind for e in report.skipped] == ["unsupported tool call"]
