"""A task's wheelhouse: every wheel its image installs offline, resolved on the host.

Containers have no network, so pip runs here: `pip download` resolves the spec's requirements
(the repo itself included, as '.[test]') and, in a second pass, the installer and the repo's build
backends, which the offline editable install needs because it builds with isolation. A local
directory is never copied by `pip download`, so the project's own wheel is never built; a copy of
the project that a requirement pulls from the index is removed (the image installs the repo
editable from the workdir). Source distributions are built into wheels here, with the host's
interpreter when it is the image's Python (major.minor); otherwise pip only takes wheels made for
the image's Python and platform, and a dependency without one is an error that names it.

Wheelhouses are cached under `<cache>/wheelhouse/<key>`, the key a hash of the requirements, the
repo's dependency-declaring files and the image's Python; each is built in a temporary sibling
and renamed into place, so a reader sees a complete wheelhouse or none.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import docker.errors

from srl_swe.atomic import replacing_dir
from srl_swe.errors import SandboxError, TaskCheckFailed
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.images import ensure_base
from srl_swe.sandbox.lifecycle import labels
from srl_swe.tasks.install import backend_requires, build_requires, normalize, project_name, requirement_args
from srl_swe.tasks.spec import TaskSpec

WHEELHOUSE_VERSION = "1"  # bump when what goes into a wheelhouse changes meaning
INSTALLER = ["pip", "setuptools", "wheel"]
DEPENDENCY_FILES = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements*.txt",
    "requirements/*.txt",
    "requirements/*.in",
)
MANIFEST = "wheelhouse.json"
SDISTS = (".tar.gz", ".zip", ".tar.bz2", ".tgz")
PIP_TIMEOUT = 1800.0
HINT = ("Pin a version that exists with --requirement 'NAME==VERSION', or pass --install CMD to install "
        "the repo your own way")
Log = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """The interpreter a wheelhouse is for: the task image's python3."""

    python: str  # major.minor, e.g. "3.11"
    machine: str  # e.g. "x86_64"
    glibc: str  # e.g. "2.36"; "" where the libc is not glibc


