"""`srl-swe tasks synth`: tasks from procedural bugs injected into a working commit.

1. The package's modules (not its tests) at the working commit give candidate mutations
   (mutations.py); the same file text twice is a `duplicate`. Candidates are taken round-robin
   over the strategies in a seeded order, up to `limit`.
2. Batch validation: one sandbox per worker on the clean commit's task image runs the whole
   suite once (the baseline), then for each candidate writes the mutant, runs the suite, puts the
   file back and, when tests failed, runs the failing and passing ids again (the confirmation that
   `derive_tests` runs, on the restored tree). F2P / P2P come from `split_statuses` (mutant run vs
   baseline), under the runner's own ids. Rejected: `no_failing_test`, `breaks_import` (a test
   module cannot be collected, or no test passes at all), `timeout`, `unstable` (a failing test
   does not pass again once the file is restored).
3. A kept bug is registered at once (no second test run): its base is an orphan commit of the
   working tree with the mutant (author and dates of the working commit, so the sha is
   deterministic; no parent, so no history in the task's repo holds the fix), `patch` the fix,
   `test_patch` empty, `extra.factory` says where it came from.
4. A state file (written atomically after each candidate) makes a rerun skip what was tried.

Task images: the venv recipe builds the wheelhouse, venv and requirements before the clone
(images.py), so the tasks of one repo share those layers and each task image adds only its
clone, the repo's install and the chown.
"""

from __future__ import annotations

import functools
import os
import queue
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.atomic import write_json
from srl_swe.errors import ConfigError, TaskCheckFailed, TaskError
from srl_swe.factory.mutations import STRATEGIES, Mutation, mutate, parses
from srl_swe.factory.state import state_file
from srl_swe.factory.statements import model_statement, write_statement
from srl_swe.tasks import gitrepo
from srl_swe.tasks.checks import check_collected, check_ran
from srl_swe.tasks.install import NOT_LIBRARIES
from srl_swe.tasks.patching import is_test_path
from srl_swe.tasks.register import RegisterOptions, confirmed_ids, environment_fields, split_statuses
from srl_swe.tasks.registry import BUNDLE_FILE, staging, task_path, write_spec
from srl_swe.tasks.runners.base import PASSING
from srl_swe.tasks.spec import TaskSpec, parse_spec
from srl_swe.tasks.testrun import TestRun, run_scope, run_tests

Log = Callable[[str], None]
REASONS = ("duplicate", "no_failing_test", "breaks_import", "timeout", "unstable")
SKIP_FILES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py"}


class SynthOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commit: str = "HEAD"
    strategies: list[str] = Field(default_factory=lambda: list(STRATEGIES))
    limit: int | None = Field(None, ge=1)  # candidates to try (duplicates aside)
    workers: int = Field(1, ge=1)
    seed: int = 0
    state: Path | None = None  # default: <tasks dir>/.factory/synth-<repo>-<commit>.json
    ray: str | None = None
    statement_model: str | None = None  # an OpenAI-compatible endpoint URL or model name that rewrites the issue text
    install: RegisterOptions = Field(default_factory=lambda: RegisterOptions(test_scope="all"))


@dataclass
class Checked:
    """What one candidate's runs showed (picklable: it comes back from a worker)."""

    name: str
    outcome: str  # kept or one of REASONS
    f2p: list[str] = field(default_factory=list)
    p2p: list[str] = field(default_factory=list)
    output: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Row:
    candidates: int = 0
    duplicate: int = 0
    tried: int = 0
    failing: int = 0
    kept: int = 0


@dataclass
class SynthReport:
    repo: str
    commit: str
    rows: dict[str, Row]
    reasons: Counter
    registered: list[str]   # task ids registered by this run
    tried_now: int          # candidates run by this run (0: a rerun with nothing left)
    seconds: float
    state: Path
    image_seconds: float = 0.0  # building the clean commit's image (0 when cached)


# -- candidates ---------------------------------------------------------------------------------

def package_files(clone: Path, commit: str) -> list[str]:
    """The repo's Python modules that are not tests, docs or build scripts."""
    return [p for p in gitrepo.files_at(clone, commit)
            if p.endswith(".py") and not is_test_path(p) and p.split("/")[-1] not in SKIP_FILES
            and p.split("/")[0] not in NOT_LIBRARIES and not p.split("/")[0].startswith(".")]


