"""SWE-bench's own harness pieces, for the repositories SWE-bench knows: its official test command
for the repo and version, its test directives as targets, and its per-repo log parser, so ids
and statuses are exactly SWE-bench's. Needs the optional `swebench` package (2.x to 4.x: 5.0
moved the per-repo specs into its datasets), imported only when a method needs it.

`parse` is given no task, so `command` first writes the instance id, repo and version into the
report file, and `parse` reads them back from there to pick the parser.
"""

from __future__ import annotations

import inspect
import shlex
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType, SimpleNamespace
from typing import Any

from srl_swe.errors import TaskError
from srl_swe.tasks.runners.base import ERROR, FAILED, PASSED, SKIPPED, XFAIL, XPASS, Parsed, RunPaths
from srl_swe.tasks.spec import TaskSpec

INSTALL_HINT = "install the [swebench] extra: pip install 'srl-swe[swebench]'"
STATUSES = frozenset({PASSED, FAILED, ERROR, SKIPPED, XFAIL, XPASS})
# SWE-bench's images keep the repo's environment in conda's `testbed`, which its eval script
# activates first; elsewhere there is no such file and nothing changes.
CONDA_TESTBED = ("if [ -f /opt/miniconda3/bin/activate ]; then "
                 "source /opt/miniconda3/bin/activate && conda activate testbed; fi")
# Where each swebench release keeps get_test_directives, newest first.
_DIRECTIVE_MODULES = ("swebench.harness.test_spec.python", "swebench.harness.utils")


def swebench_module(name: str) -> ModuleType:
    """A module of the swebench package; a clear error when the package (or a dependency) is missing."""
    module = optional_module(name)
    if module is None:
        raise TaskError(f"This swebench release has no module {name}: {INSTALL_HINT} (a 2.x to 4.x release).")
    return module


def optional_module(name: str) -> ModuleType | None:
    """A module of the swebench package, or None where this release keeps no such module."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == "swebench":
            raise TaskError(f"The swebench test runner needs the swebench package: {INSTALL_HINT}.") from None
        if exc.name and exc.name.startswith("swebench."):
            return None
        raise TaskError(f"The swebench package does not import ({exc}): {INSTALL_HINT}.") from exc


def repo_specs(repo: str, version: str) -> dict[str, Any]:
    """SWE-bench's install-and-test specs for one repo at one version."""
    constants = swebench_module("swebench.harness.constants")
    table = getattr(constants, "MAP_REPO_VERSION_TO_SPECS", None)
    if table is None:
        raise TaskError("This swebench release has no per-repo specs (5.0 moved them into its datasets): "
                        "pip install 'swebench<5'.")
    if repo not in table:
        raise TaskError(f"SWE-bench knows no repo {repo!r}; use another test runner for this task.")
    if version not in table[repo]:
        known = ", ".join(sorted(table[repo]))
        raise TaskError(f"SWE-bench knows no version {version!r} of {repo}: use one of {known} "
                        "(quote the version in task.yaml so that 1.10 stays 1.10).")
    return table[repo][version]


def log_parser(repo: str):
    """SWE-bench's log parser for the repo."""
    parsers = swebench_module("swebench.harness.log_parsers").MAP_REPO_TO_PARSER
    if repo not in parsers:
        raise TaskError(f"SWE-bench has no log parser for {repo!r}; use another test runner for this task.")
    return parsers[repo]


def test_directives(instance: dict[str, Any]) -> list[str]:
    """SWE-bench's targets for the instance's test patch (files, or Django labels)."""
    for name in _DIRECTIVE_MODULES:
        module = optional_module(name)
        if module is not None and hasattr(module, "get_test_directives"):
            return list(module.get_test_directives(instance))
    raise TaskError(f"This swebench release has no get_test_directives: {INSTALL_HINT} (a 2.x to 4.x release).")


def run_parser(parser, log: str, spec: SimpleNamespace) -> dict[str, str]:
    """Call a parser of any swebench release: up to 2.x they take the log, since 3.0 the log and
    the instance's test spec (of which the parsers read the id, repo and version)."""
    if len(inspect.signature(parser).parameters) == 1:
        return parser(log)
    return parser(log, spec)


def test_command(specs: dict[str, Any]) -> str:
    """The official command; several (the non-Python repos of 3.x and 4.x) run one after another."""
    command = specs["test_cmd"]
    return command if isinstance(command, str) else "; ".join(command)


def environment(specs: dict[str, Any]) -> list[str]:
    """The `export` lines of SWE-bench's eval_commands (its other commands change the image, which
    belongs to the image build)."""
    return [line for line in specs.get("eval_commands", []) if line.startswith("export ")]


def instance(spec: TaskSpec) -> dict[str, Any]:
    return {"instance_id": spec.instance_id, "repo": spec.repo, "version": str(spec.version),
            "test_patch": spec.test_patch, "base_commit": spec.base_commit}


def synthetic_patch(paths: list[str]) -> str:
    """A diff header per path: what get_test_directives reads of a test patch."""
    return "".join(f"diff --git a/{path} b/{path}\n" for path in paths)


@dataclass(frozen=True)
class SwebenchRunner:
    name: str = "swebench"
    default_command: str = ""  # the command is SWE-bench's for the repo and version; test_command is not used
    targets_are_paths: bool = False  # Django's are labels

    def targets(self, spec: TaskSpec, test_ids: list[str]) -> list[str]:
        # As SWE-bench's harness: the test patch's files run whatever the ids.
        return test_directives(instance(spec))

    def file_targets(self, spec: TaskSpec, paths: list[str]) -> list[str]:
        return test_directives({**instance(spec), "test_patch": synthetic_patch(paths)})

    def support_files(self, paths: RunPaths) -> dict[str, bytes]:
        return {}

    def command(self, spec: TaskSpec, paths: RunPaths) -> str:
        specs = repo_specs(spec.repo, str(spec.version))
        log_parser(spec.repo)  # fail before the run, not after it
        identity = " ".join(shlex.quote(word) for word in (spec.instance_id, spec.repo, str(spec.version)))
        steps = [f"printf '%s\\n' {identity} > {shlex.quote(paths.report)}", CONDA_TESTBED, *environment(specs),
                 test_command(specs)]
        return "; ".join(steps)

    def parse(self, output: str, report: str | None) -> Parsed:
        lines = (report or "").splitlines()
        if len(lines) < 3:
            raise TaskError("The swebench runner's report (the task's repo and version) was not written: "
                            "the run did not start.")
        instance_id, repo, version = lines[:3]
        spec = SimpleNamespace(instance_id=instance_id, repo=repo, version=version)
        statuses = run_parser(log_parser(repo), output, spec)
        unknown = sorted(set(statuses.values()) - STATUSES)
        if unknown:
            raise TaskError(f"SWE-bench's parser for {repo} gave statuses srl-swe does not know: {', '.join(unknown)}.")
        return Parsed(statuses=dict(statuses))


RUNNER = SwebenchRunner()
