"""What a repository needs to run its tests in a task image's virtualenv, and a check that it got it.

`default_environment` picks the spec fields for a repo (an editable install with its test extras
when it is a Python package; only the test runner otherwise; test dependency groups either way), the project's build
requirements
tell the wheelhouse which backends the offline editable install needs, and `check_import_origin`
proves, inside a running task container, that the repo's packages import from the repo itself and
not from a second copy in site-packages (which would make every patch invisible to the tests)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from srl_swe.errors import TaskCheckFailed
from srl_swe.sandbox.protocol import Sandbox
from srl_swe.tasks.spec import TaskSpec

WHEELS_DIR = "/opt/srl-swe/wheels"  # the wheelhouse inside a task image; kept so that `pip install` works offline
TEST_EXTRAS = ".[test,tests,testing]"  # pip only warns about the extras a project does not declare
TEST_GROUPS = ("test", "tests", "testing")
RUNNER = "pytest"
# pip's own default for a project without [build-system] (PEP 517's legacy fallback)
LEGACY_BUILD_REQUIRES = ["setuptools>=40.8.0", "wheel"]
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
NOT_LIBRARIES = {"tests", "test", "testing", "docs", "doc", "examples", "benchmarks"}
_ORIGIN_MARK = "SRL_SWE_ORIGIN "


def default_environment(repo_dir: Path) -> dict:
    """The spec fields `environment`, `requirements` and `install` for the repo checked out at
    `repo_dir`: a package is installed editable with its test extras; a bare tree of modules gets
    only the runner (its tests import from the working directory)."""
    groups = test_group_requirements(repo_dir)
    if is_package(repo_dir):
        return {"environment": "venv", "requirements": _unique([TEST_EXTRAS, *groups, RUNNER]),
                "install": [editable_install(TEST_EXTRAS)]}
    return {"environment": "venv", "requirements": _unique([*groups, RUNNER]), "install": []}


def _unique(requirements: list[str]) -> list[str]:
    return list(dict.fromkeys(requirements))


def test_group_requirements(repo_dir: Path) -> list[str]:
    """The requirements of pyproject's test dependency groups (PEP 735 [dependency-groups] named
    test, tests or testing, includes expanded): where current projects keep their test tools,
    which no extra installs."""
    groups = {normalize(name): items for name, items in read_pyproject(repo_dir).get("dependency-groups", {}).items()}
    return _unique([req for name in TEST_GROUPS for req in _expand_group(groups, name, ())])


def _expand_group(groups: dict, name: str, seen: tuple[str, ...]) -> list[str]:
    if name in seen:
        raise TaskCheckFailed("install_error", f"dependency group {name!r} of pyproject.toml includes itself",
                              "Fix [dependency-groups] at the base commit, or pass --requirement REQ")
    found = []
    for item in groups.get(name, []):
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and "include-group" in item:
            found += _expand_group(groups, normalize(item["include-group"]), (*seen, name))
    return found


def editable_install(target: str = ".") -> str:
    """The command that installs the repo editable from the image's wheelhouse only. Build
    isolation stays on: the backends are in the wheelhouse, and the venv keeps only what the
    project itself needs."""
    return f"python -m pip install --no-index --find-links {WHEELS_DIR} -e {shlex.quote(target)}"


def is_package(repo_dir: Path) -> bool:
    """Whether pip can install the repo: a setup.py or setup.cfg, or a pyproject.toml that
    declares a project or a build backend (one that only configures tools does not count)."""
    if (repo_dir / "setup.py").is_file() or (repo_dir / "setup.cfg").is_file():
        return True
    pyproject = read_pyproject(repo_dir)
    return "project" in pyproject or "build-system" in pyproject


def read_pyproject(repo_dir: Path) -> dict:
    path = repo_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaskCheckFailed("install_error", f"pyproject.toml of the repo does not parse: {exc}",
                              "Fix pyproject.toml at the base commit, or pass --install CMD") from None


def build_requires(repo_dir: Path) -> list[str]:
    """What the repo's build backend needs (pyproject's [build-system].requires, or pip's
    setuptools default for a package without one); [] for a repo that is not a package."""
    if not is_package(repo_dir):
        return []
    system = read_pyproject(repo_dir).get("build-system", {})
    return [str(req) for req in system["requires"]] if "requires" in system else list(LEGACY_BUILD_REQUIRES)


# What pip asks a backend in its isolated build environment, asked here on the host: the extra
# requirements of an editable (and a regular) build, e.g. hatchling's `editables`, setup_requires.
_HOOKS = r"""
import importlib, json, sys
module, _, attribute = sys.argv[1].partition(":")
backend = importlib.import_module(module)
for part in filter(None, attribute.split(".")):
    backend = getattr(backend, part)
wanted = []
for hook in ("get_requires_for_build_wheel", "get_requires_for_build_editable"):
    wanted += getattr(backend, hook, lambda config: [])({})
