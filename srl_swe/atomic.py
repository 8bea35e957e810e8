"""Atomic file writes: a file is either its old self or complete, never half written.

The text goes to a temporary file in the target's own folder (so the final move stays on one file
system) and replaces the target in one `os.replace`; on any error the temporary file is removed
and the old file is left as it was. Files are made 0644: mkstemp creates 0600, but what the
project writes (tasks, trajectories, datasets, reports) is shared data."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

MODE = 0o644


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
