"""Finished stages are kept as JSON under OUT/stages/, so a rerun (or a resumed interrupted run)
skips them; a change of settings starts clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from srl_swe.atomic import write_json

PARTIAL_MARKER = "PARTIAL"


class StageStore:
    def __init__(self, out: Path, fingerprint: str):
        self.out = Path(out)
        self.dir = self.out / "stages"
        self._adopt(fingerprint)

    def _adopt(self, fingerprint: str) -> None:
        stamp = self.out / "demo.json"
        if stamp.is_file() and json.loads(stamp.read_text()).get("fingerprint") != fingerprint:
            for name in ("stages", "data", "train", "eval", "replay"):
                shutil.rmtree(self.out / name, ignore_errors=True)
        write_json(stamp, {"fingerprint": fingerprint})

    def done(self, name: str) -> bool:
        return (self.dir / f"{name}.json").is_file()

    def load(self, name: str) -> Any:
        return json.loads((self.dir / f"{name}.json").read_text())

    def save(self, name: str, result: Any) -> None:
        write_json(self.dir / f"{name}.json", result)

    def results(self) -> dict[str, Any]:
        return read_results(self.out)

    def mark_partial(self, partial: bool) -> None:
        marker = self.out / PARTIAL_MARKER
        if partial:
            marker.write_text("This demo run was interrupted; run the same command again to resume.\n")
        else:
            marker.unlink(missing_ok=True)


def read_results(out: Path) -> dict[str, Any]:
    """Every finished stage's result, by stage name."""
    folder = Path(out) / "stages"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def is_partial(out: Path) -> bool:
    return (Path(out) / PARTIAL_MARKER).exists()
