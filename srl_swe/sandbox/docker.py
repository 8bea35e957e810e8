"""DockerSandbox: a container with one persistent shell, isolated by default."""

from __future__ import annotations

import io
import posixpath
import shlex
import tarfile
import time
from dataclasses import dataclass

import docker.errors

from srl_swe.errors import ImageMissing, SandboxDied, SandboxError
from srl_swe.sandbox import lifecycle
from srl_swe.sandbox.changes import OverlayLayers, engine_changes
from srl_swe.sandbox.config import DockerSandboxConfig, ExecResult
from srl_swe.sandbox.engine import docker_client, image_exists
from srl_swe.sandbox.restore import Plan, engine_plan, overlay_plan, restore_tar
from srl_swe.sandbox.shell import STATE_PROBE, ShellSession

_SHELL_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "TERM": "dumb", "PIP_PROGRESS_BAR": "off"}
_GRACE = 3.0  # seconds to wait for a killed command's sentinel before restarting the shell


@dataclass
class ResetStats:
    """What reset() did, so that a fresh container in place of a warm reset is never silent."""

    warm: int = 0  # resets done in the same container
    fresh_fallbacks: int = 0  # resets that replaced the container with a fresh one
    last_fallback: str = ""  # why the last fresh container was needed
    shell_restarts: int = 0  # warm resets whose shell could not be renewed in place (a new exec)
    paths_deleted: int = 0
    paths_restored: int = 0


