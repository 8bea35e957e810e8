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


class Run(BaseModel):
    """A named set of trajectories (a policy's evaluation, an expert replay)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    trajectories: list[Trajectory] = Field(default_factory=list)


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "srl-swe report"
    partial: bool = False
    headline: dict[str, str] = Field(default_factory=dict)
    tables: list[Table] = Field(default_factory=list)
    plots: list[Plot] = Field(default_factory=list)
    runs: list[Run] = Field(default_factory=list)
