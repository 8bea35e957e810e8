"""Mining fix commits: every commit of a repository's first-parent history that changes code and
tests becomes a task through `tasks add`'s own machinery, and stays registered only if it validates.

Each commit ends in one outcome, counted at the stage where it dropped out:

    commits seen -> candidates   a classification reason (history.CLASSIFY_REASONS), or `exists`: a task
                                 with the commit's id is registered already and not by mining
    candidates -> installed      install_error (the image's install failed, or imports the wrong copy)
    installed -> F2P found       what registration refuses: no_f2p, collection_error, run_error,
                                 unstable_ids, test_apply_failed, gold_apply_failed; `error` when a
                                 run could not finish
    F2P found -> validated       what `tasks validate` reports in a fresh sandbox (the task is removed again)

Registration outcomes go into a state file, rewritten atomically after each commit, so a rerun
(or a killed run started again) skips the commits already decided; `error` is not a decision and
is tried again. Classification is cheap and is redone on every run, so changed limits apply.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import docker.errors
from pydantic import BaseModel, ConfigDict, Field

from srl_swe.atomic import write_json
from srl_swe.errors import EngineUnreachable, SrlSweError, TaskCheckFailed, TaskError
from srl_swe.factory.history import Commit, Limits, changed_files, classify, walk
from srl_swe.factory.state import state_file
from srl_swe.folders import tar_folder, untar_into
from srl_swe.tasks import gitrepo
from srl_swe.tasks.register import RegisterOptions, default_task_id, register_fix_commit
from srl_swe.tasks.registry import load_task, staging, task_path

Stage = Literal["candidates", "installed", "f2p", "validated"]
STAGES: tuple[tuple[str, str], ...] = (
    ("seen", "commits seen"), ("candidates", "candidates"), ("installed", "installed"), ("f2p", "F2P found"),
    ("validated", "validated"),
)
STATE_VERSION = 1
ORIGIN = "mine"


class MineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = None
    until: str | None = None
    limit: int | None = Field(None, ge=1)  # candidates at most (the walk stops there)
    limits: Limits = Field(default_factory=Limits)
    workers: int = Field(1, ge=1)
    ray: str | None = None
    keep_images: bool = False  # keep the task images of dropped candidates (for a look inside)
    state: Path | None = None  # default: state_path(repo, tasks_dir)


class CommitResult(BaseModel):
    """One commit's outcome. `dropped_at` is the stage it did not reach (None: validated, `ok`)."""

    model_config = ConfigDict(extra="forbid")

    commit: str
    date: str
    subject: str = ""
    task_id: str | None = None
    outcome: str
    dropped_at: Stage | None = None
    detail: str = ""
    seconds: float = 0.0
    earlier: bool = False  # decided by an earlier run (read from the state file)


class Job(BaseModel):
    """One candidate for a worker: picklable, so that Ray can ship it."""

    model_config = ConfigDict(extra="forbid")

    repo: str
    commit: Commit
    task_id: str
    options: RegisterOptions
    replace: bool = False  # an earlier run registered it and was killed before deciding
    keep_images: bool = False


class MineReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str
    state: str
    results: list[CommitResult]  # every commit seen, newest first

    def stages(self) -> list[dict]:
        """The yield: each stage's count and the reasons for what dropped before it."""
        rows, left = [], len(self.results)
        for key, name in STAGES:
            dropped = Counter(r.outcome for r in self.results if r.dropped_at == key)
            left -= sum(dropped.values())
            rows.append(dict(stage=name, count=left, dropped=dict(dropped.most_common())))
        return rows

    def registered_now(self) -> list[CommitResult]:
        """The candidates that went through registration in this run."""
        return [r for r in self.results if r.dropped_at != "candidates" and not r.earlier]

    def as_json(self) -> dict:
        ran = self.registered_now()
        return dict(repo=self.repo, state=self.state, stages=self.stages(),
                    registered_now=len(ran), decided_earlier=sum(r.earlier for r in self.results),
                    seconds_per_candidate=round(sum(r.seconds for r in ran) / len(ran), 1) if ran else None,
                    commits=[r.model_dump(mode="json") for r in self.results])


