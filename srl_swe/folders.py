"""A folder as bytes and back: how one crosses to another machine (Ray's object store)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def tar_folder(folder: str | Path) -> bytes:
    """The folder's contents (not the folder itself) as a gzipped tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(Path(folder).iterdir()):
            tar.add(path, arcname=path.name)
    return buffer.getvalue()


def untar_into(data: bytes, folder: str | Path) -> None:
    """Unpack what tar_folder gave into `folder` (the data filter: no links out, no devices)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
