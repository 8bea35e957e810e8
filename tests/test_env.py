"""SWEEnv on a real task (tiny-calc, registered in a tmp registry) with real containers."""

from __future__ import annotations

import shutil
import warnings

import gymnasium
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils.env_checker import check_env

import srl_swe.env
from srl_swe.env.settings import EnvSettings, load_env_settings
from srl_swe.env.spaces import UnicodeText
from srl_swe.env.swe_env import SWEEnv
from srl_swe.errors import ConfigError, TaskError
from srl_swe.sandbox.engine import docker_client
from srl_swe.srl.similarity import ratio
from srl_swe.trajectories.schema import Trajectory
from tests.conftest import own_containers
from tests.tiny_task import EXPERT_STEPS, make_tiny_task

LS = "<function=bash>\n<parameter=command>ls</parameter>\n</function>"


def bash(command: str) -> str:
    return f"<function=bash>\n<parameter=command>{command}</parameter>\n</function>"


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory, base_image):
    root = tmp_path_factory.mktemp("env")
    make_tiny_task(root / "tasks", root / "work")
    return root / "tasks"


@pytest.fixture
def make_env(tasks_dir):
    made = []

    def make(**kwargs) -> SWEEnv:
        env = SWEEnv(task_id="tiny-calc", tasks_dir=tasks_dir, **kwargs)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()


def test_check_env_passes_for_every_registered_id(tasks_dir):
    ids = [env_id for env_id in gymnasium.registry if env_id.startswith("srl_swe/")]
    assert set(srl_swe.env.ENV_IDS) <= set(ids)
    for env_id in ids:
        env = gymnasium.make(env_id, task_id="tiny-calc", tasks_dir=tasks_dir)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                check_env(env.unwrapped)
            assert not [str(w.message) for w in caught if issubclass(w.category, UserWarning)], env_id
        finally:
            env.close()


def test_env_specs_load_and_validate():
    assert load_env_settings("default") == EnvSettings()
    assert load_env_settings("rlvr").mode == "rlvr"
    with pytest.raises(ConfigError, match="extra|not permitted"):
        load_env_settings("default", colour="blue")
    with pytest.raises(ConfigError, match="unknown tool"):
        load_env_settings("default", tools=["bash", "teleport", "submit"])
    with pytest.raises(ConfigError, match="No env spec 'nope'"):
        load_env_settings("nope")


def test_srl_expert_scores_one_and_env_follows_expert(make_env):
    env = make_env(mode="srl")
    obs, info = env.reset(seed=0)
    assert "add(2, 3) returns -1" in obs and info["messages"][0]["role"] == "system"
    rewards = []
    for _, action in EXPERT_STEPS:
        obs, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
    assert rewards == [1.0] * len(EXPERT_STEPS)
    assert terminated and not truncated
    assert "+    return a + b" in info["diff"] and info["grade"] is None


def test_srl_scores_similarity_then_runs_expert_action(make_env):
    env = make_env(mode="srl")
    env.reset(seed=0)
    mine = bash("ls -la /testbed")
    _, reward, _, _, info = env.step(mine)
    assert reward == pytest.approx(ratio(mine, LS)) and 0 < reward < 1
    assert info["action"] == mine and info["expert_action"] == LS
    assert info["tool_observation"] == "calc.py\ntest_calc.py"  # the expert's `ls` ran, not mine
    # the prompt at step 1 holds the expert's action, with its live observation
    assert info["messages"][-2] == {"role": "assistant", "content": LS}
    assert info["messages"][-1]["content"].endswith("calc.py\ntest_calc.py")
    _, reward, _, _, info = env.step("no tool call here")
    assert reward == -1.0 and "Found no tool call" in info["format_error"] and info["action"] is None


def test_history_window_keeps_last_two_steps(make_env):
    env = make_env(mode="srl")
    env.reset(seed=0)
    for _, action in EXPERT_STEPS[:4]:
        _, _, _, _, info = env.step(action)
    assistant = [m["content"] for m in info["messages"] if m["role"] == "assistant"]
    assert assistant == [EXPERT_STEPS[2][1], EXPERT_STEPS[3][1]]


def test_rlvr_expert_resolves_and_noop_does_not(make_env):
    env = make_env(mode="rlvr")
    env.reset(seed=0)
    for _, action in EXPERT_STEPS:
        _, reward, terminated, truncated, info = env.step(action)
    assert terminated and reward == 1.0 and info["grade"]["resolved"]
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("<function=submit>\n</function>")
    assert terminated and reward == 0.0 and info["grade"]["resolved"] is False and info["diff"] == ""


def test_garbage_policy_srl_ends_truncated_with_format_error_rewards(make_env):
    env = make_env(mode="srl", max_format_errors=3)
    env.reset(seed=0)
    env.action_space.seed(0)
    rewards, truncated, terminated = [], False, False
    for _ in range(200):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        rewards.append(reward)
        if terminated or truncated:
            break
    assert truncated and not terminated and info["truncated_by"] == "format_errors"
    assert rewards == [-1.0, -1.0, -1.0]


