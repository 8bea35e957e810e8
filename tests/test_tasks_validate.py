"""`validate`: every outcome provoked once, in real containers (variants of one registered task share
its image, so only the first run of the suite on a machine builds one)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.tasks.registry import bundle_path, load_task, save_task
from srl_swe.tasks.validate import OUTCOMES, validate_tasks
from tests.task_repos import F2P, OTHER_TESTS, P2P, README, edit_diff, make_textstat, save_textstat_task

pytestmark = pytest.mark.long

HARMLESS = edit_diff("README.md", README, "plain text.", "plain text, in pure Python.")
NOT_APPLYING = HARMLESS.replace("-Word statistics", "-A line that is not there:")
BREAKS_IMPORT = edit_diff(
    "tests/test_other.py", OTHER_TESTS, "from textstat.core", "import not_installed_anywhere\nfrom textstat.core"
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The good task plus one broken variant per failure outcome."""
    tasks_dir = tmp_path_factory.mktemp("tasks")
    repo = make_textstat(tmp_path_factory.mktemp("repos"))
    good = save_textstat_task(repo, tasks_dir)
    variants = {
        "ok": {},
        "install_error": {"environment": "venv", "requirements": ["six==999.0"]},  # no such release on the index
        "run_error": {"test_command": "true"},  # reports no test at all
        "collection_error": {"patch": good.patch + BREAKS_IMPORT},  # with the fix, test_other.py cannot load
        "missing_tests": {"PASS_TO_PASS": P2P + ["tests/test_core.py::test_nope"]},
        "gold_apply_failed": {"patch": NOT_APPLYING},
        "test_apply_failed": {"test_patch": NOT_APPLYING},
        "f2p_passed_before": {"FAIL_TO_PASS": F2P + P2P[:1]},
        "f2p_failed_after": {"patch": HARMLESS},
        "p2p_failed": {"PASS_TO_PASS": P2P + F2P[:1]},
        "error": {"test_command": "sleep 60; python -m pytest"},
    }
    for outcome, change in variants.items():
        variant = good.model_copy(update={"instance_id": outcome, **change})
        save_task(variant, tasks_dir, bundle=bundle_path(good.instance_id, tasks_dir))
    return tasks_dir


def test_every_outcome(registry):
    assert set(OUTCOMES) == {"ok", "install_error", "test_apply_failed", "run_error", "f2p_passed_before",
                             "gold_apply_failed", "collection_error", "missing_tests", "f2p_failed_after",
                             "p2p_failed", "error"}
    specs = [load_task(outcome, registry) for outcome in OUTCOMES]
    # The limit must be long enough for a real test run on a busy machine (the suite runs two at once).
    results = validate_tasks(specs, registry, workers=2, timeout=20)
    assert [r.task_id for r in results] == list(OUTCOMES)
    assert {r.task_id: r.outcome for r in results} == {outcome: outcome for outcome in OUTCOMES}
    details = {r.task_id: r.detail for r in results}
    assert details["ok"] == ""
    assert P2P[0] in details["f2p_passed_before"]
    assert F2P[0] in details["f2p_failed_after"]
    assert F2P[0] in details["p2p_failed"]
    assert "did not finish within 20 s" in details["error"]
    assert "six==999.0" in details["install_error"]
    assert (
        "tests/test_other.py: ModuleNotFoundError: No module named 'not_installed_anywhere'"
        in details["collection_error"]
    )
    assert "tests/test_core.py::test_nope" in details["missing_tests"]
    assert "reported no tests" in details["run_error"]
    hints = {r.task_id: r.hint for r in results}
    assert "--requirement" in hints["collection_error"] and hints["install_error"]


def test_cli_reports_a_table_and_fails_unless_all_ok(registry):
    runner = CliRunner()
    result = runner.invoke(app, ["tasks", "validate", "ok", "p2p_failed", "--workers", "2", "--tasks-dir", registry])
    assert result.exit_code == 1, result.output
    assert "p2p_failed" in result.stdout and "1/2 ok" in result.stdout
    # Not a terminal: the table is not cut or wrapped, so each row's detail is whole on its line.
    [row] = [line for line in result.stdout.splitlines() if "p2p_failed" in line]
    assert row.rstrip(" │").endswith(f"not passing: {F2P[0]} (FAILED) before")
    unknown = runner.invoke(app, ["tasks", "validate", "nope", "--tasks-dir", registry])
    assert unknown.exit_code == 1 and "No task 'nope'" in unknown.stderr
