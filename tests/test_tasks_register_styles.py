"""Registering real-shaped repositories: the registered FAIL_TO_PASS and PASS_TO_PASS are ids that
pytest itself prints inside the task container, in every awkward style; ids that change from run
to run are left out; a flat-layout package is installed offline with its dependency from a
wheelhouse; a data-only test change works; a broken import is a `collection_error` with the
exception. Real containers; the wheelhouse is resolved on the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import TaskCheckFailed
from srl_swe.tasks.patching import apply_patch
from srl_swe.tasks.register import RegisterOptions, register_fix_commit
from srl_swe.tasks.registry import load_task
from srl_swe.tasks.sandbox import task_sandbox
from srl_swe.tasks.validate import validate_task
from tests.id_styles import DOCTEST_ID, FILES, FIXED
from tests.task_repos import git

pytestmark = [pytest.mark.docker, pytest.mark.long]
cli = CliRunner()

UNSTABLE_TEST = '''

import time

import pytest

from pkg.calc import add


@pytest.mark.parametrize("stamp", [time.time_ns()])
def test_stamped(stamp):
    assert add(1, 1) == 2


def test_added_with_the_fix():
    assert add(3, 4) == 7
'''


SUB = "\n\ndef sub(a, b):\n    return a - b\n"
# Cannot even be collected before the fix (it imports what the fix adds): F2P, and the other
# files of the run still run.
TEST_SUB = "from pkg.calc import sub\n\n\ndef test_sub():\n    assert sub(3, 1) == 2\n"


def commit(repo: Path, tree: dict[str, str], message: str) -> str:
    for path, text in tree.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def init(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture(scope="module")
def styles_repo(tmp_path_factory) -> tuple[Path, str]:
    repo = init(tmp_path_factory.mktemp("repos") / "styles")
    commit(repo, FILES, "calc with a bug")
    fixed = {**FIXED, "tests/test_inherit.py": FIXED["tests/test_inherit.py"] + UNSTABLE_TEST,
             "pkg/calc.py": FIXED["pkg/calc.py"] + SUB, "tests/test_sub.py": TEST_SUB}
    return repo, commit(repo, fixed, "add adds; sub")


def clone_at_bug(repo: Path, where: Path) -> Path:
    """A clone of the styles repo checked out at its buggy first commit, for other fixes of it."""
    git(repo, "clone", "-q", str(repo), str(where))
    git(where, "checkout", "-q", "-b", "other", "HEAD~1")
    return where


def collected(sandbox, command: str) -> set[str]:
    output = sandbox.run(f"{command} --collect-only -q -p no:cacheprovider", timeout=300).output
    return {line for line in output.splitlines() if "::" in line}


def test_whole_suite_ids_are_pytests_own_and_validate(styles_repo, tmp_path):
    repo, fix = styles_repo
    logs: list[str] = []
    command = "python -m pytest --doctest-modules"
    spec = register_fix_commit(
        str(repo),
        fix,
        RegisterOptions(task_id="styles-all", test_scope="all", test_command=command),
        tmp_path,
        log=logs.append,
    )
    assert set(spec.FAIL_TO_PASS) == {
        DOCTEST_ID, "tests/test_inherit.py::TestAdd::test_adds", "tests/test_inherit.py::test_added_with_the_fix",
        "tests/test_unittest.py::AddCase::test_add", "tests/test_unittest.py::AddCase::test_commutes",
        "tests/test_params.py::test_add_pairs[one/one]", "tests/test_params.py::test_add_pairs[two::three [x]]",
        "tests/test_sub.py::test_sub",
    }
    assert "tests/test_outcomes.py::test_xfail" in spec.PASS_TO_PASS and len(spec.PASS_TO_PASS) == 312
    assert not {"tests/test_outcomes.py::test_xpass", "tests/test_outcomes.py::test_skip"} & set(spec.PASS_TO_PASS)
    assert not any("test_stamped" in t for t in spec.FAIL_TO_PASS + spec.PASS_TO_PASS)
    assert any("unstable ids" in line and "test_stamped" in line for line in logs), logs
    with task_sandbox(spec, tmp_path) as sandbox:
        for diff in (spec.test_patch, spec.patch):
            assert apply_patch(sandbox, diff, spec.workdir)[0]
        assert set(spec.FAIL_TO_PASS + spec.PASS_TO_PASS) <= collected(sandbox, command)
        assert sandbox.run("command -v python").output.strip() == "/opt/srl-swe/venv/bin/python"
    result = validate_task(spec, tmp_path)
    assert (result.outcome, result.detail) == ("ok", "")


def test_file_scope_runs_the_test_patch_files(styles_repo, tmp_path):
    repo, fix = styles_repo
    spec = register_fix_commit(str(repo), fix, RegisterOptions(task_id="styles-files"), tmp_path, log=lambda _m: None)
    assert spec.test_scope == "files" and spec.test_runner == "pytest" and spec.environment == "venv"
    assert spec.FAIL_TO_PASS == [
        "tests/test_inherit.py::TestAdd::test_adds",
        "tests/test_inherit.py::test_added_with_the_fix",
        "tests/test_sub.py::test_sub",
    ]
    assert spec.PASS_TO_PASS == ["tests/test_inherit.py::TestAdd::test_zero"]
    assert validate_task(spec, tmp_path).outcome == "ok"


FLAT = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
                      '[project]\nname = "datalib"\nversion = "0.1"\ndependencies = ["six"]\n\n'
                      '[tool.setuptools]\npackages = ["datalib"]\n',
    "datalib/__init__.py": "import six\n\n\ndef shout(text):\n    return six.ensure_str(text).upper()\n",
    "tests/test_cases.py": 'import json\nimport pathlib\n\nimport pytest\n\nfrom datalib import shout\n\n'
                           'CASES = sorted((pathlib.Path(__file__).parent / "data").glob("*.json"))\n\n\n'
                           '@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])\n'
                           'def test_case(path):\n    case = json.loads(path.read_text())\n'
                           '    assert shout(case["in"]) == case["out"]\n',
    "tests/data/case1.json": '{"in": "ab", "out": "AB"}\n',
}


@pytest.fixture(scope="module")
def flat_repo(tmp_path_factory) -> tuple[Path, str]:
    """A flat-layout package that a bare `pytest` cannot import uninstalled, depending on `six`;
    its fix's test change only adds a data file."""
    repo = init(tmp_path_factory.mktemp("repos") / "datalib")
    commit(repo, FLAT, "datalib")
    fixed = {"datalib/__init__.py": FLAT["datalib/__init__.py"].replace(".upper()", ".strip().upper()"),
             "tests/data/case2.json": '{"in": " cd ", "out": "CD"}\n'}
    return repo, commit(repo, fixed, "shout strips")


