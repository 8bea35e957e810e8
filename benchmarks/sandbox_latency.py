"""Per-command overhead of the persistent shell vs one `docker exec` per command, and reset()
vs a fresh container, measured side by side on the same image.

    .venv/bin/python benchmarks/sandbox_latency.py [--commands 300] [--resets 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.images import ensure_base


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def shell_overhead(sb: DockerSandbox, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        sb.run("true")
        samples.append(time.perf_counter() - start)
    return samples


def exec_overhead(sb: DockerSandbox, n: int) -> list[float]:
    """The way mini-swe-agent and R2E-Gym step: a new `docker exec` (via the API) per command."""
    api = docker_client().api
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        exec_id = api.exec_create(sb.container_id, ["bash", "-lc", "true"], user="agent", workdir="/testbed")["Id"]
        api.exec_start(exec_id)
        api.exec_inspect(exec_id)["ExitCode"]
        samples.append(time.perf_counter() - start)
    return samples


SMALL_REPO = (
    "cd /testbed && git init -q && mkdir -p pkg tests && for i in $(seq 1 40); do "
    "printf 'def f%s(x):\\n    return x + %s\\n' $i $i > pkg/mod$i.py; done && "
    "printf 'def test_ok():\\n    assert True\\n' > tests/test_ok.py && git add -A && git commit -qm base"
)
EDITS = (
    "cd /testbed && echo '# edit' >> pkg/mod1.py && rm pkg/mod2.py && echo new > pkg/new.py && mkdir -p build && touch "
    "build/x.o"
)


def reset_times(sb: DockerSandbox, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        sb.run(EDITS)
        start = time.perf_counter()
        sb.reset()
        samples.append(time.perf_counter() - start)
    return samples


def fresh_container_times(image: str, n: int) -> list[float]:
    """The alternative to reset(): throw the container away and start another (shell ready)."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        with DockerSandbox(DockerSandboxConfig(image=image)) as sb:
            sb.run("true")
            samples.append(time.perf_counter() - start)
    return samples


def repo_image(base: str, script: str = SMALL_REPO, name: str = "srl-swe/bench-repo") -> str:
    """A throwaway image with a small committed repo in /testbed (so both sides see the same repo)."""
    with DockerSandbox(DockerSandboxConfig(image=base)) as sb:
        sb.run(script)
        container = docker_client().containers.get(sb.container_id)
        container.commit(repository=name, tag="latest")
    return f"{name}:latest"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--resets", type=int, default=20)
    args = parser.parse_args()

    image = repo_image(ensure_base(log=lambda _m: None))
    with DockerSandbox(DockerSandboxConfig(image=image)) as sb:
        shell_overhead(sb, 20)  # warm-up
        shell = median_ms(shell_overhead(sb, args.commands))
        execs = median_ms(exec_overhead(sb, max(30, args.commands // 5)))
        reset = median_ms(reset_times(sb, args.resets))
    fresh = median_ms(fresh_container_times(image, args.resets))
    docker_client().images.remove(image, force=True)

    print(f"persistent shell, `true`:     median {shell:8.3f} ms")
    print(f"docker exec per command:      median {execs:8.3f} ms")
    print(f"  shell speed-up:             {execs / shell:8.1f}x  (goal >= 30x)")
    print(f"reset() in a warm container:  median {reset:8.3f} ms")
    print(f"fresh container (shell ready): median {fresh:7.3f} ms")
    print(f"  reset speed-up:             {fresh / reset:8.1f}x  (goal >= 4x)")


if __name__ == "__main__":
    main()
