"""What a report page shows: headline numbers, tables, plots, and runs of trajectories to browse."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.trajectories.schema import Trajectory


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    columns: list[str]
    rows: list[list[str | float | int | None]]


class Plot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    png: str  # path of a PNG file; embedded into the page as data


class Turn(BaseModel):
    """One policy turn as the viewer lists it: the index of the step it became, or, for a turn
    that held no well-formed action, the format error and the raw response."""

    model_config = ConfigDict(extra="forbid")

    step: int | None = None
    error: str | None = None
    response: str | None = None


class Run(BaseModel):
    """A named set of trajectories (a policy's evaluation, an expert replay). `turns[i]`, when
    given, lists trajectory i's turns, format errors included (a trajectory holds steps only)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    trajectories: list[Trajectory] = Field(default_factory=list)
    turns: list[list[Turn]] = Field(default_factory=list)


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "srl-swe report"
    partial: bool = False
    headline: dict[str, str] = Field(default_factory=dict)
    tables: list[Table] = Field(default_factory=list)
    plots: list[Plot] = Field(default_factory=list)
    runs: list[Run] = Field(default_factory=list)