class DockerSandbox:
    """Start with `DockerSandbox(config)` or `with DockerSandbox(config) as sb:`; always `close()`."""

    def __init__(self, config: DockerSandboxConfig):
        self.config = config
        self.workdir = config.workdir
        self.stats = ResetStats()
        self._client = docker_client()
        self._container = None
        self._shell: ShellSession | None = None
        self._cwd = config.workdir
        # Checked first: docker-py's run() would otherwise try a registry pull of a missing image.
        if not image_exists(config.image):
            raise ImageMissing(config.image)
        self._start()

    def _start(self) -> None:
        self._cwd = self.workdir
        self._container = self._client.containers.run(self.config.image, **self._run_options())
        lifecycle.track(self)
        try:
            self._shell = self._start_shell(self.workdir)
            self.base_commit = self._read_base_commit()
            self._record_fresh_state()
        except BaseException:
            self.close()
            raise

    def _record_fresh_state(self) -> None:
        """What reset() goes back to: the first shell's environment and inherited state, the
        processes of a fresh container, and its filesystem changes (the shell's startup ones)."""
        shell = self._shell
        environ = shell.text("cat /proc/$$/environ")
        self._fresh_env = dict(item.split("=", 1) for item in environ.split("\0") if "=" in item)
        self._fresh_probe = shell.text(STATE_PROBE)
        self._umask = self._fresh_probe.split("\n", 1)[0]
        pids = shell.text("for p in /proc/[0-9]*; do echo ${p#/proc/}; done; unset p").split()
        self._keep_pids = [int(p) for p in pids if int(p) != shell.pid]
        uid, gid = shell.text("echo $UID ${GROUPS[0]}").split()
        self._agent_ids = (int(uid), int(gid))
        self._layers = None
        if self.config.reset_changes == "auto":
            self._layers = OverlayLayers.of(self._client, self._container.id)
        if self._layers is not None:
            self._clean = self._layers.walk()
        else:
            self._fresh_diff = engine_changes(self._client, self._container.id)

    @property
    def changes_source(self) -> str:
        """"overlay" when reset reads the container's layers on the host, else "engine"."""
        return "overlay" if self._layers is not None else "engine"

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
        return ShellSession(
            self._client.api, self._container.id, self.config.user, cwd, {**_SHELL_ENV, **self.config.env}
        )

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
        """Back to the state of a fresh container from the same image, in this warm one when
        that is cheaper: every other process killed, a fresh shell in the workdir with the image's
        environment, and every path the episode added, changed or deleted (the repo included)
        deleted or copied back from the image. Where that cannot be done, or would cost more than
        a new container, the container is replaced by a fresh one and `stats.fresh_fallbacks` counts it."""
        if self._container is None:
            raise SandboxError("This sandbox is closed; start a new one.")
        try:
            reason = self._reset_in_place()
        except (OSError, docker.errors.APIError, SandboxError) as exc:
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        if reason:
            self._fresh_container(reason)
        else:
            self.stats.warm += 1

    def _reset_in_place(self) -> str:
        """'' when done; otherwise why a fresh container is needed."""
        renewed = self._renew_shell()
        left = self._shell.kill_others(self._keep_pids)
        if left:
            return f"{left} process(es) survived being killed"
        if self._layers is not None:
            plan = overlay_plan(self._layers, self._clean, self._layers.walk(), self._agent_ids)
        else:
            plan = self._engine_plan()
        if plan.fallback:
            return plan.fallback
        self._apply(plan)
        if self._layers is None and self.base_commit:
            self._reset_repo_with_git()
        if self._layers is not None:
            self._clean = self._layers.walk()
        if not renewed:
            self.stats.shell_restarts += 1
            self._cwd = self.workdir
            self._restart_shell(kill=True)
        self._cwd = self.workdir
        return ""

    def _renew_shell(self) -> bool:
        """A fresh bash in place of the agent's (same process, no `docker exec`); True when its
        state matches the first shell's. Otherwise a new exec in `/` does the sweep, and a new
        one in the workdir follows once the filesystem is back (the workdir may be gone till then)."""
        try:
            self._shell.replace(self._fresh_env, self.workdir, self._umask)
            if self._shell.text(STATE_PROBE, timeout=5) == self._fresh_probe:
                return True
        except OSError:
            pass  # the agent's shell is wedged or gone: the new exec below replaces it
        self._cwd = "/"
        self._restart_shell(kill=True)
        return False

    def _engine_plan(self) -> Plan:
        return engine_plan(self._fresh_diff, engine_changes(self._client, self._container.id), self.workdir)

    def _apply(self, plan: Plan) -> None:
        if plan.delete:
            self._delete(plan.delete)
        if plan.as_agent:
            self._unpack_as_agent(restore_tar(plan.as_agent))
        if plan.restore:
            # Unpacked at "/" by the engine, as root and with the archive's owners, modes and times.
            self._client.api.put_archive(self._container.id, "/", restore_tar(plan.restore))
        self.stats.paths_deleted += len(plan.delete)
        self.stats.paths_restored += len(plan.restore) + len(plan.as_agent)

    def _unpack_as_agent(self, archive: bytes) -> None:
        """The agent's own files back through its shell: a few ms, where the engine's archive call
        costs ~0.1 s. tar keeps the modes and nanosecond mtimes; the owner is the agent's anyway."""
        self._shell.pipe("tar -xpf - -C /", archive)

    def _delete(self, paths: list[str]) -> None:
        """Delete as the agent (who owns nearly all it added; root here has no capabilities to
        override ownership), then what is left as root; SandboxError if anything survives."""
        left = self._existing_after_rm(paths)
        if left:
            exec_id = self._client.api.exec_create(self._container.id, ["rm", "-rf", "--", *left], user="root")["Id"]
            self._client.api.exec_start(exec_id)
            left = self._existing_after_rm(left)
        if left:
            raise SandboxError(f"cannot delete {left[0]} (and {len(left) - 1} more)")

    def _existing_after_rm(self, paths: list[str]) -> list[str]:
        quoted = " ".join(shlex.quote(p) for p in paths)
        out = self._shell.text(f"rm -rf -- {quoted} 2>/dev/null; for __srl_p in {quoted}; do "
                               f'if [ -e "$__srl_p" ] || [ -L "$__srl_p" ]; then printf "%s\\0" "$__srl_p"; fi; '
                               "done; unset __srl_p")
        return [p for p in out.split("\0") if p]

    def _reset_repo_with_git(self) -> None:
        """Engine mode only (no copy of the image's files): tracked edits undone, untracked and
        ignored files removed except the setup outputs listed in .git/info/exclude."""
        wd = shlex.quote(self.workdir)
        keep = "$(grep -v '^#' .git/info/exclude 2>/dev/null | sed '/^$/d; s/^/-e /')"
        command = f"(cd {wd} && git reset -q --hard {self.base_commit} && git clean -qfdx {keep}) 2>&1"
        out = self._shell.execute(command + "; echo \"rc:$?\"", 120)
        text = out.collector.output(out.collector.found[0])[0].decode() if out.status == "done" else ""
        if not text.rstrip().endswith("rc:0"):
            raise SandboxError(f"reset failed in {self.workdir}: {text.strip()[:500]}")

    def _fresh_container(self, reason: str) -> None:
        self.stats.fresh_fallbacks += 1
        self.stats.last_fallback = reason
        base_commit = self.base_commit
        self.close()
        self._start()
        self.base_commit = self.base_commit or base_commit
