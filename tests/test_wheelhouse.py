"""Offline installs: the wheelhouse resolved on the host, its cache, the venv task image built from
it with no network, and the check that the repo's packages import from the repo. Real pip (the
host reaches the index) and real containers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from srl_swe.errors import TaskCheckFailed
from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.tasks import gitrepo, wheelhouse
from srl_swe.tasks.images import ensure_task_image, task_image_tag
from srl_swe.tasks.install import (
    WHEELS_DIR,
    build_requires,
    check_import_origin,
    default_environment,
    editable_install,
    project_name,
    requirement_args,
)
from srl_swe.tasks.registry import bundle_path, load_task
from srl_swe.tasks.spec import VENV_DIR, TaskSpec
from srl_swe.tasks.wheelhouse import Target, ensure_wheelhouse, pip_failure, wheelhouse_key
from tests.install_repos import BARE, FLAT, HATCH, make_repo

TARGET = Target("3.11", "x86_64", "2.36")
BUNDLED = Path(__file__).resolve().parents[1] / "tasks"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One wheelhouse cache for this module, away from the user's."""
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("cache")
        mp.setenv("SRL_SWE_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    where = tmp_path_factory.mktemp("repos")
    return {
        name: make_repo(where, name, files) for name, files in (("flatpkg", FLAT), ("srcpkg", HATCH), ("bare", BARE))
    }


def _venv_spec(repo, task_id: str, **fields) -> TaskSpec:
    return TaskSpec(instance_id=task_id, base_commit=repo.base, **(default_environment(repo.path) | fields))


def _image(repo, spec: TaskSpec, tmp_path: Path) -> str:
    bundle = tmp_path / f"{spec.instance_id}.bundle"
    gitrepo.bundle(repo.path, repo.base, bundle)
    return ensure_task_image(spec, bundle=bundle, log=lambda _m: None)


# -- what a repo needs ------------------------------------------------------------------------------

def test_default_environment_follows_the_repo_layout(repos, tmp_path):
    assert default_environment(repos["flatpkg"].path) == {
        "environment": "venv", "requirements": [".[test,tests,testing]", "pytest"],
        "install": [f"python -m pip install --no-index --find-links {WHEELS_DIR} -e '.[test,tests,testing]'"]}
    assert default_environment(repos["bare"].path) == {"environment": "venv", "requirements": ["pytest"], "install": []}
    assert default_environment(repos["srcpkg"].path)["requirements"] == [
        ".[test,tests,testing]",
        "iniconfig",
        "six",
        "pytest",
    ]
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")  # tool settings only: not a package
    assert default_environment(tmp_path)["install"] == []
    assert editable_install() == f"python -m pip install --no-index --find-links {WHEELS_DIR} -e ."


def test_build_requires_and_project_name(repos, tmp_path):
    assert build_requires(repos["srcpkg"].path) == ["hatchling"]
    assert build_requires(repos["bare"].path) == []
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name='My.Pkg', version='1')\n")
    assert build_requires(tmp_path) == ["setuptools>=40.8.0", "wheel"]  # pip's default without [build-system]
    assert project_name(tmp_path) == "my_pkg"
    assert project_name(repos["srcpkg"].path) == "src_pkg"
    assert project_name(repos["bare"].path) is None


def test_requirement_args_keep_specifiers_whole():
    assert requirement_args(["foo>=1; python_version < '3.12'", "-r requirements/dev.txt", " .[test] "]) == [
        "foo>=1; python_version < '3.12'", "-r", "requirements/dev.txt", ".[test]"]


def test_broken_pyproject_is_an_install_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    with pytest.raises(TaskCheckFailed) as caught:
        default_environment(tmp_path)
    assert caught.value.outcome == "install_error" and "pyproject.toml" in caught.value.detail


# -- the cache key ----------------------------------------------------------------------------------

def test_key_follows_requirements_dependency_files_and_python(repos, tmp_path):
    repo = make_repo(tmp_path, "keyed", FLAT).path
    key = wheelhouse_key(["."], repo, TARGET)
    assert key == wheelhouse_key(["."], repo, TARGET)
    assert key != wheelhouse_key([".", "pytest"], repo, TARGET)
    assert key != wheelhouse_key(["."], repo, Target("3.12", "x86_64", "2.36"))
    (repo / "README.md").write_text("not a dependency file\n")
    (repo / "flatpkg" / "extra.py").write_text("x = 1\n")
    assert wheelhouse_key(["."], repo, TARGET) == key
    (repo / "requirements-dev.txt").write_text("six\n")
    with_requirements = wheelhouse_key(["."], repo, TARGET)
    assert with_requirements != key
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text().replace('"six"', '"six>=1.16"'))
    assert wheelhouse_key(["."], repo, TARGET) not in (key, with_requirements)


