"""Registering a task from a repository: a fix commit (base = its parent, split into source and
test changes), or a base commit with a patch and a test patch.

FAIL_TO_PASS and PASS_TO_PASS are derived by running the task's scope (the test patch's files,
or the whole suite) in a sandbox with the test patch applied, before and after the gold patch,
with the task's runner reporting its own ids: F2P failed, erred or was absent before and passes
after; P2P passes both times; skipped and xpassed tests are in neither. A last run of the listed
ids with the fix, as `validate` runs them, drops ids that do not come back (parametrized with the
time or random values) or do not pass again, with a warning. A task with no F2P is refused with
a reason (`TaskCheckFailed`). Everything is written into a staging folder and moved into the
registry at the end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.errors import TaskCheckFailed, TaskError
from srl_swe.tasks import gitrepo
from srl_swe.tasks.checks import check_collected, check_ran
from srl_swe.tasks.images import ensure_task_image
from srl_swe.tasks.install import check_import_origin, default_environment
from srl_swe.tasks.patching import apply_patch
from srl_swe.tasks.registry import BUNDLE_FILE, staging, task_path, write_spec
from srl_swe.tasks.runners import get_runner
from srl_swe.tasks.runners.base import ERROR, FAILED, MISSING, PASSING
from srl_swe.tasks.spec import TaskSpec, parse_spec
from srl_swe.tasks.testrun import TestRun, run_scope, run_tests, scope_targets

Log = Callable[[str], None]


class RegisterOptions(BaseModel):
    """What `srl-swe tasks add` takes besides the commits."""

    model_config = ConfigDict(extra="forbid")

    task_id: str | None = None
    problem_statement: str | None = None
    test_command: str | None = None
    test_runner: str = "pytest"
    test_scope: Literal["files", "all"] = "files"
    environment: Literal["system", "venv"] = "venv"
    install: list[str] | None = None  # None: the default for the repo (editable install if it is a package)
    requirements: list[str] = Field(default_factory=list)  # added to what the wheelhouse resolves
    setup: list[str] = Field(default_factory=list)
    timeout: float = 600
    replace: bool = False
    setup_network: bool = False  # let setup commands reach the network at image build time
    source: str | None = None  # recorded as the task's `source` (default: the repo path or URL it came from)
    extra: dict[str, Any] = Field(default_factory=dict)  # recorded as the task's `extra` (e.g. which factory made it)


def default_task_id(repo: str, commit: str) -> str:
    """`<repo name>-<short sha>`: the id of a task registered from `commit` without --id."""
    return f"{gitrepo.repo_name(repo).replace('/', '__')}-{commit[:7]}"


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
            raise TaskError(
                f"Commit {fix[:12]} changes only test files; the gold patch would be empty. Pick the commit that fixes "
                "the code."
            )
        fields = dict(
            instance_id=options.task_id or default_task_id(repo, fix),
            problem_statement=options.problem_statement or gitrepo.message(clone, fix),
            created_at=gitrepo.commit_date(clone, fix),
        )
        return _register(repo, clone, base, patch, test_patch, fields, options, tasks_dir, log)


def register_patches(repo: str, base_commit: str, patch: str, test_patch: str, options: RegisterOptions | None = None,
                     tasks_dir: Path | str | None = None, log: Log = print) -> TaskSpec:
    """Register a task from a base commit and the texts of its gold patch and test patch."""
    options = options or RegisterOptions()
    if not options.problem_statement:
        raise TaskError(
            "A task from patches needs --problem-statement TEXT (or @FILE): there is no commit message to use."
        )
    if not patch.strip():
        raise TaskError("The gold patch is empty; pass the fix as --patch FILE.")
    with tempfile.TemporaryDirectory(prefix="srl-swe-add-") as tmp:
        clone = _clone(repo, Path(tmp), log)
        base = gitrepo.resolve(clone, base_commit, repo)
        gitrepo.check_applies(clone, base, patch, "gold patch")
        gitrepo.check_applies(clone, base, test_patch, "test patch")
        fields = dict(
            instance_id=options.task_id or default_task_id(repo, base),
            problem_statement=options.problem_statement,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return _register(repo, clone, base, patch, test_patch, fields, options, tasks_dir, log)


def _clone(repo: str, tmp: Path, log: Log) -> Path:
    log(f"cloning {repo}")
    return gitrepo.clone(repo, tmp / "repo")


def _register(source: str, clone: Path, base: str, patch: str, test_patch: str, fields: dict,
              options: RegisterOptions, tasks_dir: Path | str | None, log: Log) -> TaskSpec:
    runner = get_runner(options.test_runner)
    spec = parse_spec(dict(
        **fields, repo=gitrepo.repo_name(source), base_commit=base, patch=patch, test_patch=test_patch,
        test_command=options.test_command or runner.default_command, test_runner=runner.name,
        test_scope=options.test_scope, setup=options.setup, source=options.source or source,
        **({"extra": options.extra} if options.extra else {}),  # unset stays unset: task.yaml gets no `extra: {}`
        **environment_fields(clone, base, options),
    ), where="the new task")
    task_path(spec.instance_id, tasks_dir)  # a bad id fails before any work
    with staging(spec.instance_id, tasks_dir, replace=options.replace) as folder:
        gitrepo.bundle(clone, base, folder / BUNDLE_FILE)
        spec = derive_tests(spec, folder / BUNDLE_FILE, options.timeout, log, options.setup_network)
        write_spec(folder, spec)
    log(f"registered {spec.instance_id}: {len(spec.FAIL_TO_PASS)} FAIL_TO_PASS, {len(spec.PASS_TO_PASS)} PASS_TO_PASS")
    return spec


def environment_fields(clone: Path, base: str, options: RegisterOptions) -> dict:
    """The spec's environment, requirements and install: the repo's defaults, then the options."""
    if options.environment == "system":
        if options.install or options.requirements:
            raise TaskError("--install and --requirement fill the task's venv; drop --system-python to use them.")
        return dict(environment="system")
    with gitrepo.checkout(clone, base) as tree:
        defaults = default_environment(tree)
    return defaults | dict(
        requirements=defaults["requirements"] + options.requirements,
        install=defaults["install"] if options.install is None else options.install,
    )


def derive_tests(spec: TaskSpec, bundle: Path, timeout: float, log: Log,
                 setup_network: bool = False) -> TaskSpec:
    """`spec` with FAIL_TO_PASS and PASS_TO_PASS from runs of its scope before and after the fix,
    confirmed by a run of the listed ids with the fix (what `validate` runs)."""
    from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig

    image = ensure_task_image(spec, bundle=bundle, log=log, setup_network=setup_network)
    targets = scope_targets(spec)
    if spec.test_scope == "files" and not targets:
        log("the test patch touches no test file the runner can run: running the whole suite (--test-scope all)")
        spec = spec.model_copy(update={"test_scope": "all"})
    log(f"running {'the whole suite' if not targets else f'{len(targets)} test file(s)'} before and after the fix")
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        if spec.environment == "venv":
            check_import_origin(sandbox, spec)
        _apply(sandbox, spec.test_patch, spec, "test", "The test patch does not apply to the base commit")
        before = check_ran(run_scope(sandbox, spec, targets, timeout), "before", timeout)
        _apply(sandbox, spec.patch, spec, "gold", "The gold patch does not apply on top of the test patch")
        after = check_ran(run_scope(sandbox, spec, targets, timeout), "after", timeout)
        check_collected(after, "after")
        f2p, p2p = split_statuses(before, after)
        if not f2p:
            raise TaskCheckFailed("no_f2p", f"no test fails before the fix and passes after it "
                                  f"({len(after.statuses)} tests ran, {_counts(before)} before)",
                                  "Add a test that shows the bug to the fix (or --test-patch) and register again")
        again = run_tests(sandbox, spec, f2p + p2p, timeout)
    f2p, p2p = confirmed_ids(f2p, again, log), confirmed_ids(p2p, again, log)
    if not f2p:
        raise TaskCheckFailed("unstable_ids", "no FAIL_TO_PASS test passed again with the fix under the same id",
                              "Make the test ids stable (no times or random values in parametrize ids)")
    return parse_spec(spec.to_yaml_dict() | {"FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p}, where="the new task")


def split_statuses(before: TestRun, after: TestRun) -> tuple[list[str], list[str]]:
    """(F2P, P2P): passing after and failed, erred or absent before / passing both times."""
    not_passing = {FAILED, ERROR, MISSING}
    f2p = [t for t, s in after.statuses.items() if s in PASSING and before.statuses.get(t, MISSING) in not_passing]
    p2p = [t for t, s in after.statuses.items() if s in PASSING and before.statuses.get(t) in PASSING]
    return f2p, p2p


def confirmed_ids(test_ids: list[str], again: TestRun, log: Log) -> list[str]:
    gone = [t for t in test_ids if again.statuses.get(t) == MISSING]
    flaky = [t for t in test_ids if again.statuses.get(t) not in PASSING and t not in gone]
    for what, ids in (("did not come back under the same id (unstable ids)", gone),
                      ("did not pass again with the fix (flaky)", flaky)):
        if ids:
            log(f"warning: left out {len(ids)} test(s) that {what}: {', '.join(ids[:5])}")
    return [t for t in test_ids if t not in gone and t not in flaky]


def _counts(run: TestRun) -> str:
    counts = Counter(run.statuses.values())
    return ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items())) or "none"


def _apply(sandbox, diff: str, spec: TaskSpec, name: str, what: str) -> None:
    applied, message = apply_patch(sandbox, diff, spec.workdir, name)
    if not applied:
        raise TaskCheckFailed(
            f"{name}_apply_failed", f"{what}: {message[:200]}", "Regenerate the patch against the base commit"
        )
