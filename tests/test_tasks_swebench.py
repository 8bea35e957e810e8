"""SWE-bench / SWE-smith JSONL import and export: lossless, list and string forms (no containers)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import TaskError
from srl_swe.tasks.registry import list_tasks, load_task
from srl_swe.tasks.swebench import read_jsonl
from tests.task_repos import tree_snapshot

runner = CliRunner()

SWEBENCH_STRING_FORM = {
    "repo": "astropy/astropy",
    "instance_id": "astropy__astropy-12907",
    "base_commit": "d16bfe05a744909de4b27f5875fe0d4ed41ce607",
    "patch": "diff --git a/astropy/modeling/separable.py b/astropy/modeling/separable.py\n--- a/x\n+++ b/x\n",
    "test_patch": "diff --git a/astropy/modeling/tests/test_separable.py b/astropy/modeling/tests/test_separable.py\n",
    "problem_statement": "Modeling's `separability_matrix` does not compute separability correctly for nested "
    "CompoundModels\n",
    "hints_text": "",
    "created_at": "2022-03-03T15:14:54Z",
    "version": "4.3",
    "FAIL_TO_PASS": json.dumps(["astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]"]),
    "PASS_TO_PASS": json.dumps(
        [
            "astropy/modeling/tests/test_separable.py::test_coord_matrix",
            "astropy/modeling/tests/test_separable.py::test_cdot",
        ]
    ),
    "environment_setup_commit": "298ccb478e6bf092953bca67a3d29dc6c35f6752",
}
SWESMITH_LIST_FORM = {
    "instance_id": "oauthlib__oauthlib.1fd52536.combine_file__09vlzwgc",
    "repo": "swesmith/oauthlib__oauthlib.1fd52536",
    "patch": "diff --git a/oauthlib/x.py b/oauthlib/x.py\n",
    "FAIL_TO_PASS": ["tests/test_x.py::test_a"],
    "PASS_TO_PASS": [],
    "created_at": "2025-03-14T23:00:00.000000",
    "image_name": "jyangballin/swesmith.x86_64.oauthlib_1776_oauthlib.1fd52536",
    "base_commit": "d3cf1e7c",
    "problem_statement": "Token validation fails for ...",
    "score": 0.5,
    "meta": {"k": [1, 2]},
}


def write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_round_trip_keeps_every_field_and_the_list_form(tmp_path):
    source = write(tmp_path / "in.jsonl", [SWEBENCH_STRING_FORM, SWESMITH_LIST_FORM])
    tasks_dir = tmp_path / "tasks"
    imported = runner.invoke(app, ["tasks", "import", str(source), "--tasks-dir", str(tasks_dir)])
    assert imported.exit_code == 0, imported.output
    spec = load_task("astropy__astropy-12907", tasks_dir)
    assert spec.FAIL_TO_PASS == ["astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]"]
    assert len(spec.PASS_TO_PASS) == 2 and spec.version == "4.3"
    smith = load_task(SWESMITH_LIST_FORM["instance_id"], tasks_dir)
    assert smith.extra == {"image_name": SWESMITH_LIST_FORM["image_name"], "score": 0.5, "meta": {"k": [1, 2]}}
    exported = runner.invoke(app, ["tasks", "export", str(tmp_path / "out.jsonl"), "--tasks-dir", str(tasks_dir)])
    assert exported.exit_code == 0, exported.output
    back = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert back == [SWEBENCH_STRING_FORM, SWESMITH_LIST_FORM]  # list_tasks order is sorted; so is this input


def test_image_template_uses_the_records_fields(tmp_path):
    source = write(tmp_path / "in.jsonl", [SWEBENCH_STRING_FORM, SWESMITH_LIST_FORM])
    swebench = read_jsonl(source, image_template="swebench/sweb.eval.x86_64.{instance_id_docker}:latest")
    assert swebench[0].image == "swebench/sweb.eval.x86_64.astropy_1776_astropy-12907:latest"
    [smith] = read_jsonl(write(tmp_path / "smith.jsonl", [SWESMITH_LIST_FORM]), image_template="{image_name}")
    assert smith.image == SWESMITH_LIST_FORM["image_name"]
    assert smith.to_swebench() == {**SWESMITH_LIST_FORM, "image": SWESMITH_LIST_FORM["image_name"]}
    [custom] = read_jsonl(tmp_path / "smith.jsonl", test_command="python -m pytest -x")
    assert custom.test_command == "python -m pytest -x" and custom.image is None



def test_a_runner_given_on_import_is_kept_and_exported(tmp_path):
    source = write(tmp_path / "in.jsonl", [SWEBENCH_STRING_FORM])
    [spec] = read_jsonl(source, test_runner="django")
    assert (spec.test_runner, spec.test_scope) == ("django", "files")
    assert spec.test_command == "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    [back] = read_jsonl(write(tmp_path / "out.jsonl", [spec.to_swebench()]))
    assert (back.test_runner, back.test_scope, back.test_command) == (
        spec.test_runner,
        spec.test_scope,
        spec.test_command,
    )
    with pytest.raises(TaskError, match="Unknown test runner 'nose'"):
        read_jsonl(source, test_runner="nose")


def test_bad_records_are_one_line_and_import_nothing(tmp_path):
    tasks_dir = tmp_path / "tasks"
    cases = {
        "not json": ('{"instance_id": "a"}\n{oops\n', "in.jsonl:2 is not JSON"),
        "no id": ('{"repo": "x"}\n', "at least an instance_id"),
        "bad list": (json.dumps({"instance_id": "a", "FAIL_TO_PASS": "[not json"}) + "\n", "FAIL_TO_PASS"),
        "bad id": (json.dumps({"instance_id": "a/b"}) + "\n", "not a usable task id"),
        "duplicate": (
            json.dumps({"instance_id": "a"}) + "\n" + json.dumps({"instance_id": "a"}) + "\n",
            "more than once",
        ),
        "template field": (json.dumps({"instance_id": "a"}) + "\n", "names a field the record lacks"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / "in.jsonl").write_text(text)
        extra = ["--image-template", "{image_name}"] if name == "template field" else []
        result = runner.invoke(
            app, ["tasks", "import", str(tmp_path / "in.jsonl"), "--tasks-dir", str(tasks_dir), *extra]
        )
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.exit_code == 1 and len(errors) == 1 and message in errors[0], (name, result.output)
        assert tree_snapshot(tasks_dir) == []


def test_import_refuses_existing_ids_unless_replace(tmp_path):
    source = write(tmp_path / "in.jsonl", [SWESMITH_LIST_FORM])
    tasks_dir = tmp_path / "tasks"
    assert runner.invoke(app, ["tasks", "import", str(source), "--tasks-dir", str(tasks_dir)]).exit_code == 0
    again = runner.invoke(app, ["tasks", "import", str(source), "--tasks-dir", str(tasks_dir)])
    assert again.exit_code == 1 and "--replace" in again.stderr
    replaced = runner.invoke(app, ["tasks", "import", str(source), "--replace", "--tasks-dir", str(tasks_dir)])
    assert replaced.exit_code == 0 and list_tasks(tasks_dir) == [SWESMITH_LIST_FORM["instance_id"]]
    assert [p.name for p in tasks_dir.iterdir()] == [SWESMITH_LIST_FORM["instance_id"]]  # no staging leftovers


def test_task_yaml_keeps_text_exactly_and_rejects_misspelt_fields(tmp_path):
    from srl_swe.errors import TaskError
    from srl_swe.tasks.registry import save_task
    from srl_swe.tasks.spec import TaskSpec

    tricky = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n \n-a\t \n+b\r\n"
    spec = TaskSpec(instance_id="t-1", patch=tricky, test_patch="no final newline", problem_statement="é\n\n\n",
                    FAIL_TO_PASS=["t.py::test[a b]"], created_at="2024-01-01T00:00:00Z")
    save_task(spec, tmp_path)
    assert load_task("t-1", tmp_path) == spec
    (tmp_path / "t-1" / "task.yaml").write_text("instance_id: t-1\ntest_comand: pytest\n")
    try:
        load_task("t-1", tmp_path)
    except TaskError as exc:
        assert "test_comand" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a misspelt field was accepted")
