"""Border styles. A style says how rules (horizontal lines) and cell separators look."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    name: str
    left: str          # before the first cell of a line
    middle: str        # between cells
    right: str         # after the last cell
    rule: str | None   # character of horizontal rules, None for no rules
    junction: str = "+"
    outer_rules: bool = True   # rules above the header and below the last row
    row_rules: bool = False    # rules between body rows


STYLES = {
    "ascii": Style("ascii", "| ", " | ", " |", "-"),
    "grid": Style("grid", "| ", " | ", " |", "-", row_rules=True),
    "plain": Style("plain", "", "  ", "", None),
    "markdown": Style("markdown", "| ", " | ", " |", "-", junction="|", outer_rules=False),
}


def get_style(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise ValueError(f"unknown style {name!r}; use one of {', '.join(STYLES)}") from None
