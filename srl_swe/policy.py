"""What the one rollout loop (srl_swe.env.rollout) asks of a policy: given the chat so far, one
reply. At the bottom of the import graph so that every layer can name it without importing the
layers that implement it (evaluation's models, the recorders' chat clients, the trainers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Reply:
    """One policy turn. `action` is what the env parses: the response text, or OpenAI `tool_calls`
    (a list, or one call as a dict). `thought`: the reasoning, where it is not inside the text
    (a chat reply's content beside its tool calls); None lets the loop read it from the text.
    `prompt_ids` / `completion_ids`: the exact tokens a trainer sampled, kept for its loss."""

    action: str | list | dict
    thought: str | None = None
    prompt_ids: list[int] | None = None
    completion_ids: list[int] | None = None


class Policy(Protocol):
    def act(self, messages: list[dict]) -> str | Reply: ...


@runtime_checkable
class BatchPolicy(Protocol):
    """A policy that answers several episodes' prompts in one call (one batched generate); the
    loop uses it to run a group of episodes in lockstep."""

    def act(self, messages: list[dict]) -> str | Reply: ...

    def act_batch(self, batch: Sequence[list[dict]]) -> list[str | Reply]: ...


# Builds the policy for one task from its TaskSpec; shared policies return themselves.
PolicyFactory = Callable[[Any], Policy]
