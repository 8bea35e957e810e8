"""JSON Lines, read and written in one place: one value per line, blank lines skipped, a bad line
named by file and number; files are written atomically (complete or untouched)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from srl_swe.atomic import replacing
from srl_swe.errors import ConfigError

_decode = msgspec.json.Decoder().decode


def lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line, streamed."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                yield number, line


def loads(text: str) -> Any:
    """json.loads' value, parsed by msgspec (about 3x faster on trajectory records, the most of an import's time).
    Text msgspec refuses (invalid JSON, NaN and Infinity, lone surrogate escapes, numbers out of a double's range)
    goes to json.loads, so that those values and every error are json's own."""
    try:
        return _decode(text)
    except msgspec.DecodeError:
        return json.loads(text)


def read_jsonl(path: str | Path, error: type[Exception] = ConfigError, hint: str = "") -> Iterator[tuple[int, Any]]:
    """(line number, value) of each line; `error` names the first line that is not JSON."""
    for number, line in lines(path):
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{number} is not JSON ({exc.msg}){hint}.") from None


def write_lines(path: str | Path, texts: Iterable[str]) -> int:
    """One text per line (each without its newline); returns how many were written."""
    count = 0
    with replacing(path) as fh:
        for text in texts:
            fh.write(text + "\n")
            count += 1
    return count


def write_jsonl(path: str | Path, values: Iterable[Any]) -> int:
    return write_lines(path, (json.dumps(value) for value in values))
