"""Build the bundled tasks and their expert trajectories from the sources in tasks/_src/.

    tasks/_src/<lib>/              a correct library: the package and its tests/
    tasks/_src/defs/<id>.yaml      one task: the issue text, the bug (edits that turn the correct code
                                   into the buggy base), the tests its fix commit adds, the fix message
    tasks/_src/experts/<id>.yaml   the expert's steps for the task: a list of {thought, action}

Usage (from the project root):
    .venv/bin/python tasks/_src/build.py                  register the tasks (srl-swe tasks add)
    .venv/bin/python tasks/_src/build.py --experts-only   record the expert trajectories
    .venv/bin/python tasks/_src/build.py --all            both stages
    .venv/bin/python tasks/_src/build.py --check          host-only check with pytest, no Docker
    ... [--only ID ...] [--force]

A task is a throw-away git repo with two commits, "Initial import" (the library with the bug,
without the new tests) and the fix (the correct code plus the new tests). Commits have fixed
authors and dates, so the same sources give the same base commit: an unchanged task is skipped,
a changed one replaced. An expert is recorded when its file is missing or its actions changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

SRC = Path(__file__).resolve().parent
ROOT = SRC.parents[1]
TASKS_DIR = SRC.parent
DEFS, EXPERTS = SRC / "defs", SRC / "experts"
AUTHOR = {"GIT_AUTHOR_NAME": "Dana Whitfield", "GIT_AUTHOR_EMAIL": "dana@example.org",
          "GIT_COMMITTER_NAME": "Dana Whitfield", "GIT_COMMITTER_EMAIL": "dana@example.org"}
DATES = ("2024-04-02T09:15:00+00:00", "2024-06-11T16:42:00+00:00")


@dataclass
class TaskDef:
    id: str
    library: str
    issue: str
    fix_message: str
    bug: list[dict]      # {file, fixed, buggy}: `fixed` (once in the correct file) becomes `buggy`
    tests: list[dict]    # {file, append}: text the fix commit appends to a test file

    @classmethod
    def load(cls, path: Path) -> TaskDef:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        task = cls(**data)
        if task.id != path.stem:
            raise SystemExit(f"{path}: id {task.id!r} must match the file name")
        return task


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    count = text.count(old)
    if count != 1:
        raise SystemExit(f"{where}: the text to replace occurs {count} times (must be exactly once)")
    return text.replace(old, new)


def write_base(task: TaskDef, dest: Path) -> None:
    """The library with the bug, without the fix's tests."""
    shutil.copytree(SRC / task.library, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for edit in task.bug:
        path = dest / edit["file"]
        where = f"{task.id}: bug in {edit['file']}"
        path.write_text(_replace_once(path.read_text(encoding="utf-8"), edit["fixed"], edit["buggy"], where), encoding="utf-8")


def write_fix(task: TaskDef, dest: Path) -> None:
    """Turn a base tree into the fixed one: the correct sources plus the new tests."""
    for edit in task.bug:
        shutil.copyfile(SRC / task.library / edit["file"], dest / edit["file"])
    add_tests(task, dest)


def add_tests(task: TaskDef, dest: Path) -> None:
    for test in task.tests:
        path = dest / test["file"]
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + test["append"].rstrip("\n") + "\n",
                        encoding="utf-8")


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **AUTHOR, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    done = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=repo,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout.strip()


