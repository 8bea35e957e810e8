"""Step-wise expansion: one instance per expert step, with exactly the right earlier steps in the
prompt, the canonical expert action as target, and the thought kept apart."""

from __future__ import annotations

import pytest

from srl_swe.env.prompts import DEFAULT_SYSTEM_PROMPT, step_prompt
from srl_swe.srl.expand import expand
from srl_swe.tools.actions import bash, canonical, submit
from srl_swe.trajectories.schema import Step, Trajectory


def five_steps() -> Trajectory:
    actions = [bash(f"echo step{k}") for k in range(4)] + [submit()]
    steps = [Step(thought=f"thought {k}", action=a, observation=f"output {k}") for k, a in enumerate(actions)]
    return Trajectory(task_id="demo__t-1", problem_statement="Fix the thing.", steps=steps)


def history_of(prompt: list[dict]) -> list[tuple[str, str]]:
    turns = prompt[2:]
    return [(a["content"], o["content"]) for a, o in zip(turns[::2], turns[1::2], strict=True)]


def test_window_two_gives_0_1_2_2_2_previous_steps():
    trajectory = five_steps()
    instances = list(expand(trajectory, history_window=2))
    assert len(instances) == 5
    assert [len(history_of(i["prompt"])) for i in instances] == [0, 1, 2, 2, 2]
    # instance k holds exactly steps k-2 and k-1, oldest first, with their observations
    for k, instance in enumerate(instances):
        expected = [(canonical(trajectory.steps[j].action), f"OBSERVATION:\noutput {j}") for j in range(max(0, k - 2), k)]
        assert history_of(instance["prompt"]) == expected
        assert instance["expert_action"] == canonical(trajectory.steps[k].action)
        assert (instance["step"], instance["n_steps"], instance["task_id"], instance["thought"]) == (k, 5, "demo__t-1", f"thought {k}")
        assert "thought" not in instance["expert_action"]
    assert instances[4]["expert_action"] == "<function=submit>\n</function>"


def test_prompt_is_the_env_renderer_output():
    trajectory = five_steps()
    instance = list(expand(trajectory, history_window=2))[3]
    history = [(canonical(s.action), s.observation) for s in trajectory.steps[:3]]
    assert instance["prompt"] == step_prompt("Fix the thing.", history, window=2)
    assert instance["prompt"][0] == {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}
    assert "<issue>\nFix the thing.\n</issue>" in instance["prompt"][1]["content"]


def test_window_none_keeps_everything_and_zero_keeps_nothing():
    trajectory = five_steps()
    assert [len(history_of(i["prompt"])) for i in expand(trajectory, history_window=None)] == [0, 1, 2, 3, 4]
    assert [len(history_of(i["prompt"])) for i in expand(trajectory, history_window=0)] == [0] * 5
    with pytest.raises(ValueError):
        list(expand(trajectory, history_window=-1))


def test_long_observations_are_cut_to_the_budget():
    trajectory = five_steps()
    trajectory.steps[0].observation = "a" * 10_000
    prompt = list(expand(trajectory, observation_budget=1000))[1]["prompt"]
    assert len(prompt[-1]["content"]) < 1100 and "characters omitted" in prompt[-1]["content"]