def test_pip_failure_names_what_pip_could_not_find():
    output = (
        "ERROR: Could not find a version that satisfies the requirement six==999.0 (from versions: 1.15.0, 1.16.0, "
        "1.17.0)\n"
        "ERROR: No matching distribution found for six==999.0\n"
    )
    assert pip_failure(output) == "pip found no distribution for six==999.0 (available: 1.15.0, 1.16.0, 1.17.0)"
    conflict = ("ERROR: Cannot install a==1 and b==2 because these package versions have conflicting dependencies.\n\n"
                "The conflict is caused by:\n    The user requested six==1.0\n    a 1.0 depends on six>=1.16\n\n"
                "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io\n")
    assert pip_failure(conflict) == "pip found conflicting requirements: six==1.0; a 1.0 depends on six>=1.16"
    assert pip_failure("noise\nERROR: something broke\nmore noise\n") == "ERROR: something broke"


# -- the wheelhouse on the host ---------------------------------------------------------------------

def test_wheelhouse_is_cached_and_not_resolved_again(cache, repos, monkeypatch):
    spec = _venv_spec(repos["bare"], "bare-1", requirements=["six"])
    messages: list[str] = []
    first = ensure_wheelhouse(spec, repos["bare"].path, messages.append, target=wheelhouse.host_target())
    names = json.loads((first / wheelhouse.MANIFEST).read_text())["wheels"]
    assert {name.split("-")[0] for name in names} >= {"pip", "setuptools", "wheel", "six"}
    assert sorted(os.listdir(first)) == sorted([*names, wheelhouse.MANIFEST])
    assert first.parent == cache / "wheelhouse" and not [p for p in first.parent.iterdir() if p.name.startswith(".")]
    stamp = (first / wheelhouse.MANIFEST).stat().st_mtime_ns

    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran on a cache hit")

    monkeypatch.setattr(wheelhouse, "_pip", no_pip)
    messages.clear()
    assert ensure_wheelhouse(spec, repos["bare"].path, messages.append, target=wheelhouse.host_target()) == first
    assert (first / wheelhouse.MANIFEST).stat().st_mtime_ns == stamp
    assert messages == [f"wheelhouse {first.name} is cached"]


def test_unsatisfiable_requirement_is_an_install_error_naming_it(cache, repos):
    spec = _venv_spec(repos["bare"], "bare-2", requirements=["six==999.0"])
    with pytest.raises(TaskCheckFailed) as caught:
        ensure_wheelhouse(spec, repos["bare"].path, lambda _m: None, target=wheelhouse.host_target())
    assert caught.value.outcome == "install_error"
    assert "six==999.0" in caught.value.detail and "\n" not in caught.value.detail
    assert "--requirement" in caught.value.hint
    key = wheelhouse_key(spec.requirements, repos["bare"].path, wheelhouse.host_target())
    assert not (cache / "wheelhouse" / key).exists()
    assert not [p for p in (cache / "wheelhouse").iterdir() if p.name.startswith(".")]  # no staging left behind


# -- task images ------------------------------------------------------------------------------------

def test_system_specs_keep_their_image_tags():
    """Bundled tasks are environment=system: their tags are the ones from before venvs existed."""
    base = "srl-swe/base:0123456789ab"
    expected = {"datekit-1": "srl-swe/task:629095a7ac7243ac", "lrukit-2": "srl-swe/task:db67291f11124ed5",
                "texttable-3": "srl-swe/task:568ba1faef12f8b4"}
    for task_id, tag in expected.items():
        spec = load_task(task_id, BUNDLED)
        assert spec.environment == "system"
        assert task_image_tag(spec, bundle_path(task_id, BUNDLED), base) == tag
        venv = spec.model_copy(update={"environment": "venv", "requirements": ["pytest"]})
        assert task_image_tag(venv, bundle_path(task_id, BUNDLED), base) != tag


