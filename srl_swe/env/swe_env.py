"""SWEEnv: a Gymnasium environment in which a policy's tool calls run in a task's sandbox.

Observation: the next prompt as text (info["messages"] holds it as chat messages). Action: the
model's response text (or an OpenAI `tool_calls` list / dict). Modes (EnvSettings.mode):
- `srl`: teacher-forced. Reward = difflib ratio between the policy's canonical action and the
  expert's at this step (format_error_reward for a malformed one); then the EXPERT's action runs,
  so the next prompt is `step_prompt(problem, expert_history[:k], window)` with live observations.
- `rlvr`: the policy's actions run; reward 0 per step, and at submit or truncation 1.0 iff the
  diff resolves the task when graded in a fresh container.
A bad response never raises: it becomes a format error the policy sees. Infrastructure failures
(engine gone, container died, grading broken) do raise: a silent zero would corrupt training."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.error import ResetNeeded

from srl_swe.env.settings import EnvSettings, load_env_settings, make_settings
from srl_swe.env.spaces import UnicodeText
from srl_swe.env.state import EpisodeState, load_expert, render_text
from srl_swe.errors import ConfigError, FormatError, SandboxError
from srl_swe.srl.similarity import ratio
from srl_swe.tasks.grading import grade
from srl_swe.tasks.registry import load_task
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tools.actions import Action, canonical, from_tool_call, parse, parse_tool_calls
from srl_swe.tools.execute import ToolResult, ToolRunner
from srl_swe.trajectories.schema import Trajectory

OBSERVATION_MAX_CHARS = 10_000_000
RAW_RESPONSE_KEPT = 2000  # characters of a malformed response kept in an rlvr history


class SWEEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(
        self,
        task_id: str | None = None,
        tasks_dir: str | Path | None = None,
        mode: str | None = None,
        env_spec: EnvSettings | str | Path = "default",
        expert: Trajectory | None = None,
        **overrides: Any,
    ):
        if mode is not None:
            overrides["mode"] = mode
        if isinstance(env_spec, EnvSettings):
            self.settings = make_settings({**env_spec.model_dump(), **overrides})
        else:
            self.settings = load_env_settings(env_spec, **overrides)
        self.task_id = task_id
        self.tasks_dir = tasks_dir
        self.expert_override = expert
        self.observation_space = UnicodeText(OBSERVATION_MAX_CHARS)
        self.action_space = UnicodeText(self.settings.max_action_chars)
        self._sandbox = None
        self._sandbox_task: str | None = None
        self._runner: ToolRunner | None = None
        self._episode: EpisodeState | None = None

    # -- episode start ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = dict(options or {})
        task_id = options.pop("task_id", None) or self.task_id
        expert = options.pop("expert", None) or self.expert_override
        if options:
            raise ConfigError(f"Unknown reset option(s) {', '.join(options)}; known: task_id, expert.")
        if task_id is None:
            raise ConfigError("No task: pass task_id=... to gymnasium.make, or options={'task_id': ...} to reset().")
        task = load_task(task_id, self.tasks_dir)
        if expert is not None and expert.task_id != task.instance_id:
            raise ConfigError(f"The expert given is for task {expert.task_id!r}, not {task.instance_id!r}.")
        if expert is None:
            expert = load_expert(task.instance_id, self.tasks_dir, self.np_random, required=self.settings.mode == "srl")
        self._open_sandbox(task)
        self._episode = EpisodeState(task=task, expert=expert, started=time.monotonic())
        messages = self._episode.messages(self.settings)
        info = {
            "messages": messages,
            "task_id": task.instance_id,
            "step": 0,
            "expert_action": self._episode.expert_text(0),
        }
        return render_text(messages), info

    def _open_sandbox(self, task) -> None:
        """Warm reuse: the same task's container is reset to a fresh container's state (the
        sandbox replaces it itself where that is cheaper); another task, or a container that
        cannot be reset, gets a new one."""
        if self._sandbox is not None and self._sandbox_task == task.instance_id:
            try:
                self._sandbox.reset()
            except SandboxError:
                self._close_sandbox()
        if self._sandbox is None or self._sandbox_task != task.instance_id:
            self._close_sandbox()
            self._sandbox = task_sandbox(task, self.tasks_dir)
            self._sandbox_task = task.instance_id
            self._runner = ToolRunner(self._sandbox, self.settings.step_timeout, self.settings.tools,
                                      self.settings.file_tools)
        self._runner.reset()

    # -- one step --------------------------------------------------------------------------------
    def step(self, action: Any):
        episode = self._episode
        if episode is None or episode.done:
            raise ResetNeeded("Call reset() before step(): no episode is running.")
        episode.steps += 1
        policy, format_error = self._parse(action)
        if format_error is not None:
            episode.format_errors += 1
        if self.settings.mode == "srl":
            reward, result = self._srl_step(episode, policy, format_error)
        else:
            reward, result = 0.0, self._rlvr_step(episode, action, policy, format_error)
        terminated = result.submitted or (self.settings.mode == "srl" and episode.steps >= len(episode.expert.steps))
        truncated_by = None if terminated else episode.truncation(self.settings)
        info = {
            "action": canonical(policy) if policy else None,
            "format_error": format_error,
            "expert_action": episode.expert_text(episode.steps - 1),
            "tool_observation": result.observation,
            "task_id": episode.task.instance_id,
            "step": episode.steps,
        }
        if terminated or truncated_by:
            episode.done = True
            reward += self._finish(episode, result.diff, info)
            info["truncated_by"] = truncated_by
        messages = episode.messages(self.settings)
        info["messages"] = messages
        return render_text(messages), float(reward), bool(terminated), truncated_by is not None, info

    def _parse(self, action: Any) -> tuple[Action | None, str | None]:
        try:
            if isinstance(action, list):
                return parse_tool_calls(action), None
            if isinstance(action, dict):
                return from_tool_call(action), None
            if isinstance(action, str) and len(action) > self.settings.max_action_chars:
                raise FormatError(
                    f"The response is {len(action)} characters long; the limit is {self.settings.max_action_chars}. "
                    "Give one short tool call."
                )
            return parse(action).action, None
        except FormatError as exc:
            return None, str(exc)

    def _srl_step(self, episode: EpisodeState, policy: Action | None, format_error: str | None):
        expert_action = episode.expert.steps[episode.steps - 1].action
        expert_text = canonical(expert_action)
        reward = self.settings.format_error_reward if policy is None else ratio(canonical(policy), expert_text)
        result = self._runner.run(expert_action)
        episode.history.append((expert_text, result.observation))
        return reward, result

    def _rlvr_step(self, episode: EpisodeState, raw: Any, policy: Action | None, format_error: str | None):
        if policy is None:
            shown = raw[:RAW_RESPONSE_KEPT] if isinstance(raw, str) else repr(raw)[:RAW_RESPONSE_KEPT]
            episode.history.append((shown, f"Format error: {format_error}"))
            return ToolResult(observation=f"Format error: {format_error}")
        result = self._runner.run(policy)
        episode.history.append((canonical(policy), result.observation))
        return result

    def _finish(self, episode: EpisodeState, diff: str | None, info: dict) -> float:
        """The end of an episode: its diff, and in rlvr mode its grade (the terminal reward)."""
        diff = self._sandbox.diff() if diff is None else diff
        info["diff"] = diff
        info["grade"] = None
        if self.settings.mode == "srl" and not self.settings.grade_srl:
            return 0.0
        result = grade(episode.task, diff, tasks_dir=self.tasks_dir, timeout=self.settings.grade_timeout)
        info["grade"] = result.model_dump() if hasattr(result, "model_dump") else dict(vars(result))
        return (1.0 if result.resolved else 0.0) if self.settings.mode == "rlvr" else 0.0

    # -- cleanup ---------------------------------------------------------------------------------
    def _close_sandbox(self) -> None:
        if self._sandbox is not None:
            sandbox, self._sandbox, self._runner, self._sandbox_task = self._sandbox, None, None, None
            sandbox.close()

    def close(self) -> None:
        """Remove the container. Safe to call twice."""
        self._close_sandbox()
        self._episode = None
