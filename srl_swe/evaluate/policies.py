"""Policies behind one small interface, `act(messages) -> text`, and the factory that gives each
evaluated instance its policy. `replay` (the task's expert actions: the harness's upper bound) and
`noop` (submits at once: the lower bound) live here; the model-backed ones have their own modules."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from srl_swe.errors import PolicyError
from srl_swe.policy import PolicyFactory
from srl_swe.srl.turn import safe_thought, turn_text
from srl_swe.tools.actions import canonical, submit

Mode = Literal["agentic", "oracle-edit"]
SUBMIT_TEXT = canonical(submit())


class NoopPolicy:
    """Submits at once (agentic) or proposes no edit (oracle-edit): every task stays unresolved."""

    def __init__(self, mode: Mode = "agentic"):
        self.mode = mode

    def act(self, messages: list[dict]) -> str:
        if self.mode == "oracle-edit":
            return "I propose no change."
        return SUBMIT_TEXT


class ReplayPolicy:
    """Plays a task's expert actions one per call, in canonical text, then submits. In oracle-edit
    mode it answers with the task's gold patch as a unified diff. One instance per episode."""

    def __init__(self, actions: list[str], gold_patch: str, mode: Mode = "agentic"):
        self.actions = list(actions)
        self.gold_patch = gold_patch
        self.mode = mode
        self._next = 0

    @classmethod
    def for_task(cls, spec, tasks_dir: str | Path | None, mode: Mode = "agentic") -> ReplayPolicy:
        if mode == "oracle-edit":
            return cls([], spec.patch, mode)
        from srl_swe.tasks.registry import expert_path
        from srl_swe.trajectories.schema import read_jsonl

        path = Path(expert_path(spec.instance_id, tasks_dir))
        if not path.is_file():
            raise PolicyError(f"Task {spec.instance_id} has no expert trajectory at {path}; replay needs one.")
        trajectory = next(iter(read_jsonl(path)), None)
        if trajectory is None:
            raise PolicyError(f"{path} holds no trajectory; replay needs one.")
        texts = [_with_thought(step.thought, canonical(step.action)) for step in trajectory.steps]
        return cls(texts, spec.patch, mode)

    def act(self, messages: list[dict]) -> str:
        if self.mode == "oracle-edit":
            return f"The fix:\n```diff\n{self.gold_patch.rstrip()}\n```\n"
        if self._next >= len(self.actions):
            return SUBMIT_TEXT
        text = self.actions[self._next]
        self._next += 1
        return text


def _with_thought(thought: str, action_text: str) -> str:
    """The expert's thought goes along, unless it could be read as markup (a second tool call)."""
    return turn_text(safe_thought(thought), action_text)


class PolicySettings(BaseModel):
    """What the CLI knows about the policy; `factory()` turns it into a per-instance PolicyFactory."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["replay", "noop", "openai", "hf"]
    mode: Mode = "agentic"
    tasks_dir: str | None = None
    model: str | None = None
    adapter: str | None = None
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 1024
    retries: int = 3
    workers: int = 1

    @model_validator(mode="after")
    def _needs(self) -> PolicySettings:
        if self.kind == "openai" and not (self.base_url and self.model):
            raise ValueError("--policy openai needs --base-url (e.g. http://localhost:8000/v1) and --model")
        if self.kind == "hf" and not self.model:
            raise ValueError("--policy hf needs --model (a model directory, a hub name, or 'tiny')")
        if self.adapter and self.kind != "hf":
            raise ValueError("--adapter applies to --policy hf only")
        return self

    @property
    def name(self) -> str:
        """`model_name_or_path` in predictions.jsonl."""
        if self.kind in ("replay", "noop"):
            return f"srl-swe-{self.kind}"
        name = self.model or self.kind
        return f"{name}+{Path(self.adapter).name}" if self.adapter else name

    def factory(self) -> PolicyFactory:
        if self.kind == "replay":
            return lambda spec: ReplayPolicy.for_task(spec, self.tasks_dir, self.mode)
        if self.kind == "noop":
            return lambda spec: NoopPolicy(self.mode)
        if self.kind == "openai":
            from srl_swe.evaluate.openai_policy import OpenAIPolicy

            shared = OpenAIPolicy(self.base_url, self.model, self.api_key_env, self.temperature, self.max_tokens,
                                  retries=self.retries)
            return lambda spec: shared
        if self.kind == "hf":
            from srl_swe.evaluate.hf_policy import hf_factory

            return hf_factory(self.model, self.adapter, self.temperature, self.max_tokens, self.workers)
        raise PolicyError(f"Unknown policy {self.kind!r}; use replay, noop, openai or hf.")
