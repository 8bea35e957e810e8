"""The git work behind registering a task, on the host: clone the source, resolve commits, split a
fix into source and test changes, check patches, and bundle the history up to the base commit."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from srl_swe.errors import TaskError
from srl_swe.tasks.patching import is_test_path

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/true", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"}


def git(args: list[str], cwd: Path | None, what: str, timeout: float = 120, stdin: str | None = None,
        env: dict[str, str] | None = None) -> str:
    """Run git; on failure a TaskError that says `what` failed, with git's last line."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              input=stdin, env={**os.environ, **_GIT_ENV, **(env or {})})
    except subprocess.TimeoutExpired:
        raise TaskError(
            f"{what}: git did not answer within {timeout:g} s; check the repository and your network."
        ) from None
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()]
        raise TaskError(f"{what}: {lines[-1] if lines else f'git exited {proc.returncode}'}")
    return proc.stdout


def clone(source: str, dest: Path, timeout: float = 300) -> Path:
    """A full, checkout-less clone of a local path or URL."""
    path = Path(source).expanduser()
    if "://" not in source and not re.match(r"^[\w.-]+@[\w.-]+:", source) and not path.exists():
        raise TaskError(f"No repository at {source}: pass a local git repository path or a git URL to --repo.")
    src = str(path.resolve()) if path.exists() else source
    git(["clone", "-q", "--no-checkout", src, str(dest)], None,
        f"Cannot clone {source} (check the path or URL and that it is reachable)", timeout=timeout)
    return dest


def repo_name(source: str) -> str:
    """SWE-bench style `owner/name` for a URL, the folder name for a local path."""
    if "://" in source or re.match(r"^[\w.-]+@[\w.-]+:", source):
        tail = re.split(r"[:/]", source.rstrip("/").removesuffix(".git"))
        return "/".join(part for part in tail[-2:] if part)
    return Path(source).expanduser().resolve().name


def resolve(repo: Path, rev: str, source: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo, "").strip()
    except TaskError:
        raise TaskError(
            f"Commit {rev!r} is not in {source}; check the SHA with 'git log' in that repository."
        ) from None


def parent(repo: Path, commit: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{commit}^1"], repo, "").strip()
    except TaskError:
        raise TaskError(
            f"Commit {commit[:12]} has no parent; use --base-commit/--patch/--test-patch instead."
        ) from None


def split_fix(repo: Path, base: str, fix: str) -> tuple[str, str]:
    """(patch, test_patch): the fix's changes outside and inside test paths."""
    changed = [p for p in git(["diff", "--name-only", "-z", base, fix], repo, "Cannot diff the fix").split("\0") if p]
    tests = [p for p in changed if is_test_path(p)]
    source = [p for p in changed if not is_test_path(p)]

    def diff(paths: list[str]) -> str:
        if not paths:
            return ""
        spec = [f":(literal){p}" for p in paths]
        return git(
            ["diff", "--binary", "--no-color", "--no-ext-diff", base, fix, "--", *spec], repo, "Cannot diff the fix"
        )

    return diff(source), diff(tests)


def message(repo: Path, commit: str) -> str:
    return git(["log", "-1", "--format=%B", commit], repo, "Cannot read the commit message").strip()


def commit_date(repo: Path, commit: str) -> str:
    return git(["log", "-1", "--format=%cI", commit], repo, "Cannot read the commit date").strip()


def files_at(repo: Path, commit: str) -> list[str]:
    """The paths of every file in `commit`'s tree."""
    listing = git(["ls-tree", "-r", "--name-only", "-z", commit], repo, f"Cannot list the files of {commit[:12]}")
    return [path for path in listing.split("\0") if path]


def file_text(repo: Path, commit: str, path: str) -> str | None:
    """`path` as `commit` holds it, byte for byte (CRLF kept; git() reads text with universal
    newlines); None when it is not UTF-8 text."""
    done = subprocess.run(["git", "cat-file", "blob", f"{commit}:{path}"], cwd=repo, capture_output=True, timeout=60,
                          env={**os.environ, **_GIT_ENV})
    if done.returncode != 0:
        raise TaskError(f"Cannot read {path} at {commit[:12]}: {done.stderr.decode(errors='replace').strip()}")
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_applies(repo: Path, base: str, diff: str, what: str) -> None:
    """Fail with `what` if `diff` does not apply to `base` (checked against the index, no checkout)."""
    if not diff.strip():
        return
    index = {"GIT_INDEX_FILE": str(repo / ".git" / "srl_swe_check_index")}
    try:
        git(["read-tree", base], repo, f"Cannot read {base[:12]}", env=index)
        git(
            ["apply", "--cached", "--check", "-"],
            repo,
            "",
            stdin=diff if diff.endswith("\n") else diff + "\n",
            env=index,
        )
    except TaskError as exc:
        raise TaskError(
            f"The {what} does not apply to {base[:12]} ({str(exc).lstrip(': ')}); "
            "regenerate it against the base commit."
        ) from None
    finally:
        Path(index["GIT_INDEX_FILE"]).unlink(missing_ok=True)


def bundle(repo: Path, base: str, out: Path) -> None:
    """A git bundle of the history up to `base` only: nothing in it reaches the fix."""
    git(["update-ref", "refs/heads/srl_swe_base", base], repo, "Cannot mark the base commit")
    # One pack thread: the same history gives the same bytes, so the task image cache hits.
    git(["-c", "pack.threads=1", "bundle", "create", str(out), "refs/heads/srl_swe_base"], repo,
        "Cannot bundle the repository", timeout=600)


@contextlib.contextmanager
def checkout(repo: Path, commit: str) -> Iterator[Path]:
    """The files of `commit` in a temporary folder (no .git), removed after the block."""
    with tempfile.TemporaryDirectory(prefix="srl-swe-tree-") as tmp:
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=repo, capture_output=True,
                                 env={**os.environ, **_GIT_ENV}, timeout=600)
        if archive.returncode != 0:
            raise TaskError(
                f"Cannot read the files of {commit[:12]}: {archive.stderr.decode(errors='replace').strip()[-200:]}"
            )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)