def make_repo(task: TaskDef, repo: Path) -> tuple[str, str]:
    """The two-commit repo of a task; returns (base sha, fix sha)."""
    repo.mkdir(parents=True)
    write_base(task, repo)
    (repo / ".gitignore").write_text("__pycache__/\n*.pyc\n.pytest_cache/\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Initial import", date=DATES[0])
    write_fix(task, repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", task.fix_message, date=DATES[1])
    return git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")


def load_defs(only: list[str] | None) -> list[TaskDef]:
    tasks = [TaskDef.load(p) for p in sorted(DEFS.glob("*.yaml"))]
    if only:
        unknown = set(only) - {t.id for t in tasks}
        if unknown:
            raise SystemExit(f"unknown task id(s): {', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t.id in only]
    return tasks


# ---------------------------------------------------------------- stage 1: register

def source_of(task: TaskDef) -> str:
    """The task's `source`: its sources here, not the throw-away repo it is registered from, so
    that task.yaml is the same on every build."""
    return f"tasks/_src/{task.library}"


def is_current(task: TaskDef, repo: Path, base: str, fix: str) -> bool:
    """The registered task has this base commit, these patches, this issue text and this source."""
    from srl_swe.errors import TaskError
    from srl_swe.tasks.gitrepo import split_fix
    from srl_swe.tasks.registry import load_task

    try:
        spec = load_task(task.id, TASKS_DIR)
    except TaskError:
        return False
    patch, test_patch = split_fix(repo, base, fix)
    return (spec.base_commit, spec.patch, spec.test_patch, spec.problem_statement.strip(), spec.source) == (
        base, patch, test_patch, task.issue.strip(), source_of(task))


def register(task: TaskDef, force: bool) -> str:
    with tempfile.TemporaryDirectory(prefix=f"srl-swe-build-{task.id}-") as tmp:
        repo = Path(tmp) / task.library
        base, fix = make_repo(task, repo)
        if not force and is_current(task, repo, base, fix):
            return "unchanged"
        issue = Path(tmp) / "issue.md"
        issue.write_text(task.issue.strip() + "\n", encoding="utf-8")
        replace = ["--replace"] if (TASKS_DIR / task.id / "task.yaml").exists() else []
        # The bundled libraries need nothing installed and their lists cover the whole suite.
        cli("tasks", "add", "--repo", str(repo), "--fix-commit", fix, "--id", task.id,
            "--problem-statement", f"@{issue}", "--source", source_of(task), "--test-scope", "all",
            "--system-python", *replace)
        return "replaced" if replace else "registered"


def cli(*args: str) -> str:
    exe = Path(sys.executable).with_name("srl-swe")
    done = subprocess.run([str(exe) if exe.exists() else "srl-swe", *args, "--tasks-dir", str(TASKS_DIR)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"srl-swe {' '.join(args[:2])} failed:\n{(done.stdout + done.stderr).strip()[-2000:]}")
    return done.stdout


# ---------------------------------------------------------------- stage 2: experts

def expert_steps(task_id: str) -> list[tuple[str, str]]:
    from srl_swe.agents.record import load_steps

    return load_steps(EXPERTS / f"{task_id}.yaml")


def record_expert(task: TaskDef, force: bool) -> str:
    from srl_swe.tasks.registry import expert_path
    from srl_swe.agents.record import parse_steps, record_actions, save_expert
    from srl_swe.trajectories.schema import read_jsonl

    steps = expert_steps(task.id)
    target = expert_path(task.id, TASKS_DIR)
    if not force and target.exists():
        recorded = next(read_jsonl(target), None)
        wanted = [action for _, action in parse_steps(steps)]
        if recorded and recorded.outcome.resolved and [s.action for s in recorded.steps] == wanted:
            return "unchanged"
    trajectory = record_actions(task.id, steps, tasks_dir=TASKS_DIR)
    if not trajectory.outcome.resolved:
        failed = "\n".join(f"  {i}. {s.action.name}: {s.observation.strip()[-300:]}" for i, s in enumerate(trajectory.steps, 1))
        raise SystemExit(f"{task.id}: the expert's diff does not resolve the task; nothing written.\n{failed}")
    save_expert(trajectory, tasks_dir=TASKS_DIR)
    return f"recorded ({len(trajectory.steps)} steps, resolved)"


# ---------------------------------------------------------------- --check: host-only

def pytest_statuses(tree: Path) -> dict[str, str]:
    """{node id: outcome} of the whole suite of `tree`, run with this interpreter's pytest."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], cwd=tree,
                          capture_output=True, text=True)
    statuses = {}
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR"):
            statuses[rest.split(" - ")[0]] = word
    if not statuses:
        raise SystemExit(f"no test results in {tree}:\n{done.stdout[-1500:]}{done.stderr[-500:]}")
    return statuses


def apply_expert_edits(task_id: str, tree: Path) -> None:
    """The expert's file edits (str_replace/create/insert), replayed on `tree` as /testbed."""
    from srl_swe.tools.actions import parse

    for index, (_, text) in enumerate(expert_steps(task_id), start=1):
        action = parse(text).action
        args = action.arguments
        if action.name != "str_replace_editor" or args["command"] == "view":
            continue
        path = tree / Path(args["path"]).relative_to("/testbed")
        where = f"{task_id} expert step {index}"
        if args["command"] == "create":
            path.write_text(args["file_text"], encoding="utf-8")
        elif args["command"] == "str_replace":
            path.write_text(_replace_once(path.read_text(encoding="utf-8"), args["old_str"], args.get("new_str", ""), where),
                            encoding="utf-8")
        elif args["command"] == "insert":
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            lines.insert(int(args["insert_line"]), args["new_str"].rstrip("\n") + "\n")
            path.write_text("".join(lines), encoding="utf-8")
        else:
            raise SystemExit(f"{where}: {args['command']} is not replayed by --check")


def check(task: TaskDef) -> str:
    """Bug shows (new tests fail before), fix fixes (all pass after), base suite passes, expert fixes."""
    with tempfile.TemporaryDirectory(prefix=f"srl-swe-check-{task.id}-") as tmp:
        base, before, after, expert = (Path(tmp) / name for name in ("base", "before", "after", "expert"))
        write_base(task, base)
        for tree in (before, after, expert):
            shutil.copytree(base, tree)
        add_tests(task, before)
        write_fix(task, after)
        bad_base = [t for t, s in pytest_statuses(base).items() if s != "PASSED"]
        results_before, results_after = pytest_statuses(before), pytest_statuses(after)
        f2p = [t for t, s in results_after.items() if s == "PASSED" and results_before.get(t) != "PASSED"]
        bad_after = [t for t, s in results_after.items() if s != "PASSED"]
        problems = [f"base suite fails: {bad_base}"] * bool(bad_base) + [f"fails after the fix: {bad_after}"] * bool(bad_after)
        problems += ["no FAIL_TO_PASS"] * (not f2p)
        if (EXPERTS / f"{task.id}.yaml").exists():
            apply_expert_edits(task.id, expert)
            add_tests(task, expert)
            bad_expert = [t for t, s in pytest_statuses(expert).items() if s != "PASSED"]
            problems += [f"expert leaves failing: {bad_expert}"] * bool(bad_expert)
        if problems:
            raise SystemExit(f"{task.id}: " + "; ".join(problems))
        expert_note = "" if (EXPERTS / f"{task.id}.yaml").exists() else " (no expert file yet)"
        return f"ok: {len(f2p)} F2P, {len(results_after) - len(f2p)} P2P{expert_note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    stage = parser.add_mutually_exclusive_group()
    stage.add_argument("--experts-only", action="store_true", help="only record the expert trajectories")
    stage.add_argument("--all", action="store_true", help="register the tasks, then record the experts")
    stage.add_argument("--check", action="store_true", help="verify tasks and experts with pytest on the host")
    parser.add_argument("--only", nargs="+", metavar="ID", help="these tasks only")
    parser.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    args = parser.parse_args()
    tasks = load_defs(args.only)
    steps = [check] if args.check else [record_expert] if args.experts_only else [register, record_expert] if args.all else [register]
    from srl_swe.errors import SrlSweError

    for step in steps:
        for task in tasks:
            try:
                result = step(task) if step is check else step(task, args.force)
            except SrlSweError as exc:
                raise SystemExit(f"{task.id}: {exc}") from None
            print(f"{task.id:<14} {step.__name__:<14} {result}", flush=True)


if __name__ == "__main__":
    main()
