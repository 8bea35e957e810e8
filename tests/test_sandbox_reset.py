"""A warm reset gives the state of a fresh container from the same image, against real containers:
the same processes, shell environment, repo and filesystem (every path `docker diff` lists in
either, compared by type, mode, owner, size, content and file mtime), after an adversarial episode."""

from __future__ import annotations

import shlex

import pytest

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig, restore
from srl_swe.sandbox.engine import docker_client

pytestmark = pytest.mark.long

DIST = "/usr/lib/python3/dist-packages"

ADVERSARIAL = [
    # processes: background, nohup, setsid, a double-forked daemon, and one that keeps forking
    "sleep 1000 & nohup sleep 1001 >/dev/null 2>&1 & setsid sleep 1002 >/dev/null 2>&1 </dev/null &",
    "(setsid sh -c 'sleep 1003 &' &) ; (while true; do sleep 1; done >/dev/null 2>&1 &)",
    # shell state: variables, cwd, umask, an ignored signal, a function and an alias
    "export LEAK=1 PYTHONPATH=/tmp/evil; cd /tmp; umask 077; trap '' USR1; f() { :; }; alias ll=ls",
    # files outside the repo: /tmp, $HOME, the user's site-packages, /dev/shm, a deleted own file
    "echo x > /tmp/junk && mkdir -p /tmp/d/e && echo y > /tmp/d/e/f && echo s > /dev/shm/seg",
    "echo h > ~/notes && rm ~/.bashrc && git config --global user.name evil",
    "mkdir -p ~/.local/lib/python3.11/site-packages && echo 'x = 1' > ~/.local/lib/python3.11/site-packages/evil.py",
    # the repo: an edit, a deletion, untracked and ignored files, a commit, a branch, a local config
    "cd /testbed && echo changed >> keep.txt && rm gone.txt && echo u > untracked.txt && echo l > debug.log"
    " && git checkout -qb side && git add -A && git commit -qm sneaky && git config core.editor vi && echo u2 > "
    "new.txt",
]
# What an install as root would do: a new module and a changed one in the system site-packages,
# and a deleted system file (run through the engine as root: the agent cannot write there).
AS_ROOT = (f"echo 'x = 1' > {DIST}/evil_pkg.py && echo '# patched' >> {DIST}/iniconfig/__init__.py"
           " && rm /etc/debian_version")


def root(sb: DockerSandbox, script: str) -> str:
    result = docker_client().containers.get(sb.container_id).exec_run(["sh", "-c", script], user="root")
    assert result.exit_code == 0, result.output
    return result.output.decode()


def adversarial_episode(sb: DockerSandbox) -> None:
    for command in ADVERSARIAL:
        assert sb.run(command).exit_code == 0, command
    root(sb, AS_ROOT)


def diff_set(sb: DockerSandbox) -> set[tuple[str, int]]:
    return {(c["Path"], c["Kind"]) for c in docker_client().api.diff(sb.container_id) or []}


def path_states(sb: DockerSandbox, paths: list[str]) -> list[str]:
    """Each path as root sees it: type, mode, owner, size, and content plus mtime for files
    (a directory's mtime changes when entries come and go; docker diff ignores it too)."""
    script = ('for p; do if [ -e "$p" ] || [ -L "$p" ]; then stat -c "%n|%F|%a|%u|%g|%s" "$p"; '
              'if [ -L "$p" ]; then readlink "$p"; elif [ -f "$p" ]; then stat -c %y "$p"; sha256sum <"$p"; fi; '
              'else echo "$p|absent"; fi; done')
    return root(sb, f"set -- {' '.join(shlex.quote(p) for p in paths)}; {script}").splitlines()


def fingerprint(sb: DockerSandbox, diff_paths: list[str]) -> dict:
    processes = sb.run("ps -eo args --no-headers").output.splitlines()
    return {
        "processes": sorted(p for p in processes if not p.startswith("ps -eo")),
        # HOSTNAME is the container's id: the one thing two fresh containers differ in.
        "shell": sb.run("pwd; umask; export -p | grep -v HOSTNAME=; trap -p; alias; declare -F; ulimit -a").output,
        "repo": sb.run("git -C /testbed status --porcelain --ignored; git -C /testbed rev-parse HEAD; "
                       "git -C /testbed branch --list; git -C /testbed config --list --show-origin").output,
        "diff": diff_set(sb),
        "paths": path_states(sb, diff_paths),
    }


