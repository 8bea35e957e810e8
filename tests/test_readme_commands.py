"""Every `srl-swe` command the README shows exists, with the options it is shown with."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
from typer.main import get_command

from srl_swe.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[str]:
    """The `srl-swe ...` lines of the README's shell code blocks, continuation lines joined."""
    commands, block, lang = [], None, ""
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            if block is None:
                block, lang = [], line[3:].strip()
            else:
                if lang in ("bash", "sh", "console", ""):
                    commands += _commands("\n".join(block))
                block = None
        elif block is not None:
            block.append(line)
    return commands


def _commands(text: str) -> list[str]:
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip().removeprefix("$ ")
        if " -m srl_swe " in line:  # launched per process: `torchrun ... -m srl_swe train ...`
            line = "srl-swe " + line.split(" -m srl_swe ", 1)[1]
        if line.startswith("srl-swe "):
            found.append(line.split(" # ")[0].split("  #")[0])
    return found


def resolve(words: list[str]):
    """Walk the command tree as far as the words name groups and commands."""
    command = get_command(app)
    rest = list(words)
    while hasattr(command, "get_command") and rest and not rest[0].startswith("-"):
        sub = command.get_command(typer.Context(command), rest[0])
        if sub is None:
            raise AssertionError(f"no command {rest[0]!r} under {command.name!r}")
        command, rest = sub, rest[1:]
    return command, rest


def option_names(command) -> set[str]:
    names = set()
    for param in command.params:
        names.update(param.opts)
        names.update(getattr(param, "secondary_opts", []))
    return names


def test_readme_shows_commands():
    assert len(readme_commands()) >= 10


def test_every_readme_command_exists_with_its_options():
    problems = []
    for line in readme_commands():
        words = shlex.split(line)[1:]
        try:
            command, rest = resolve(words)
        except AssertionError as exc:
            problems.append(f"{line}: {exc}")
            continue
        known = option_names(command)
        for word in rest:
            if word.startswith("--"):
                name = word.split("=")[0]
                if name not in known:
                    problems.append(f"{line}: {name} is not an option of {command.name}")
    assert not problems, "\n".join(problems)
