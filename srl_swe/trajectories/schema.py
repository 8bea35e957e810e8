"""Trajectory / Step: an agent's run on a task, whatever format it came from. Stored as JSONL,
one trajectory per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from srl_swe import jsonl
from srl_swe.tools.actions import Action, canonical
from srl_swe.tools.schemas import BUNDLES, bundle_file_tools, tools_for


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thought: str = ""
    action: Action
    observation: str = ""
    # Filled when the step was taken in an env: its reward and, in srl mode, the expert's action.
    reward: float | None = None
    expert_action: str | None = None

    @property
    def canonical_action(self) -> str:
        return canonical(self.action)


# Step.__init__'s keyword packing costs a quarter of making a step, and import makes one per expert step: importers
# call the validator itself, which runs the same checks.
validate_step = Step.__pydantic_validator__.validate_python


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolved: bool | None = None
    diff: str = ""


class Trajectory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str
    problem_statement: str = ""
    steps: list[Step] = Field(default_factory=list)
    outcome: Outcome = Field(default_factory=Outcome)
    source: str = "srl-swe"
    model: str | None = None
    # The tool bundle the expert used (a name in tools.schemas.BUNDLES), where its tool names alone do not tell:
    # SWE-agent 0.x's line-range tools (swe-agent-0) share 1.x's names and print differently. None: from the names.
    tools: str | None = None

    @field_validator("tools")
    @classmethod
    def _known_bundle(cls, value: str | None) -> str | None:
        if value is not None and value not in BUNDLES:
            raise ValueError(f"unknown tool bundle {value!r}; known: {', '.join(BUNDLES)}")
        return value

    def tool_set(self) -> tuple[list[str], str]:
        """The tools the expert ran with and which version of SWE-agent's file tools (schemas.FILE_TOOLS): the bundle
        it names, else the smallest bundle that holds its calls (tools_for)."""
        if self.tools is not None:
            return list(BUNDLES[self.tools]), bundle_file_tools(self.tools)
        return tools_for((s.action.name, s.action.arguments) for s in self.steps), bundle_file_tools(None)


def read_jsonl(path: str | Path) -> Iterator[Trajectory]:
    for _, line in jsonl.lines(path):
        yield Trajectory.model_validate_json(line)


def write_jsonl(path: str | Path, trajectories: Iterable[Trajectory]) -> None:
    """Atomic: the file is complete or untouched."""
    jsonl.write_lines(path, (trajectory.model_dump_json() for trajectory in trajectories))
