"""Registering tasks through the CLI from a git repository made on the fly (real containers)."""

from __future__ import annotations

import subprocess

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.tasks.patching import diff_paths
from srl_swe.tasks.registry import bundle_path, list_tasks, load_task
from srl_swe.tasks.sandbox import task_sandbox
from tests.task_repos import F2P, FIX_MESSAGE, P2P, git, make_textstat, tree_snapshot

runner = CliRunner()


def tasks(*args: str):
    return runner.invoke(app, ["tasks", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_textstat(tmp_path_factory.mktemp("repos"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory, repo):
    """A registry holding the task of the fix commit, registered through the CLI."""
    tasks_dir = tmp_path_factory.mktemp("tasks")
    result = tasks(
        "add", "--repo", repo.path, "--fix-commit", repo.fix[:10], "--id", "textstat-1", "--tasks-dir", tasks_dir
    )
    assert result.exit_code == 0, result.output
    return tasks_dir


def test_add_derives_fail_to_pass_and_pass_to_pass(registry, repo):
    spec = load_task("textstat-1", registry)
    assert spec.FAIL_TO_PASS == F2P
    # The test patch's files only (test_other.py is not in it); the skipped test is in neither list.
    assert spec.PASS_TO_PASS == [t for t in P2P if t.startswith("tests/test_core.py")]
    assert (spec.test_runner, spec.test_scope, spec.environment) == ("pytest", "files", "venv")
    assert spec.base_commit == repo.base
    assert spec.problem_statement == FIX_MESSAGE
    assert diff_paths(spec.patch) == ["textstat/core.py"]
    assert diff_paths(spec.test_patch) == ["tests/test_core.py"]
    assert spec.source == str(repo.path) and spec.repo == "textstat"
    heads = subprocess.run(["git", "bundle", "list-heads", str(bundle_path("textstat-1", registry))],
                           capture_output=True, text=True, check=True).stdout.split()
    assert repo.base in heads and repo.fix not in heads


def test_task_image_holds_the_base_commit_and_nothing_of_the_fix(registry, repo):
    spec = load_task("textstat-1", registry)
    with task_sandbox(spec, registry) as sandbox:
        script = (
            f"git rev-parse HEAD; git status --porcelain | wc -l; git remote | wc -l; stat -c %U /testbed; "
            f"git log --all --format=%H | wc -l; git cat-file -e {repo.fix} 2>/dev/null && echo FIX-REACHABLE; whoami"
        )
        lines = sandbox.run(script).output.split()
    assert lines == [repo.base, "0", "0", "agent", "1", "agent"]


def test_add_from_base_commit_and_patch_files(registry, repo, tmp_path):
    (tmp_path / "fix.diff").write_text(git(repo.path, "diff", repo.base, repo.fix, "--", "textstat"))
    (tmp_path / "tests.diff").write_text(git(repo.path, "diff", repo.base, repo.fix, "--", "tests"))
    (tmp_path / "issue.md").write_text("word_count('a  b') says 3\n")
    result = tasks(
        "add",
        "--repo",
        repo.path,
        "--base-commit",
        repo.base,
        "--patch",
        tmp_path / "fix.diff",
        "--test-patch",
        tmp_path / "tests.diff",
        "--id",
        "textstat-2",
        "--problem-statement",
        f"@{tmp_path / 'issue.md'}",
        "--tasks-dir",
        registry,
        "--test-scope",
        "all",
        "--source",
        "vendor/textstat (mirror)",
        "--setup",
        'python -c \'open("BUILD_INFO", "w").write("built")\'',
    )
    assert result.exit_code == 0, result.output
    spec = load_task("textstat-2", registry)
    assert (spec.FAIL_TO_PASS, spec.PASS_TO_PASS) == (F2P, P2P)
    assert spec.problem_statement == "word_count('a  b') says 3\n"
    assert (spec.source, spec.repo) == ("vendor/textstat (mirror)", "textstat")  # --source names it; repo is unchanged
    with task_sandbox(spec, registry) as sandbox:  # setup ran at build time; its output leaves the tree clean
        assert sandbox.run("cat BUILD_INFO; echo; git status --porcelain; stat -c %U BUILD_INFO").output.split() == [
            "built",
            "agent",
        ]
    assert tasks("remove", "textstat-2", "--tasks-dir", registry).exit_code == 0
    assert list_tasks(registry) == ["textstat-1"]


BAD_INPUTS = {
    "unknown commit": (["--fix-commit", "0123456789abcdef"], "is not in"),
    "not one mode": (["--fix-commit", "HEAD", "--base-commit", "HEAD~1"], "Pass either --fix-commit"),
    "patch does not apply": (
        ["--base-commit", "{base}", "--patch", "{bad_patch}", "--problem-statement", "x"],
        "does not apply",
    ),
    "no fail-to-pass": (["--fix-commit", "{no_f2p}"], "no_f2p: no test fails before the fix"),
    "unknown runner": (["--fix-commit", "{fix}", "--test-runner", "nose"], "Unknown test runner 'nose'"),
    "hanging tests": (
        ["--fix-commit", "{fix}", "--test-command", "sleep 60; python -m pytest", "--timeout", "3"],
        "did not finish within 3 s",
    ),
    "existing id": (["--fix-commit", "{fix}", "--id", "textstat-1"], "already exists"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_leaves_the_registry_alone(case, registry, repo, tmp_path):
    args, message = BAD_INPUTS[case]
    bad_patch = tmp_path / "bad.diff"
    bad_patch.write_text("--- a/textstat/core.py\n+++ b/textstat/core.py\n@@ -1,1 +1,1 @@\n-no such line\n+other\n")
    values = dict(base=repo.base, fix=repo.fix, no_f2p=repo.no_f2p, bad_patch=bad_patch)
    args = [a.format(**values) for a in args]
    before = tree_snapshot(registry)
    result = tasks("add", "--repo", repo.path, *args, "--tasks-dir", registry)
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output
    assert tree_snapshot(registry) == before


def test_unreachable_repo_url(tmp_path):
    result = tasks(
        "add", "--repo", "http://127.0.0.1:9/nobody/nothing.git", "--fix-commit", "abc", "--tasks-dir", tmp_path
    )
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Cannot clone" in errors[0]
    assert list(tmp_path.iterdir()) == []


def test_show_list_and_unknown_id(registry):
    listing = tasks("list", "--tasks-dir", registry)
    assert listing.exit_code == 0 and "textstat-1" in listing.stdout
    shown = tasks("show", "textstat-1", "--json", "--tasks-dir", registry)
    assert shown.exit_code == 0 and '"FAIL_TO_PASS"' in shown.stdout
    missing = tasks("show", "nope", "--tasks-dir", registry)
    assert missing.exit_code == 1 and "srl-swe tasks list" in missing.stderr and "textstat-1" in missing.stderr
