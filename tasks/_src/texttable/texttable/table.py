"""Table: collect rows, then render them with aligned, optionally wrapped columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from texttable.align import align_cell, align_decimal, normalize_alignment
from texttable.styles import Style, get_style
from texttable.width import display_width
from texttable.wrap import wrap_cell


class Table:
    """Rows of cells under optional headers.

    `align`: one string of letters ('lrc', one per column), or a list of names ('left', 'right',
    'center', 'decimal'); columns without one are left-aligned. `max_width`: one int for every
    column or a list (None = unlimited); wider cells are word-wrapped.
    """

    def __init__(self, headers: Sequence[object] | None = None, align: str | Sequence[str] | None = None,
                 max_width: int | Sequence[int | None] | None = None, missing: str = "",
                 float_format: str | None = None):
        self.headers = [str(h) for h in headers] if headers is not None else None
        self.rows: list[list[str]] = []
        self.missing = missing
        self.float_format = float_format
        self._align = list(align) if isinstance(align, str) else list(align or [])
        for how in self._align:
            normalize_alignment(how)
        self._max_width = max_width

    def add_row(self, row: Iterable[object]) -> None:
        cells = [self._format(value) for value in row]
        if self.headers is not None and len(cells) > len(self.headers):
            raise ValueError(
                f"row {len(self.rows) + 1} has {len(cells)} cells but the table has {len(self.headers)} columns"
            )
        self.rows.append(cells)

    def add_rows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.add_row(row)

    @property
    def columns(self) -> int:
        if self.headers is not None:
            return len(self.headers)
        return max((len(row) for row in self.rows), default=0)

    def render(self, style: str = "ascii") -> str:
        look = get_style(style)
        count = self.columns
        if count == 0:
            return ""
        rows = [row + [self.missing] * (count - len(row)) for row in self.rows]
        alignments = [self._alignment(i) for i in range(count)]
        rows = self._align_decimals(rows, alignments)
        header = [self._wrap(h, i) for i, h in enumerate(self.headers)] if self.headers is not None else None
        body = [[self._wrap(cell, i) for i, cell in enumerate(row)] for row in rows]
        widths = [0] * count
        for cells in ([header] if header else []) + body:
            for i, lines in enumerate(cells):
                widths[i] = max([widths[i]] + [display_width(line) for line in lines])
        if look.name == "markdown":
            widths = [max(w, 3) for w in widths]
        return "\n".join(self._lines(look, header, body, widths, alignments))

    __str__ = render

    def _lines(self, look: Style, header, body, widths, alignments) -> list[str]:
        out = []
        rule = self._rule(look, widths, alignments)
        if rule and look.outer_rules:
            out.append(rule)
        if header is not None:
            header_align = ["left"] * len(widths) if look.name != "markdown" else alignments
            out.extend(self._physical(look, header, widths, header_align))
            if rule:
                out.append(rule)
        for index, cells in enumerate(body):
            if index and look.row_rules and rule:
                out.append(rule)
            out.extend(self._physical(look, cells, widths, alignments))
        if rule and look.outer_rules and body:
            out.append(rule)
        return out

    def _physical(self, look: Style, cells: list[list[str]], widths: list[int], alignments: list[str]) -> list[str]:
        """One logical row as physical lines: wrapped cells are padded to equal height."""
        height = max(len(lines) for lines in cells)
        out = []
        for n in range(height):
            parts = []
            for i, lines in enumerate(cells):
                text = lines[n] if n < len(lines) else ""
                how = "right" if alignments[i] == "decimal" else alignments[i]
                parts.append(align_cell(text, widths[i], how))
            line = look.left + look.middle.join(parts) + look.right
            out.append(line.rstrip() if look.rule is None else line)
        return out

    def _rule(self, look: Style, widths: list[int], alignments: list[str]) -> str | None:
        if look.rule is None:
            return None
        if look.name == "markdown":
            return "|" + "|".join(_markdown_rule(w + 2, how) for w, how in zip(widths, alignments)) + "|"
        return look.junction + look.junction.join(look.rule * (w + 2) for w in widths) + look.junction

    def _alignment(self, index: int) -> str:
        return normalize_alignment(self._align[index]) if index < len(self._align) else "left"

    def _wrap(self, text: str, index: int) -> list[str]:
        limit = self._max_width
        if isinstance(limit, Sequence):
            limit = limit[index] if index < len(limit) else None
        if limit is None:
            return text.split("\n")
        return wrap_cell(text, limit)

    def _align_decimals(self, rows: list[list[str]], alignments: list[str]) -> list[list[str]]:
        for i, how in enumerate(alignments):
            if how == "decimal" and rows:
                column = align_decimal([row[i] for row in rows])
                for row, value in zip(rows, column):
                    row[i] = value
        return rows

    def _format(self, value: object) -> str:
        if value is None:
            return self.missing
        if isinstance(value, float) and self.float_format is not None:
            return format(value, self.float_format)
        return str(value)


def _markdown_rule(width: int, how: str) -> str:
    """A Markdown separator cell of `width` characters with alignment colons."""
    if how == "center":
        return ":" + "-" * (width - 2) + ":"
    if how in ("right", "decimal"):
        return "-" * (width - 1) + ":"
    return ":" + "-" * (width - 1)


def tabulate(rows: Iterable[Iterable[object]], headers: Sequence[object] | None = None, style: str = "ascii",
             **options) -> str:
    """Render `rows` in one call: tabulate(rows, headers=[...], align='lr', style='markdown')."""
    table = Table(headers, **options)
    table.add_rows(rows)
    return table.render(style)