def candidates(sources: dict[str, str], strategies: list[str],
               seed: int) -> tuple[list[Mutation], Counter, list[str]]:
    """Unique mutations in try order (each strategy's own seeded order, taken round-robin), the
    duplicates per strategy, and the modules this Python cannot parse (they give none)."""
    seen: set[tuple[str, str]] = set()
    duplicates: Counter = Counter()
    unparsable: list[str] = []
    by_strategy: dict[str, list[Mutation]] = {s: [] for s in strategies}
    for path in sorted(sources):
        found = mutate(path, sources[path], tuple(strategies), seed)
        if not found and not parses(sources[path]):
            unparsable.append(path)
        for mutation in found:
            key = (mutation.file, mutation.mutated)
            if key in seen:
                duplicates[mutation.strategy] += 1
                continue
            seen.add(key)
            by_strategy[mutation.strategy].append(mutation)
    for strategy, found in by_strategy.items():
        random.Random(f"{seed}:{strategy}").shuffle(found)
    ordered = []
    for i in range(max((len(v) for v in by_strategy.values()), default=0)):
        ordered += [found[i] for found in by_strategy.values() if i < len(found)]
    return ordered, duplicates, unparsable


# -- batch validation ---------------------------------------------------------------------------

class MutantChecker:
    """A sandbox on the clean commit's image that tries mutants one after another."""

    def __init__(self, spec: TaskSpec, bundle: bytes, timeout: float):
        from srl_swe.tasks.images import ensure_task_image

        self.spec, self.timeout = spec, timeout
        with tempfile.TemporaryDirectory(prefix="srl-swe-synth-") as tmp:  # a Ray node builds the image itself
            path = Path(tmp) / BUNDLE_FILE
            path.write_bytes(bundle)
            self.image = ensure_task_image(spec, bundle=path, log=lambda _m: None)
        self.sandbox = self._open()

    def _open(self):
        from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig

        return DockerSandbox(DockerSandboxConfig(image=self.image, workdir=self.spec.workdir))

    def close(self) -> None:
        self.sandbox.close()

    def set_timeout(self, timeout: float) -> None:
        self.timeout = timeout

    def baseline(self, limit: float) -> TestRun:
        from srl_swe.tasks.install import check_import_origin

        if self.spec.environment == "venv":
            check_import_origin(self.sandbox, self.spec)
        run = check_ran(run_scope(self.sandbox, self.spec, [], limit), "on the working commit", limit)
        check_collected(run, "on the working commit")
        return run

    def _put(self, path: str, text: str | None) -> None:
        """The mutant in place (or, with None, the file as committed); the module's cached
        bytecode removed, since a same-size edit in the same second would look current."""
        work = shlex.quote(self.spec.workdir)
        folder, name = os.path.split(path)
        stale = shlex.quote(os.path.join(folder, "__pycache__", name[:-3])) + ".*.pyc"
        if text is None:
            restore = f"git checkout -q -- {shlex.quote(path)}"
        else:
            self.sandbox.write_file(f"{self.spec.workdir}/{path}", text)
            restore = "true"
        done = self.sandbox.run(f"cd {work} && {restore} && rm -f {stale}", timeout=60)
        if done.exit_code != 0:
            raise TaskError(f"Cannot put {path} back in the sandbox: {done.output.strip()[:200]}")

    def check(self, name: str, path: str, mutated: str, baseline: dict[str, str]) -> Checked:
        start = time.monotonic()
        self._put(path, mutated)
        run = run_scope(self.sandbox, self.spec, [], self.timeout)
        if run.timed_out:  # whatever hung is ended with the container
            self.sandbox.close()
            self.sandbox = self._open()
            return Checked(name, "timeout", seconds=time.monotonic() - start)
        self._put(path, None)
        result = self._judge(name, run, TestRun(statuses=baseline, output="", exit_code=0))
        result.seconds = time.monotonic() - start
        return result

    def _judge(self, name: str, run: TestRun, clean: TestRun) -> Checked:
        if run.collection_errors or not any(status in PASSING for status in run.statuses.values()):
            return Checked(name, "breaks_import", output=run.output[-4000:])
        f2p, p2p = split_statuses(run, clean)
        if not f2p:
            return Checked(name, "no_failing_test")
        again = run_tests(self.sandbox, self.spec, f2p + p2p, self.timeout)
        notes: list[str] = []
        confirmed_f2p = confirmed_ids(f2p, again, notes.append)
        if again.timed_out or confirmed_f2p != f2p:
            return Checked(name, "unstable", f2p=f2p, notes=notes)
        return Checked(name, "kept", f2p=f2p, p2p=confirmed_ids(p2p, again, notes.append), output=run.output,
                       notes=notes)


