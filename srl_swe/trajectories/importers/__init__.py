"""Importers for the trajectory formats people already have (SWE-agent, SWE-smith, mini-swe-agent,
OpenHands / SWE-Gym, plain OpenAI chat) onto `Trajectory`."""

from srl_swe.trajectories.importers.detect import FORMATS
from srl_swe.trajectories.importers.loader import expand_paths, import_file, import_paths, stream_paths
from srl_swe.trajectories.importers.report import ImportReport, Where

__all__ = ["FORMATS", "ImportReport", "Where", "expand_paths", "import_file", "import_paths", "stream_paths"]
