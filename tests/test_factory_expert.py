"""The scripted expert. Pure logic first: each hunk of a real `git diff` becomes a str_replace whose
old_str occurs once in the file as it is at that moment, so applying them in order gives the
patched file (unique blocks, repeated code, adjacent -U0 hunks, file edges, several files); the
script runs only tests that are in the repo. Then real containers: it resolves a bundled two-file
fix whose failing tests are hidden, and a bundled off-by-one made into a task whose failing tests
are in the repo (as synthesized ones are), and `eval --policy replay` resolves both again from the
saved trajectories. (All 12 bundled tasks: `srl-swe expert script --all` on a copy, see README.)"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import TaskError
from srl_swe.factory.expert import SOURCE, base_files, record_scripted_experts, save_scripted
from srl_swe.factory.hunks import file_replacements, new_file_text, parse_patch
from srl_swe.factory.script import plan_steps
from srl_swe.tasks.registry import (
    TASK_FILE,
    bundle_path,
    dump_spec,
    expert_path,
    list_tasks,
    load_task,
    task_path,
    write_spec,
)
from srl_swe.tasks.spec import TaskSpec
from srl_swe.tools.actions import bash
from srl_swe.trajectories.schema import Outcome, Step, Trajectory, read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "tasks"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def git_diff(tmp: Path, before: dict[str, str | None], after: dict[str, str | None], context: int = 3) -> str:
    """The real `git diff` between two trees (None: the file is absent)."""
    repo = tmp / f"repo{len(list(tmp.iterdir()))}"
    repo.mkdir()
    _git(repo, "init", "-q")
    for tree, message in ((before, "before"), (after, "after")):
        for path, text in tree.items():
            target = repo / path
            if text is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message, "--allow-empty")
    return _git(repo, "diff", f"-U{context}", "-M", "HEAD~1", "HEAD")


def apply_like_the_editor(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"old_str occurs {text.count(old)} times: {old!r}"
    return text.replace(old, new)


def file_diff(tmp: Path, before: str, after: str, context: int) -> str:
    """`git diff --no-index` of two texts: the same hunks as in a repository, one process."""
    (tmp / "a.py").write_text(before)
    (tmp / "b.py").write_text(after)
    return subprocess.run(["git", "diff", "--no-index", f"-U{context}", "a.py", "b.py"], cwd=tmp,
                          capture_output=True, text=True).stdout


def check_replays(tmp: Path, before: str, after: str, context: int = 3) -> list:
    patch = parse_patch(file_diff(tmp, before, after, context))
    replacements, simulated = file_replacements("m.py", before, patch[0].hunks)
    text = before
    for r in replacements:
        text = apply_like_the_editor(text, r.old_str, r.new_str)
    assert text == simulated == after
    return replacements


def test_one_hunk_is_the_changed_line_alone_when_that_is_unique(tmp_path):
    before = "def f(x):\n    if x < 3:\n        return 1\n    return 2\n"
    [r] = check_replays(tmp_path, before, before.replace("x < 3", "x <= 3"))
    assert (r.old_str, r.new_str, r.changed_line, r.removed, r.added) == ("    if x < 3:", "    if x <= 3:", 2, 1, 1)
    assert r.view == (1, 4)


def test_repeated_code_grows_context_until_unique(tmp_path):
    block = "    total = 0\n    for item in items:\n        total += item\n    return total\n"
    before = f"def a(items):\n{block}\n\ndef b(items):\n{block}"
    after = f"def a(items):\n{block}\n\ndef b(items):\n{block.replace('total += item', 'total += 2 * item')}"
    [r] = check_replays(tmp_path, before, after)
    assert before.count("        total += item") == 2 and before.count(r.old_str) == 1
    assert "def b(items):" in r.old_str  # the nearest line that tells the two apart


@pytest.mark.parametrize("context", [0, 1, 3])
def test_random_edits_on_repetitive_files_replay_exactly(tmp_path, context):
    # Many identical lines make uniqueness hard; -U0 gives hunks on lines next to each other.
    rng = random.Random(context)
    vocabulary = ["pass", "x = 1", "return x", "", "    y = 2", "# note"]
    for _ in range(40):
        lines = [rng.choice(vocabulary) for _ in range(rng.randint(1, 30))]
        edited = list(lines)
        for _ in range(rng.randint(1, 5)):
            at = rng.randint(0, len(edited))
            kind = rng.choice(["insert", "delete", "replace"])
            if kind == "insert" or not edited:
                edited.insert(at, rng.choice(vocabulary + ["z = 3"]))
            elif kind == "delete":
                del edited[min(at, len(edited) - 1)]
            else:
                edited[min(at, len(edited) - 1)] = rng.choice(vocabulary + ["z = 3"])
        before = "\n".join(lines) + ("\n" if rng.random() < 0.7 else "")
        after = "\n".join(edited) + ("\n" if rng.random() < 0.7 else "")
        if before != after:
            check_replays(tmp_path, before, after, context)


def test_edits_at_the_edges_of_a_file(tmp_path):
    body = "import os\n\n\ndef f():\n    return os.sep\n"
    check_replays(tmp_path, body, "from __future__ import annotations\n\n" + body)  # insertion at line 1
    check_replays(tmp_path, body, body.removesuffix("    return os.sep\n"))  # deletion at the end
    check_replays(tmp_path, body, body.rstrip("\n"))  # the final newline dropped
    check_replays(tmp_path, body.rstrip("\n"), body)  # and added back


def test_a_hunk_that_does_not_match_the_file_is_an_error(tmp_path):
    patch = parse_patch(git_diff(tmp_path, {"m.py": "a = 1\nb = 2\n"}, {"m.py": "a = 1\nb = 3\n"}))
    with pytest.raises(TaskError, match=r"m.py: hunk 1 .* does not match"):
        file_replacements("m.py", "a = 1\nc = 2\n", patch[0].hunks)


class FakeFiles:
    def __init__(self, files: dict[str, str]):
        self.files = files

    def read(self, path: str) -> str | None:
        return self.files.get(path)

    def exists(self, path: str) -> bool:
        return path in self.files or any(p.startswith(path + "/") for p in self.files)


def play(plan, files: dict[str, str | None], workdir: str = "/testbed") -> dict[str, str | None]:
    """The plan's file edits on a dict of files, with the editor's rule (old_str occurs once)."""
    files = dict(files)
    for step in plan:
        args, prefix = step.action.arguments, workdir + "/"
        if step.action.name == "str_replace_editor" and args["command"] == "str_replace":
            path = args["path"].removeprefix(prefix)
            files[path] = apply_like_the_editor(files[path], args["old_str"], args["new_str"])
        elif step.action.name == "str_replace_editor" and args["command"] == "create":
            files[args["path"].removeprefix(prefix)] = args["file_text"]
        elif step.action.name == "bash" and args["command"].startswith(("rm ", "mv ")):
            words = args["command"].split()
            moved = files.pop(words[1].removeprefix(prefix))
            if words[0] == "mv":
                files[words[2].removeprefix(prefix)] = moved
    return files


def test_a_multi_file_patch_becomes_a_run_search_view_edit_rerun_submit_script(tmp_path):
    before = {
        "pkg/core.py": "def scale(x, k):\n    return x * k + 1\n" + "\n\nSPACER = 1\n" * 4 + "\n\ndef clip(x):\n"
                       "    return min(x, 9)\n",
        "pkg/old.py": "LEGACY = True\n",
        "pkg/name.py": "NAME = 'a'\n",
        "tests/test_core.py": "from pkg.core import scale\n\n\ndef test_scale():\n    assert scale(2, 3) == 6\n",
    }
    after = {**before, "pkg/core.py": before["pkg/core.py"].replace("x * k + 1", "x * k").replace("9)", "10)"),
             "pkg/old.py": None, "pkg/new.py": "def helper():\n    return 1\n", "pkg/name.py": None,
             "pkg/renamed.py": "NAME = 'a'\n"}
    spec = TaskSpec(instance_id="t-1", patch=git_diff(tmp_path, before, after),
                    FAIL_TO_PASS=["tests/test_core.py::test_scale"], PASS_TO_PASS=[])
    plan = plan_steps(spec, FakeFiles(before))
    names = [(s.action.name, s.action.arguments.get("command", "")[:6]) for s in plan]
    assert names[0] == ("bash", "cd /te") and "tests/test_core.py::test_scale" in plan[0].action.arguments["command"]
    assert ("bash", "cd /te") in names[1:3]  # the search
    assert [n for n in names if n[0] == "str_replace_editor"].count(("str_replace_editor", "str_re")) == 2
    assert names[-1] == ("submit", "") and names[-3][0] == names[-2][0] == "bash"  # rerun the test, then its file
    views = [s.action.arguments for s in plan if s.action.arguments.get("command") == "view"]
    assert all(v["view_range"][0] <= v["view_range"][1] for v in views) and len(views) == 2
    expected = {path: text for path, text in after.items() if text is not None}
    assert play(plan, before) == expected
    thoughts = [s.thought("E   assert 7 == 6\n1 failed in 0.01s\n[exit code 1]") for s in plan]
    assert thoughts[1].startswith("They fail: `E   assert 7 == 6`.") and "`scale`" in thoughts[1]


def test_hidden_tests_are_never_run_or_named(tmp_path):
    # datekit-3: its failing tests come with the hidden test patch; only the repo's own tests run.
    spec = load_task("datekit-3", BUNDLED)
    with base_files(spec, BUNDLED) as files:
        plan = plan_steps(spec, files)
        assert play(plan, {p: files.read(p) for p in ("datekit/calendar.py", "datekit/relative.py")})
    hidden = {test_id.split("::")[1] for test_id in spec.FAIL_TO_PASS}
    text = "\n".join(f"{s.thought('64 passed')}\n{s.action.arguments}" for s in plan)
    assert not [name for name in hidden if name in text]
    runs = [s.action.arguments["command"] for s in plan if "pytest" in s.action.arguments.get("command", "")]
    assert runs and all(r.endswith("tests/test_calendar.py tests/test_dates.py") for r in runs)


def test_binary_and_missing_patches_cannot_be_scripted():
    files = FakeFiles({})
    with pytest.raises(TaskError, match="no gold patch"):
        plan_steps(TaskSpec(instance_id="t-2", FAIL_TO_PASS=["a"]), files)
    binary = "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nGIT binary patch\nliteral 3\nabc\n"
    with pytest.raises(TaskError, match="logo.png: .*binary"):
        plan_steps(TaskSpec(instance_id="t-3", patch=binary, FAIL_TO_PASS=["a"]), files)


def test_new_file_text_keeps_a_missing_final_newline(tmp_path):
    [patch] = parse_patch(git_diff(tmp_path, {}, {"n.py": "a\nb"}))
    assert patch.old_path is None and new_file_text(patch) == "a\nb"


def test_saving_keeps_other_experts_and_replaces_the_earlier_scripted_one(tmp_path):
    def trajectory(source: str, thought: str) -> Trajectory:
        return Trajectory(task_id="t-1", steps=[Step(thought=thought, action=bash("ls"))], source=source,
                          outcome=Outcome(resolved=True))

    path = expert_path("t-1", tmp_path)
    path.parent.mkdir(parents=True)
    write_jsonl(path, [trajectory("teacher", "model"), trajectory(SOURCE, "old")])
    save_scripted(trajectory(SOURCE, "new"), tmp_path)
    saved = list(read_jsonl(path))
    assert [(t.source, t.steps[0].thought) for t in saved] == [("teacher", "model"), (SOURCE, "new")]


def test_cli_names_why_a_task_cannot_be_scripted_and_exits_1(tmp_path):
    # Both are refused before any container starts: a binary change, and no failing test to check.
    root = tmp_path / "tasks"
    binary = "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nGIT binary patch\nliteral 3\nabc\n"
    for task_id, update in (("lrukit-3", {"patch": binary}), ("datekit-1", {"FAIL_TO_PASS": []})):
        _copy_task(task_id, root)
        spec = load_task(task_id, root)
        write_spec(task_path(task_id, root), TaskSpec.model_validate({**spec.to_yaml_dict(), **update}))
    result = CliRunner().invoke(app, ["expert", "script", "--all", "--tasks-dir", str(root)])
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "not scriptable: logo.png: the patch changes it as binary data" in output
    assert "no FAIL_TO_PASS tests" in output and "0/2 resolved" in output
    assert not expert_path("lrukit-3", root).exists()
    result = CliRunner().invoke(app, ["expert", "script", "--tasks-dir", str(root)])
    assert result.exit_code == 1 and "Name the tasks to script, or pass --all" in result.output


# -- real containers -------------------------------------------------------------------------------
def _copy_task(task_id: str, tasks_dir: Path) -> None:
    shutil.copytree(BUNDLED / task_id, tasks_dir / task_id, ignore=shutil.ignore_patterns("trajectories"))


def _visible_variant(task_id: str, tasks_dir: Path, tmp: Path) -> str:
    """The task with its test patch committed into the base, as a synthesized task is: the failing
    tests are in the repo. Same gold patch and test ids."""
    spec = load_task(task_id, BUNDLED)
    repo = tmp / "visible"
    _git(tmp, "clone", "-q", str(bundle_path(task_id, BUNDLED)), str(repo))
    _git(repo, "checkout", "-q", spec.base_commit)
    subprocess.run(["git", "apply"], cwd=repo, input=spec.test_patch, text=True, check=True)
    _git(repo, "add", "-A")
    env = ["-c", "user.name=t", "-c", "user.email=t@t"]
    _git(repo, *env, "commit", "-qm", "tests", "--date=2024-01-01T00:00:00")
    base = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "update-ref", "refs/heads/srl_swe_base", base)
    new_id = f"{task_id}-visible"
    folder = tasks_dir / new_id
    (folder / "trajectories").mkdir(parents=True)
    _git(repo, "bundle", "create", str(folder / "repo.bundle"), "refs/heads/srl_swe_base")
    visible = TaskSpec.model_validate({**spec.to_yaml_dict(), "instance_id": new_id, "base_commit": base,
                                       "test_patch": "", "extra": {"factory": {"origin": "synth"}}})
    (folder / TASK_FILE).write_text(dump_spec(visible))
    return new_id


@pytest.mark.docker
def test_scripted_expert_resolves_bundled_and_visible_test_tasks_and_replays(tmp_path, base_image):
    from srl_swe.evaluate.policies import PolicySettings
    from srl_swe.evaluate.runner import EvalConfig, run_eval

    tasks_dir = tmp_path / "tasks"
    tasks_dir.mkdir()
    _copy_task("datekit-3", tasks_dir)  # a two-file fix, its failing tests hidden
    visible = _visible_variant("lrukit-3", tasks_dir, tmp_path)  # an off-by-one (>= for >), its tests visible
    ids = list_tasks(tasks_dir)
    results = record_scripted_experts([load_task(t, tasks_dir) for t in ids], tasks_dir, workers=2)
    assert [(r.task_id, r.resolved, r.detail) for r in results] == [(t, True, "") for t in ids]
    for r in results:
        [saved] = read_jsonl(expert_path(r.task_id, tasks_dir))
        assert saved.source == SOURCE and saved.outcome.resolved and len(saved.steps) == r.steps
    steps = {r.task_id: r.trajectory.steps for r in results}
    # the visible task runs its failing tests by id, sees them fail, and sees them pass after the fix
    first, rerun = steps[visible][0], steps[visible][-3]
    assert "::test_resize_to_one" in first.action.arguments["command"] and "[exit code 1]" in first.observation
    assert rerun.action == first.action and "[exit code" not in rerun.observation
    assert steps[visible][1].thought.startswith("They fail: `")
    config = EvalConfig(policy=PolicySettings(kind="replay", tasks_dir=str(tasks_dir), workers=2), tasks=ids,
                        tasks_dir=str(tasks_dir), workers=2, max_steps=30, out=tmp_path / "eval")
    report = run_eval(config)
    assert report["resolved_instances"] == report["total_instances"] == len(ids)
