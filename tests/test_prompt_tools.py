"""The system prompt names the tools of its tool set: the default tools' prompt is unchanged, SWE-agent's
windowed and cursor bundles list their own tools, and an imported expert's dataset prompt is the one its env
(env spec of that bundle) shows."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from srl_swe.env.settings import EnvSettings, load_env_settings, make_settings
from srl_swe.errors import ConfigError
from srl_swe.srl.expand import expand
from srl_swe.srl.prompts import DEFAULT_SYSTEM_PROMPT, system_prompt
from srl_swe.srl.sft import export_sft
from srl_swe.tools.schemas import BUNDLES, tools_for
from srl_swe.trajectories.importers import import_paths
from tests.episode_prompts import live_prompts

SAMPLES = Path(__file__).parent / "data" / "trajectories"


def tool_lines(prompt: str) -> dict[str, str]:
    lines = prompt.split("\nTools:\n", 1)[1].splitlines()
    return {line[2:].split("(", 1)[0]: line for line in lines}


def test_the_default_tools_keep_the_default_prompt():
    assert system_prompt(BUNDLES["default"]) == DEFAULT_SYSTEM_PROMPT
    assert EnvSettings().system_prompt == DEFAULT_SYSTEM_PROMPT
    assert load_env_settings("default").system_prompt == DEFAULT_SYSTEM_PROMPT


def test_the_windowed_bundle_lists_its_own_tools_with_their_parameters():
    prompt = system_prompt(BUNDLES["swe-agent"])
    listed = tool_lines(prompt)
    assert list(listed) == [t for t in BUNDLES["swe-agent"] if t != "submit"] + ["submit"]
    assert "str_replace_editor" not in prompt
    assert listed["open"] == ("- open(path, [line_number]): Opens the file at the given path in the editor; with "
                              "line_number the window moves to include that line.")
    assert listed["scroll_down"].endswith("Moves the window down 100 lines.")
    assert prompt.startswith(DEFAULT_SYSTEM_PROMPT.split("\nTools:\n")[0])  # the same instructions


def test_the_cursor_bundle_shows_its_own_window_and_edit():
    listed = tool_lines(system_prompt(BUNDLES["swe-agent-cursors"]))
    assert "insert" not in listed and "set_cursors" in listed
    assert listed["edit"].startswith("- edit(replacement_text): Replaces all lines from the start cursor")
    assert "200 lines" in listed["open"] and listed["scroll_up"].endswith("Moves the window up 198 lines.")


def test_the_line_range_bundle_shows_its_own_edit_and_refuses_tools_it_lacks():
    listed = tool_lines(load_env_settings("swe-agent-0").system_prompt)
    assert "insert" not in listed and "set_cursors" not in listed
    assert listed["edit"].startswith("- edit(start_line, end_line, replacement_text): Replaces lines start_line")
    with pytest.raises(ConfigError, match="file_tools swe-agent-0 .* has no set_cursors or insert"):
        make_settings({"tools": BUNDLES["swe-agent"], "file_tools": "swe-agent-0"})


def test_a_spec_lists_its_tools_in_any_order_for_the_same_prompt():
    tools = list(BUNDLES["swe-agent"])
    random.Random(1).shuffle(tools)
    assert EnvSettings(tools=tools).system_prompt == system_prompt(BUNDLES["swe-agent"])
    assert EnvSettings(tools=tools, system_prompt="Mine.").system_prompt == "Mine."


def test_tools_for_picks_the_smallest_bundle_that_holds_the_calls():
    assert tools_for([("bash", {"command": "ls"}), ("submit", {})]) == BUNDLES["default"]
    assert tools_for([("open", {"path": "a.py"}), ("submit", {})]) == BUNDLES["swe-agent"]
    # a cursor edit (replacement_text alone) needs the cursor bundle even without a set_cursors call
    assert tools_for([("edit", {"replacement_text": "x\n"})]) == BUNDLES["swe-agent-cursors"]
    assert tools_for([("str_replace_editor", {}), ("goto", {"line_number": 3})]) == [
        "bash", "str_replace_editor", "goto", "submit"]


def imported(name: str):
    trajectories, report = import_paths([SAMPLES / name])
    assert not report.skipped and not report.dropped
    return trajectories[0]


def test_an_imported_swe_agent_expert_is_prompted_as_its_env_prompts():
    """The dataset's prompt of every step (no system prompt given) equals the env's, with the env spec of the
    expert's bundle."""
    for name, spec in (("swe_agent_windowed.traj", "swe-agent"), ("swe_agent_cursors.traj", "swe-agent-cursors"),
                       ("swe_agent_0.traj", "swe-agent-0")):
        trajectory = imported(name)
        env_spec = load_env_settings(spec)
        assert set(trajectory.tool_set()[0]) == set(env_spec.tools)
        offline = expand(trajectory, env_spec.history_window, observation_budget=env_spec.observation_budget)
        assert [row["prompt"] for row in offline] == live_prompts(trajectory, env_spec), name


def test_sft_export_gives_each_conversation_its_experts_tools(tmp_path):
    out = tmp_path / "sft.jsonl"
    export_sft([imported("swe_agent_windowed.traj"), imported("messages.jsonl")], out)
    windowed, plain = (json.loads(line) for line in out.read_text().splitlines())
    assert "open" in [t["function"]["name"] for t in windowed["tools"]]
    assert "- open(path, [line_number])" in windowed["messages"][0]["content"]
    assert [t["function"]["name"] for t in plain["tools"]] == BUNDLES["default"]
    assert plain["messages"][0]["content"] == DEFAULT_SYSTEM_PROMPT
