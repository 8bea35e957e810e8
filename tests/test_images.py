"""The base image: contents, content-hash tags, and the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

from srl_swe.sandbox import images


def test_base_image_has_what_tasks_need(sandbox):
    result = sandbox.run("python3 -c 'import pytest, sys; print(sys.version_info[:2])'; git --version; whoami; pwd")
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert lines[0].startswith("(3,")
    assert lines[1].startswith("git version")
    assert lines[2:] == ["agent", "/testbed"]


def test_build_is_skipped_when_inputs_are_unchanged(base_image):
    messages = []
    tag = images.build_base(offline=True, log=messages.append)
    assert tag == base_image or images.find_base() == base_image
    assert any("up to date" in m for m in messages)


def test_tag_follows_the_recipe(tmp_path, monkeypatch):
    recipe = tmp_path / "docker"
    shutil.copytree(images.recipe_dir(), recipe)
    monkeypatch.setenv("SRL_SWE_DOCKER_DIR", str(recipe))
    before = images.base_tag("debian:bookworm-slim", offline=False)
    assert before == images.base_tag("debian:bookworm-slim", offline=False)
    assert before != images.base_tag("debian:trixie-slim", offline=False)
    dockerfile = Path(recipe, "base", "Dockerfile")
    dockerfile.write_text(dockerfile.read_text() + "\n# changed\n")
    assert images.base_tag("debian:bookworm-slim", offline=False) != before


def test_rootfs_tag_follows_packages(tmp_path, monkeypatch):
    recipe = tmp_path / "docker"
    shutil.copytree(images.recipe_dir(), recipe)
    monkeypatch.setenv("SRL_SWE_DOCKER_DIR", str(recipe))
    before = images.rootfs_tag("bookworm", "http://mirror.invalid/debian")
    (recipe / "base" / "packages.txt").write_text("python3\ngit\n")
    assert images.rootfs_tag("bookworm", "http://mirror.invalid/debian") != before
    assert images.packages() == ["python3", "git"]
