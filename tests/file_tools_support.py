"""A sandbox with the files SWE-agent's file-tool tests open and edit: a 250-line text file and a small module."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig

LONG = "".join(f"line {i}\n" for i in range(1, 251))
CODE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"


@contextlib.contextmanager
def file_tools_sandbox(image: str, extra: dict[str, str] | None = None) -> Iterator[DockerSandbox]:
    """/testbed/long.txt and /testbed/pkg/calc.py (and `extra` files), the shell in /testbed."""
    with DockerSandbox(DockerSandboxConfig(image=image)) as sb:
        for path, text in {"/testbed/long.txt": LONG, "/testbed/pkg/calc.py": CODE, **(extra or {})}.items():
            sb.write_file(path, text)
        assert sb.run("cd /testbed").exit_code == 0
        yield sb
