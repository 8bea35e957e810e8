"""Small Python projects made on the fly for the offline-install tests, one per packaging style.
Commit dates are fixed (tests.task_repos.git), so each gives the same bundle, and so the same
task image, on every run: images are built once per machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.task_repos import git

# A flat layout, setuptools backend, one real dependency from the index.
FLAT = {
    "pyproject.toml": '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "flatpkg"
version = "0.1"
dependencies = ["six"]

[project.optional-dependencies]
test = ["iniconfig"]

[tool.setuptools]
packages = ["flatpkg"]
''',
    "flatpkg/__init__.py": 'import six\n\n\ndef greet(name):\n    return six.text_type("hello " + name)\n',
    "tests/test_flat.py": "from flatpkg import greet\n\n\ndef test_greet():\n    assert greet('you') == 'hello you'\n",
}

# A src layout, hatchling backend (itself with dependencies: packaging, pathspec, pluggy, ...),
# test tools in a PEP 735 dependency group.
HATCH = {
    "pyproject.toml": '''\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "src-pkg"
version = "0.1"

[dependency-groups]
tests = ["iniconfig", {include-group = "typing"}]
typing = ["six"]

[tool.hatch.build.targets.wheel]
packages = ["src/srcpkg"]
''',
    "src/srcpkg/__init__.py": "def double(x):\n    return 2 * x\n",
    "tests/test_src.py": "from srcpkg import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
}

# No packaging at all: a module and its tests, run from the working directory.
BARE = {
    "calc.py": "def add(a, b):\n    return a + b\n",
    "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}


@dataclass
class Repo:
    path: Path
    base: str


def make_repo(where: Path, name: str, files: dict[str, str]) -> Repo:
    """A git repo at `where/name` holding `files`, in one commit."""
    repo = where / name
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"{name}: first version")
    return Repo(repo, git(repo, "rev-parse", "HEAD").strip())
