"""Applying patches inside a task sandbox, and telling test files from source files."""

from __future__ import annotations

import posixpath
import re
import shlex

from srl_swe.sandbox.protocol import Sandbox

_DIFF_PATHS = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)


def is_test_path(path: str) -> bool:
    """SWE-bench's split of a fix into patch and test_patch, by path."""
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return (
        any(part in ("tests", "test", "testing") for part in parts)
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def diff_paths(diff: str) -> list[str]:
    """Files a git diff touches (both sides of a rename)."""
    paths: list[str] = []
    for a, b in _DIFF_PATHS.findall(diff):
        paths.extend(p for p in (a, b) if p not in paths)
    return paths


def apply_patch(sandbox: Sandbox, diff: str, workdir: str, name: str = "patch") -> tuple[bool, str]:
    """`git apply` the diff in the workdir; a second, more lenient try forgives wrong hunk counts
    and whitespace (hand-made and model-made diffs often have both). Returns (applied, git's output)."""
    if not diff.strip():
        return True, ""
    path = f"/tmp/srl_swe/{name}.diff"
    sandbox.write_file(path, diff if diff.endswith("\n") else diff + "\n")
    wd = shlex.quote(workdir)
    strict = sandbox.run(f"cd {wd} && git apply --whitespace=nowarn {path} 2>&1", timeout=120)
    if strict.exit_code == 0:
        return True, strict.output
    lenient = sandbox.run(
        f"cd {wd} && git apply --whitespace=nowarn --recount --ignore-whitespace -C1 {path} 2>&1", timeout=120)
    return lenient.exit_code == 0, (strict.output + lenient.output).strip()


def restore_files(sandbox: Sandbox, paths: list[str], workdir: str, commit: str) -> None:
    """Put `paths` back as they are at `commit` (deleting those that do not exist there), so a test
    patch applies on top of whatever a candidate diff did to the same files."""
    if not paths:
        return
    quoted = " ".join(shlex.quote(p) for p in paths)
    script = (f"cd {shlex.quote(workdir)} && for p in {quoted}; do "
              f"if git cat-file -e {commit}:\"$p\" 2>/dev/null; then git checkout -q {commit} -- \"$p\"; "
              "else rm -rf -- \"$p\"; fi; done")
    result = sandbox.run(script, timeout=120)
    if result.exit_code != 0:
        from srl_swe.errors import SandboxError

        raise SandboxError(f"could not restore test files in {workdir}: {result.output.strip()[:300]}")
