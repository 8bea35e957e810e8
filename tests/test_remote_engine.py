"""The sandbox on an engine named by DOCKER_HOST, as a remote one would be. tcp://: a TCP port
forwarded to this machine's engine socket. ssh://: the system's `ssh` is a stand-in on PATH that
runs what the real one would run on the remote host (`docker system dial-stdio`) here, so the
stream goes through ssh's pipes exactly as over a real connection. Commands, files and warm resets
work, and resets list changes through the engine (the container's layers are not on this host's
file system)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[1]
ENGINE_SOCKET = "/var/run/docker.sock"

_SCRIPT = """
import json
from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.images import find_base

with DockerSandbox(DockerSandboxConfig(image=find_base())) as sb:
    sb.run("cd /tmp && export X=1")
    kept = sb.run("pwd; echo $X").output
    sb.write_file("/tmp/made.txt", "x\\n")
    before = sb.run("cat /tmp/made.txt").output
    sb.reset()
    after = sb.run("ls /tmp/made.txt; pwd").output
    print(json.dumps({"url": docker_client().api.base_url, "kept": kept, "before": before, "after": after,
                      "source": sb.changes_source, "fallbacks": sb.stats.fresh_fallbacks}))
"""


@contextlib.contextmanager
def tcp_to_engine():
    """A loopback TCP port whose connections are piped to the engine's unix socket."""
    server = socket.create_server(("127.0.0.1", 0))

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def serve() -> None:
        with contextlib.suppress(OSError):  # the listening socket closed: the test is over
            while True:
                client, _ = server.accept()
                engine = socket.socket(socket.AF_UNIX)
                engine.connect(ENGINE_SOCKET)
                for a, b in ((client, engine), (engine, client)):
                    threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.mark.skipif(not os.path.exists(ENGINE_SOCKET), reason=f"the engine is not at {ENGINE_SOCKET}")
def test_sandbox_runs_and_resets_on_an_engine_named_by_docker_host(base_image):
    with tcp_to_engine() as port:
        env = {**os.environ, "DOCKER_HOST": f"tcp://127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["url"] == f"http://127.0.0.1:{port}"
    assert seen["kept"] == "/tmp\n1\n" and seen["before"] == "x\n"
    assert "No such file" in seen["after"] and seen["after"].rstrip().endswith("/testbed")
    assert seen["source"] == "engine" and seen["fallbacks"] == 0


FAKE_SSH = """#!/bin/sh
echo "$@" >> "{log}"
while [ "$1" != "--" ]; do shift; done
shift 2  # "--" and the host; what is left is the remote command
DOCKER_HOST=unix://{socket} exec $@
"""


@pytest.mark.skipif(not os.path.exists(ENGINE_SOCKET) or not shutil.which("docker"),
                    reason="needs the engine's socket and the docker CLI (its `system dial-stdio`)")
def test_sandbox_runs_and_resets_over_ssh(base_image, tmp_path):
    log = tmp_path / "ssh.log"
    ssh = tmp_path / "bin" / "ssh"
    ssh.parent.mkdir()
    ssh.write_text(FAKE_SSH.format(log=log, socket=ENGINE_SOCKET))
    ssh.chmod(0o755)
    env = {**os.environ, "DOCKER_HOST": "ssh://agent@build-host:2200", "PYTHONPATH": str(ROOT),
           "PATH": f"{ssh.parent}:{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["url"] == "http+docker://ssh"
    assert seen["kept"] == "/tmp\n1\n" and seen["before"] == "x\n"
    assert "No such file" in seen["after"] and seen["after"].rstrip().endswith("/testbed")
    assert seen["source"] == "engine" and seen["fallbacks"] == 0
    calls = log.read_text().splitlines()
    assert calls and all(c == "-l agent -p 2200 -- build-host docker system dial-stdio" for c in calls), calls[:3]
