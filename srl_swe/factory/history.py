"""A repository's history as mining sees it: the first-parent line, newest first, each commit's
changed files, and the rule that says whether a commit can become a task.

A merge on the first-parent line stands for its whole branch: its diff against its first parent
(what a pull request changed, as SWE-bench takes it) is classified like any commit's, unless
merges are skipped (`merge`). A candidate changes Python code and tests; its diff is split into
`patch` and `test_patch` by SWE-bench's path rule (`is_test_path`), the same split `tasks add` makes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.tasks.gitrepo import git
from srl_swe.tasks.patching import is_test_path

# Why a commit is not a candidate, in the order they are checked.
CLASSIFY_REASONS = ("no_parent", "merge", "no_code_change", "no_test_change", "non_python", "too_large")
# Source in another language: the task image installs the repo once, at the base commit, so a fix
# in compiled or foreign code would not be rebuilt when the gold patch is applied.
FOREIGN_SOURCE = frozenset((".c", ".h", ".cc", ".cpp", ".hpp", ".pyx", ".pxd", ".rs", ".go", ".js", ".ts", ".java"))
_FIELD, _RECORD = "\x1f", "\x1e"


class Limits(BaseModel):
    """What a candidate's code change may be (SWE-bench Lite and SWE-Gym Lite keep small, local fixes)."""

    model_config = ConfigDict(extra="forbid")

    max_files: int = Field(3, ge=1)  # non-test Python files changed
    max_lines: int = Field(300, ge=1)  # lines added + removed in them
    skip_merges: bool = False  # True: a merge is rejected (`merge`) instead of taken as its first-parent diff


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    date: str  # committer date, ISO 8601
    subject: str


@dataclass(frozen=True)
class FileChange:
    path: str
    lines: int  # added + removed; 0 for a binary file


def walk(repo: Path, since: str | None = None, until: str | None = None, rev: str = "HEAD") -> Iterator[Commit]:
    """The first-parent line from `rev` back, newest first, within the committer dates given (git's own
    date forms: 2024-01-31, '2 weeks ago')."""
    args = ["log", "--first-parent", f"--format=%H{_FIELD}%P{_FIELD}%cI{_FIELD}%s{_RECORD}"]
    args += [f"--since={since}"] if since else []
    args += [f"--until={until}"] if until else []
    for record in git([*args, rev, "--"], repo, "Cannot read the history", timeout=600).split(_RECORD):
        if record.strip():
            sha, parents, date, subject = record.strip("\n").split(_FIELD)
            yield Commit(sha, tuple(parents.split()), date, subject)


def changed_files(repo: Path, commit: Commit) -> list[FileChange]:
    """The files `commit` changes against its first parent (renames as a delete and an add)."""
    out = git(["diff", "--numstat", "-z", "--no-renames", commit.parents[0], commit.sha], repo,
              f"Cannot diff {commit.sha[:12]}")
    changes = []
    for entry in out.split("\0"):
        if entry:
            added, removed, path = entry.split("\t", 2)
            binary = added == "-"
            changes.append(FileChange(path, 0 if binary else int(added) + int(removed)))
    return changes


def classify(commit: Commit, changes: list[FileChange], limits: Limits) -> str | None:
    """Why `commit` is not a candidate (one of CLASSIFY_REASONS), or None for a candidate."""
    if not commit.parents:
        return "no_parent"
    if len(commit.parents) > 1 and limits.skip_merges:
        return "merge"
    tests = [c for c in changes if is_test_path(c.path)]
    source = [c for c in changes if not is_test_path(c.path)]
    code = [c for c in source if c.path.endswith(".py")]
    foreign = [c for c in source if posixpath.splitext(c.path)[1].lower() in FOREIGN_SOURCE]
    if not code and not foreign:
        return "no_code_change"  # tests, docs or configuration only
    if not tests:
        return "no_test_change"
    if foreign:
        return "non_python"
    if len(code) > limits.max_files or sum(c.lines for c in code) > limits.max_lines:
        return "too_large"
    return None
