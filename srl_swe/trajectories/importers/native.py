"""srl-swe's own trajectory JSONL (`Trajectory` per line), as written by `data import` and `data record`."""

from __future__ import annotations

from typing import Any

from srl_swe.trajectories.importers.common import SkipRecord
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "srl-swe"


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    """Read as written: srl-swe's own files were clipped when first imported, so importing one
    again gives the same trajectories."""
    trajectory = Trajectory.model_validate(record)
    if not trajectory.steps:
        raise SkipRecord("no steps", "the trajectory holds no steps")
    return trajectory