# -- registration -------------------------------------------------------------------------------

def _identity(clone: Path, commit: str) -> dict[str, str]:
    fmt = "%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI"
    an, ae, ad, cn, ce, cd = gitrepo.git(["log", "-1", f"--format={fmt}", commit], clone,
                                         "Cannot read the working commit").strip().split("\0")
    return {"GIT_AUTHOR_NAME": an, "GIT_AUTHOR_EMAIL": ae, "GIT_AUTHOR_DATE": ad,
            "GIT_COMMITTER_NAME": cn, "GIT_COMMITTER_EMAIL": ce, "GIT_COMMITTER_DATE": cd}


def buggy_commit(clone: Path, working: str, path: str, text: str, message: str) -> str:
    """An orphan commit of the working tree with `path` replaced by `text`: the same inputs give
    the same sha, and no parent in its history holds the fix."""
    with tempfile.TemporaryDirectory(prefix="srl-swe-index-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        gitrepo.git(["read-tree", working], clone, "Cannot read the working tree", env=index)
        mode = gitrepo.git(["ls-tree", working, "--", path], clone, f"Cannot read {path}").split()[0]
        blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=clone, input=text.encode("utf-8"),
                              capture_output=True, check=True, timeout=60).stdout.decode().strip()
        gitrepo.git(["update-index", "--cacheinfo", f"{mode},{blob},{path}"], clone, "Cannot stage the bug", env=index)
        tree = gitrepo.git(["write-tree"], clone, "Cannot write the tree", env=index).strip()
    return gitrepo.git(["commit-tree", tree, "-m", message], clone, "Cannot commit the bug",
                       env=_identity(clone, working)).strip()


def register_bug(clone: Path, working: str, clean: TaskSpec, mutation: Mutation, checked: Checked, name: str,
                 seed: int, tasks_dir: Path | str | None, replace: bool, writer=None) -> TaskSpec:
    """The kept bug as a registered task, from what the batch runs found (no test runs here)."""
    base = buggy_commit(clone, working, mutation.file, mutation.mutated, f"{clean.repo} source snapshot")
    patch = gitrepo.git(["diff", "--no-color", "--no-ext-diff", base, working, "--", mutation.file], clone,
                        "Cannot diff the fix")
    buggy_lines = [line[1:].strip() for line in patch.splitlines()
                   if line.startswith("-") and not line.startswith("---") and len(line[1:].strip()) > 3]
    statement = write_statement(clean.repo, checked.f2p, len(checked.p2p), checked.output, buggy_lines, key=name)
    written_by = "template"
    if writer is not None:  # a model's rewrite, unless it shows the bug (then the template's text, and it says so)
        rewrite = model_statement(writer, statement, buggy_lines)
        statement, written_by = (rewrite, "model") if rewrite else (statement, "template: the model's rewrite was "
                                                                     "empty or showed the bug")
    spec = parse_spec(clean.to_yaml_dict() | dict(
        instance_id=name, base_commit=base, patch=patch, test_patch="", problem_statement=statement,
        FAIL_TO_PASS=checked.f2p, PASS_TO_PASS=checked.p2p,
        extra={"factory": {"origin": "synth", "strategy": mutation.strategy, "file": mutation.file,
                           "line": mutation.line, "seed": seed, "mutation": mutation.what, "working_commit": working,
                           "statement": written_by}},
    ), where=f"synthesized task {name}")
    with staging(name, tasks_dir, replace=replace) as folder:
        gitrepo.bundle(clone, base, folder / BUNDLE_FILE)
        write_spec(folder, spec)
    return spec


# -- the run ------------------------------------------------------------------------------------

