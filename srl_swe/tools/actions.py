"""Model output -> one Action, and Action -> its canonical text.

Accepted: SWE-agent function-call text (`<function=bash>\n<parameter=command>ls</parameter>\n</function>`),
Hermes/Qwen `<tool_call>{"name": ..., "arguments": ...}</tool_call>`, and OpenAI `tool_calls` dicts;
an optional `<think>...</think>` (or free text) before it. Anything else raises FormatError."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.errors import FormatError
from srl_swe.tools.schemas import DEFAULT_TOOLS, TOOLS, canonical_name, parameter_order

_FUNCTION = re.compile(r"<function=([^>\s]+)>(.*?)</function>", re.DOTALL)
_PARAMETER = re.compile(r"<parameter=([^>\s]+)>(.*?)</parameter>", re.DOTALL)
_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)

EXPECTED = (
    "Expected exactly one tool call, e.g.\n<function=bash>\n<parameter=command>ls</parameter>\n</function>\n"
    f"Available tools: {', '.join(DEFAULT_TOOLS)}."
)


class Action(BaseModel):
    """One tool call with its tool's canonical name and typed arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Parsed(BaseModel):
    thought: str
    action: Action


def canonical(action: Action) -> str:
    """One deterministic text per action (SWE-agent function-call form), used for similarity."""
    order = parameter_order(action.name)
    keys = [k for k in order if k in action.arguments] + sorted(k for k in action.arguments if k not in order)
    lines = [f"<function={action.name}>"]
    for key in keys:
        lines.append(f"<parameter={key}>{_render(action.arguments[key])}</parameter>")
    lines.append("</function>")
    return "\n".join(lines)


def _render(value: Any) -> str:
    if isinstance(value, str):
        # parse drops one newline at each edge of a value; pad such values so the text parses back exactly
        return f"\n{value}\n" if value.startswith("\n") or value.endswith("\n") else value
    return json.dumps(value)


def make_action(name: str, arguments: dict[str, Any]) -> Action:
    """Validate a call against the tool schemas: known tool, required parameters, typed values."""
    name = canonical_name(name)
    if name not in TOOLS:
        raise FormatError(f"Unknown tool {name!r}. Available tools: {', '.join(TOOLS)}.")
    schema = TOOLS[name]["parameters"]
    missing = [p for p in schema["required"] if p not in arguments]
    if missing:
        raise FormatError(f"Tool {name!r} is missing required parameter(s): {', '.join(missing)}.")
    unknown = [k for k in arguments if k not in schema["properties"]]
    if unknown:
        raise FormatError(
            f"Tool {name!r} has no parameter(s) {', '.join(unknown)}; it takes: "
            f"{', '.join(schema['properties']) or 'none'}."
        )
    typed = {k: _coerce(name, k, v, schema["properties"][k]) for k, v in arguments.items()}
    return Action(name=name, arguments=typed)


def _coerce(tool: str, key: str, value: Any, spec: dict) -> Any:
    kind = spec.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            # SWE-agent writes flags as text (`True`); a JSON tool call sends a bool.
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind == "array":
            items = json.loads(value) if isinstance(value, str) else value
            if not isinstance(items, list):
                raise ValueError
            return [int(x) for x in items]
    except (TypeError, ValueError) as exc:
        raise FormatError(f"Parameter {key!r} of {tool!r} must be {kind}, got {str(value)[:50]!r}.") from exc
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    if "enum" in spec and value not in spec["enum"]:
        raise FormatError(f"Parameter {key!r} of {tool!r} must be one of {', '.join(spec['enum'])}, got {value!r}.")
    return value


def parse(text: str) -> Parsed:
    """Parse one model response. Raises FormatError (with what was expected) when it holds no
    tool call, more than one, or a malformed one."""
    if not isinstance(text, str):
        raise FormatError("The response must be text. " + EXPECTED)
    # Substring tests first: a regex scan of a long response for a tag it does not hold costs more.
    thought_match = _THINK.search(text) if "<think>" in text else None
    functions = _FUNCTION.findall(text) if "<function=" in text else []
    tool_calls = _TOOL_CALL.findall(text) if "<tool_call>" in text else []
    if len(functions) + len(tool_calls) != 1:
        found = "no tool call" if not functions and not tool_calls else f"{len(functions) + len(tool_calls)} tool calls"
        raise FormatError(f"Found {found}. " + EXPECTED)
    if functions:
        name, body = functions[0]
        action = make_action(name, {k: _strip_newline(v) for k, v in _PARAMETER.findall(body)})
        call_start = text.find("<function=")
    else:
        action = _from_json_call(tool_calls[0])
        call_start = text.find("<tool_call>")
    if thought_match:
        thought = thought_match.group(1).strip()
    else:
        thought = text[:call_start].strip()
    return Parsed(thought=thought, action=action)


def _strip_newline(value: str) -> str:
    """`<parameter=x>\\nvalue\\n</parameter>` and `<parameter=x>value</parameter>` mean the same."""
    value = value.removeprefix("\n")
    value = value.removesuffix("\n")
    return value


def _from_json_call(body: str) -> Action:
    try:
        call = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FormatError(f"<tool_call> must hold JSON ({exc.msg}). " + EXPECTED) from exc
    return from_tool_call(call)


def from_tool_call(call: Any) -> Action:
    """An OpenAI `tool_calls` entry ({"function": {"name", "arguments"}}) or a Hermes dict."""
    if not isinstance(call, dict):
        raise FormatError("A tool call must be an object with a name and arguments. " + EXPECTED)
    function = call.get("function", call)
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str):
        raise FormatError("A tool call needs a 'name'. " + EXPECTED)
    return make_action(name, tool_arguments(name, function.get("arguments")))


def tool_arguments(name: str, raw: Any) -> dict[str, Any]:
    """A tool call's arguments: an object, or its JSON text (OpenAI sends a string)."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise FormatError(f"Arguments of {name!r} are not valid JSON ({exc.msg}).") from exc
    if not isinstance(raw, dict):
        raise FormatError(f"Arguments of {name!r} must be an object.")
    return raw


def parse_tool_calls(tool_calls: list[Any]) -> Action:
    """An OpenAI assistant message's `tool_calls` list: exactly one call."""
    if not isinstance(tool_calls, list) or len(tool_calls) != 1:
        raise FormatError(
            "Expected exactly one entry in tool_calls, got "
            f"{len(tool_calls) if isinstance(tool_calls, list) else 'none'}."
        )
    return from_tool_call(tool_calls[0])


def bash(command: str) -> Action:
    return Action(name="bash", arguments={"command": command})


def submit() -> Action:
    return Action(name="submit", arguments={})
