"""The base image: built from docker/base with a configurable FROM, or, where no registry can be
reached, on a rootfs that debootstrap makes from this machine's own apt mirror. Tagged by a hash
of its inputs, so it is rebuilt only when they change."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker.errors

from srl_swe.errors import SandboxError
from srl_swe.paths import docker_dir
from srl_swe.sandbox.engine import docker_client, image_exists

BASE_REPO = "srl-swe/base"
ROOTFS_REPO = "srl-swe/rootfs"
DEFAULT_FROM = "debian:bookworm-slim"
DEFAULT_MIRROR = "http://deb.debian.org/debian"

Log = Callable[[str], None]


def recipe_dir() -> Path:
    path = docker_dir()
    if not (path / "base" / "Dockerfile").is_file():
        raise SandboxError(
            f"No image recipe at {path}/base/Dockerfile; run from a source checkout or set SRL_SWE_DOCKER_DIR."
        )
    return path


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:12]


def packages() -> list[str]:
    text = (recipe_dir() / "base" / "packages.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def host_suite() -> str:
    text = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    match = re.search(r"^VERSION_CODENAME=(\w+)", text, re.MULTILINE)
    return match.group(1) if match else "bookworm"


def host_mirror(suite: str) -> str:
    """The first apt source of this machine that serves `suite` (deb822 or one-line style)."""
    sources = (
        sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) if Path("/etc/apt/sources.list.d").is_dir() else []
    )
    for path in sources:
        for stanza in path.read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.+)$", stanza, re.MULTILINE))
            if suite in fields.get("Suites", "").split() and "deb" in fields.get("Types", "deb").split():
                return fields["URIs"].split()[0]
    listing = Path("/etc/apt/sources.list")
    if listing.exists():
        for line in listing.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == suite:
                return parts[1]
    return DEFAULT_MIRROR


def rootfs_tag(suite: str, mirror: str) -> str:
    return f"{ROOTFS_REPO}:{suite}-{_digest(suite, mirror, *packages())}"


def base_tag(from_image: str | None, offline: bool) -> str:
    recipe = (recipe_dir() / "base" / "Dockerfile").read_bytes()
    if offline:
        suite = host_suite()
        source = rootfs_tag(suite, host_mirror(suite))
    else:
        source = from_image or DEFAULT_FROM
    return f"{BASE_REPO}:{_digest(recipe, source)}"


def find_base() -> str | None:
    """The newest base image present for the current recipe, offline or online build."""
    for offline in (True, False):
        tag = base_tag(None, offline)
        if image_exists(tag):
            return tag
    return None


def ensure_base(log: Log = print) -> str:
    """The base image's tag, building it (offline fallback) only if it is missing."""
    return find_base() or build_base(log=log)


def build_base(
    from_image: str | None = None, offline: bool | None = None, force: bool = False, log: Log = print
) -> str:
    """Build the base image unless one with the same inputs exists. `offline=None`: try the
    registry first and fall back to debootstrap when the pull fails."""
    if offline is None:
        offline = not _can_pull(from_image or DEFAULT_FROM, log)
    tag = base_tag(from_image, offline)
    if image_exists(tag) and not force:
        log(f"base image {tag} is up to date")
        return tag
    source = ensure_rootfs(log) if offline else (from_image or DEFAULT_FROM)
    log(f"building {tag} FROM {source}")
    try:
        docker_client().images.build(
            path=str(recipe_dir() / "base"), tag=tag, buildargs={"BASE": source}, rm=True, forcerm=True,
            network_mode="none" if offline else None,
        )
    except docker.errors.BuildError as exc:
        tail = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)[-1500:]
        raise SandboxError(f"building {tag} failed: {exc.msg}\n{tail}") from exc
    docker_client().images.get(tag).tag(BASE_REPO, "latest")
    log(f"built {tag}")
    return tag


def _can_pull(image: str, log: Log) -> bool:
    if image_exists(image):
        return True
    try:
        docker_client().images.pull(image)
        return True
    except docker.errors.APIError as exc:
        log(f"cannot pull {image} ({str(exc).splitlines()[0][:120]}); building offline with debootstrap")
        return False


def ensure_rootfs(log: Log = print) -> str:
    """A minimal Debian rootfs image from this machine's apt mirror, made once per input hash."""
    suite = host_suite()
    mirror = host_mirror(suite)
    tag = rootfs_tag(suite, mirror)
    if image_exists(tag):
        return tag
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise SandboxError("The offline base image needs debootstrap run as root: 'apt-get install debootstrap' "
                           "and run again as root, or pass --from IMAGE where a registry is reachable.")
    with tempfile.TemporaryDirectory(prefix="srl-swe-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        log(f"debootstrap {suite} from {mirror} (about a minute)")
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(packages())}", suite, str(root), mirror])
        _run(["rm", "-rf", str(root / "var/cache/apt/archives"), str(root / "var/lib/apt/lists")])
        archive = Path(tmp) / "rootfs.tar"
        _run(["tar", "-C", str(root), "-cf", str(archive), "."])
        repo, version = tag.split(":")
        docker_client().api.import_image_from_file(str(archive), repository=repo, tag=version)
    log(f"imported {tag}")
    return tag


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SandboxError(f"{cmd[0]} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-800:]}")
