"""N SWEEnvs stepping concurrently, each with its own container.

A thread pool suffices: an env step spends its time waiting on Docker, not in Python, and
threads share one process (no per-env interpreter, unlike AsyncVectorEnv). Autoreset follows
Gymnasium's default NEXT_STEP rule: the step after an episode ends resets that env (its action
is ignored, reward 0). Any error or interrupt closes every env (and so every container)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from srl_swe.env.swe_env import SWEEnv


class ThreadVectorEnv(VectorEnv):
    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]]):
        if not env_fns:
            raise ValueError("ThreadVectorEnv needs at least one env function.")
        self.num_envs = len(env_fns)
        self._pool = ThreadPoolExecutor(self.num_envs, thread_name_prefix="swe-env")
        self.envs: list[gym.Env] = []
        try:
            self.envs = [fn() for fn in env_fns]  # cheap: containers start on reset
        except BaseException:
            self.close()
            raise
        first = self.envs[0]
        self.metadata = {**first.metadata, "autoreset_mode": AutoresetMode.NEXT_STEP}
        self.spec = first.spec
        self.render_mode = None
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict | list[dict] | None = None):
        """`seed`: one int (env i gets seed + i) or one per env; `options`: one dict for all or one per env."""
        seeds = [seed + i for i in range(self.num_envs)] if isinstance(seed, int) else (seed or [None] * self.num_envs)
        per_env = options if isinstance(options, list) else [options] * self.num_envs
        if len(seeds) != self.num_envs or len(per_env) != self.num_envs:
            raise ValueError(f"Give one seed and one options dict per env ({self.num_envs}).")
        results = self._each(lambda i: self.envs[i].reset(seed=seeds[i], options=per_env[i]))
        self._autoreset[:] = False
        infos: dict[str, Any] = {}
        for i, (_, info) in enumerate(results):
            infos = self._add_info(infos, info, i)
        return tuple(obs for obs, _ in results), infos

    def step(self, actions: Sequence[Any]):
        if len(actions) != self.num_envs:
            raise ValueError(f"Give one action per env: got {len(actions)} for {self.num_envs} envs.")

        def one(i: int):
            if self._autoreset[i]:
                obs, info = self.envs[i].reset()
                return obs, 0.0, False, False, info
            return self.envs[i].step(actions[i])

        results = self._each(one)
        observations = tuple(r[0] for r in results)
        rewards = np.array([r[1] for r in results], dtype=np.float64)
        terminated = np.array([r[2] for r in results], dtype=bool)
        truncated = np.array([r[3] for r in results], dtype=bool)
        infos: dict[str, Any] = {}
        for i, result in enumerate(results):
            infos = self._add_info(infos, result[4], i)
        self._autoreset = terminated | truncated
        return observations, rewards, terminated, truncated, infos

    def _each(self, fn: Callable[[int], Any]) -> list[Any]:
        """Run fn(i) for every env at once; on any error or interrupt close everything and re-raise."""
        try:
            futures = [self._pool.submit(fn, i) for i in range(self.num_envs)]
            wait(futures)
            return [f.result() for f in futures]
        except BaseException:
            self.close()
            raise

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        return tuple(self._each(lambda i: getattr(self.envs[i], name)(*args, **kwargs)))

    def close_extras(self, **kwargs: Any) -> None:
        """Close every env (its container) concurrently; the first failure is raised after all tried."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not self.envs:
            return
        # fresh threads: after an interrupt the pool's own workers may still be busy in a step
        with ThreadPoolExecutor(len(self.envs), thread_name_prefix="swe-env-close") as closer:
            futures = [closer.submit(env.close) for env in self.envs]
        errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            raise errors[0]

    def __enter__(self) -> ThreadVectorEnv:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def make_vector_env(num_envs: int, **env_kwargs: Any) -> ThreadVectorEnv:
    """`num_envs` SWEEnvs with the same settings (task_id, tasks_dir, mode, env_spec, ...)."""
    return ThreadVectorEnv([lambda: SWEEnv(**env_kwargs) for _ in range(num_envs)])
