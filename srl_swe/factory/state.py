"""Where the factory's resumable runs (`tasks mine`, `tasks synth`) keep their state: in the
registry they fill, under `.factory/` (which `list_tasks` skips). A registry deleted or moved takes
its state with it, so a fresh registry is mined or synthesized afresh instead of being skipped as
done."""

from __future__ import annotations

from pathlib import Path

from srl_swe.tasks import gitrepo
from srl_swe.tasks.registry import absolute_tasks_dir

STATE_DIR = ".factory"


def state_file(tasks_dir: Path | str | None, kind: str, repo: str, key: str) -> Path:
    """`<registry>/.factory/<kind>-<repo name>-<key>.json`."""
    name = gitrepo.repo_name(repo).replace("/", "__")
    return Path(absolute_tasks_dir(tasks_dir)) / STATE_DIR / f"{kind}-{name}-{key}.json"
