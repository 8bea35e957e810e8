"""A small library repository made on the fly for the task-layer tests: `textstat`, whose
word_count splits on single spaces. Commit dates are fixed, so its commits, bundle and task image
are the same on every run (the image is built once per machine)."""

from __future__ import annotations

import difflib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

CORE = '''\
"""Counting words in text."""


def word_count(text):
    """Number of words in `text`."""
    return len(text.split(" "))


def longest_word(text):
    """The longest word (the first one on a tie)."""
    words = text.split()
    if not words:
        raise ValueError("no words in text")
    return max(words, key=len)
'''

TESTS = '''\
import pytest

from textstat.core import longest_word, word_count


def test_simple():
    assert word_count("one two three") == 3


@pytest.mark.parametrize("text,n", [("a b", 2)])
def test_count(text, n):
    assert word_count(text) == n


class TestLongest:
    def test_tie(self):
        assert longest_word("ab cd e") == "ab"

    @pytest.mark.skip(reason="unicode widths are not handled yet")
    def test_wide(self):
        assert longest_word("\\u4e00\\u4e00 abc") == "abc"
'''

OTHER_TESTS = '''\
from textstat.core import longest_word


def test_single_word():
    assert longest_word("hello") == "hello"
'''

README = "# textstat\n\nWord statistics for plain text.\n"

FIX_MESSAGE = "word_count counts empty strings between repeated spaces"

F2P = ["tests/test_core.py::test_count[-0]", "tests/test_core.py::TestSpaces::test_repeated"]
P2P = [
    "tests/test_core.py::test_simple",
    "tests/test_core.py::test_count[a b-2]",
    "tests/test_core.py::TestLongest::test_tie",
    "tests/test_other.py::test_single_word",
]


@dataclass
class TextstatRepo:
    path: Path
    base: str  # the commit before the fix
    fix: str  # the bug-fix commit (code + tests)
    no_f2p: str  # a later commit whose new test passes with or without it


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
           "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env, input=stdin).stdout


def _commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_textstat(where: Path) -> TextstatRepo:
    repo = where / "textstat"
    (repo / "textstat").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "textstat" / "__init__.py").write_text("")
    (repo / "textstat" / "core.py").write_text(CORE)
    (repo / "tests" / "test_core.py").write_text(TESTS)
    (repo / "tests" / "test_other.py").write_text(OTHER_TESTS)
    (repo / "README.md").write_text(README)
    git(repo, "init", "-q", "-b", "main")
    base = _commit(repo, "textstat: word_count and longest_word")

    (repo / "textstat" / "core.py").write_text(CORE.replace('text.split(" ")', "text.split()"))
    tests = TESTS.replace('[("a b", 2)]', '[("a b", 2), ("", 0)]')
    tests += '\n\nclass TestSpaces:\n    def test_repeated(self):\n        assert word_count("a  b") == 2\n'
    (repo / "tests" / "test_core.py").write_text(tests)
    fix = _commit(repo, FIX_MESSAGE)

    (repo / "textstat" / "core.py").write_text(CORE.replace('text.split(" ")', "text.split()")
                                               .replace("(the first one on a tie)", "(first on a tie)"))
    (repo / "tests" / "test_other.py").write_text(
        OTHER_TESTS + '\n\ndef test_two():\n    assert longest_word("a bb") == "bb"\n'
    )
    no_f2p = _commit(repo, "docs: shorter docstring, one more test")
    return TextstatRepo(repo, base, fix, no_f2p)


def edit_diff(path: str, before: str, old: str, new: str) -> str:
    """A unified diff (as git apply takes it) that replaces `old` by `new` in the file `path`."""
    after = before.replace(old, new)
    assert after != before, f"{old!r} is not in {path}"
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}")
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def tree_snapshot(root: Path) -> list[str]:
    """Every path under `root`, to check that a failed command left the registry as it was."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def save_textstat_task(repo: TextstatRepo, tasks_dir: Path, task_id: str = "textstat-1"):
    """The fix commit's task saved straight into a registry, with the known test lists (no test runs)."""
    from srl_swe.tasks import gitrepo
    from srl_swe.tasks.registry import save_task
    from srl_swe.tasks.spec import TaskSpec

    patch, test_patch = gitrepo.split_fix(repo.path, repo.base, repo.fix)
    bundle = tasks_dir.parent / f"{task_id}.bundle"
    gitrepo.bundle(repo.path, repo.base, bundle)
    spec = TaskSpec(instance_id=task_id, repo="textstat", base_commit=repo.base, problem_statement=FIX_MESSAGE,
                    patch=patch, test_patch=test_patch, FAIL_TO_PASS=F2P, PASS_TO_PASS=P2P)
    save_task(spec, tasks_dir, bundle=bundle)
    return spec
