"""Terminal display width of text: East Asian wide characters take two columns, combining
marks and zero-width characters none."""

from __future__ import annotations

import unicodedata

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff"}


def char_width(char: str) -> int:
    if char in _ZERO_WIDTH or unicodedata.combining(char):
        return 0
    if unicodedata.category(char) in ("Cc", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` occupies on a terminal (one line; newlines count as zero)."""
    return sum(char_width(c) for c in text)


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `width` columns, ending with `ellipsis` when something was cut."""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    if room < 0:
        return ellipsis[:width]
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > room:
            break
        out.append(char)
        used += w
    return "".join(out) + ellipsis
