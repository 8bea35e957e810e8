"""ThreadVectorEnv: four SWEEnvs, each in its own container, stepping at the same time."""

from __future__ import annotations

import threading
import time

import gymnasium
import pytest
from gymnasium.error import ResetNeeded

import srl_swe.env  # noqa: F401  (registers the ids)
from srl_swe.env.swe_env import SWEEnv
from srl_swe.env.vector import ThreadVectorEnv, make_vector_env
from tests.conftest import own_containers
from tests.tiny_task import EXPERT_STEPS, make_tiny_task

N = 4


def bash(command: str) -> str:
    return f"<function=bash>\n<parameter=command>{command}</parameter>\n</function>"


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory, base_image):
    root = tmp_path_factory.mktemp("vec")
    make_tiny_task(root / "tasks", root / "work")
    return root / "tasks"


class Spans(gymnasium.Wrapper):
    """Records when each step started and ended, to see whether steps overlapped."""

    def __init__(self, env, spans: list, lock: threading.Lock):
        super().__init__(env)
        self.spans, self.lock = spans, lock

    def step(self, action):
        start = time.monotonic()
        result = self.env.step(action)
        with self.lock:
            self.spans.append((start, time.monotonic()))
        return result


def test_four_envs_step_concurrently_in_their_own_containers(tasks_dir):
    spans, lock = [], threading.Lock()
    before = {c["Id"] for c in own_containers()}

    def make():
        return Spans(SWEEnv(task_id="tiny-calc", tasks_dir=tasks_dir, mode="rlvr"), spans, lock)

    with ThreadVectorEnv([make] * N) as venv:
        observations, infos = venv.reset(seed=0)
        assert len(observations) == N and list(infos["task_id"]) == ["tiny-calc"] * N
        assert len({c["Id"] for c in own_containers()} - before) == N
        _, rewards, terminated, truncated, infos = venv.step([bash("sleep 1; hostname")] * N)
        assert len(set(infos["tool_observation"])) == N  # four different containers answered
        assert list(rewards) == [0.0] * N and not terminated.any() and not truncated.any()
        # concurrent: every step started before the first one finished
        assert max(start for start, _ in spans) < min(end for _, end in spans)
    assert {c["Id"] for c in own_containers()} == before


def test_episodes_end_independently_and_autoreset_next_step(tasks_dir):
    venv = gymnasium.make_vec("srl_swe/SWE-RLVR-v0", num_envs=2, task_id="tiny-calc", tasks_dir=tasks_dir)
    assert isinstance(venv, ThreadVectorEnv)
    with venv:
        venv.reset(seed=0)
        for _, action in EXPERT_STEPS[:-1]:
            venv.step([action, action])
        _, rewards, terminated, _, infos = venv.step([EXPERT_STEPS[-1][1], bash("echo still going")])
        assert list(rewards) == [1.0, 0.0] and list(terminated) == [True, False]
        assert infos["_diff"].tolist() == [True, False]
        # NEXT_STEP autoreset: env 0 resets now (its action ignored); env 1 steps on
        observations, rewards, terminated, _, infos = venv.step([bash("echo ignored"), bash("cat calc.py")])
        assert "add(2, 3) returns -1" in observations[0] and infos["step"].tolist() == [0, len(EXPERT_STEPS) + 1]
        assert "return a + b" in infos["tool_observation"][1]


def test_an_error_in_one_env_closes_all(tasks_dir):
    before = {c["Id"] for c in own_containers()}
    venv = make_vector_env(N, task_id="tiny-calc", tasks_dir=tasks_dir, mode="rlvr")
    venv.reset(seed=0)
    assert len({c["Id"] for c in own_containers()} - before) == N
    venv.envs[2].unwrapped._episode.done = True  # that env now refuses to step
    with pytest.raises(ResetNeeded):
        venv.step([bash("true")] * N)
    assert venv.closed
    assert {c["Id"] for c in own_containers()} == before
