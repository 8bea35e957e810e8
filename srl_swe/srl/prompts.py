"""The one prompt renderer (the paper's step-wise prompt): the env's live episodes, its `srl` mode,
and the offline step-wise dataset all build their chat messages here, so offline and live prompts
are identical."""

from __future__ import annotations

from collections.abc import Sequence

from srl_swe.text import truncate_middle
from srl_swe.tools.schemas import DEFAULT_TOOLS, FILE_TOOLS, tool_schemas
from srl_swe.trajectories.schema import Trajectory

DEFAULT_SYSTEM_PROMPT = """You are a software engineer fixing an issue in a repository inside a sandbox.
Work step by step: explore, reproduce the problem, edit the code, run the tests, then submit.

At every turn, first think inside <think>...</think>, then give exactly one tool call in this form:
<function=TOOL_NAME>
<parameter=PARAM_NAME>value</parameter>
</function>

Tools:
- bash(command): run a shell command in the repository (cwd persists between calls).
- str_replace_editor(command, path, [file_text], [old_str], [new_str], [insert_line], [view_range]):
  command is one of view, create, str_replace, insert, undo_edit; paths are absolute.
- submit(): finish; your changes to the repository are the solution."""

DEFAULT_OBSERVATION_BUDGET = 4000
_TOOLS_HEADING = "\nTools:\n"


def system_prompt(tools: Sequence[str], file_tools: str = FILE_TOOLS[0]) -> str:
    """The system prompt of a tool set: DEFAULT_SYSTEM_PROMPT for the default tools, else its instructions with the
    set's own tools listed from their schemas (SWE-agent's windowed or cursor tools, say), so a policy is told the
    tools its expert used."""
    if set(tools) == set(DEFAULT_TOOLS):
        return DEFAULT_SYSTEM_PROMPT
    instructions = DEFAULT_SYSTEM_PROMPT[:DEFAULT_SYSTEM_PROMPT.index(_TOOLS_HEADING) + len(_TOOLS_HEADING)]
    return instructions + "\n".join(_tool_line(schema) for schema in tool_schemas(tools, file_tools))


def trajectory_prompt(trajectory: Trajectory) -> str:
    """The system prompt of the tool set the expert ran with."""
    return system_prompt(*trajectory.tool_set())


def _tool_line(schema: dict) -> str:
    """`- name(required, [optional]): description`."""
    parameters = schema["parameters"]
    names = [p if p in parameters["required"] else f"[{p}]" for p in parameters["properties"]]
    return f"- {schema['name']}({', '.join(names)}): {schema['description']}"


def issue_message(problem_statement: str, workdir: str = "/testbed") -> dict:
    return {
        "role": "user",
        "content": f"<issue>\n{problem_statement.strip()}\n</issue>\n\n"
        f"The repository is checked out at {workdir}. Resolve the issue by editing the source code "
        "(not the tests), then submit.",
    }


def observation_message(observation: str, budget: int = DEFAULT_OBSERVATION_BUDGET) -> dict:
    return {"role": "user", "content": f"OBSERVATION:\n{truncate_middle(observation, budget)}"}


def step_prompt(
    problem_statement: str,
    history: Sequence[tuple[str, str]],
    window: int | None = 2,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    observation_budget: int = DEFAULT_OBSERVATION_BUDGET,
    workdir: str = "/testbed",
) -> list[dict]:
    """The prompt for the next step: system, issue, then the last `window` steps (all when None)
    of (action text, observation) as assistant / user turns. The paper uses window 2."""
    kept = list(history) if window is None else list(history)[len(history) - min(window, len(history)):]
    messages = [{"role": "system", "content": system_prompt}, issue_message(problem_statement, workdir)]
    for action_text, observation in kept:
        messages.append({"role": "assistant", "content": action_text})
        messages.append(observation_message(observation, observation_budget))
    return messages
