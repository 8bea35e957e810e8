"""A model's proposed edits, read from its answer: SEARCH/REPLACE blocks or a unified diff, and
applied to a repository inside a sandbox."""

from __future__ import annotations

import posixpath
import re
import shlex

from pydantic import BaseModel, ConfigDict

from srl_swe.errors import SrlSweError

_FENCED_DIFF = re.compile(r"```(?:diff|patch)?[ \t]*\n(.*?)```", re.S)
_DIFF_START = re.compile(r"^(diff --git |--- )", re.M)


class EditError(SrlSweError):
    """The proposed edits cannot be applied; the message says which one and why."""


class SearchReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    search: str
    replace: str


class Edits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    blocks: list[SearchReplace] = []
    diff: str = ""

    @property
    def empty(self) -> bool:
        return not self.blocks and not self.diff.strip()


def extract_edits(text: str) -> Edits:
    """SEARCH/REPLACE blocks win when present; otherwise the first unified diff (fenced or bare)."""
    blocks = _search_replace_blocks(text)
    if blocks:
        return Edits(blocks=blocks)
    for body in _FENCED_DIFF.findall(text):
        if _DIFF_START.search(body):
            return Edits(diff=_diff_from(body))
    return Edits(diff=_diff_from(text)) if _DIFF_START.search(text) else Edits()


def _diff_from(text: str) -> str:
    start = _DIFF_START.search(text).start()
    body = text[start:]
    return body if body.endswith("\n") else body + "\n"


def _search_replace_blocks(text: str) -> list[SearchReplace]:
    """Aider's format: a line with the file path, optionally a ``` fence, then
    `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`."""
    blocks, path, lines, i = [], None, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "<<<<<<< SEARCH":
            if path is None:
                raise EditError("A SEARCH/REPLACE block has no file path on the line before it.")
            search, i = _collect(lines, i + 1, "=======")
            replace, i = _collect(lines, i, ">>>>>>> REPLACE")
            blocks.append(SearchReplace(path=path, search=search, replace=replace))
            continue
        stripped = line.strip().strip("`*").strip()
        if stripped and not line.lstrip().startswith("```"):
            path = stripped
        i += 1
    return blocks


def _collect(lines: list[str], i: int, end: str) -> tuple[str, int]:
    body = []
    while i < len(lines) and lines[i].strip() != end:
        body.append(lines[i])
        i += 1
    if i == len(lines):
        raise EditError(f"A SEARCH/REPLACE block is not closed by {end!r}.")
    return ("\n".join(body) + "\n" if body else ""), i + 1


def repo_path(path: str, workdir: str) -> str:
    """A path the model wrote, made relative to the repository; refuses ones that leave it."""
    path = path.strip()
    if path.startswith(workdir.rstrip("/") + "/"):
        path = path[len(workdir.rstrip("/")) + 1 :]
    for prefix in ("a/", "b/", "./"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    norm = posixpath.normpath(path)
    if norm.startswith("..") or norm.startswith("/") or norm == ".":
        raise EditError(f"Edit path {path!r} is outside the repository.")
    return norm


def apply_edits(sandbox, edits: Edits, workdir: str) -> None:
    """Apply to the sandbox's work tree. Raises EditError naming the block or hunk that failed."""
    if edits.diff:
        _apply_diff(sandbox, edits.diff, workdir)
    for number, block in enumerate(edits.blocks, 1):
        _apply_block(sandbox, block, number, workdir)


def _apply_diff(sandbox, diff: str, workdir: str) -> None:
    patch_file = "/tmp/.srl_swe_proposed.diff"
    sandbox.write_file(patch_file, diff)
    result = sandbox.run(
        f"cd {shlex.quote(workdir)} && git apply --recount --whitespace=nowarn {patch_file}", timeout=60
    )
    if result.exit_code != 0:
        raise EditError(f"The diff does not apply: {result.output.strip()[:300]}")


def _apply_block(sandbox, block: SearchReplace, number: int, workdir: str) -> None:
    path = posixpath.join(workdir, repo_path(block.path, workdir))
    try:
        current = sandbox.read_file(path).decode("utf-8")
    except FileNotFoundError:
        if block.search.strip():
            raise EditError(f"Block {number}: {block.path} does not exist (an empty SEARCH creates a file).") from None
        current = ""
    if block.search and block.search not in current:
        raise EditError(f"Block {number}: the SEARCH text is not in {block.path}; it must match the file exactly.")
    updated = current.replace(block.search, block.replace, 1) if block.search else current + block.replace
    sandbox.write_file(path, updated)