def state_path(tasks_dir: Path | str | None, repo: str, commit: str) -> Path:
    return state_file(tasks_dir, "synth", repo, commit[:12])


def _load_state(path: Path) -> dict:
    import json

    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("candidates", {})
    except (json.JSONDecodeError, AttributeError) as exc:
        raise TaskError(f"{path}: not a synth state file ({exc}); remove it to start over.") from None


def _clean_spec(source: str, clone: Path, working: str, options: RegisterOptions) -> TaskSpec:
    from srl_swe.tasks.runners import get_runner

    runner = get_runner(options.test_runner)
    name = gitrepo.repo_name(source)
    return parse_spec(dict(
        instance_id=f"{name.replace('/', '__')}-synth-base", repo=name, base_commit=working,
        test_command=options.test_command or runner.default_command, test_runner=runner.name, test_scope="all",
        setup=options.setup, source=options.source or source, created_at=gitrepo.commit_date(clone, working),
        **environment_fields(clone, working, options),
    ), where="the working commit")


def synthesize(repo: str, options: SynthOptions | None = None, tasks_dir: Path | str | None = None,
               log: Log = print, on_plan: Callable[[int], None] | None = None,
               on_done: Callable[[str, str], None] | None = None) -> SynthReport:
    """Synthesize, validate and register bugs of `repo` at `options.commit` (see the module doc)."""
    options = options or SynthOptions()
    unknown = [s for s in options.strategies if s not in STRATEGIES]
    if unknown or not options.strategies:
        raise ConfigError(f"--strategies: unknown {', '.join(unknown) or '(none given)'}; "
                          f"pick from {', '.join(STRATEGIES)}.")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="srl-swe-synth-") as tmp:
        log(f"cloning {repo}")
        clone = gitrepo.clone(repo, Path(tmp) / "repo")
        working = gitrepo.resolve(clone, options.commit, repo)
        texts = {path: gitrepo.file_text(clone, working, path) for path in package_files(clone, working)}
        sources = {path: text for path, text in texts.items() if text is not None}  # not text: nothing to mutate
        if not sources:
            raise TaskError(f"{repo} at {working[:12]} has no Python module outside its tests to mutate.")
        ordered, duplicates, unparsable = candidates(sources, options.strategies, options.seed)
        if unparsable:
            log(f"{len(unparsable)} module(s) do not parse with Python {sys.version_info.major}."
                f"{sys.version_info.minor} and give no candidates: {', '.join(unparsable[:5])}"
                f"{' ...' if len(unparsable) > 5 else ''}")
        chosen = ordered[:options.limit] if options.limit else ordered
        clean = _clean_spec(repo, clone, working, options.install)
        names = {m.name(clean.repo): m for m in chosen}
        state_file = options.state or state_path(tasks_dir, repo, working)
        state = _load_state(state_file)
        todo = [n for n in names if n not in state]
        log(f"{len(ordered)} candidate(s) in {len(sources)} module(s) ({sum(duplicates.values())} duplicate(s)); "
            f"trying {len(chosen)}, {len(chosen) - len(todo)} already tried")
        if on_plan:
            on_plan(len(todo))
        registered, image_seconds = [], 0.0
        if todo:
            registered, image_seconds = _run(repo, clone, working, clean, names, todo, state, state_file, options,
                                             tasks_dir, log, on_done)
    rows = {s: Row() for s in options.strategies}
    for mutation in ordered:
        rows[mutation.strategy].candidates += 1
    for strategy, count in duplicates.items():
        rows[strategy].candidates += count
        rows[strategy].duplicate += count
    reasons: Counter = Counter({"duplicate": sum(duplicates.values())} if duplicates else {})
    for name, mutation in names.items():
        outcome = state.get(name, {}).get("outcome")
        if outcome is None:
            continue
        row = rows[mutation.strategy]
        row.tried += 1
        row.failing += outcome in ("kept", "unstable")
        row.kept += outcome == "kept"
        if outcome != "kept":
            reasons[outcome] += 1
    return SynthReport(repo=clean.repo, commit=working, rows=rows, reasons=reasons, registered=registered,
                       tried_now=len(todo), seconds=time.monotonic() - began, state=state_file,
                       image_seconds=image_seconds)


