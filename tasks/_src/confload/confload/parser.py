"""A small INI parser: sections, `key = value` / `key: value`, comments, continuation lines,
quoted values."""

from __future__ import annotations

import re

from confload.errors import ParseError

DEFAULT_SECTION = "DEFAULT"

_SECTION = re.compile(r"^\[\s*([^\]]+?)\s*\]\s*$")
_ASSIGN = re.compile(r"^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$")
# An inline comment starts with ' #' or ' ;' (whitespace first), so 'a#b' stays a value.
_INLINE_COMMENT = re.compile(r"\s+[#;].*$")


def parse_ini(text: str, source: str = "<string>") -> dict[str, dict[str, str]]:
    """Parse INI text into {section: {key: value}}. Keys are lower-cased; section names keep
    their case. Keys before the first section header go to DEFAULT."""
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault(DEFAULT_SECTION, {})
    last_key: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t" and last_key is not None:
            # Continuation of the previous value.
            current[last_key] = (current[last_key] + "\n" + _clean_value(stripped)).strip("\n")
            continue
        if match := _SECTION.match(stripped):
            name = match.group(1)
            if name in sections and name != DEFAULT_SECTION and sections[name]:
                raise ParseError(f"duplicate section [{name}]", lineno, line, source)
            current = sections.setdefault(name, {})
            last_key = None
            continue
        if match := _ASSIGN.match(stripped):
            key, value = match.groups()
            key = key.strip().lower()
            if key in current:
                raise ParseError(f"duplicate key {key!r}", lineno, line, source)
            current[key] = _clean_value(value)
            last_key = key
            continue
        raise ParseError(f"expected '[section]' or 'key = value', got {stripped!r}", lineno, line, source)
    return sections


def _clean_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return _INLINE_COMMENT.sub("", value)
