"""One long-lived bash per container, spoken to over the Docker exec socket.

Each command is sent as text framed by a random token; the shell reads it with builtins only
(no fork), evals it with stdin closed, then prints `TOKEN:<exit code>:<cwd>`. A command thus
costs one write and a few reads on an open socket, instead of a new `docker exec`."""

from __future__ import annotations

import select
import struct
import time
import uuid

from srl_swe.sandbox.output import OutputCollector

_HEADER = struct.Struct(">BxxxL")

# Kills every descendant of a pid, collected before any is killed so none is reparented away.
_KILL_TREE = r"""
tree() { local c; for c in $(cat /proc/$1/task/*/children 2>/dev/null); do echo $c; tree $c; done; }
pids=$(tree "$1"); [ -n "$2" ] && pids="$pids $1"
[ -n "$pids" ] && kill -STOP $pids 2>/dev/null; [ -n "$pids" ] && kill -KILL $pids 2>/dev/null; true
"""


class ShellSession:
    """A bash process inside a running container, reached through a raw exec socket."""

    def __init__(self, api, container_id: str, user: str, workdir: str, env: dict[str, str]):
        self._api = api
        self._container_id = container_id
        self._user = user
        self._exec_id = api.exec_create(
            container_id,
            ["bash", "--noprofile", "--norc"],
            stdin=True,
            stdout=True,
            stderr=True,
            tty=False,
            user=user,
            workdir=workdir,
            environment=env,
        )["Id"]
        self._stream = api.exec_start(self._exec_id, socket=True)
        self._sock = self._stream._sock
        self._pending = bytearray()
        reply = self.execute("echo $$", timeout=30)
        if reply.status != "done":
            raise OSError(f"the shell did not start ({reply.status})")
        self.pid = int(reply.collector.output(reply.collector.found[0])[0].strip())

    def execute(self, command: str, timeout: float, limit: int = 100_000) -> ShellReply:
        token = "__SRL_" + uuid.uuid4().hex
        script = (
            f'__srl_c=; while IFS= read -r __srl_l; do [ "$__srl_l" = {token} ] && break; '
            f"__srl_c+=\"$__srl_l\"$'\\n'; done\n"
            f"{command}\n{token}\n"
            f'{{ eval "$__srl_c"; }} </dev/null 2>&1; printf \'{token}:%s:%s\\n\' "$?" "$PWD"\n'
        )
        self._sock.sendall(script.encode("utf-8", "surrogateescape"))
        collector = OutputCollector(token.encode(), limit)
        status = self._read_until(collector, time.monotonic() + timeout)
        return ShellReply(collector, status)

    def wait_sentinel(self, collector: OutputCollector, seconds: float) -> str:
        return self._read_until(collector, time.monotonic() + seconds)

    def _read_until(self, collector: OutputCollector, deadline: float) -> str:
        """'done' when the sentinel came, 'timeout' at the deadline, 'eof' when the shell exited."""
        if self._drain(collector):
            return "done"
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, _, _ = select.select([self._sock], [], [], remaining)
            if not ready:
                return "timeout"
            try:
                chunk = self._sock.recv(262_144)
            except (OSError, ConnectionResetError):
                return "eof"
            if not chunk:
                return "eof"
            self._pending += chunk
            if self._drain(collector):
                return "done"

    def _drain(self, collector: OutputCollector) -> bool:
        """Strip Docker's 8-byte stream headers from what has arrived; feed the payloads."""
        buf = self._pending
        pos = 0
        done = False
        while len(buf) - pos >= _HEADER.size:
            _, size = _HEADER.unpack_from(buf, pos)
            if len(buf) - pos - _HEADER.size < size:
                break
            start = pos + _HEADER.size
            done = collector.feed(bytes(buf[start : start + size])) or done
            pos = start + size
        del buf[:pos]
        return done

    def kill_children(self, include_shell: bool = False) -> None:
        """Kill the running command's whole process tree (and the shell itself if asked)."""
        exec_id = self._api.exec_create(
            self._container_id, ["bash", "-c", _KILL_TREE, "kill-tree", str(self.pid), "1" if include_shell else ""],
            user=self._user,
        )["Id"]
        self._api.exec_start(exec_id)

    def exit_code(self) -> int | None:
        return self._api.exec_inspect(self._exec_id).get("ExitCode")

    def close(self) -> None:
        for closable in (self._stream, self._sock):
            try:
                closable.close()
            except OSError:
                pass


class ShellReply:
    def __init__(self, collector: OutputCollector, status: str):
        self.collector = collector
        self.status = status
