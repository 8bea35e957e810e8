"""SWE-smith / SWE-agent fine-tuning JSONL: {"messages": [...], "instance_id", "resolved", "patch",
"model", "traj_id"} whose assistant turns hold SWE-agent `<function=...>` calls and whose user turns
begin with `OBSERVATION:` (the format of the SRL paper's SWE data). `messages` may also be a JSON
string. The chat walk is the plain-messages one; only the source label differs."""

from __future__ import annotations

from typing import Any

from srl_swe.trajectories.importers import messages
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Trajectory

NAME = "swe-smith"


def convert(record: Any, where: Where, report: ImportReport) -> Trajectory:
    return messages.convert(record, where, report, source=NAME)
