"""The Sandbox protocol: what env, tools and tasks need from an execution backend."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from srl_swe.sandbox.config import ExecResult


@runtime_checkable
class Sandbox(Protocol):
    workdir: str

    def run(self, command: str, timeout: float | None = None) -> ExecResult: ...

    def read_file(self, path: str) -> bytes: ...

    def write_file(self, path: str, data: bytes | str) -> None: ...

    def diff(self) -> str: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...
