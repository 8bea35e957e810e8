"""DockerSandbox: a container with one persistent shell, isolated by default."""

from __future__ import annotations

import io
import posixpath
import shlex
import tarfile
import time

import docker.errors

from srl_swe.errors import ImageMissing, SandboxDied, SandboxError
from srl_swe.sandbox import lifecycle
from srl_swe.sandbox.config import DockerSandboxConfig, ExecResult
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.shell import ShellSession

_SHELL_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "TERM": "dumb", "PIP_PROGRESS_BAR": "off"}
_GRACE = 3.0  # seconds to wait for a killed command's sentinel before restarting the shell


class DockerSandbox:
    """Start with `DockerSandbox(config)` or `with DockerSandbox(config) as sb:`; always `close()`."""

    def __init__(self, config: DockerSandboxConfig):
        self.config = config
        self.workdir = config.workdir
        self._client = docker_client()
        self._container = None
        self._shell: ShellSession | None = None
        self._cwd = config.workdir
        # Checked first: docker-py's run() would otherwise try a registry pull of a missing image.
        if not image_exists(config.image):
            raise ImageMissing(config.image)
        self._container = self._client.containers.run(config.image, **self._run_options())
        lifecycle.track(self)
        try:
            self._shell = self._start_shell(self.workdir)
            self.base_commit = self._read_base_commit()
        except BaseException:
            self.close()
            raise

    # -- lifecycle ----------------------------------------------------------------------------
    def _run_options(self) -> dict:
        cfg = self.config
        return dict(
            command=["sleep", "infinity"],
            detach=True,
            init=True,
            user=cfg.user,
            working_dir=cfg.workdir,
            network_mode="bridge" if cfg.network else "none",
            mem_limit=cfg.memory,
            memswap_limit=cfg.memory,
            nano_cpus=int(cfg.cpus * 1e9),
            pids_limit=cfg.pids_limit,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            labels=lifecycle.labels(cfg.run_id),
            environment={**_SHELL_ENV, **cfg.env},
        )

    @property
    def container_id(self) -> str:
        return self._container.id if self._container else ""

    def _start_shell(self, cwd: str) -> ShellSession:
        return ShellSession(self._client.api, self._container.id, self.config.user, cwd, {**_SHELL_ENV, **self.config.env})

    def _read_base_commit(self) -> str | None:
        result = self.run(f"git -C {shlex.quote(self.workdir)} rev-parse HEAD 2>/dev/null", timeout=30)
        return result.output.strip() if result.exit_code == 0 else None

    def close(self) -> None:
        """Remove the container. Safe to call twice."""
        lifecycle.untrack(self)
        if self._shell is not None:
            self._shell.close()
            self._shell = None
        if self._container is not None:
            container, self._container = self._container, None
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def is_alive(self) -> bool:
        if self._container is None:
            return False
        try:
            self._container.reload()
        except docker.errors.NotFound:
            return False
        return self._container.status == "running"

    # -- commands ------------------------------------------------------------------------------
    def run(self, command: str, timeout: float | None = None) -> ExecResult:
        """Run `command` in the persistent shell. On timeout the command's process tree is killed
        and the session stays usable; if the shell itself must go, a new one starts in the same cwd."""
        if self._shell is None:
            raise SandboxError("This sandbox is closed; start a new one.")
        timeout = self.config.default_timeout if timeout is None else timeout
        start = time.monotonic()
        try:
            reply = self._shell.execute(command, timeout, self.config.output_limit)
        except OSError as exc:
            return self._after_shell_exit(None, start, f"socket error: {exc}")
        if reply.status == "done":
            return self._result(reply.collector, start)
        if reply.status == "eof":
            return self._after_shell_exit(reply.collector, start, "shell exited")
        return self._after_timeout(reply.collector, start)

    def _result(self, collector, start: float, timed_out: bool = False, restarted: bool = False) -> ExecResult:
        end, exit_code, cwd = collector.found
        self._cwd = cwd or self._cwd
        data, truncated = collector.output(end)
        return ExecResult(
            output=data.decode("utf-8", "replace"),
            exit_code=exit_code,
            timed_out=timed_out,
            truncated=truncated,
            restarted=restarted,
            duration=time.monotonic() - start,
        )

    def _after_timeout(self, collector, start: float) -> ExecResult:
        self._ensure_alive()
        self._shell.kill_children()
        if self._shell.wait_sentinel(collector, _GRACE) == "done":
            return self._result(collector, start, timed_out=True)
        self._restart_shell(kill=True)
        data, truncated = collector.output()
        return ExecResult(
            output=data.decode("utf-8", "replace") + "\n[the shell had to be restarted; cwd kept, variables lost]",
            exit_code=137, timed_out=True, truncated=truncated, restarted=True, duration=time.monotonic() - start,
        )

    def _after_shell_exit(self, collector, start: float, why: str) -> ExecResult:
        self._ensure_alive(why)
        exit_code = self._shell.exit_code()
        self._restart_shell(kill=False)
        data, truncated = collector.output() if collector else (b"", False)
        return ExecResult(
            output=data.decode("utf-8", "replace") + "\n[the shell exited and was restarted; cwd kept, variables lost]",
            exit_code=exit_code if exit_code is not None else -1,
            truncated=truncated, restarted=True, duration=time.monotonic() - start,
        )

    def _restart_shell(self, kill: bool) -> None:
        old = self._shell
        if kill:
            old.kill_children(include_shell=True)
        old.close()
        self._shell = self._start_shell(self._cwd)

    def _ensure_alive(self, detail: str = "") -> None:
        if not self.is_alive():
            cid = self._container.short_id if self._container else "?"
            raise SandboxDied(cid, detail)

    # -- files ---------------------------------------------------------------------------------
    def _abs(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self._cwd, path))

    def read_file(self, path: str) -> bytes:
        """Bytes of a file inside the container; FileNotFoundError if it is not there."""
        path = self._abs(path)
        try:
            stream, _ = self._container.get_archive(path)
        except docker.errors.NotFound as exc:
            raise FileNotFoundError(path) from exc
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise IsADirectoryError(path)
            return tar.extractfile(member).read()

    def write_file(self, path: str, data: bytes | str) -> None:
        """Write bytes (or UTF-8 text) to a path inside the container, creating parent folders,
        owned by the sandbox user."""
        path = self._abs(path)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        parent, name = posixpath.split(path)
        made = self.run(f"mkdir -p {shlex.quote(parent)} && id -u && id -g", timeout=30)
        if made.exit_code != 0:
            raise PermissionError(f"cannot create {parent}: {made.output.strip()}")
        uid, gid = (int(x) for x in made.output.split()[-2:])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid, info.mtime = len(payload), 0o644, uid, gid, int(time.time())
            tar.addfile(info, io.BytesIO(payload))
        self._container.put_archive(parent, buf.getvalue())

    # -- repository ------------------------------------------------------------------------------
    def _require_repo(self) -> str:
        if not self.base_commit:
            raise SandboxError(f"{self.workdir} is not a git repository in this image; diff and reset need one.")
        return self.base_commit

    def diff(self) -> str:
        """`git diff` of the work tree (new files included) against the base commit."""
        base = self._require_repo()
        wd = shlex.quote(self.workdir)
        tmp = "/tmp/.srl_swe_diff"
        result = self.run(f"(cd {wd} && git add -A && git diff --cached --binary {base} > {tmp})", timeout=120)
        if result.exit_code != 0:
            raise SandboxError(f"git diff failed in {self.workdir}: {result.output.strip()[:500]}")
        return self.read_file(tmp).decode("utf-8", "surrogateescape")

    def reset(self) -> None:
        """Back to the base commit in this warm container: tracked edits undone, untracked and
        ignored files removed (except the setup outputs listed in .git/info/exclude), the shell
        back in the workdir."""
        base = self._require_repo()
        wd = shlex.quote(self.workdir)
        # Paths in .git/info/exclude are the image's setup outputs (build artifacts): they stay.
        keep = "$(grep -v '^#' .git/info/exclude 2>/dev/null | sed '/^$/d; s/^/-e /')"
        result = self.run(f"cd {wd} && git reset -q --hard {base} && git clean -qfdx {keep}", timeout=120)
        if result.exit_code != 0:
            raise SandboxError(f"reset failed in {self.workdir}: {result.output.strip()[:500]}")
