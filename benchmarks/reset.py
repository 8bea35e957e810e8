"""Warm reset() against a fresh container, side by side: after a typical episode (edits in the
repo, a few commands) and after an adversarial one (background and detached processes, files in
/tmp, $HOME and site-packages, a deleted system file, exported variables, a changed git config).

    .venv/bin/python benchmarks/reset.py [--episodes 15] [--out benchmarks/results/reset.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

# Run as a script, benchmarks/ is on the path: the fresh-container baseline is sandbox_latency's own.
from sandbox_latency import fresh_container_times, repo_image

from srl_swe.atomic import write_json
from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.images import ensure_base

RESULTS = Path(__file__).resolve().parent / "results"

REPO = (
    "cd /testbed && git init -q && mkdir -p pkg tests && for i in $(seq 1 40); do "
    "printf 'def f%s(x):\\n    return x + %s\\n' $i $i > pkg/mod$i.py; done && "
    "printf 'def test_ok():\\n    assert True\\n' > tests/test_ok.py && git add -A && git commit -qm base"
)
TYPICAL = [
    "cd /testbed && grep -rn 'return x + 1$' pkg | head -3",
    "sed -i 's/x + 1$/x - 1/' pkg/mod1.py && printf 'def g():\n    return 0\n' > pkg/new.py",
    "python3 -m pytest -q -p no:cacheprovider tests >/dev/null; git status --short",
]
ADVERSARIAL = [
    "sleep 1000 & nohup sleep 1001 >/dev/null 2>&1 & setsid sleep 1002 >/dev/null 2>&1 </dev/null &",
    "(setsid sh -c 'sleep 1003 &' &); export LEAK=1; cd /tmp; umask 077",
    "echo x > /tmp/junk && mkdir -p /tmp/d && echo y > /tmp/d/f && echo h > ~/notes && rm ~/.bashrc",
    "git config --global user.name evil && mkdir -p ~/.local/lib/python3.11/site-packages && echo 1 > "
    "~/.local/lib/python3.11/site-packages/e.py",
    "cd /testbed && echo changed >> pkg/mod2.py && rm pkg/mod3.py && echo u > untracked.txt && echo l > debug.log",
]
AS_ROOT = "echo 'x = 1' > /usr/lib/python3/dist-packages/evil_pkg.py && rm /etc/debian_version"


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def warm_resets(image: str, episode: list[str], as_root: str, n: int) -> tuple[list[float], DockerSandbox]:
    samples = []
    sb = DockerSandbox(DockerSandboxConfig(image=image))
    for _ in range(n):
        for command in episode:
            sb.run(command)
        if as_root:
            docker_client().containers.get(sb.container_id).exec_run(["sh", "-c", as_root], user="root")
        start = time.perf_counter()
        sb.reset()
        samples.append(time.perf_counter() - start)
    return samples, sb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS / "reset.json")
    args = parser.parse_args()

    image = repo_image(ensure_base(log=lambda _m: None), REPO, "srl-swe/bench-reset")
    try:
        typical, sb = warm_resets(image, TYPICAL, "", args.episodes)
        source, typical_stats = sb.changes_source, sb.stats
        sb.close()
        adversarial, sb = warm_resets(image, ADVERSARIAL, AS_ROOT, args.episodes)
        adversarial_stats = sb.stats
        sb.close()
        fresh = fresh_container_times(image, args.episodes)
    finally:
        docker_client().images.remove(image, force=True)

    result = {
        "episodes": args.episodes, "changes_source": source,
        "fresh_ms": ms(fresh), "typical_ms": ms(typical), "adversarial_ms": ms(adversarial),
        "typical_speedup": ms(fresh) / ms(typical), "adversarial_speedup": ms(fresh) / ms(adversarial),
        "typical_stats": vars(typical_stats), "adversarial_stats": vars(adversarial_stats),
    }
    write_json(args.out, result)
    print(f"changes read from: {source}; medians over {args.episodes} episodes each")
    print(f"fresh container (shell ready):     {result['fresh_ms']:8.1f} ms")
    print(f"warm reset, typical episode:       {result['typical_ms']:8.1f} ms  {result['typical_speedup']:5.1f}x faster"
          " (goal >= 10x)")
    print(f"warm reset, adversarial episode:   {result['adversarial_ms']:8.1f} ms  "
          f"{result['adversarial_speedup']:5.1f}x faster")
    print(f"fresh fallbacks: typical {typical_stats.fresh_fallbacks}, adversarial {adversarial_stats.fresh_fallbacks}")


if __name__ == "__main__":
    main()