def assert_same_as_fresh(sb: DockerSandbox, image: str) -> None:
    with DockerSandbox(DockerSandboxConfig(image=image)) as fresh:
        paths = sorted({p for p, _ in diff_set(sb) | diff_set(fresh)} | {"/etc/debian_version", "/home/agent/.bashrc"})
        got, want = fingerprint(sb, paths), fingerprint(fresh, paths)
    for key in want:
        assert got[key] == want[key], key


def test_adversarial_episode_then_warm_reset_equals_fresh_container(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        assert sb.changes_source == "overlay"
        adversarial_episode(sb)
        assert "sleep 1002" in sb.run("ps -eo args").output
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks, sb.stats.shell_restarts) == (1, 0, 0), sb.stats.last_fallback
        assert sb.stats.paths_restored and sb.stats.paths_deleted
        assert_same_as_fresh(sb, repo_image)
        # and again: the paths restored last time are clean now, a second episode starts from scratch
        adversarial_episode(sb)
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (2, 0), sb.stats.last_fallback
        assert_same_as_fresh(sb, repo_image)


def test_typical_episode_resets_in_place(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run(
            "cd /testbed && sed -i 's/1/2/' pkg/mod.py && echo 'def g(): pass' > pkg/new.py && python3 -c 'import pkg'"
        )
        sb.diff()
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (1, 0)
        assert_same_as_fresh(sb, repo_image)


def test_wedged_shell_is_replaced_by_a_new_one(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        assert sb.run("ulimit -n 512").exit_code == 0  # a lowered hard limit: an exec in place would inherit it
        sb.reset()
        assert (sb.stats.warm, sb.stats.shell_restarts, sb.stats.fresh_fallbacks) == (1, 1, 0)
        assert_same_as_fresh(sb, repo_image)


def test_a_process_slow_to_exit_is_waited_for_not_counted_as_a_survivor(repo_image):
    # A SIGKILLed process holding 1 GiB takes longer to exit than a few quick sweeps
    # (more so on a loaded host); that cost a fresh container, where a wait suffices.
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        hog = "python3 -c \"b = b'x' * (1 << 30); print(len(b), flush=True); import time; time.sleep(1000)\""
        assert sb.run(f"{hog} > /tmp/hog.out 2>&1 & until [ -s /tmp/hog.out ]; do sleep 0.1; done").exit_code == 0
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (1, 0), sb.stats.last_fallback
        assert "python3" not in sb.run("ps -eo args").output


def test_engine_mode_falls_back_to_a_fresh_container_and_counts_it(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image, reset_changes="engine")) as sb:
        assert sb.changes_source == "engine"
        sb.run("cd /testbed && echo changed >> keep.txt && echo junk > /tmp/junk")
        sb.reset()  # an added file and repo edits: handled in place
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (1, 0)
        assert sb.run("ls /tmp/junk").exit_code != 0 and sb.read_file("/testbed/keep.txt") == b"a\n"
        first = sb.container_id
        sb.run("rm ~/.bashrc")  # an image file deleted: the engine has no copy of it
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (1, 1)
        assert "/home/agent/.bashrc" in sb.stats.last_fallback
        assert sb.container_id != first
        assert_same_as_fresh(sb, repo_image)


def test_opaque_directory_falls_back_to_a_fresh_container(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run("cd /testbed && rm -rf pkg && mkdir pkg && echo x > pkg/other.py")
        first = sb.container_id
        sb.reset()
        assert sb.stats.fresh_fallbacks == 1 and "opaque" in sb.stats.last_fallback
        assert sb.container_id != first
        assert_same_as_fresh(sb, repo_image)


def test_too_many_changed_paths_fall_back_to_a_fresh_container(repo_image, monkeypatch):
    monkeypatch.setattr(restore, "MAX_RESTORE_PATHS", 5)
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run("for i in 1 2 3 4 5 6 7; do echo $i > /tmp/f$i; done")
        sb.reset()
        assert sb.stats.fresh_fallbacks == 1 and "limit 5" in sb.stats.last_fallback
        assert sb.run("ls /tmp").output == ""


def test_reset_of_a_closed_sandbox_is_an_error(repo_image):
    sb = DockerSandbox(DockerSandboxConfig(image=repo_image))
    sb.close()
    with pytest.raises(Exception, match="closed"):
        sb.reset()


def test_deleted_image_directory_comes_back_whole(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run("rm -rf /testbed/pkg /testbed/.git/refs ~/.profile")
        sb.reset()
        assert (sb.stats.warm, sb.stats.fresh_fallbacks) == (1, 0)
        assert sb.read_file("/testbed/pkg/mod.py") == b"def f():\n    return 1\n"
        assert_same_as_fresh(sb, repo_image)
