"""Registering a task from a repository: a fix commit (base = its parent, split into source and
test changes), or a base commit with a patch and a test patch.

FAIL_TO_PASS and PASS_TO_PASS are derived by running the whole test command in a sandbox with
the test patch applied, before and after the gold patch: F2P failed (or was absent) before and
passes after; P2P passes both times. A task with no F2P is refused. Everything is written into
a staging folder and moved into the registry at the end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.errors import TaskError
from srl_swe.tasks import gitrepo
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.patching import apply_patch
from srl_swe.tasks.registry import BUNDLE_FILE, staging, task_path, write_spec
from srl_swe.tasks.spec import TaskSpec, parse_spec
from srl_swe.tasks.testrun import PASSED, TestRun, run_all_tests

Log = Callable[[str], None]


class RegisterOptions(BaseModel):
    """What `srl-swe tasks add` takes besides the commits."""

    model_config = ConfigDict(extra="forbid")

    task_id: str | None = None
    problem_statement: str | None = None
    test_command: str | None = None
    setup: list[str] = Field(default_factory=list)
    timeout: float = 600
    replace: bool = False
    setup_network: bool = False  # let setup commands reach the network at image build time
    source: str | None = None  # recorded as the task's `source` (default: the repo path or URL it came from)


def register_fix_commit(repo: str, fix_commit: str, options: RegisterOptions | None = None,
                        tasks_dir: Path | str | None = None, log: Log = print) -> TaskSpec:
    """Register the task whose gold fix is `fix_commit` of `repo` (a path or git URL)."""
    options = options or RegisterOptions()
    with tempfile.TemporaryDirectory(prefix="srl-swe-add-") as tmp:
        clone = _clone(repo, Path(tmp), log)
        fix = gitrepo.resolve(clone, fix_commit, repo)
        base = gitrepo.parent(clone, fix)
        patch, test_patch = gitrepo.split_fix(clone, base, fix)
        if not patch.strip():
            raise TaskError(f"Commit {fix[:12]} changes only test files; the gold patch would be empty. Pick the commit that fixes the code.")
        fields = dict(
            instance_id=options.task_id or f"{gitrepo.repo_name(repo).replace('/', '__')}-{fix[:7]}",
            problem_statement=options.problem_statement or gitrepo.message(clone, fix),
            created_at=gitrepo.commit_date(clone, fix),
        )
        return _register(repo, clone, base, patch, test_patch, fields, options, tasks_dir, log)


def register_patches(repo: str, base_commit: str, patch: str, test_patch: str, options: RegisterOptions | None = None,
                     tasks_dir: Path | str | None = None, log: Log = print) -> TaskSpec:
    """Register a task from a base commit and the texts of its gold patch and test patch."""
    options = options or RegisterOptions()
    if not options.problem_statement:
        raise TaskError("A task from patches needs --problem-statement TEXT (or @FILE): there is no commit message to use.")
    if not patch.strip():
        raise TaskError("The gold patch is empty; pass the fix as --patch FILE.")
    with tempfile.TemporaryDirectory(prefix="srl-swe-add-") as tmp:
        clone = _clone(repo, Path(tmp), log)
        base = gitrepo.resolve(clone, base_commit, repo)
        gitrepo.check_applies(clone, base, patch, "gold patch")
        gitrepo.check_applies(clone, base, test_patch, "test patch")
        fields = dict(
            instance_id=options.task_id or f"{gitrepo.repo_name(repo).replace('/', '__')}-{base[:7]}",
            problem_statement=options.problem_statement,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return _register(repo, clone, base, patch, test_patch, fields, options, tasks_dir, log)


def _clone(repo: str, tmp: Path, log: Log) -> Path:
    log(f"cloning {repo}")
    return gitrepo.clone(repo, tmp / "repo")


def _register(source: str, clone: Path, base: str, patch: str, test_patch: str, fields: dict,
              options: RegisterOptions, tasks_dir: Path | str | None, log: Log) -> TaskSpec:
    spec = parse_spec(dict(
        **fields, repo=gitrepo.repo_name(source), base_commit=base, patch=patch, test_patch=test_patch,
        test_command=options.test_command or TaskSpec.model_fields["test_command"].default,
        setup=options.setup, source=options.source or source,
    ), where="the new task")
    task_path(spec.instance_id, tasks_dir)  # a bad id fails before any work
    with staging(spec.instance_id, tasks_dir, replace=options.replace) as folder:
        gitrepo.bundle(clone, base, folder / BUNDLE_FILE)
        f2p, p2p = derive_tests(spec, folder / BUNDLE_FILE, options.timeout, log, options.setup_network)
        spec = parse_spec(spec.to_yaml_dict() | {"FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p}, where="the new task")
        write_spec(folder, spec)
    log(f"registered {spec.instance_id}: {len(f2p)} FAIL_TO_PASS, {len(p2p)} PASS_TO_PASS")
    return spec


def derive_tests(spec: TaskSpec, bundle: Path, timeout: float, log: Log,
                 setup_network: bool = False) -> tuple[list[str], list[str]]:
    """(FAIL_TO_PASS, PASS_TO_PASS) from two runs of the whole test command in one sandbox."""
    from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig

    image = ensure_task_image(spec, bundle=bundle, log=log, setup_network=setup_network)
    log("running the tests before and after the fix")
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        applied, message = apply_patch(sandbox, spec.test_patch, spec.workdir, "test")
        if not applied:
            raise TaskError(f"The test patch does not apply to the base commit: {message[:200]}")
        before = _checked(run_all_tests(sandbox, spec, timeout), "before", timeout)
        applied, message = apply_patch(sandbox, spec.patch, spec.workdir, "gold")
        if not applied:
            raise TaskError(f"The gold patch does not apply on top of the test patch: {message[:200]}")
        after = _checked(run_all_tests(sandbox, spec, timeout), "after", timeout)
    f2p = [t for t, status in after.statuses.items() if status == PASSED and before.statuses.get(t) != PASSED
           and before.statuses.get(t) != "SKIPPED"]
    p2p = [t for t, status in after.statuses.items() if status == PASSED and before.statuses.get(t) == PASSED]
    if not f2p:
        raise TaskError(
            f"No test fails before the fix and passes after it ({len(after.statuses)} tests ran); "
            "add a test that shows the bug to the fix (or --test-patch) and register again."
        )
    return f2p, p2p


def _checked(run: TestRun, when: str, timeout: float) -> TestRun:
    if run.timed_out:
        raise TaskError(f"The test command did not finish within {timeout:g} s ({when} the fix); "
                        "fix the hanging test or raise --timeout.")
    if not run.statuses:
        tail = " | ".join(run.output.strip().splitlines()[-2:])[-300:]
        raise TaskError(f"The test command reported no tests ({when} the fix): {tail or 'no output'}. "
                        "Check --test-command; it must be a pytest invocation.")
    return run