def _run(repo: str, clone: Path, working: str, clean: TaskSpec, names: dict[str, Mutation], todo: list[str],
         state: dict, state_file: Path, options: SynthOptions, tasks_dir: Path | str | None, log: Log,
         on_done: Callable[[str, str], None] | None) -> tuple[list[str], float]:
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks
    from srl_swe.tasks.images import ensure_task_image

    bundle = clone.parent / "clean.bundle"
    gitrepo.bundle(clone, working, bundle)
    started = time.monotonic()
    ensure_task_image(clean, bundle=bundle, log=log, setup_network=options.install.setup_network)
    image_seconds = time.monotonic() - started
    workers = min(options.workers, len(todo))
    settings = ExecutorSettings(workers=workers, ray=options.ray)
    registered: list[str] = []
    writer = None
    if options.statement_model:
        from srl_swe.agents.chat_client import ChatClient

        writer = ChatClient.connect(options.statement_model, temperature=0.3, max_tokens=1024)
    with open_executor(settings, node_hooks(options.ray)) as executor:
        hosted = executor.host(
            functools.partial(MutantChecker, clean, bundle.read_bytes(), options.install.timeout), workers)
        checkers: queue.Queue = queue.Queue()
        for checker in hosted:
            checkers.put(checker)
        try:
            passing = _baseline(hosted, working, options, len(todo), log)

            def check(name: str) -> Checked:
                checker = checkers.get()
                try:
                    mutation = names[name]
                    return checker.check(name, mutation.file, mutation.mutated, passing)
                finally:
                    checkers.put(checker)

            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synth") as pool:
                futures = [pool.submit(check, name) for name in todo]
                try:
                    for future in as_completed(futures):
                        checked = future.result()
                        record = _settle(clone, working, clean, names[checked.name], checked, options, tasks_dir,
                                         log, writer)
                        state[checked.name] = record
                        _save_state(state_file, repo, working, state)
                        if record["outcome"] == "kept" and record.get("registered"):
                            registered.append(checked.name)
                        if on_done:
                            on_done(checked.name, record["outcome"])
                except BaseException:  # an interrupt or a failed check: what is queued never starts
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        finally:
            for checker in hosted:
                checker.close()
    return registered, image_seconds


def _baseline(hosted: list, working: str, options: SynthOptions, todo: int, log: Log) -> dict[str, str]:
    """The passing tests of the working commit (the first checker's run), and every checker's
    timeout set from how long the suite took: a mutant that loops forever is stopped well before
    the task's own timeout."""
    log("running the whole suite on the working commit (the baseline)")
    baseline = hosted[0].baseline(options.install.timeout)
    passing = {t: s for t, s in baseline.statuses.items() if s in PASSING}
    if not passing:
        raise TaskCheckFailed("run_error", f"no test passes on {working[:12]}",
                              "Synthesize from a commit whose test suite passes (--commit REV)")
    timeout = min(options.install.timeout, max(30.0, 5 * baseline.duration + 10))
    for checker in hosted:
        checker.set_timeout(timeout)
    log(f"baseline: {len(passing)} passing test(s) in {baseline.duration:.1f} s; "
        f"{todo} candidate(s) on {len(hosted)} worker(s), {timeout:.0f} s per run")
    return passing


def _settle(clone: Path, working: str, clean: TaskSpec, mutation: Mutation, checked: Checked,
            options: SynthOptions, tasks_dir: Path | str | None, log: Log, writer=None) -> dict:
    record = {"outcome": checked.outcome, "strategy": mutation.strategy, "file": mutation.file,
              "line": mutation.line, "seconds": round(checked.seconds, 2)}
    for note in checked.notes:
        log(f"{checked.name}: {note}")
    if checked.outcome != "kept":
        return record
    record |= {"f2p": len(checked.f2p), "p2p": len(checked.p2p)}
    if task_path(checked.name, tasks_dir).exists() and not options.install.replace:
        return record | {"registered": False}  # registered by an earlier run whose state was lost
    register_bug(clone, working, clean, mutation, checked, checked.name, options.seed, tasks_dir,
                 options.install.replace, writer)
    return record | {"registered": True}


def _save_state(path: Path, repo: str, commit: str, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"repo": repo, "commit": commit, "candidates": state})
