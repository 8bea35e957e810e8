"""Word wrapping for table cells, measured in display columns."""

from __future__ import annotations

from texttable.width import char_width, display_width


def wrap_cell(text: str, width: int) -> list[str]:
    """Wrap `text` into lines of at most `width` columns. Words are kept whole when they fit;
    a word longer than `width` is split. Explicit newlines are kept. Empty text is one empty line."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width))
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    words = paragraph.split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        for piece in _split_long(word, width):
            if not current:
                current = piece
            elif display_width(current) + 1 + display_width(piece) <= width:
                current += " " + piece
            else:
                lines.append(current)
                current = piece
    lines.append(current)
    return lines


def _split_long(word: str, width: int) -> list[str]:
    """A word wider than `width` cut into chunks of at most `width` columns."""
    if display_width(word) <= width:
        return [word]
    chunks, current, used = [], "", 0
    for char in word:
        w = char_width(char)
        if used + w > width and current:
            chunks.append(current)
            current, used = "", 0
        current += char
        used += w
    if current:
        chunks.append(current)
    return chunks