def test_flat_package_installed_offline_with_its_dependency(flat_repo, tmp_path):
    repo, fix = flat_repo
    logs: list[str] = []
    spec = register_fix_commit(str(repo), fix, RegisterOptions(task_id="datalib-1", test_command="pytest"), tmp_path,
                               log=logs.append)
    assert spec.FAIL_TO_PASS == ["tests/test_cases.py::test_case[case2.json]"]
    assert spec.PASS_TO_PASS == ["tests/test_cases.py::test_case[case1.json]"]
    assert spec.test_scope == "all"  # the test patch holds no test module
    assert any("whole suite" in line for line in logs)
    with task_sandbox(spec, tmp_path) as sandbox:
        where = sandbox.run("python -c 'import datalib, six; print(datalib.__file__)'").output.strip()
        assert where == "/testbed/datalib/__init__.py"
    assert validate_task(spec, tmp_path).outcome == "ok"


def test_uninstalled_package_is_an_install_error_naming_what_is_missing(flat_repo, tmp_path):
    repo, fix = flat_repo
    options = RegisterOptions(task_id="datalib-2", test_command="pytest", install=[])
    with pytest.raises(TaskCheckFailed) as failed:
        register_fix_commit(str(repo), fix, options, tmp_path, log=lambda _m: None)
    assert failed.value.outcome == "install_error"
    assert "datalib does not import: ModuleNotFoundError: No module named 'six'" in failed.value.detail
    assert "--install" in failed.value.hint
    assert not (tmp_path / "datalib-2").exists()


def test_broken_import_is_a_collection_error_with_the_exception(styles_repo, tmp_path):
    clone = clone_at_bug(styles_repo[0], tmp_path / "clone")
    fix = commit(
        clone,
        {
            "pkg/calc.py": FIXED["pkg/calc.py"],
            "tests/test_inherit.py": FIXED["tests/test_inherit.py"] + "\n# more\n",
            "tests/test_broken.py": "import not_installed_anywhere\n\n\ndef test_x():\n    pass\n",
        },
        "broken",
    )
    with pytest.raises(TaskCheckFailed) as failed:
        register_fix_commit(str(clone), fix, RegisterOptions(task_id="broken"), tmp_path / "tasks", log=lambda _m: None)
    assert failed.value.outcome == "collection_error"
    assert "tests/test_broken.py: ModuleNotFoundError: No module named 'not_installed_anywhere'" in failed.value.detail
    assert "--requirement" in failed.value.hint


