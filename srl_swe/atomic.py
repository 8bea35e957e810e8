"""Atomic writes: a file or a folder is either its old self or complete, never half written.

The content goes to a temporary file or folder in the target's own parent (so the final move stays
on one file system) and replaces the target in one `os.replace`; on any error the temporary one is
removed and the old target is left as it was. Files are made 0644 and folders 0755: mkstemp and
mkdtemp create private ones, but what the project writes (tasks, trajectories, datasets, models,
reports) is shared data."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

MODE = 0o644
DIR_MODE = 0o755


@contextlib.contextmanager
def replacing(path: str | Path, binary: bool = False) -> Iterator[IO]:
    """An open temporary file that becomes `path` when the block ends without an error, for
    writers that stream (JSONL); on an error `path` is untouched and the temporary file gone."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # surrogateescape: text read from a sandbox may hold undecodable bytes; write them back as they were
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            yield fh
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    with replacing(path) as fh:
        fh.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    with replacing(path, binary=True) as fh:
        fh.write(data)


def write_json(path: str | Path, data: Any) -> None:
    """Indented, non-ASCII kept as is, with a trailing newline."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def replacing_dir(
    path: str | Path, prefix: str | None = None, keep_theirs: Callable[[Path], bool] | None = None
) -> Iterator[Path]:
    """A fresh folder to fill; when the block ends without an error it becomes `path` in one move.
    An existing `path` is moved aside first, removed once the new one is in place, and put back if
    the move fails; on any error `path` is as it was and the staging folder is gone.

    `prefix`: of the staging folder's name (default `.<name>.`), for readers that skip them.
    `keep_theirs`: for caches that concurrent processes build: a `path` that another process put
    in place meanwhile is kept (and this one dropped) when this returns True for it."""
    path = Path(path)
    prefix = prefix if prefix is not None else f".{path.name}."
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix))
    try:
        staging.chmod(DIR_MODE)
        yield staging
        _swap_in(staging, path, prefix, keep_theirs)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _swap_in(staging: Path, path: Path, prefix: str, keep_theirs: Callable[[Path], bool] | None) -> None:
    aside = None
    if path.exists():
        if keep_theirs is not None and keep_theirs(path):
            return  # another process finished first; the staging folder is dropped
        aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f"{prefix}old-"))
        os.replace(path, aside / path.name)
    try:
        os.replace(staging, path)
    except OSError:
        if aside is not None and not path.exists():
            os.replace(aside / path.name, path)  # put the previous one back
        if keep_theirs is None or not keep_theirs(path):
            raise
    finally:
        if aside is not None:
            shutil.rmtree(aside)


def remove_dir(path: str | Path, prefix: str | None = None) -> None:
    """Remove a folder: renamed away at once (readers never see it half deleted), then deleted."""
    path = Path(path)
    aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix if prefix is not None else f".{path.name}.rm-"))
    os.replace(path, aside / path.name)
    shutil.rmtree(aside)