def cache_root() -> Path:
    """$SRL_SWE_CACHE, else $XDG_CACHE_HOME/srl-swe, else ~/.cache/srl-swe."""
    if os.environ.get("SRL_SWE_CACHE"):
        return Path(os.environ["SRL_SWE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "srl-swe"


@functools.cache
def image_target(image: str) -> Target:
    """The Python, machine and glibc of `image`, asked once per image from a throwaway container."""
    probe = (
        "import json, platform, sys; print(json.dumps([f'{sys.version_info[0]}.{sys.version_info[1]}', "
        "platform.machine(), platform.libc_ver()[1]]))"
    )
    try:
        out = docker_client().containers.run(image, ["python3", "-c", probe], remove=True, network_disabled=True,
                                             labels=labels())
    except docker.errors.DockerException as exc:
        raise SandboxError(
            f"Cannot ask {image} for its Python version: {exc}. Rebuild it with 'srl-swe images build-base'."
        ) from exc
    python, machine, glibc = json.loads(out.decode().strip().splitlines()[-1])
    return Target(python, machine, glibc)


def host_target() -> Target:
    return Target(f"{sys.version_info[0]}.{sys.version_info[1]}", platform.machine(), platform.libc_ver()[1])


def wheelhouse_key(requirements: Iterable[str], repo_dir: Path, target: Target) -> str:
    """A hash of what decides a wheelhouse's contents: the requirements (in order), the repo's
    dependency-declaring files (names and bytes) and the target interpreter."""
    h = hashlib.sha256()
    for part in (
        WHEELHOUSE_VERSION,
        json.dumps(asdict(target), sort_keys=True),
        "requirements",
        *requirements,
        "files",
    ):
        h.update(part.encode())
        h.update(b"\0")
    for path in dependency_files(repo_dir):
        h.update(path.relative_to(repo_dir).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


def dependency_files(repo_dir: Path) -> list[Path]:
    return sorted({path for pattern in DEPENDENCY_FILES for path in repo_dir.glob(pattern) if path.is_file()})


def ensure_wheelhouse(spec: TaskSpec, repo_dir: Path, log: Log, target: Target | None = None) -> Path:
    """The folder of wheels that installs `spec.requirements` (plus pip, setuptools, wheel and the
    repo's build backends) offline on `target` (default: the base image's Python), resolved
    from the repo checked out at `repo_dir`; from the cache when it is there."""
    target = target or image_target(ensure_base(log=log))
    key = wheelhouse_key(spec.requirements, repo_dir, target)
    final = cache_root() / "wheelhouse" / key
    if (final / MANIFEST).is_file():
        log(f"wheelhouse {key} is cached")
        return final
    # a concurrent builder that got there first wins
    with replacing_dir(final, prefix=f".{key}-", keep_theirs=lambda p: (p / MANIFEST).is_file()) as staging:
        wheels = _resolve(spec.requirements, repo_dir, staging, target, log)
        (staging / MANIFEST).write_text(
            json.dumps(
                {"key": key, "target": asdict(target), "requirements": spec.requirements, "wheels": wheels}, indent=2
            )
            + "\n"
        )
    log(f"wheelhouse {key}: {len(wheels)} wheels for Python {target.python}")
    return final


def _resolve(requirements: list[str], repo_dir: Path, dest: Path, target: Target, log: Log) -> list[str]:
    """Fill `dest` with wheels; the names of the wheels it holds."""
    tools = INSTALLER + build_requires(repo_dir)
    log(f"resolving the installer and build backends for Python {target.python}: {', '.join(tools)}")
    _download(tools, repo_dir, dest, target)
    _add_backend_requires(repo_dir, dest, target, log)
    before = set(os.listdir(dest))
    if requirements:
        log(f"resolving {', '.join(requirements)} for Python {target.python} (pip download, on the host)")
        _download(requirements, repo_dir, dest, target)
    _drop_project_copies(repo_dir, dest, set(os.listdir(dest)) - before, log)
    _build_sdists(dest, log)
    return sorted(name for name in os.listdir(dest) if name.endswith(".whl"))


def _add_backend_requires(repo_dir: Path, dest: Path, target: Target, log: Log) -> None:
    """Add what the backend asks for when it builds (hatchling's `editables`, a setup.py's
    setup_requires): pip asks it inside the container's isolated build, where no index answers."""
    if not build_requires(repo_dir):
        return
    with tempfile.TemporaryDirectory(prefix="srl-swe-backend-") as backend_dir:
        _pip(["install", "-q", "--no-index", "--find-links", str(dest), "--target", backend_dir,
              *requirement_args(build_requires(repo_dir))], repo_dir)
        extra = backend_requires(repo_dir, Path(backend_dir))
    if extra:
        log(f"the build backend also asks for: {', '.join(extra)}")
        _download(extra, repo_dir, dest, target)


def _download(requirements: list[str], repo_dir: Path, dest: Path, target: Target) -> None:
    """`pip download` into `dest`, run in the repo so that '.' and '-r FILE' are the repo's."""
    options = _target_options(target)
    hint = (
        HINT
        if not options
        else (
            f"Only wheels serve Python {target.python} from this host (Python {host_target().python}), and pip found "
            "none: "
            "pin a version that ships one with --requirement 'NAME==VERSION', or resolve on a host with Python "
            f"{target.python}"
        )
    )
    _pip(["download", "-d", str(dest), *options, *requirement_args(requirements)], repo_dir, hint)


def _target_options(target: Target) -> list[str]:
    """Nothing when the host's interpreter is the image's; otherwise wheels for the image only."""
    host = host_target()
    if (host.python, host.machine) == (target.python, target.machine):
        return []
    options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", target.python]
    return options + [option for platform_tag in _platforms(target) for option in ("--platform", platform_tag)]


def _platforms(target: Target) -> list[str]:
    """The manylinux tags the image's glibc runs, newest first (pip 23 does not expand
    manylinux_2_X itself)."""
    arch = target.machine
    if not re.fullmatch(r"2\.\d+", target.glibc):
        return [f"manylinux2014_{arch}"]
    newest = int(target.glibc.split(".")[1])
    return [f"manylinux_2_{minor}_{arch}" for minor in range(newest, 16, -1)] + [
        f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]


def _drop_project_copies(repo_dir: Path, dest: Path, added: set[str], log: Log) -> None:
    """Remove the project's own distribution where a requirement pulled it from the index (the
    image installs the repo from the workdir). Copies the build backends need stay."""
    name = project_name(repo_dir)
    for file in sorted(added):
        if name and normalize(re.split(r"-\d", file, maxsplit=1)[0]) == name:
            log(f"dropping {file}: the repo itself is installed from the workdir")
            (dest / file).unlink()


def _build_sdists(dest: Path, log: Log) -> None:
    """Build the source distributions pip downloaded into wheels, then drop the sources."""
    sdists = sorted(dest / name for name in os.listdir(dest) if name.endswith(SDISTS))
    if not sdists:
        return
    log(f"building {len(sdists)} source distribution(s) into wheels: {', '.join(p.name for p in sdists)}")
    _pip(["wheel", "--no-deps", "-w", str(dest), *map(str, sdists)], dest)
    for sdist in sdists:
        sdist.unlink()


def _pip(args: list[str], cwd: Path, hint: str = HINT) -> None:
    """Run the host's pip; a failure is an install_error that names what pip could not find."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    try:
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise TaskCheckFailed("install_error", f"pip {args[0]} did not finish within {PIP_TIMEOUT:g} s",
                              "Check the host's network and index settings ('pip config list')") from None
    if proc.returncode != 0:
        raise TaskCheckFailed("install_error", pip_failure(proc.stdout + proc.stderr), hint)


def pip_failure(output: str) -> str:
    """One line from pip's output that says what failed: the requirement nothing satisfies, the
    conflict, or the last error line."""
    missing = re.findall(r"No matching distribution found for (.+)", output)
    if missing:
        versions = re.search(
            r"Could not find a version that satisfies the requirement \S+ \(from versions: ([^)]*)\)", output
        )
        known = versions.group(1).split(", ") if versions and versions.group(1) != "none" else []
        seen = f" (available: {', '.join(known[-5:])})" if known else " (none for this Python and platform)"
        return f"pip found no distribution for {missing[-1].strip()}{seen}"
    causes = re.search(r"The conflict is caused by:\n((?:[ \t]+\S.*\n?)+)", output)
    if causes:
        lines = [line.strip().removeprefix("The user requested ") for line in causes.group(1).splitlines()]
        return f"pip found conflicting requirements: {'; '.join(lines[:3])}"
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("ERROR:")]
    lines = errors or [line.strip() for line in output.splitlines() if line.strip()]
    return (lines[-1] if lines else "pip failed with no output")[:400]