def test_ids_with_quotes_survive_the_shell(styles_repo, tmp_path):
    """Ids travel through files, never the command line: quotes and `$` in an id are harmless."""
    tricky = {"tests/test_quotes.py": 'import pytest\n\nfrom pkg.calc import add\n\n\n'
                                      '@pytest.mark.parametrize("s", ["it\'s", "$HOME", "a;b"])\n'
                                      'def test_q(s):\n    assert add(1, 1) == 2\n',
              "pkg/calc.py": FIXED["pkg/calc.py"]}
    clone = clone_at_bug(styles_repo[0], tmp_path / "clone")
    fix = commit(clone, tricky, "quotes")
    spec = register_fix_commit(
        str(clone), fix, RegisterOptions(task_id="quotes"), tmp_path / "tasks", log=lambda _m: None
    )
    assert sorted(spec.FAIL_TO_PASS) == sorted(f"tests/test_quotes.py::test_q[{s}]" for s in ("it's", "$HOME", "a;b"))


UNITTEST_REPO = {
    "mathx/__init__.py": "def double(x):\n    return x + x + 1\n",
    "tests/__init__.py": "",
    "tests/test_mathx.py": "import unittest\n\nfrom mathx import double\n\n\nclass DoubleTest(unittest.TestCase):\n"
                           "    def test_type(self):\n        self.assertIsInstance(double(1), int)\n",
}


def test_unittest_runner_from_the_cli_lists_ids_unittest_accepts_back(tmp_path):
    repo = init(tmp_path / "mathx")
    commit(repo, UNITTEST_REPO, "mathx")
    tests = (
        UNITTEST_REPO["tests/test_mathx.py"] + "\n    def test_double(self):\n        self.assertEqual(double(2), 4)\n"
    )
    fix = commit(
        repo, {"mathx/__init__.py": "def double(x):\n    return x + x\n", "tests/test_mathx.py": tests}, "double"
    )
    tasks_dir = tmp_path / "tasks"
    added = cli.invoke(app, ["tasks", "add", "--repo", str(repo), "--fix-commit", fix, "--id", "mathx-1",
                             "--test-runner", "unittest", "--tasks-dir", str(tasks_dir)])
    assert added.exit_code == 0, added.output
    spec = load_task("mathx-1", tasks_dir)
    assert (spec.test_runner, spec.test_command) == ("unittest", "python -m unittest -v")
    assert spec.FAIL_TO_PASS == ["tests.test_mathx.DoubleTest.test_double"]
    assert spec.PASS_TO_PASS == ["tests.test_mathx.DoubleTest.test_type"]
    with task_sandbox(spec, tasks_dir) as sandbox:
        for diff in (spec.test_patch, spec.patch):
            assert apply_patch(sandbox, diff, spec.workdir)[0]
        back = sandbox.run(f"python -m unittest {spec.FAIL_TO_PASS[0]} 2>&1").output
        assert "Ran 1 test" in back and back.rstrip().endswith("OK")
    listed = json.loads(cli.invoke(app, ["tasks", "list", "--json", "--tasks-dir", str(tasks_dir)]).stdout)
    assert listed == [dict(id="mathx-1", repo="mathx", test_runner="unittest", test_scope="files", environment="venv",
                           FAIL_TO_PASS=1, PASS_TO_PASS=1, image=None, bundle=True)]
    validated = cli.invoke(app, ["tasks", "validate", "--json", "--tasks-dir", str(tasks_dir)])
    assert validated.exit_code == 0, validated.output
    [result] = json.loads(validated.stdout)
    assert (result["task_id"], result["outcome"]) == ("mathx-1", "ok")
    shown = cli.invoke(app, ["tasks", "show", "mathx-1", "--tasks-dir", str(tasks_dir)]).stdout
    runner_line = next(line for line in shown.splitlines() if "runner" in line)
    assert "unittest: python -m unittest -v (scope: files)" in runner_line
    assert "srl-swe/task:" in next(line for line in shown.splitlines() if line.startswith("│ image "))
