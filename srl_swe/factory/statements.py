"""Problem statements for synthesized bugs, written from what the failing tests show, as a user
would file an issue: which behaviour is wrong (the failing tests' names in words), the assertion
message or exception, and a short excerpt of the traceback. Never the diff, and never a line that
holds the mutated code (a traceback shows source lines; those of the package are left out, and
any line that contains the buggy line's text is dropped). The same inputs give the same text."""

from __future__ import annotations

import hashlib
import re

from srl_swe.tasks.patching import is_test_path

_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$", re.M)
_LOCATION = re.compile(r"^(\S+\.py):(\d+):")
_OPENINGS = (
    "Since the last changes I see failures around {what}.",
    "I ran into a problem with {what}.",
    "Something is off with {what}: the behaviour does not match what the tests expect.",
    "There is a regression in {what}.",
)
MAX_TESTS = 5
MAX_ERROR_LINES = 6


def words_of_test(test_id: str) -> str:
    """`tests/test_config.py::TestLoad::test_getint_with_default[x]` -> `getint with default (x)`."""
    name = test_id.split("::")[-1]
    param = ""
    if "[" in name and name.endswith("]"):
        name, param = name[:-1].split("[", 1)
    words = re.sub(r"^test_?", "", name).replace("_", " ").strip() or name
    return f"{words} ({param})" if param else words


def failure_sections(output: str) -> dict[str, str]:
    """pytest's failure sections of a run's output, by their header (`test_x`, `TestA.test_y`)."""
    marks = list(_SECTION.finditer(output))
    sections = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(output)
        body = output[mark.end():end]
        body = body.split("\n=", 1)[0]  # the short summary that follows the last section
        sections.setdefault(mark.group(1).strip(), body)
    return sections


def _section_for(test_id: str, sections: dict[str, str]) -> str | None:
    parts = test_id.split("::")[1:]
    for key in (".".join(parts), parts[-1] if parts else ""):
        if key in sections:
            return sections[key]
    return None


def excerpt(section: str, forbidden: list[str]) -> tuple[list[str], list[str]]:
    """(error lines, traceback excerpt) of one failure: the `E` lines, and for each frame its
    location, with the failing source line of frames in test files only."""
    errors = [line[1:].strip() for line in section.splitlines() if line.startswith("E ") and line[1:].strip()]
    frames, pending = [], None
    for line in section.splitlines():
        if line.startswith(">"):
            pending = line[1:].strip()
            continue
        found = _LOCATION.match(line)
        if found:
            path = found.group(1)
            frames.append(f"{path}:{found.group(2)}")
            if pending and is_test_path(path):
                frames.append(f"    {pending}")
            pending = None
    keep = [line for line in frames if not any(bad and bad in line for bad in forbidden)]
    errors = [line for line in errors if not any(bad and bad in line for bad in forbidden)]
    return errors[:MAX_ERROR_LINES], keep[-8:]


def write_statement(repo: str, f2p: list[str], p2p_count: int, output: str, forbidden: list[str],
                    key: str = "") -> str:
    """The issue text for a bug that makes `f2p` fail (with `output`, the failing run's pytest
    output); `forbidden`: texts no line of it may contain (the buggy lines); `key` picks the wording."""
    names = [words_of_test(t) for t in f2p]
    others = len(names) - 1
    what = f"`{names[0]}`" + (f" and {others} other behaviour{'s' if others > 1 else ''}" if others else "")
    pick = int(hashlib.sha1((key or repo).encode()).hexdigest(), 16)
    title = f"{repo}: {names[0]} is broken" if len(names) == 1 else f"{repo}: {names[0]} and more are broken"
    opening = _OPENINGS[pick % len(_OPENINGS)].format(what=what)
    lines = [title, "", opening[0].upper() + opening[1:], "", "These checks fail for me:", ""]
    lines += [f"- {name} (`{test_id}`)" for name, test_id in zip(names[:MAX_TESTS], f2p[:MAX_TESTS], strict=False)]
    if len(f2p) > MAX_TESTS:
        lines.append(f"- ... and {len(f2p) - MAX_TESTS} more")
    sections = failure_sections(output)
    shown = 0
    for test_id in f2p:
        section = _section_for(test_id, sections)
        if section is None:
            continue
        errors, frames = excerpt(section, forbidden)
        if not errors and not frames:
            continue
        lines += ["", f"`{test_id}` says:" if shown == 0 else f"And `{test_id}`:", "", "```"]
        lines += [f"E   {line}" for line in errors] + frames
        lines.append("```")
        shown += 1
        if shown == 2:
            break
    if shown == 0:
        lines += ["", "The tests fail without a readable message (run them to see)."]
    tail = f" The other {p2p_count} tests pass and should keep passing." if p2p_count else ""
    lines += ["", f"Expected: these tests pass.{tail}"]
    return "\n".join(lines).strip() + "\n"


_REWRITE = ("Rewrite the bug report below as a GitHub issue written by a user of the library: a title line, then "
            "what they tried and what went wrong. Keep the test names, the error messages and the traceback "
            "excerpt as they are. Do not guess the cause, the fix or the code involved. Answer with the issue text "
            "only.")


def model_statement(client, draft: str, forbidden: list[str]) -> str | None:
    """`draft` rewritten by an OpenAI-compatible chat model (`client.chat(messages)`); None when the
    answer is empty or shows a buggy line, so the caller keeps the draft."""
    reply = client.chat([{"role": "system", "content": _REWRITE}, {"role": "user", "content": draft}])
    text = (reply.get("content") or "").strip()
    if not text or any(bad and bad in text for bad in forbidden):
        return None
    return text + "\n"
