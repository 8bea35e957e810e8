"""Step-wise expansion: one instance per expert step, with exactly the right earlier steps in the
prompt, the canonical expert action as target, the thought kept apart, and the task's workdir named
as the env names it."""

from __future__ import annotations

import pytest

from srl_swe.env.settings import EnvSettings
from srl_swe.errors import TaskError
from srl_swe.srl.dataset import build_dataset, task_workdirs
from srl_swe.srl.expand import expand
from srl_swe.srl.prompts import DEFAULT_SYSTEM_PROMPT, step_prompt
from srl_swe.tasks.registry import save_task
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import bash, canonical, submit
from srl_swe.trajectories.schema import Step, Trajectory
from tests.episode_prompts import live_prompts


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
        expected = [
            (canonical(trajectory.steps[j].action), f"OBSERVATION:\noutput {j}") for j in range(max(0, k - 2), k)
        ]
        assert history_of(instance["prompt"]) == expected
        assert instance["expert_action"] == canonical(trajectory.steps[k].action)
        assert (instance["step"], instance["n_steps"], instance["task_id"], instance["thought"]) == (
            k,
            5,
            "demo__t-1",
            f"thought {k}",
        )
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


# ------------------------------------------------------------------ the task's workdir in the prompt

def test_workdir_is_named_in_the_issue_message():
    trajectory = five_steps()
    default = list(expand(trajectory))[0]["prompt"][1]["content"]
    moved = list(expand(trajectory, workdir="/src/app"))[0]["prompt"][1]["content"]
    assert "checked out at /testbed." in default
    assert "checked out at /src/app." in moved and "/testbed" not in moved


@pytest.mark.parametrize("workdir", ["/testbed", "/src/app"])
def test_offline_prompts_equal_the_env_episode_prompts_for_any_workdir(workdir):
    """The env's prompt at step k is exactly the dataset's prompt for step k, given the task's workdir."""
    trajectory = five_steps()
    env_spec = EnvSettings(history_window=2, observation_budget=500)
    offline = list(expand(trajectory, 2, env_spec.system_prompt, env_spec.observation_budget, workdir=workdir))
    assert [row["prompt"] for row in offline] == live_prompts(trajectory, env_spec, workdir)


def test_build_dataset_takes_each_task_workdir_from_the_registry(tmp_path):
    tasks_dir = tmp_path / "tasks"
    known = five_steps().model_copy(update={"task_id": "moved-1"})
    unknown = five_steps().model_copy(update={"task_id": "imported-9"})
    save_task(TaskSpec(instance_id="moved-1", problem_statement="Fix the thing.", workdir="/src/app"), tasks_dir)
    built = build_dataset([known, unknown], tmp_path / "srl", val_fraction=0.0, tasks_dir=tasks_dir)["train"]
    issues = {row["task_id"]: row["prompt"][1]["content"] for row in built if row["step"] == 0}
    assert "checked out at /src/app." in issues["moved-1"]
    assert "checked out at /testbed." in issues["imported-9"]  # not in the registry: the default
    assert task_workdirs(["moved-1", "imported-9"], tasks_dir) == {"moved-1": "/src/app"}


def test_a_registered_task_with_a_broken_spec_is_an_error_not_a_default(tmp_path):
    tasks_dir = tmp_path / "tasks"
    save_task(TaskSpec(instance_id="moved-1", workdir="/src/app"), tasks_dir)
    (tasks_dir / "moved-1" / "task.yaml").write_text("instance_id: moved-1\nworkdir: [not, a, path]\n")
    with pytest.raises(TaskError, match="workdir"):
        task_workdirs(["moved-1"], tasks_dir)