def test_flat_package_installs_offline_into_a_clean_venv(cache, repos, tmp_path, base_image):
    spec = _venv_spec(repos["flatpkg"], "flatpkg-1")
    image = _image(repos["flatpkg"], spec, tmp_path)
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        def run(command: str) -> str:
            result = sandbox.run(command)
            assert result.exit_code == 0, f"{command}: {result.output}"
            return result.output.strip()

        assert (
            run("(cd / && python -c 'import flatpkg, six, iniconfig; print(flatpkg.__file__)')")
            == "/testbed/flatpkg/__init__.py"
        )
        assert run("command -v python pip pytest").splitlines() == [
            f"{VENV_DIR}/bin/{tool}" for tool in ("python", "pip", "pytest")
        ]
        assert run("python -c 'import sys; print(sys.prefix)'") == VENV_DIR
        # Debian's packages (its pytest, pluggy, ...) are not on the venv's path
        assert "dist-packages" not in run("python -c 'import sys; print(sys.path)'")
        assert sandbox.run("python -c 'import attr'").exit_code != 0  # Debian's python3-attr, a pytest dependency there
        assert sandbox.run("/usr/bin/python3 -c 'import attr'").exit_code == 0  # ... which the system python still has
        assert run("python -c 'import _pytest; print(_pytest.__file__)'").startswith(f"{VENV_DIR}/lib/")
        assert "1 passed" in run("python -m pytest -q -p no:cacheprovider")
        no_net = sandbox.run("python -c \"import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)\"")
        assert no_net.exit_code != 0 and ("unreachable" in no_net.output or "OSError" in no_net.output), no_net.output
        # pip answers from the wheelhouse at once: no index, no network to wait on
        missing = sandbox.run("pip install no-such-distribution-xyz", timeout=60)
        assert missing.exit_code != 0 and "No matching distribution" in missing.output, missing.output
        assert "Requirement already satisfied: six" in run("pip install six")
        assert run("git status --porcelain") == ""  # the install's egg-info is excluded, not a change
        assert "flatpkg.egg-info" in run("cat .git/info/exclude")
        check_import_origin(sandbox, spec)


def test_hatchling_src_layout_installs_editable_offline(cache, repos, tmp_path, base_image):
    spec = _venv_spec(repos["srcpkg"], "srcpkg-1")
    image = _image(repos["srcpkg"], spec, tmp_path)
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        where = sandbox.run("(cd / && python -c 'import srcpkg; print(srcpkg.__file__)')")
        assert where.output.strip() == "/testbed/src/srcpkg/__init__.py", where.output
        assert sandbox.run("python -c 'import hatchling'").exit_code != 0  # the backend built in isolation only
        assert sandbox.run("python -c 'import iniconfig, six'").exit_code == 0  # the `tests` dependency group
        check_import_origin(sandbox, spec)


def test_a_second_copy_in_site_packages_is_an_install_error(cache, repos, tmp_path, base_image):
    spec = _venv_spec(
        repos["srcpkg"], "srcpkg-2", install=[f"python -m pip install --no-index --find-links {WHEELS_DIR} ."]
    )
    image = _image(repos["srcpkg"], spec, tmp_path)
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        with pytest.raises(TaskCheckFailed) as caught:
            check_import_origin(sandbox, spec)
        assert caught.value.outcome == "install_error"
        assert (
            caught.value.detail.startswith(f"srcpkg imports from {VENV_DIR}/lib/")
            and "not from the repo" in caught.value.detail
        )
        with pytest.raises(TaskCheckFailed, match="nosuchpkg does not import: ModuleNotFoundError"):
            check_import_origin(sandbox, spec, packages=["nosuchpkg"])


def test_bare_repo_gets_the_runner_only(cache, repos, tmp_path, base_image):
    spec = _venv_spec(repos["bare"], "bare-3")
    image = _image(repos["bare"], spec, tmp_path)
    with DockerSandbox(DockerSandboxConfig(image=image, workdir=spec.workdir)) as sandbox:
        result = sandbox.run("python -m pytest -q -p no:cacheprovider && command -v pytest")
        assert result.exit_code == 0 and f"{VENV_DIR}/bin/pytest" in result.output, result.output
        check_import_origin(sandbox, spec)  # no packages: nothing to check


def test_failed_install_step_is_an_install_error(cache, repos, tmp_path, base_image):
    spec = _venv_spec(repos["bare"], "bare-4", install=["python -m pip install iniconfig-not-there"])
    with pytest.raises(TaskCheckFailed) as caught:
        _image(repos["bare"], spec, tmp_path)
    assert caught.value.outcome == "install_error"
    assert "iniconfig-not-there" in caught.value.detail and "--install" in caught.value.hint