def test_garbage_policy_rlvr_200_steps_truncated_no_leak(tasks_dir):
    before = {c["Id"] for c in own_containers()}
    with SWEEnv(task_id="tiny-calc", tasks_dir=tasks_dir, mode="rlvr", max_steps=200, max_format_errors=None) as env:
        env.reset(seed=1)
        garbage = UnicodeText(2000, seed=1)  # the action space's charset, shorter texts: a quick test
        steps = 0
        while True:
            steps += 1
            _, reward, terminated, truncated, info = env.step(garbage.sample())
            assert info["format_error"]
            if terminated or truncated:
                break
    assert steps == 200 and truncated and not terminated and info["truncated_by"] == "max_steps"
    assert reward == 0.0 and info["grade"]["resolved"] is False
    assert {c["Id"] for c in own_containers()} == before


def test_bad_actions_yield_observations_and_episode_goes_on(make_env):
    env = make_env(mode="rlvr", step_timeout=2, max_format_errors=None)
    env.reset(seed=0)

    def step(action):
        _, reward, terminated, truncated, info = env.step(action)
        assert not terminated and not truncated and reward == 0.0
        return info

    assert "Found no tool call" in step("<function=bash>\n<parameter=command>ls")["format_error"]
    assert "Unknown tool 'rm_rf'" in step("<function=rm_rf>\n</function>")["format_error"]
    missing = step("<function=str_replace_editor>\n<parameter=command>view</parameter>\n</function>")
    assert "missing required parameter(s): path" in missing["format_error"]
    assert "limit is 100000" in step(bash("echo " + "x" * 1_000_000))["format_error"]
    assert "must be text" in step(b"ls")["format_error"]
    assert (
        "must be integer"
        in step(
            '<tool_call>{"name": "str_replace_editor", "arguments": {"command": "insert", "path": "/testbed/calc.py", '
            '"insert_line": "two", "new_str": "x"}}</tool_call>'
        )["format_error"]
    )
    outside = step(
        '<tool_call>{"name": "str_replace_editor", "arguments": {"command": "create", "path": "/etc/evil.py", '
        '"file_text": "x"}}</tool_call>'
    )
    assert outside["format_error"] is None and "outside the repository /testbed" in outside["tool_observation"]
    hang = step(bash("while true; do :; done"))
    assert "did not finish within 2 seconds and was interrupted" in hang["tool_observation"]
    binary = step(bash("head -c 3000 /dev/urandom"))
    assert binary["format_error"] is None and not any(ord(c) < 9 for c in binary["tool_observation"])
    exited = step(bash("exit 4"))["tool_observation"]
    assert "the shell exited and was restarted" in exited and "[exit code 4]" in exited
    assert step(bash("pwd"))["tool_observation"] == "/testbed"
    assert (
        step([{"function": {"name": "bash", "arguments": '{"command": "echo via-openai"}'}}])["tool_observation"]
        == "via-openai"
    )
    assert "exactly one entry in tool_calls" in step([])["format_error"]


def test_warm_reset_reuses_container_and_restores_repo(make_env):
    env = make_env(mode="rlvr")
    env.reset(seed=0)
    first = env._sandbox.container_id
    env.step(bash("echo junk >> calc.py && touch new.txt && cd /tmp"))
    env.reset(seed=0)
    assert env._sandbox.container_id == first
    _, _, _, _, info = env.step(bash("pwd; git status --porcelain"))
    assert info["tool_observation"] == "/testbed"
    # a container that died between episodes is replaced, not reused
    docker_client().containers.get(first).kill()
    env.reset(seed=0)
    assert env._sandbox.container_id != first
    assert env.step(bash("cat calc.py"))[4]["tool_observation"].startswith("def add")
    assert first not in {c["Id"] for c in own_containers()}


def test_truncation_by_episode_timeout(make_env):
    env = make_env(mode="rlvr", episode_timeout=0.5)
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(bash("sleep 1"))
    assert truncated and not terminated and info["truncated_by"] == "episode_timeout" and reward == 0.0


def test_misuse_of_the_env_raises_clearly(tasks_dir, tmp_path, make_env):
    env = make_env(mode="srl")
    with pytest.raises(ResetNeeded):
        env.step(LS)
    with pytest.raises(ConfigError, match="No task"):
        SWEEnv(tasks_dir=tasks_dir).reset()
    with pytest.raises(ConfigError, match="Unknown reset option"):
        env.reset(options={"taskid": "x"})
    with pytest.raises(ConfigError, match="expert given is for task 'other'"):
        env.reset(options={"expert": Trajectory(task_id="other")})
    bare = tmp_path / "tasks"
    shutil.copytree(tasks_dir, bare)
    shutil.rmtree(bare / "tiny-calc" / "trajectories")
    with pytest.raises(TaskError, match="no expert trajectory"):
        SWEEnv(task_id="tiny-calc", tasks_dir=bare, mode="srl").reset()
    env.reset(seed=0)
    for _, action in EXPERT_STEPS:
        env.step(action)
    with pytest.raises(ResetNeeded):
        env.step(LS)


def test_close_removes_container_and_is_idempotent(make_env):
    env = make_env(mode="rlvr")
    env.reset(seed=0)
    cid = env._sandbox.container_id
    assert cid in {c["Id"] for c in own_containers()}
    env.close()
    env.close()
    assert cid not in {c["Id"] for c in own_containers()}
