"""${key} and ${section:key} references between values; $$ is a literal dollar."""

from __future__ import annotations

import re
from collections.abc import Callable

from confload.errors import InterpolationError

_REFERENCE = re.compile(r"\$(\$|\{([^}:]+)(?::([^}]+))?\})")
MAX_DEPTH = 10


def interpolate(value: str, section: str, lookup: Callable[[str, str], str | None], depth: int = 0) -> str:
    """Expand references in `value`, found in `section`. `lookup(section, key)` returns the raw
    value or None. References nest up to MAX_DEPTH levels; deeper means a cycle."""
    if "$" not in value:
        return value
    if depth > MAX_DEPTH:
        raise InterpolationError(f"references nest deeper than {MAX_DEPTH} levels (a cycle?) in section [{section}]")

    def expand(match: re.Match) -> str:
        if match.group(1) == "$":
            return "$"
        first, second = match.group(2).strip(), match.group(3)
        target_section, key = (first, second.strip()) if second is not None else (section, first)
        raw = lookup(target_section, key.lower())
        if raw is None:
            raise InterpolationError(f"${{{match.group(0)[2:-1]}}} in section [{section}] refers to a missing key")
        return interpolate(raw, target_section, lookup, depth + 1)

    return _REFERENCE.sub(expand, value)
