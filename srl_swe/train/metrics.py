"""Per-step metrics: one JSON object per line in RUN_DIR/metrics.jsonl, mirrored to TensorBoard
(RUN_DIR/tb). On resume, lines past the resumed step are dropped so no step is counted twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from srl_swe.jsonl import read_jsonl, write_jsonl

METRICS_FILE = "metrics.jsonl"


def read_metrics(run_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return []
    return [record for _, record in read_jsonl(path)]


class MetricsLog:
    def __init__(self, run_dir: Path, resumed_step: int = 0, tensorboard: bool = True):
        self.path = Path(run_dir) / METRICS_FILE
        self._truncate_after(resumed_step)
        self._file = open(self.path, "a", encoding="utf-8")
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(Path(run_dir) / "tb"), purge_step=resumed_step + 1)

    def _truncate_after(self, step: int) -> None:
        kept = [m for m in read_metrics(self.path.parent) if m.get("step", 0) <= step]
        write_jsonl(self.path, kept)

    def log(self, step: int, values: dict[str, Any]) -> None:
        record = {"step": step, **values}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()

    def __enter__(self) -> MetricsLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NullLog:
    """What the non-main data-parallel processes log to: nothing (the main process logs the
    whole batch's metrics)."""

    def log(self, step: int, values: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> NullLog:
        return self

    def __exit__(self, *exc) -> None:
        pass
