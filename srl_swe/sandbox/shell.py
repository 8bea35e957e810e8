"""One long-lived bash per container, spoken to over the Docker exec socket.

Each command is sent as text framed by a random token; the shell reads it with builtins only
(no fork), evals it with stdin closed, then prints `TOKEN:<exit code>:<cwd>`. A command thus
costs one write and a few reads on an open socket, instead of a new `docker exec`."""

from __future__ import annotations

import os
import select
import shlex
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


# What a fresh shell inherits from the process it replaces: umask, open descriptors, exported
# variables, niceness and signal masks (/proc/PID/stat fields 19-20, 31-34), resource limits.
# Builtins only, reading the shell itself; every variable it sets is unset again.
STATE_PROBE = r"""umask; echo /proc/$$/fd/*; export -p
read -r -a __srl_s </proc/$$/stat; echo "${__srl_s[@]:18:2} ${__srl_s[@]:30:4}"
mapfile -t __srl_s </proc/$$/limits; printf '%s\n' "${__srl_s[@]}"; unset __srl_s"""

# Kills every process but the kept pids (pid 1 and the container's command) and this shell.
# Stopped before killed, round after round, so a forking or double-forked daemon cannot outrun
# it; rounds go on until nothing is left or `wait_us` has passed, since a SIGKILLed process is
# listed until its exit finishes, which takes a while for one holding much memory or on a loaded
# host (counted as a survivor, it would cost a fresh container). Then /dev/shm (a tmpfs, outside
# the image's layers) is emptied. Runs in the shell itself (no subshell: a fork costs more than
# the rest) and unsets what it set. Prints how many remain (zombies are not counted: init reaps them).
_KILL_OTHERS = r"""__srl_keep=" 1 {keep} $$ "
__srl_end=$(( ${{EPOCHREALTIME/./}} + {wait_us} ))
while :; do
  __srl_pids=()
  for __srl_p in /proc/[0-9]*; do
    __srl_p=${{__srl_p#/proc/}}
    [[ $__srl_keep == *" $__srl_p "* ]] && continue
    read -r __srl_st <"/proc/$__srl_p/stat" 2>/dev/null || continue
    __srl_st=${{__srl_st##*) }}  # the state follows the name, which may hold spaces and parens
    [[ ${{__srl_st:0:1}} == Z ]] || __srl_pids+=("$__srl_p")
  done
  [ ${{#__srl_pids[@]}} -eq 0 ] && break
  [ ${{EPOCHREALTIME/./}} -ge $__srl_end ] && break
  kill -STOP "${{__srl_pids[@]}}" 2>/dev/null; kill -KILL "${{__srl_pids[@]}}" 2>/dev/null
  sleep 0.005
done
for __srl_p in /dev/shm/* /dev/shm/.[!.]*; do [ -e "$__srl_p" ] && rm -rf -- "$__srl_p"; done
echo "left:${{#__srl_pids[@]}}"; unset __srl_keep __srl_end __srl_pids __srl_p __srl_st"""


def _raw_socket(stream):
    """What to write to, select on and read from: the exec's socket, or, over `DOCKER_HOST=ssh://`
    (docker-py's ssh client transport), the pipes of the ssh process that carries the stream."""
    raw = getattr(stream, "_sock", stream)
    return _SSHPipes(raw) if getattr(raw, "proc", None) is not None else raw


class _SSHPipes:
    """docker-py's SSHSocket is a socket object in name only: its bytes go through `ssh`'s stdin
    and stdout, so select() needs stdout's descriptor, and a read must return what has arrived
    (its own recv(n) blocks until n bytes). Nothing is left in stdout's buffer when the exec
    starts: the shell prints only in answer to a command."""

    def __init__(self, ssh_socket):
        self._ssh = ssh_socket
        self._out = ssh_socket.proc.stdout.fileno()

    def fileno(self) -> int:
        return self._out

    def sendall(self, data: bytes) -> None:
        self._ssh.sendall(data)

    def recv(self, size: int) -> bytes:
        return os.read(self._out, size)

    def close(self) -> None:
        self._ssh.close()


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
        self._sock = _raw_socket(self._stream)
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

    def replace(self, env: dict[str, str], cwd: str, umask: str) -> None:
        """Turn this shell into a fresh one in place: undo what `exec` would carry over (traps,
        umask, extra descriptors), then exec a new bash with exactly `env`. Same pid and socket,
        so no `docker exec` (tens of ms); the caller checks the result against STATE_PROBE."""
        assigns = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
        line = (
            f"trap - {' '.join(str(n) for n in range(1, 65))} 2>/dev/null; umask {umask}; "
            f"cd -- {shlex.quote(cwd)} 2>/dev/null || cd /; "
            'for __srl_fd in /proc/$$/fd/*; do __srl_fd=${__srl_fd##*/}; '
            '[ "$__srl_fd" -gt 2 ] 2>/dev/null && eval "exec $__srl_fd>&-"; done 2>/dev/null; '
            f"exec /usr/bin/env -i {assigns} bash --noprofile --norc\n"
        )
        # Sent bare, not through execute(): inside its eval the exec would inherit stdin=/dev/null.
        # bash reads a socket a byte at a time, so what follows is left for the new shell.
        self._sock.sendall(line.encode("utf-8", "surrogateescape"))

    def pipe(self, command: str, payload: bytes, timeout: float = 60) -> str:
        """Run `command` with `payload` on its stdin, straight from the socket: the line is sent bare
        and `head -c` takes exactly the payload's bytes, with no base64 through bash's byte-at-a-time
        `read` (~10 us a byte). Returns the output; OSError if it does not finish in time."""
        token = "__SRL_" + uuid.uuid4().hex
        line = f"head -c {len(payload)} | {{ {command}; }} 2>&1; printf '{token}:%s:%s\\n' \"$?\" \"$PWD\"\n"
        self._sock.sendall(line.encode() + payload)
        collector = OutputCollector(token.encode(), 100_000)
        status = self._read_until(collector, time.monotonic() + timeout)
        if status != "done":
            raise OSError(f"the shell did not answer ({status})")
        end, exit_code, _ = collector.found
        text = collector.output(end)[0].decode("utf-8", "replace")
        if exit_code != 0:
            raise OSError(f"{command.split()[0]} exited with {exit_code}: {text.strip()[:300]}")
        return text

    def kill_others(self, keep: list[int], wait: float = 10, timeout: float = 30) -> int:
        """Kill every process in the container except `keep`, this shell and pid 1; how many
        remain after `wait` seconds of sweeping."""
        script = _KILL_OTHERS.format(keep=" ".join(map(str, keep)), wait_us=int(wait * 1e6))
        reply = self.execute(script, timeout)
        if reply.status != "done":
            raise OSError(f"the process sweep did not finish ({reply.status})")
        text = reply.collector.output(reply.collector.found[0])[0].decode()
        return int(text.rsplit("left:", 1)[1].split()[0])

    def text(self, command: str, timeout: float = 30) -> str:
        """Output of a short internal command; OSError if it does not answer in time."""
        reply = self.execute(command, timeout)
        if reply.status != "done":
            raise OSError(f"the shell did not answer ({reply.status})")
        return reply.collector.output(reply.collector.found[0])[0].decode("utf-8", "surrogateescape")

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
