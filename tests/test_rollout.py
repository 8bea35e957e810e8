"""The one rollout loop on a stand-in env (no Docker): what it records, when it stops, lockstep
batching, token limits and deadlines."""

from __future__ import annotations

import pytest

from srl_swe.deadline import Deadline, DeadlineExceeded
from srl_swe.env.rollout import rollout, rollout_group
from srl_swe.executors import HostedLost, WorkerLost
from srl_swe.policy import Reply

LS = "<function=bash>\n<parameter=command>ls</parameter>\n</function>"
SUBMIT = "<function=submit>\n</function>"


class CountingEnv:
    """Submits end the episode (graded: diff 'd'); anything without '<function=' is a format error;
    the env truncates at `max_steps`."""

    def __init__(self, max_steps: int = 10):
        self.max_steps, self.steps, self.resets = max_steps, 0, []

    def reset(self, *, seed=None, options=None):
        self.steps = 0
        self.resets.append((seed, options))
        task_id = (options or {}).get("task_id", "t-default")
        return "", {"task_id": task_id, "messages": [{"role": "user", "content": "turn 0"}]}

    def step(self, action):
        self.steps += 1
        valid = isinstance(action, str) and "<function=" in action
        canonical = action[action.index("<function="):] if valid else None
        terminated = valid and "submit" in action
        truncated = not terminated and self.steps >= self.max_steps
        info = {"action": canonical, "format_error": None if valid else "no tool call",
                "tool_observation": f"obs {self.steps}", "expert_action": None,
                "messages": [{"role": "user", "content": f"turn {self.steps}"}]}
        if terminated or truncated:
            info.update(diff="d", grade={"resolved": terminated}, truncated_by="max_steps" if truncated else None)
        return "", 1.0 if terminated else 0.0, terminated, truncated, info


class Script:
    def __init__(self, *texts):
        self.texts, self.seen = list(texts), []

    def act(self, messages):
        self.seen.append(messages[-1]["content"])
        return self.texts.pop(0)


def test_records_each_turn_and_how_the_env_ended_it():
    policy = Script(f"<think>look</think>\n{LS}", "oops", SUBMIT)
    episode = rollout(CountingEnv(), policy, task_id="t1", seed=3)
    assert [t.action for t in episode.turns] == [LS, None, SUBMIT]
    assert [t.thought for t in episode.turns] == ["look", "", ""]
    assert episode.format_errors == 1 and episode.rewards == [0.0, 0.0, 1.0] and episode.total_reward == 1.0
    assert episode.terminated and episode.truncated_by is None and episode.ended_by_env
    assert episode.diff == "d" and episode.grade == {"resolved": True} and episode.task_id == "t1"
    assert policy.seen == ["turn 0", "turn 1", "turn 2"]  # each turn sees the env's latest prompt


def test_the_env_truncates_and_the_loop_stops_on_its_own_limits():
    env = CountingEnv(max_steps=2)
    truncated = rollout(env, Script(LS, LS))
    assert truncated.truncated_by == "max_steps" and truncated.ended_by_env and truncated.diff == "d"
    stopped = rollout(CountingEnv(), Script(LS, LS, LS), max_turns=2)
    assert stopped.truncated_by == "max_turns" and not stopped.ended_by_env and stopped.grade is None
    assert rollout(CountingEnv(), Script(), max_turns=0).turns == []


class TokenPolicy:
    """A batch policy that reports its tokens: one act_batch per turn over the live episodes."""

    def __init__(self):
        self.batches = []

    def act(self, messages):
        return self.act_batch([messages])[0]

    def act_batch(self, batch):
        self.batches.append(len(batch))
        return [Reply(action=LS, prompt_ids=[1, 2], completion_ids=[7, 8, 9]) for _ in batch]


