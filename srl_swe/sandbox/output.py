"""Collects a command's output from a byte stream: capped (head and tail kept), sentinel-aware."""

from __future__ import annotations

import re

_SLACK = 4096  # room kept past the tail budget so the sentinel line is never cut


class OutputCollector:
    """Feeds on raw bytes; finds `TOKEN:<rc>:<cwd>\\n`; keeps at most `limit` bytes of output."""

    def __init__(self, token: bytes, limit: int):
        self._pattern = re.compile(re.escape(token) + rb":(-?\d+):([^\n]*)\n")
        self._head_cap = limit // 2
        self._tail_cap = limit - self._head_cap
        self._limit = limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self._recent = bytearray()
        self._recent_start = 0
        self.found: tuple[int, int, str] | None = None  # (stream offset, exit code, cwd)

    def feed(self, data: bytes) -> bool:
        """Append bytes; return True once the sentinel line has been seen."""
        if self.found or not data:
            return bool(self.found)
        self.total += len(data)
        room = self._head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
        self.tail += data[max(room, 0):]
        if len(self.tail) > self._tail_cap + _SLACK:
            del self.tail[: len(self.tail) - (self._tail_cap + _SLACK)]
        self._recent += data
        match = self._pattern.search(self._recent)
        if match:
            self.found = (
                self._recent_start + match.start(),
                int(match.group(1)),
                match.group(2).decode("utf-8", "replace"),
            )
            return True
        if len(self._recent) > _SLACK:
            cut = len(self._recent) - _SLACK
            del self._recent[:cut]
            self._recent_start += cut
        return False

    def output(self, end: int | None = None) -> tuple[bytes, bool]:
        """The stream's bytes before `end` (default: all seen), capped; and whether it was truncated."""
        end = self.total if end is None else end
        tail_start = self.total - len(self.tail)
        if end <= len(self.head):
            return bytes(self.head[:end]), False
        if tail_start <= len(self.head):  # head and tail are contiguous
            full = self.head + self.tail[len(self.head) - tail_start : end - tail_start]
            if len(full) <= self._limit:
                return bytes(full), False
            dropped = len(full) - self._limit
            return bytes(full[: self._head_cap]) + _marker(dropped) + bytes(full[-self._tail_cap :]), True
        kept_tail = self.tail[: end - tail_start][-self._tail_cap :]
        dropped = end - len(self.head) - len(kept_tail)
        return bytes(self.head) + _marker(dropped) + bytes(kept_tail), True


def _marker(dropped: int) -> bytes:
    return f"\n[... {dropped} bytes of output truncated ...]\n".encode()
