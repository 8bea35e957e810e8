"""`gpu_check.sh --prepare`: the wheels the GPU check needs, for a machine that reaches no registry.

What is downloaded: the packages the check imports (transformers, peft, trl with datasets, accelerate,
pydantic, pyyaml, rich, safetensors; msgspec and gymnasium, which the srl_swe modules it runs import) and
everything they require, at the versions installed here (the versions the test suite runs), as binary
wheels for the GPU machine's Python on manylinux x86_64. Assumed present on the GPU machine, so left out:
torch and what torch itself requires (filelock, fsspec, jinja2, networkx, sympy, typing-extensions, ...),
numpy (every CUDA image with torch has it), and pyarrow: datasets needs it for TRL's GRPOTrainer, and its
wheel alone (52 MiB for CPython 3.11) would leave no room for the rest (all of it comes to 113 MiB).
Without pyarrow there the TRL baseline stops with an ImportError after the project's own parts have printed.
Tensorboard is not carried: the check logs metrics to JSONL only. The folder must stay within
64 MiB (what a run carries); a larger one is an error naming the largest wheels."""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

NEEDED = ["transformers", "peft", "trl", "accelerate", "datasets", "pydantic", "pyyaml", "rich", "safetensors",
          "msgspec", "gymnasium"]
ASSUMED_PRESENT = ["torch", "numpy", "pyarrow"]
LIMIT_MIB = 64
PLATFORMS = ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "linux_x86_64"]


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(names: list[str], skip: set[str] = frozenset()) -> dict[str, str]:
    """{package: installed version} for `names` and all they require (no extras), minus `skip`."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    stack = list(names)
    while stack:
        name = stack.pop()
        if _key(name) in found or _key(name) in skip:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError as exc:
            raise SystemExit(f"{name} is not installed here: install the project's dependencies first.") from exc
        found[_key(name)] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    return found


def prepare(target: Path, python_version: str | None = None) -> list[Path]:
    python_version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    present = set(closure(ASSUMED_PRESENT))
    wanted = closure(NEEDED, skip=present)
    target.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--dest", str(target), "--python-version", python_version, "--implementation", "cp",
               *[x for p in PLATFORMS for x in ("--platform", p)], *[f"{n}=={v}" for n, v in sorted(wanted.items())]]
    subprocess.run(command, check=True)
    wheels = sorted(target.glob("*.whl"))
    total = sum(w.stat().st_size for w in wheels) / 2**20
    if total > LIMIT_MIB:
        biggest = sorted(wheels, key=lambda w: -w.stat().st_size)[:4]
        largest = ", ".join(f"{w.name} ({w.stat().st_size / 2**20:.1f} MiB)" for w in biggest)
        raise SystemExit(f"{target} holds {total:.1f} MiB of wheels, over the {LIMIT_MIB} MiB a run carries; "
                         f"largest: {largest}.")
    print(f"{len(wheels)} wheels, {total:.1f} MiB, for Python {python_version} in {target} "
          f"(assumed present on the GPU machine: {', '.join(sorted(present))})")
    return wheels
