"""The "oracle file edit" setting (the SRL paper's oracle-edit evaluation): the policy sees the
issue and the full text of the files the gold patch touches, answers once with edits, and those
edits are applied at the base commit to make the patch that is graded."""

from __future__ import annotations

import re

from srl_swe.evaluate.attempt_state import AttemptState
from srl_swe.evaluate.edits import EditError, Edits, apply_edits, extract_edits

_DIFF_PATHS = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)

ORACLE_SYSTEM_PROMPT = """You are a software engineer fixing an issue in a repository. You are given the issue and the
full text of the files that need to change. Answer with the edits that resolve the issue, in one of two forms.

SEARCH/REPLACE blocks (preferred), one per change; SEARCH must match the file exactly:
path/to/file.py
```python
<<<<<<< SEARCH
old lines
=======
new lines
>>>>>>> REPLACE
```

or a unified diff in a ```diff block (paths relative to the repository root, a/ and b/ prefixes).
Edit the source code, not the tests."""


def gold_paths(patch: str) -> list[str]:
    """Files the gold patch touches, in order, each once."""
    seen: dict[str, None] = {}
    for old, new in _DIFF_PATHS.findall(patch):
        seen.setdefault(new if new != "/dev/null" else old, None)
    return list(seen)


def oracle_messages(problem_statement: str, files: dict[str, str | None]) -> list[dict]:
    shown = []
    for path, text in files.items():
        body = text if text is not None else "(this file does not exist yet)\n"
        shown.append(f"[start of {path}]\n{body}{'' if body.endswith(chr(10)) else chr(10)}[end of {path}]")
    user = f"<issue>\n{problem_statement.strip()}\n</issue>\n\n<code>\n" + "\n".join(shown) + "\n</code>"
    return [{"role": "system", "content": ORACLE_SYSTEM_PROMPT}, {"role": "user", "content": user}]


def read_files(sandbox, workdir: str, paths: list[str]) -> dict[str, str | None]:
    files = {}
    for path in paths:
        try:
            files[path] = sandbox.read_file(f"{workdir.rstrip('/')}/{path}").decode("utf-8", "replace")
        except FileNotFoundError:
            files[path] = None
    return files


def run_oracle(spec, policy, tasks_dir, state: AttemptState) -> None:
    """Fill `state` (patch, the exchange, an edit failure) for one oracle-edit attempt; grading is the caller's."""
    from srl_swe.tasks.sandbox import task_sandbox

    with task_sandbox(spec, tasks_dir) as sandbox:
        messages = oracle_messages(spec.problem_statement, read_files(sandbox, spec.workdir, gold_paths(spec.patch)))
        state.messages = messages
        state.deadline.check("before the policy's answer")
        response = policy.act(messages)
        state.record_response(response)
        edits = extract_edits(response)
        state.steps = 1
        if edits.empty:
            return
        try:
            apply_edits(sandbox, edits, spec.workdir)
        except EditError as exc:
            _keep_unapplied(state, edits, exc)
            return
        state.patch = sandbox.diff()


def _keep_unapplied(state: AttemptState, edits: Edits, exc: EditError) -> None:
    """A diff that does not apply is still the model's patch (graded: not applied, as SWE-bench
    would); failed SEARCH/REPLACE blocks leave no patch, so the instance records the reason."""
    state.note = str(exc)
    if edits.diff:
        state.patch = edits.diff
    else:
        raise exc