def test_a_group_runs_in_lockstep_with_token_ids_and_a_token_limit():
    envs = [CountingEnv(max_steps=1), CountingEnv(max_steps=3)]
    policy = TokenPolicy()
    episodes = rollout_group(envs, policy, task_id="t2", seed=10, max_tokens=100)
    assert policy.batches == [2, 1, 1]  # the first env truncates after one turn
    assert [len(e.turns) for e in episodes] == [1, 3]
    assert episodes[1].turns[0].prompt_ids == [1, 2] and episodes[1].completion_tokens == 9
    assert [env.resets[0] for env in envs] == [(10, {"task_id": "t2"}), (11, {"task_id": "t2"})]
    limited = rollout(CountingEnv(), TokenPolicy(), max_tokens=6)
    assert limited.truncated_by == "max_tokens" and len(limited.turns) == 2


def test_a_group_can_give_each_env_its_own_task():
    envs = [CountingEnv(max_steps=1), CountingEnv(max_steps=1)]
    episodes = rollout_group(envs, TokenPolicy(), task_ids=["a", "b"])
    assert [e.task_id for e in episodes] == ["a", "b"]
    assert [env.resets[0] for env in envs] == [(None, {"task_id": "a"}), (None, {"task_id": "b"})]
    with pytest.raises(ValueError, match="one per env"):
        rollout_group(envs, TokenPolicy(), task_ids=["a"])
    with pytest.raises(ValueError, match="not both"):
        rollout_group(envs, TokenPolicy(), task_id="a", task_ids=["a", "b"])


def test_a_passed_deadline_raises_its_error():
    class Late(DeadlineExceeded):
        pass

    deadline = Deadline(0.0, what="the instance", error=Late)
    with pytest.raises(Late, match="timeout: the instance exceeded its 0 s wall-clock limit at step 1"):
        rollout(CountingEnv(), Script(LS), deadline=deadline)


class LosingEnv(CountingEnv):
    """Stands in for a hosted env whose worker dies: the calls numbered in `lose_at` (counting
    resets and steps together) raise HostedLost, as the proxy does once it made the env anew."""

    def __init__(self, lose_at: set[int], max_steps: int = 10):
        super().__init__(max_steps)
        self.lose_at, self.calls = lose_at, 0

    def _maybe_lose(self):
        self.calls += 1
        if self.calls in self.lose_at:
            self.steps = 0  # the replacement is a fresh env
            raise HostedLost("lost during step()", max_attempts=3)

    def reset(self, *, seed=None, options=None):
        self._maybe_lose()
        return super().reset(seed=seed, options=options)

    def step(self, action):
        self._maybe_lose()
        return super().step(action)


def test_an_episode_whose_env_is_lost_reruns_from_reset_and_the_group_returns_each_once():
    envs = [CountingEnv(), LosingEnv(lose_at={3, 4})]  # reset, step, then lost at step 2 and at the reset after it
    seen = []
    episodes = rollout_group(envs, Script(LS, LS, LS, LS, SUBMIT, LS, SUBMIT), task_id="t3", seed=5,
                             on_turn=lambda episode, turn: seen.append(episode.task_id))
    assert len(episodes) == 2 and all(e.terminated and e.task_id == "t3" for e in episodes)
    assert [t.action for t in episodes[0].turns] == [LS, LS, SUBMIT]
    assert [t.action for t in episodes[1].turns] == [LS, SUBMIT], "the rerun's turns only; the lost ones dropped"
    assert envs[1].resets == [(6, {"task_id": "t3"}), (6, {"task_id": "t3"})], "the same seed and task again"
    assert len(seen) == 3 + 3, "on_turn: every recorded turn, none for the step that was lost"


def test_an_episode_lost_on_every_attempt_ends_the_group_with_worker_lost():
    with pytest.raises(WorkerLost, match=r"Episode 0 of the group \(t4\) lost its env 3 times"):
        rollout_group([LosingEnv(lose_at={2, 3, 4})], Script(LS, LS, LS), task_id="t4")