print(json.dumps(sorted(set(wanted))))
"""


def backend_requires(repo_dir: Path, backend_dir: Path, timeout: float = 600) -> list[str]:
    """The requirements the repo's build backend (installed in `backend_dir`) asks for on top of
    [build-system].requires to build the repo, editable or not."""
    system = read_pyproject(repo_dir).get("build-system", {})
    backend = system.get("build-backend", LEGACY_BACKEND)
    in_tree = [str(repo_dir / part) for part in system.get("backend-path", [])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*in_tree, str(backend_dir)])}
    try:
        proc = subprocess.run([sys.executable, "-c", _HOOKS, backend], cwd=repo_dir, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TaskCheckFailed(
            "install_error",
            f"the build backend {backend} did not list its requirements within {timeout:g} s",
            "Pass --install CMD to install the repo your own way",
        ) from None
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()]
        raise TaskCheckFailed("install_error", f"the build backend {backend} failed to list its requirements: "
                              f"{lines[-1][:300] if lines else f'exit {proc.returncode}'}",
                              "Fix the repo's build configuration at the base commit, or pass --install CMD")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def project_name(repo_dir: Path) -> str | None:
    """The distribution name the repo declares statically (pyproject, setup.cfg, a literal in
    setup.py), normalized as in wheel file names; None when it is computed at build time."""
    name = read_pyproject(repo_dir).get("project", {}).get("name")
    if not name and (repo_dir / "setup.cfg").is_file():
        config = configparser.ConfigParser(interpolation=None)
        config.read(repo_dir / "setup.cfg", encoding="utf-8")
        name = config.get("metadata", "name", fallback=None)
    if not name and (repo_dir / "setup.py").is_file():
        match = re.search(
            r"""\bname\s*=\s*['"]([A-Za-z0-9][A-Za-z0-9._-]*)['"]""",
            (repo_dir / "setup.py").read_text(errors="replace"),
        )
        name = match.group(1) if match else None
    return normalize(name) if name else None


def normalize(name: str) -> str:
    """PEP 503 name, with the underscores wheel file names use."""
    return re.sub(r"[-_.]+", "_", name).lower()


def requirement_args(requirements: list[str]) -> list[str]:
    """pip arguments for requirement strings: an option line ('-r requirements/dev.txt') splits
    into its words; a specifier ('foo>=1; python_version < "3.12"') stays one argument."""
    return [
        arg for req in requirements for arg in (shlex.split(req) if req.lstrip().startswith("-") else [req.strip()])
    ]


def is_repo_requirement(requirement: str) -> bool:
    """'.', '.[test]', './sub', '-e .' or an absolute path: the repo (or a part of it), which the
    install commands handle; everything else is a distribution from the wheelhouse."""
    text = requirement.strip().removeprefix("-e ").strip()
    return text.startswith((".", "/"))


# -- inside a task container ---------------------------------------------------------------------

# Run from the workdir, as the test command is, so the working directory is on sys.path as it is
# under `python -m pytest`: a flat-layout package imports from there, a src layout only through the
# install. Prints one marked JSON line, so import-time prints cannot confuse the reader.
_PROBE = r"""
import importlib, json, os, sys
names = json.loads(sys.argv[1])
roots = [root for root in (".", "src") if os.path.isdir(root)]
for root in roots if not names else ():
    for entry in sorted(os.listdir(root)):
        if entry.isidentifier() and entry not in NOT_LIBRARIES and os.path.isfile(os.path.join(root, entry,
        "__init__.py")):
            names.append(entry)
if not names and os.path.isfile("pyproject.toml"):  # a single-module project: its module, named after it
    import tomllib
    with open("pyproject.toml", "rb") as fh:
        module = str(tomllib.load(fh).get("project", {}).get("name", "")).replace("-", "_")
    names += [module] if module and any(os.path.isfile(os.path.join(root, module + ".py")) for root in roots) else []
found = {}
for name in names:
    try:
        module = importlib.import_module(name)
        where = getattr(module, "__file__", None) or next(iter(getattr(module, "__path__", [])), None)
        found[name] = {"file": os.path.realpath(where) if where else None}
    except BaseException as exc:
        found[name] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
print(MARK + json.dumps({"root": os.path.realpath("."), "found": found}))
"""


def check_import_origin(
    sandbox: Sandbox, spec: TaskSpec, packages: list[str] | None = None, timeout: float = 120
) -> None:
    """Raise install_error unless each of the repo's top-level packages (`packages`, or those
    found at the repo's root and under src/) imports, and from under `spec.workdir`."""
    probe = _PROBE.replace("NOT_LIBRARIES", repr(sorted(NOT_LIBRARIES))).replace("MARK", repr(_ORIGIN_MARK))
    command = (f"cd {shlex.quote(spec.workdir)} && python -c {shlex.quote(probe)} "
               f"{shlex.quote(json.dumps(packages or []))}")
    result = sandbox.run(command, timeout=timeout)
    marked = [line for line in result.output.splitlines() if line.startswith(_ORIGIN_MARK)]
    if result.exit_code != 0 or not marked:
        tail = " | ".join(result.output.strip().splitlines()[-2:])[-300:]
        raise TaskCheckFailed(
            "install_error",
            f"python in the task image could not check the imports: {tail or 'no output'}",
            "Check that the image's python works (pass --install CMD to change how the repo is installed)",
        )
    report = json.loads(marked[-1].removeprefix(_ORIGIN_MARK))
    for name, origin in report["found"].items():
        _check_one(name, origin, report["root"])


def _check_one(name: str, origin: dict, root: str) -> None:
    if "error" in origin:
        raise TaskCheckFailed("install_error", f"{name} does not import: {origin['error']}",
                              "Add the missing distribution with --requirement REQ, or pass --install CMD")
    where = origin["file"] or "?"
    if not where.startswith(root.rstrip("/") + "/"):
        raise TaskCheckFailed("install_error", f"{name} imports from {where}, not from the repo",
                              "Install the repo editable (pip install -e .) with --install CMD, and do not "
                              "list the project itself in --requirement")
