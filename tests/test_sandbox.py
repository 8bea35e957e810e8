"""DockerSandbox against real containers."""

from __future__ import annotations

import time

import pytest

from srl_swe.errors import ImageMissing, SandboxDied
from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from tests.conftest import own_containers


def test_output_and_exit_codes(sandbox):
    result = sandbox.run("echo out; echo err >&2; exit_code_is() { return $1; }; exit_code_is 7")
    assert result.output == "out\nerr\n"
    assert result.exit_code == 7
    assert not result.timed_out and not result.truncated and not result.restarted
    assert sandbox.run("true").exit_code == 0


def test_state_persists_between_commands(sandbox):
    sandbox.run("mkdir -p /tmp/work && cd /tmp/work && export GREETING=hello")
    result = sandbox.run("pwd; echo $GREETING; whoami")
    assert result.output.split() == ["/tmp/work", "hello", "agent"]


def test_timeout_interrupts_and_session_survives(sandbox):
    start = time.monotonic()
    result = sandbox.run("sleep 600", timeout=2)
    assert time.monotonic() - start < 10  # far from the 600 s the command asked for, with room for a busy machine
    assert result.timed_out
    assert not result.restarted
    sandbox.run("export KEEP=1")
    after = sandbox.run("echo alive $KEEP")
    assert after.output == "alive 1\n" and after.exit_code == 0


def test_busy_shell_is_restarted_in_same_cwd(sandbox):
    sandbox.run("cd /tmp")
    result = sandbox.run("while true; do :; done", timeout=1)
    assert result.timed_out and result.restarted
    assert sandbox.run("pwd").output == "/tmp\n"


def test_exit_restarts_the_shell(sandbox):
    result = sandbox.run("exit 3")
    assert result.restarted and result.exit_code == 3
    assert sandbox.run("echo again").output == "again\n"


def test_huge_output_is_truncated_and_session_works(sandbox):
    result = sandbox.run("yes | head -c 50000000", timeout=60)
    assert result.truncated
    assert len(result.output) < sandbox.config.output_limit + 200
    assert "bytes of output truncated" in result.output
    assert result.output.startswith("y\ny\n") and result.output.endswith("y\n")
    assert sandbox.run("echo fine").output == "fine\n"


def test_binary_output_does_not_break_framing(sandbox):
    result = sandbox.run("head -c 4096 /dev/urandom; printf '\\x00\\xff\\xfe'; echo; echo tail")
    assert result.exit_code == 0
    assert result.output.endswith("tail\n")
    assert sandbox.run("echo next").output == "next\n"


def test_fork_bomb_is_contained(base_image):
    config = DockerSandboxConfig(image=base_image, pids_limit=64)
    with DockerSandbox(config) as sb:
        sb.run("bomb() { bomb | bomb & }; bomb", timeout=3)
        stats = docker_client().api.stats(sb.container_id, stream=False)["pids_stats"]
        assert stats["limit"] == 64
        assert 0 < stats["current"] <= 64  # the bomb is still running, held at the limit
    assert not own_containers()


def test_no_network(sandbox):
    probe = "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)\""
    result = sandbox.run(probe, timeout=20)
    assert result.exit_code != 0
    assert "unreachable" in result.output.lower() or "timed out" in result.output.lower()
    assert sandbox.run("ls /sys/class/net").output.split() == ["lo"]


def test_isolation_settings(sandbox):
    host_config = docker_client().api.inspect_container(sandbox.container_id)["HostConfig"]
    assert host_config["NetworkMode"] == "none"
    assert host_config["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host_config["SecurityOpt"]
    assert host_config["Memory"] > 0 and host_config["NanoCpus"] > 0
    assert sandbox.run("id -u").output == "1000\n"


def test_binary_and_unicode_file_round_trip(sandbox):
    blob = bytes(range(256)) * 64
    sandbox.write_file("/tmp/deep/dir/blob.bin", blob)
    assert sandbox.read_file("/tmp/deep/dir/blob.bin") == blob
    text = "naïve café — 日本語 ✓\n"
    sandbox.write_file("/testbed/ü.txt", text)
    assert sandbox.read_file("/testbed/ü.txt").decode() == text
    assert sandbox.run("cat /testbed/ü.txt").output == text
    assert sandbox.run("stat -c %U /tmp/deep/dir/blob.bin").output == "agent\n"
    with pytest.raises(FileNotFoundError):
        sandbox.read_file("/tmp/missing")


def test_reset_restores_repo(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run("cd /testbed && echo changed > keep.txt && rm gone.txt && echo new > new.txt && echo x > debug.log "
               "&& mkdir -p pkg && echo y > pkg/new_mod.py")
        diff = sb.diff()
        assert "+changed" in diff and "new.txt" in diff and "gone.txt" in diff and "pkg/new_mod.py" in diff
        assert "debug.log" not in diff
        sb.run("cd /tmp")
        sb.reset()
        listing = sb.run("ls -A /testbed | sort").output.split()
        assert listing == [".git", ".gitignore", "build", "gone.txt", "keep.txt", "pkg"]
        assert sb.read_file("/testbed/keep.txt") == b"a\n"
        assert sb.run("pwd").output == "/testbed\n"
        assert sb.diff() == ""
        assert sb.stats.warm == 1 and sb.stats.fresh_fallbacks == 0


def test_killed_container_raises_sandbox_died(base_image):
    with DockerSandbox(DockerSandboxConfig(image=base_image)) as sb:
        docker_client().containers.get(sb.container_id).kill()
        with pytest.raises(SandboxDied):
            sb.run("echo hello", timeout=10)
    assert not own_containers()


def test_missing_image_is_a_clear_error():
    with pytest.raises(ImageMissing, match="build-base"):
        DockerSandbox(DockerSandboxConfig(image="srl-swe/does-not-exist:nope"))
    assert not own_containers()


def test_config_rejects_unknown_keys():
    with pytest.raises(ValueError):
        DockerSandboxConfig(image="x", netwrok=True)


def test_reset_keeps_setup_outputs_listed_in_info_exclude(repo_image):
    with DockerSandbox(DockerSandboxConfig(image=repo_image)) as sb:
        sb.run("cd /testbed && echo scratch > scratch.log && echo tmp > new.txt && echo more >> build/lib.so")
        sb.reset()
        assert sb.read_file("/testbed/build/lib.so") == b"artifact\n"
        assert sb.run("ls /testbed/new.txt /testbed/scratch.log").exit_code != 0
