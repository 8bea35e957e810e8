"""SWE-agent's search tools (`find_file`, `search_dir`, `search_file`) over the Sandbox, with
the texts they print. The sandbox lists and greps; counting and wording happen here."""

from __future__ import annotations

import shlex

from srl_swe.sandbox.protocol import Sandbox

MAX_HITS = 100  # SWE-agent asks to narrow a search that matches more files (or lines) than this


def _run(sandbox: Sandbox, script: str) -> tuple[str, list[str]]:
    """Run `script` in a subshell (so its variables do not leak into the agent's shell); its first
    output line is a resolved path, the rest are results."""
    result = sandbox.run(f"( {script} )", timeout=60)
    first, _, rest = result.output.partition("\n")
    return first, rest.splitlines()


def _missing_dir(sandbox: Sandbox, directory: str | None) -> str | None:
    if directory is None:
        return None
    found = sandbox.run(f"[ -d {shlex.quote(directory)} ]", timeout=30)
    return None if found.exit_code == 0 else f"Directory {directory} not found"


def find_file(sandbox: Sandbox, file_name: str, directory: str | None = None) -> str:
    missing = _missing_dir(sandbox, directory)
    if missing:
        return missing
    where, matches = _run(sandbox, f'd=$(realpath -- {shlex.quote(directory or "./")}) && echo "$d" && '
                                   f'find "$d" -type f -name {shlex.quote(file_name)} 2>/dev/null')
    if not matches:
        return f'No matches found for "{file_name}" in {where}'
    return "\n".join([f'Found {len(matches)} matches for "{file_name}" in {where}:', *matches])


def search_dir(sandbox: Sandbox, search_term: str, directory: str | None = None) -> str:
    missing = _missing_dir(sandbox, directory)
    if missing:
        return missing
    # grep -c gives each file's count of matching lines ("path:count"); hidden paths are skipped.
    where, lines = _run(sandbox, f'd=$(realpath -- {shlex.quote(directory or "./")}) && echo "$d" && '
                                 f"find \"$d\" -type f ! -path '*/.*' "
                                 f"-exec grep -IHc -- {shlex.quote(search_term)} {{}} +")
    counts, notes = {}, []
    for line in lines:
        path, _, count = line.rpartition(":")
        if path and count.isdigit():
            if int(count):
                counts[path] = int(count)
        else:
            notes.append(line)  # grep's own complaint (e.g. a bad pattern), shown as the agent would see it
    if not counts:
        return "\n".join([*notes, f'No matches found for "{search_term}" in {where}'])
    if len(counts) > MAX_HITS:
        return f'More than {len(counts)} files matched for "{search_term}" in {where}. Please narrow your search.'
    return "\n".join([*notes, f'Found {sum(counts.values())} matches for "{search_term}" in {where}:',
                      *(f"{path} ({counts[path]} matches)" for path in sorted(counts)),
                      f'End of matches for "{search_term}" in {where}'])


def search_file(sandbox: Sandbox, search_term: str, file: str) -> str:
    usage = "Usage: search_file <search_term> [<file>]"
    if not search_term:
        return usage
    if sandbox.run(f"[ -f {shlex.quote(file)} ]", timeout=30).exit_code != 0:
        return f"{usage}\nError: File name {file} not found. Please provide a valid file name."
    where, lines = _run(sandbox, f'f=$(realpath -- {shlex.quote(file)}) && echo "$f" && '
                                 f'grep -n -- {shlex.quote(search_term)} "$f"')
    hits = {}
    for line in lines:
        number, sep, text = line.partition(":")
        if sep and number.isdigit():
            hits.setdefault(int(number), text)
    if not hits:
        return f'No matches found for "{search_term}" in {where}'
    if len(hits) > MAX_HITS:
        return f'More than {len(hits)} lines matched for "{search_term}" in {where}. Please narrow your search.'
    return "\n".join([f'Found {len(hits)} matches for "{search_term}" in {where}:',
                      *(f"Line {n}:{hits[n]}" for n in sorted(hits)),
                      f'End of matches for "{search_term}" in {where}'])