def state_path(repo: str, tasks_dir: Path | str | None) -> Path:
    """Where a mining run of `repo` into `tasks_dir` keeps its outcomes: one file per repo, in the registry."""
    return state_file(tasks_dir, "mine", repo, hashlib.sha256(repo.encode()).hexdigest()[:12])


def _load_state(path: Path, repo: str) -> dict[str, CommitResult]:
    import json

    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
        if data.get("repo") != repo:
            raise ValueError(f"it records the mining of {data.get('repo')!r}, not of this repo")
        return {sha: _record(sha, r) for sha, r in data["commits"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TaskError(f"The mining state file {path} is unreadable ({str(exc).splitlines()[0]}); "
                        f"delete it to mine {repo} from scratch.") from None


def _record(sha: str, data: dict) -> CommitResult:
    from pydantic import ValidationError

    try:
        return CommitResult.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"commit {sha}, field {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _save_state(path: Path, repo: str, decided: dict[str, CommitResult]) -> None:
    write_json(path, dict(version=STATE_VERSION, repo=repo,
                          commits={sha: r.model_dump(mode="json", exclude={"earlier"}) for sha, r in decided.items()}))


def _source(repo: str) -> str:
    """A local path made absolute (workers may run elsewhere); a URL as given."""
    path = Path(repo).expanduser()
    return str(path.resolve()) if path.exists() else repo


def mine(repo: str, settings: MineSettings, options: RegisterOptions | None = None,
         tasks_dir: Path | str | None = None, on_start: Callable[[int], None] | None = None,
         on_done: Callable[[CommitResult], None] | None = None) -> MineReport:
    """Mine `repo` (a path or git URL) into `tasks_dir`; `on_start(n)` once the n candidates to
    register are known, `on_done(result)` after each of them."""
    source = _source(repo)
    options = options or RegisterOptions()
    state = settings.state or state_path(source, tasks_dir)
    decided = _load_state(state, source)
    with tempfile.TemporaryDirectory(prefix="srl-swe-mine-") as tmp:
        clone = gitrepo.clone(source, Path(tmp) / "repo")
        results, jobs = _survey(clone, source, settings, options, tasks_dir, decided)
    if on_start:
        on_start(len(jobs))
    by_sha = {r.commit: r for r in results}
    for result in _register_all(jobs, settings, source, tasks_dir):
        by_sha[result.commit] = result
        if result.outcome != "error":  # the check could not finish: not a decision, retried next run
            decided[result.commit] = result
            _save_state(state, source, decided)
        if on_done:
            on_done(result)
    return MineReport(repo=source, state=str(state), results=[by_sha[r.commit] for r in results])


def _survey(clone: Path, source: str, settings: MineSettings, options: RegisterOptions,
            tasks_dir: Path | str | None, decided: dict[str, CommitResult]) -> tuple[list[CommitResult], dict]:
    """Every commit walked, classified (candidates as placeholders), and the jobs left to run."""
    results: list[CommitResult] = []
    jobs: dict[str, Job] = {}
    candidates = 0
    for commit in walk(clone, settings.since, settings.until):
        if settings.limit is not None and candidates >= settings.limit:
            break
        reason = classify(commit, changed_files(clone, commit) if commit.parents else [], settings.limits)
        task_id = default_task_id(source, commit.sha)
        if reason is None and commit.sha in decided:
            results.append(decided[commit.sha].model_copy(update={"earlier": True}))
            candidates += 1
            continue
        mined_before = False
        if reason is None and task_path(task_id, tasks_dir).exists():
            mined_before = _mined(task_id, tasks_dir, commit.sha)
            reason = None if mined_before else "exists"
        results.append(CommitResult(commit=commit.sha, date=commit.date, subject=commit.subject, task_id=task_id,
                                    outcome=reason or "pending", dropped_at="candidates" if reason else None))
        if reason is None:
            candidates += 1
            jobs[commit.sha] = Job(repo=source, commit=commit, task_id=task_id, options=options, replace=mined_before,
                                   keep_images=settings.keep_images)
    return results, jobs


def _mined(task_id: str, tasks_dir: Path | str | None, sha: str) -> bool:
    """Whether the registered task `task_id` is this commit's, left by a mining run killed before it decided."""
    try:
        factory = load_task(task_id, tasks_dir).extra.get("factory") or {}
    except TaskError:
        return False
    return factory.get("origin") == ORIGIN and factory.get("commit") == sha


def _register_all(jobs: dict[str, Job], settings: MineSettings, source: str, tasks_dir: Path | str | None):
    """Each job's result once its worker is done, a validated task put in `tasks_dir` first. A Ray
    node lacking the repo `source` (a local path) gets the driver's copy of it."""
    if not jobs:
        return
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks

    local = [source] if Path(source).is_dir() else []
    with open_executor(ExecutorSettings(workers=settings.workers, ray=settings.ray),
                       node_hooks(settings.ray, local)) as ex:
        for sha, (result, folder) in ex.map(mine_commit, jobs):
            yield result if folder is None else _keep(result, folder, jobs[sha], tasks_dir)


def _keep(result: CommitResult, folder: bytes, job: Job, tasks_dir: Path | str | None) -> CommitResult:
    """The validated task's folder from its worker, put in the driver's registry in one move."""
    try:
        with staging(job.task_id, tasks_dir, replace=job.replace) as target:
            untar_into(folder, target)
    except (OSError, TaskError) as exc:  # not a decision about the commit: retried next run
        return result.model_copy(update=dict(outcome="error", dropped_at="validated", detail=str(exc)[:500]))
    return result


def mine_commit(job: Job) -> tuple[CommitResult, bytes | None]:
    """Register one candidate in a registry of the worker's own and validate it in a fresh sandbox;
    the task's folder comes back (packed) only if it validates, for the driver to keep. Runs in a
    worker: a thread, or a Ray actor on another node, which has no access to the driver's registry."""
    from srl_swe.tasks.validate import validate_task

    start = time.monotonic()
    commit = job.commit
    options = job.options.model_copy(update=dict(
        task_id=job.task_id,
        extra={**job.options.extra, "factory": dict(origin=ORIGIN, commit=commit.sha, date=commit.date)},
    ))
    lines: list[str] = []
    outcome, stage, detail, folder = "ok", None, "", None
    with tempfile.TemporaryDirectory(prefix="srl-swe-mined-") as own_registry:
        try:
            spec = register_fix_commit(job.repo, commit.sha, options, own_registry, log=lines.append)
        except EngineUnreachable:
            raise
        except (SrlSweError, docker.errors.APIError) as exc:
            outcome, stage, detail = registration_drop(exc, lines)
        else:
            validation = validate_task(spec, own_registry, timeout=options.timeout)
            if validation.ok:  # only tasks that validate are registered
                folder = tar_folder(task_path(spec.instance_id, own_registry))
            else:
                outcome, stage, detail = validation.outcome, "validated", validation.detail
    if stage is not None and not job.keep_images:
        detail += _remove_images(job.task_id)
    result = CommitResult(commit=commit.sha, date=commit.date, subject=commit.subject, task_id=job.task_id,
                          outcome=outcome, dropped_at=stage, detail=detail[:500],
                          seconds=round(time.monotonic() - start, 1))
    return result, folder


def _remove_images(task_id: str) -> str:
    """Remove the task image built for a dropped candidate (hundreds of them would fill the disk).
    Returns '' or, for the outcome's detail, what kept the image."""
    from srl_swe.sandbox.engine import docker_client

    client = docker_client()
    try:
        for image in client.images.list(filters={"label": f"srl_swe.built_for={task_id}"}):
            client.images.remove(image.id, force=True)
    except docker.errors.APIError as exc:
        return f" (its image was kept: {exc.explanation or exc})"
    return ""


def registration_drop(exc: Exception, log_lines: list[str]) -> tuple[str, Stage, str]:
    """(outcome, stage it dropped at, detail) for a registration that raised `exc` after logging `log_lines`.
    A named check failure is its own outcome; anything else is `error`, at the install stage unless the
    tests had started (derive_tests logs which tests it runs once the image is there)."""
    if isinstance(exc, TaskCheckFailed):
        return exc.outcome, "installed" if exc.outcome == "install_error" else "f2p", exc.detail
    if isinstance(exc, docker.errors.APIError):
        detail = f"docker: {exc.explanation or exc}"
    else:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
    started = any(line.startswith(("running ", "the test patch touches")) for line in log_lines)
    return "error", "f2p" if started else "installed", detail

