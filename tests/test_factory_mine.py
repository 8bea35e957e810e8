"""Mining fix commits from a repository made by the test: the two planted fixes are found and
validate; docs-only, tests-only, code-only, too large, foreign-language and merge commits are
rejected with their reasons; a fix whose test passes before it is `no_f2p`; the yield table counts
them; a rerun registers nothing again and a run killed part-way registers only what it had not
decided. Classification and the yield arithmetic are checked without Docker."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import CommandTimeout, TaskCheckFailed, TaskError
from srl_swe.factory import mine as mine_module
from srl_swe.factory.history import Commit, FileChange, Limits, changed_files, classify, walk
from srl_swe.factory.mine import CommitResult, MineReport, MineSettings, mine, registration_drop
from srl_swe.sandbox.engine import docker_client
from srl_swe.tasks.register import RegisterOptions
from srl_swe.tasks.registry import expert_path, list_tasks, load_task, save_task
from srl_swe.tasks.spec import TaskSpec
from srl_swe.trajectories.schema import read_jsonl

pytestmark = pytest.mark.long

cli = CliRunner()

OPS = '''\
def clamp(x, lo, hi):
    """x limited to [lo, hi]."""
    if x < lo:
        return lo
    if x > hi:
        return x
    return x


def mean(values):
    return sum(values) / len(values)
'''
TESTS = '''\
from mathkit.ops import clamp, mean


def test_clamp_inside():
    assert clamp(2, 0, 5) == 2


def test_mean():
    assert mean([1, 2, 3]) == 2
'''
MEAN_FIXED = '''def mean(values):
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)
'''
TEST_EMPTY = '''\
import pytest

from mathkit.ops import mean


def test_mean_of_nothing_raises():
    with pytest.raises(ValueError):
        mean([])
'''


def _git(repo: Path, *args: str, date: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dana", "GIT_AUTHOR_EMAIL": "dana@example.org",
           "GIT_COMMITTER_NAME": "Dana", "GIT_COMMITTER_EMAIL": "dana@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


class Fixture:
    """`mathkit` with one commit per case, a day apart from 2024-03-02; `shas[name]` for each."""

    def __init__(self, root: Path):
        self.path = root / "mathkit"
        self.path.mkdir()
        self.shas: dict[str, str] = {}
        self.day = 0
        _git(self.path, "init", "-q", "-b", "main", date=self._date())

    def _date(self) -> str:
        return f"2024-03-{self.day + 1:02d}T10:00:00+00:00"

    def write(self, path: str, text: str, append: bool = False) -> None:
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((target.read_text() if append else "") + text)

    def commit(self, name: str, message: str) -> str:
        self.day += 1
        _git(self.path, "add", "-A", date=self._date())
        _git(self.path, "commit", "-qm", message, date=self._date())
        self.shas[name] = _git(self.path, "rev-parse", "HEAD", date=self._date())
        return self.shas[name]

    def edit(self, path: str, old: str, new: str) -> None:
        text = (self.path / path).read_text()
        assert old in text, (path, old)
        self.write(path, text.replace(old, new))


def make_mathkit(root: Path) -> Fixture:
    repo = Fixture(root)
    repo.write("mathkit/__init__.py", "")
    repo.write("mathkit/ops.py", OPS)
    repo.write("tests/test_ops.py", TESTS)
    repo.write(".gitignore", "__pycache__/\n.pytest_cache/\n")
    repo.commit("root", "Initial import")
    repo.edit("mathkit/ops.py", "    if x > hi:\n        return x", "    if x > hi:\n        return hi")
    repo.write("tests/test_ops.py", "\n\ndef test_clamp_above():\n    assert clamp(9, 0, 5) == 5\n", append=True)
    repo.commit("fix_clamp", "clamp returns hi for values above the range\n\nIt returned x unchanged.")
    repo.write("README.md", "# mathkit\n\nSmall numeric helpers.\n")
    repo.commit("docs", "README")
    repo.write("tests/test_ops.py", "\n\ndef test_clamp_below():\n    assert clamp(-1, 0, 5) == 0\n", append=True)
    repo.commit("tests_only", "one more clamp test")
    repo.edit("mathkit/ops.py", "return sum(values) / len(values)",
              "total = sum(values)\n    return total / len(values)")
    repo.commit("refactor", "mean: name the total")
    repo.edit("mathkit/ops.py", '"""x limited to [lo, hi]."""', '"""x limited to the closed range [lo, hi]."""')
    repo.write("tests/test_ops.py", "\n\ndef test_clamp_edge():\n    assert clamp(5, 0, 5) == 5\n", append=True)
    repo.commit("no_f2p", "clamp: clearer docstring, edge test")
    repo.edit("mathkit/ops.py", "def mean(values):\n    total = sum(values)\n    return total / len(values)\n",
              MEAN_FIXED)
    repo.write("tests/test_errors.py", TEST_EMPTY)
    repo.commit("fix_mean", "mean of an empty list raises ValueError, not ZeroDivisionError")
    date = repo._date()
    _git(repo.path, "checkout", "-q", "-b", "guide", date=date)
    repo.write("docs/guide.md", "Use clamp and mean.\n")
    repo.commit("branch", "a guide")
    _git(repo.path, "checkout", "-q", "main", date=date)
    repo.day += 1
    _git(repo.path, "merge", "-q", "--no-ff", "-m", "Merge branch 'guide'", "guide", date=repo._date())
    repo.shas["merge"] = _git(repo.path, "rev-parse", "HEAD", date=date)
    for name in "abcd":
        repo.write(f"mathkit/{name}.py", f"def {name}():\n    return {name!r}\n")
    repo.write("tests/test_more.py", "from mathkit.a import a\n\n\ndef test_a():\n    assert a() == 'a'\n")
    repo.commit("too_large", "four new modules")
    repo.write("mathkit/_speed.c", "int twice(int x) { return 2 * x; }\n")
    repo.write("tests/test_speed.py", "def test_nothing():\n    pass\n")
    repo.commit("non_python", "a C helper")
    return repo


EXPECTED = {"non_python": "non_python", "too_large": "too_large", "merge": "no_code_change",
            "fix_mean": "ok", "no_f2p": "no_f2p", "refactor": "no_test_change", "tests_only": "no_code_change",
            "docs": "no_code_change", "fix_clamp": "ok", "root": "no_parent"}


@pytest.fixture(scope="module")
def mathkit(tmp_path_factory) -> Fixture:
    return make_mathkit(tmp_path_factory.mktemp("repos"))


# -- without Docker ------------------------------------------------------------------------------

def _commit(parents: int = 1) -> Commit:
    return Commit("f" * 40, tuple("a" * 40 for _ in range(parents)), "2024-01-01T00:00:00+00:00", "s")


@pytest.mark.parametrize("paths,reason", [
    (["pkg/core.py", "tests/test_core.py"], None),
    (["pkg/core.py", "pkg/test_core.py", "docs/index.rst"], None),
    (["tests/test_core.py"], "no_code_change"),
    (["README.md", "docs/conf.txt"], "no_code_change"),
    ([], "no_code_change"),
    (["pkg/core.py", "README.md"], "no_test_change"),
    (["src/ext.c", "testing/check.py"], "non_python"),
    (["pkg/a.py", "pkg/b.py", "pkg/c.py", "pkg/d.py", "tests/test_x.py"], "too_large"),
    (["pkg/core_test.py", "pkg/conftest.py", "pkg/core.py"], None),
])
def test_classify_by_paths(paths, reason):
    assert classify(_commit(), [FileChange(p, 2) for p in paths], Limits()) == reason


def test_classify_limits_merges_and_roots():
    fix = [FileChange("pkg/core.py", 301), FileChange("tests/test_core.py", 5)]
    assert classify(_commit(), fix, Limits()) == "too_large"
    assert classify(_commit(), fix, Limits(max_lines=400)) is None
    small = [FileChange("pkg/core.py", 3), FileChange("tests/test_core.py", 5)]
    assert classify(_commit(parents=2), small, Limits()) is None  # a merge is its first-parent diff
    assert classify(_commit(parents=2), small, Limits(skip_merges=True)) == "merge"
    assert classify(_commit(parents=0), [], Limits()) == "no_parent"


def test_walk_follows_the_first_parent_line_within_dates(mathkit):
    shas = [c.sha for c in walk(mathkit.path)]
    assert mathkit.shas["branch"] not in shas  # the merged branch's own commit is not on the line
    assert shas == [mathkit.shas[n] for n in EXPECTED]
    window = [c.sha for c in walk(mathkit.path, since="2024-03-04T00:00:00Z", until="2024-03-05T12:00:00Z")]
    assert window == [mathkit.shas["tests_only"], mathkit.shas["docs"]]
    merge = next(c for c in walk(mathkit.path) if c.sha == mathkit.shas["merge"])
    assert len(merge.parents) == 2 and [f.path for f in changed_files(mathkit.path, merge)] == ["docs/guide.md"]


def test_yield_stages_count_every_drop_where_it_happened():
    def result(outcome: str, stage: str | None) -> CommitResult:
        return CommitResult(commit=outcome, date="d", outcome=outcome, dropped_at=stage)

    report = MineReport(repo="r", state="s", results=[
        result("no_parent", "candidates"), result("no_code_change", "candidates"),
        result("no_code_change", "candidates"),
        result("install_error", "installed"), result("no_f2p", "f2p"), result("p2p_failed", "validated"),
        result("ok", None), result("ok", None)])
    assert [(r["stage"], r["count"], r["dropped"]) for r in report.stages()] == [
        ("commits seen", 8, {}), ("candidates", 5, {"no_code_change": 2, "no_parent": 1}),
        ("installed", 4, {"install_error": 1}), ("F2P found", 3, {"no_f2p": 1}), ("validated", 2, {"p2p_failed": 1}),
    ]


def test_registration_failures_drop_at_their_stage():
    assert registration_drop(TaskCheckFailed("install_error", "pip: no numpy"), []) == (
        "install_error", "installed", "pip: no numpy")
    assert registration_drop(TaskCheckFailed("no_f2p", "no test fails"), ["running 1 test file(s)"])[:2] == (
        "no_f2p", "f2p")
    building = ["cloning r", "building srl-swe/task:0123 for r-abc"]
    assert registration_drop(TaskError("Building the image failed: setup\nmore"), building) == (
        "error", "installed", "Building the image failed: setup")
    timeout = CommandTimeout("python -m pytest", 3)
    assert registration_drop(timeout, [*building, "running the whole suite before and after the fix"])[:2] == (
        "error", "f2p")


def test_a_broken_state_file_names_itself(mathkit, tmp_path):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 1, "repo": str(mathkit.path), "commits": {"abc": {"outcome": 3}}}))
    with pytest.raises(TaskError, match=rf"{state} is unreadable \(commit abc, field commit: Field required\); delete"):
        mine(str(mathkit.path), MineSettings(state=state), tasks_dir=tmp_path / "tasks")
    state.write_text(json.dumps({"version": 1, "repo": "/elsewhere", "commits": {}}))
    with pytest.raises(TaskError, match="mining of '/elsewhere', not of this repo"):
        mine(str(mathkit.path), MineSettings(state=state), tasks_dir=tmp_path / "tasks")


def test_an_existing_task_is_left_alone_unless_mining_left_it(mathkit, tmp_path):
    """A task with the commit's id that someone registered is `exists`; one a killed mining run left
    behind (its extra says so) is registered again, replacing it. Nothing runs: the limit stops the
    walk at the first candidate, whose job is only planned here."""
    tasks = tmp_path / "tasks"
    sha = mathkit.shas["fix_mean"]
    task_id = f"mathkit-{sha[:7]}"
    save_task(TaskSpec(instance_id=task_id), tasks)
    results, jobs = mine_module._survey(mathkit.path, str(mathkit.path), MineSettings(limit=1), RegisterOptions(),
                                        tasks, {})
    assert {r.commit: r.outcome for r in results}[sha] == "exists" and sha not in jobs
    save_task(TaskSpec(instance_id=task_id, extra={"factory": {"origin": "mine", "commit": sha}}), tasks, replace=True)
    results, jobs = mine_module._survey(mathkit.path, str(mathkit.path), MineSettings(limit=1), RegisterOptions(),
                                        tasks, {})
    assert jobs[sha].replace and jobs[sha].task_id == task_id
    assert [r.outcome for r in results][-1] == "pending"


# -- with Docker -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mined(mathkit, tmp_path_factory):
    """One CLI run over the whole history with two workers; the registry and state it leaves."""
    where = tmp_path_factory.mktemp("mined")
    tasks, state = where / "tasks", where / "state.json"
    result = cli.invoke(app, ["tasks", "mine", str(mathkit.path), "--system-python", "--workers", "2", "--json",
                              "--tasks-dir", str(tasks), "--state", str(state)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), tasks, state


@pytest.mark.docker
def test_planted_fixes_are_found_and_the_rest_rejected_with_reasons(mathkit, mined):
    report, tasks, _state = mined
    outcomes = {c["commit"]: c["outcome"] for c in report["commits"]}
    assert outcomes == {mathkit.shas[name]: outcome for name, outcome in EXPECTED.items()}
    assert [(r["stage"], r["count"], r["dropped"]) for r in report["stages"]] == [
        ("commits seen", 10, {}),
        ("candidates", 3, {"no_code_change": 3, "no_parent": 1, "no_test_change": 1, "non_python": 1, "too_large": 1}),
        ("installed", 3, {}), ("F2P found", 2, {"no_f2p": 1}), ("validated", 2, {}),
    ]
    assert report["registered_now"] == 3 and report["decided_earlier"] == 0
    ids = {f"mathkit-{mathkit.shas[n][:7]}" for n in ("fix_clamp", "fix_mean")}
    assert set(list_tasks(tasks)) == ids  # the no_f2p candidate left nothing behind, not even its image
    no_f2p_id = f"mathkit-{mathkit.shas['no_f2p'][:7]}"
    assert not docker_client().images.list(filters={"label": f"srl_swe.built_for={no_f2p_id}"})
    spec = load_task(f"mathkit-{mathkit.shas['fix_mean'][:7]}", tasks)
    assert spec.FAIL_TO_PASS == ["tests/test_errors.py::test_mean_of_nothing_raises"]
    assert spec.base_commit == mathkit.shas["no_f2p"] and spec.problem_statement.startswith("mean of an empty list")
    assert spec.extra == {"factory": {"origin": "mine", "commit": mathkit.shas["fix_mean"],
                                      "date": "2024-03-08T10:00:00+00:00"}}
    clamp = load_task(f"mathkit-{mathkit.shas['fix_clamp'][:7]}", tasks)
    assert clamp.FAIL_TO_PASS == ["tests/test_ops.py::test_clamp_above"] and "mathkit/ops.py" in clamp.patch
    assert "mathkit/ops.py" not in clamp.test_patch
    # each validated task got a scripted expert that resolves it (its hidden tests are not in the repo)
    assert report["experts"] == {"scripted": 2, "resolved": 2, "unresolved": {}}
    for task_id in ids:
        [trajectory] = read_jsonl(expert_path(task_id, tasks))
        assert trajectory.source == "scripted" and trajectory.outcome.resolved


@pytest.mark.docker
def test_rerun_and_killed_run_resume_from_the_state_file(mathkit, mined, monkeypatch):
    _report, tasks, state = mined
    calls: list[str] = []
    register = mine_module.register_fix_commit

    def counted(repo, commit, *args, **kwargs):
        calls.append(commit)
        return register(repo, commit, *args, **kwargs)

    monkeypatch.setattr(mine_module, "register_fix_commit", counted)
    settings = MineSettings(state=state)
    again = mine(str(mathkit.path), settings, RegisterOptions(environment="system"), tasks)
    assert calls == [] and sum(r.earlier for r in again.results) == 3
    assert [row["count"] for row in again.stages()] == [10, 3, 3, 2, 2]
    # A run killed before it decided the no_f2p commit: its state lacks that commit, and only that one runs.
    data = json.loads(state.read_text())
    del data["commits"][mathkit.shas["no_f2p"]]
    state.write_text(json.dumps(data))
    resumed = mine(str(mathkit.path), settings, RegisterOptions(environment="system"), tasks)
    assert calls == [mathkit.shas["no_f2p"]]
    assert [r.outcome for r in resumed.results if not r.earlier and r.dropped_at != "candidates"] == ["no_f2p"]
    assert mathkit.shas["no_f2p"] in json.loads(state.read_text())["commits"]
    # --limit counts candidates, newest first: the walk stops at the first one.
    first = mine(str(mathkit.path), MineSettings(state=state, limit=1), RegisterOptions(environment="system"), tasks)
    assert [r.commit for r in first.results][-1] == mathkit.shas["fix_mean"] and len(first.results) == 4
    assert len(calls) == 1


@pytest.mark.docker
def test_a_worker_registers_in_a_registry_of_its_own_and_hands_the_validated_task_back(mathkit, tmp_path):
    """A Ray worker on another node cannot write the driver's registry: the job names none, and
    the task comes back packed, for the driver to put in its own."""
    [commit] = [c for c in walk(mathkit.path, None, None) if c.sha == mathkit.shas["fix_clamp"]]
    job = mine_module.Job(repo=str(mathkit.path), commit=commit, task_id="mathkit-handed",
                          options=RegisterOptions(environment="system"))
    assert "tasks_dir" not in job.model_dump()
    result, folder = mine_module.mine_commit(job)
    assert result.outcome == "ok" and folder is not None
    driver = tmp_path / "driver-tasks"
    assert mine_module._keep(result, folder, job, driver) == result
    spec = load_task("mathkit-handed", driver)
    assert spec.extra["factory"]["commit"] == commit.sha and spec.FAIL_TO_PASS
    assert (driver / "mathkit-handed" / "repo.bundle").stat().st_size > 0
    # an id taken meanwhile (registered by hand, say) is not overwritten: an error, retried next run
    kept = mine_module._keep(result, folder, job, driver)
    assert kept.outcome == "error" and "already exists" in kept.detail


def test_mine_and_synth_keep_their_state_in_the_registry(tmp_path):
    """A registry deleted or replaced takes its state with it: a fresh one is mined afresh."""
    from srl_swe.factory import synth

    registry = tmp_path / "tasks"
    mined, synthesized = mine_module.state_path("/src/pyflakes", registry), synth.state_path(registry, "/src/pyflakes",
                                                                                             "a" * 40)
    assert mined.parent == synthesized.parent == registry.resolve() / ".factory"
    assert mined.name.startswith("mine-pyflakes-") and synthesized.name == "synth-pyflakes-aaaaaaaaaaaa.json"
    (registry / ".factory").mkdir(parents=True)
    assert list_tasks(registry) == []
