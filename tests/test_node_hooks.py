"""What a Ray node is given before its first item (srl_swe.sandbox.nodes): the task registry,
shipped from the driver when the node has no folder at its path, lands there whole, file for file;
a copy shipped by an earlier run is replaced once the driver's registry has changed (or the copy
has); a node with a folder of its own at the path (or with the images) is sent nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from srl_swe.sandbox.images import find_base
from srl_swe.sandbox.nodes import FOLDER, SHIPPED, digest, install, missing, node_hooks, provide
from srl_swe.tasks.registry import default_tasks_dir, list_tasks

pytestmark = pytest.mark.docker


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_node_without_the_registry_gets_it_whole_at_the_same_path(tmp_path):
    registry = tmp_path / "registry"
    for task in list_tasks()[:2]:
        shutil.copytree(default_tasks_dir() / task, registry / task)
    hooks = node_hooks("auto", [str(registry)])
    assert find_base(), "the base image is built (srl-swe images build-base)"
    assert hooks.probe() == [], "the driver's own machine lacks nothing"
    payload = hooks.provide([FOLDER + str(registry)])
    shipped = _files(registry)
    registry.rename(tmp_path / "driver-copy")  # now this machine is a node without the registry
    assert hooks.probe() == [FOLDER + str(registry)]
    hooks.install(payload)
    got = _files(registry)
    assert got.pop(SHIPPED).decode().startswith(digest(tmp_path / "driver-copy"))  # the version it came from
    assert got == shipped and list_tasks(str(registry)) == list_tasks()[:2]
    assert hooks.probe() == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left"


def test_a_copy_another_worker_put_in_place_first_is_kept(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    (source / "a.txt").write_text("driver's")
    [(_name, data)] = provide([FOLDER + str(source)])
    target.mkdir()
    (target / "a.txt").write_text("theirs")
    install({str(target): digest(source)}, [(FOLDER + str(target), data)])
    assert (target / "a.txt").read_text() == "theirs"
    versions = {str(target): digest(source), str(tmp_path / "absent"): digest(source)}
    assert missing([], versions) == [FOLDER + str(tmp_path / "absent")], "a folder of the node's own is used as is"


def test_a_copy_shipped_by_an_earlier_run_is_replaced_once_the_registry_changed(tmp_path):
    driver, node = tmp_path / "driver", tmp_path / "node"
    (driver / "task-a").mkdir(parents=True)
    (driver / "task-a" / "task.yaml").write_text("tests: [one]\n")

    def ship() -> list[str]:
        """One run's hooks against the node's path: what it lacked, with the driver's files put there."""
        versions = {str(node): digest(driver)}
        needed = missing([], versions)
        if needed:
            [(_name, data)] = provide([FOLDER + str(driver)])
            install(versions, [(FOLDER + str(node), data)])
        assert missing([], versions) == []
        assert _files(node) == {**_files(driver), SHIPPED: (node / SHIPPED).read_bytes()}
        return needed

    assert ship() == [FOLDER + str(node)]
    assert ship() == [], "an unchanged registry is not sent again"
    (driver / "task-a" / "task.yaml").write_text("tests: [two]\n")  # re-registered: same size, new tests
    (driver / "task-b").mkdir()
    (driver / "task-b" / "task.yaml").write_text("tests: [three]\n")
    assert ship() == [FOLDER + str(node)]
    (node / "task-b" / "task.yaml").write_text("edited on the node\n")
    assert ship() == [FOLDER + str(node)], "a shipped copy changed since is sent again"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left"
