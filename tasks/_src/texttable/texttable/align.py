"""Padding a cell to a column width: left, right, center, or on the decimal point."""

from __future__ import annotations

from texttable.width import display_width

ALIGNMENTS = {"l": "left", "r": "right", "c": "center", "d": "decimal"}


def normalize_alignment(value: str) -> str:
    """'l', 'left', 'L' -> 'left'."""
    key = value.strip().lower()[:1]
    if key not in ALIGNMENTS or value.strip().lower() not in (key, ALIGNMENTS[key]):
        raise ValueError(f"unknown alignment {value!r}; use one of left, right, center, decimal")
    return ALIGNMENTS[key]


def align_cell(text: str, width: int, how: str = "left") -> str:
    """Pad `text` with spaces to `width` display columns. Text already wider is returned as is."""
    how = normalize_alignment(how)
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if how == "right":
        return " " * gap + text
    if how == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def align_decimal(values: list[str]) -> list[str]:
    """Pad numbers so that their decimal points line up: ['1.5', '10', '2.25'] ->
    [' 1.5 ', '10   ', ' 2.25']. Non-numbers are left as they are."""
    def split(value: str) -> tuple[str, str]:
        head, dot, tail = value.partition(".")
        return head, dot + tail

    parts = [split(v) if _is_number(v) else None for v in values]
    heads = max((len(p[0]) for p in parts if p), default=0)
    tails = max((len(p[1]) for p in parts if p), default=0)
    out = []
    for value, part in zip(values, parts):
        if part is None:
            out.append(value)
        else:
            out.append(part[0].rjust(heads) + part[1].ljust(tails))
    return out


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
