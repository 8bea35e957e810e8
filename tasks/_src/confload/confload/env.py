"""Environment overrides: APP_DATABASE__HOST=db.internal overrides [database] host."""

from __future__ import annotations

import os
from collections.abc import Mapping

from confload.parser import DEFAULT_SECTION


def env_overrides(prefix: str, environ: Mapping[str, str] | None = None, separator: str = "__") -> dict[str, dict[str, str]]:
    """Collect the variables named `<PREFIX>_<SECTION><separator><KEY>` (or `<PREFIX>_<KEY>` for
    the DEFAULT section) from `environ`, which defaults to the process environment at call time.

    Section and key names are lower-cased; the caller matches sections case-insensitively.
    """
    if not prefix:
        raise ValueError("an environment prefix is required, e.g. 'MYAPP'")
    if environ is None:
        environ = os.environ
    head = prefix.upper().rstrip("_") + "_"
    overrides: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.upper().startswith(head) or len(name) == len(head):
            continue
        rest = name[len(head):].lower()
        section, sep, key = rest.rpartition(separator.lower())
        if not sep:
            section, key = DEFAULT_SECTION, rest
        if not section or not key:
            continue
        overrides.setdefault(section, {})[key] = value
    return overrides
