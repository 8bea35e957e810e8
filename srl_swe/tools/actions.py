"""Model output -> one Action, and Action -> its canonical text.

Accepted: SWE-agent function-call text (`<function=bash>\n<parameter=command>ls</parameter>\n</function>`),
Hermes/Qwen `<tool_call>{"name": ..., "arguments": ...}</tool_call>`, and OpenAI `tool_calls` dicts;
an optional `<think>...</think>` (or free text) before it. Anything else raises FormatError."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.errors import FormatError
from srl_swe.jsonl import loads
from srl_swe.tools.schemas import DEFAULT_TOOLS, TOOLS, canonical_name, parameter_order

# The calls are `<function=NAME>BODY</function>`, `<parameter=NAME>VALUE</parameter>`, `<tool_call>BODY</tool_call>`
# and `<think>TEXT</think>`: a name runs to the first `>` and holds no whitespace, a body to the first closing tag.
EXPECTED = (
    "Expected exactly one tool call, e.g.\n<function=bash>\n<parameter=command>ls</parameter>\n</function>\n"
    f"Available tools: {', '.join(DEFAULT_TOOLS)}."
)


class Action(BaseModel):
    """One tool call with its tool's canonical name and typed arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Parsed(NamedTuple):
    """A parsed response (a tuple, not a model: parse runs once per step of every imported trajectory, and a model
    cost a tenth of it)."""

    thought: str
    action: Action


# Action.__init__'s keyword packing costs a quarter of making an action; the validator alone runs the same checks.
_validate_action = Action.__pydantic_validator__.validate_python


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


def _spec(tool: dict[str, Any]) -> tuple[list[str], frozenset[str], dict[str, dict], frozenset[str]]:
    """A tool's required parameters (as a list, in order, and as a set), its properties, and those a
    string value passes unchanged (typed string, no enum): read once per tool, not once per call."""
    schema = tool["parameters"]
    properties = schema["properties"]
    plain = frozenset(k for k, spec in properties.items() if spec.get("type") == "string" and "enum" not in spec)
    return schema["required"], frozenset(schema["required"]), schema["properties"], plain


_SPECS = {name: _spec(tool) for name, tool in TOOLS.items()}


def make_action(name: str, arguments: dict[str, Any]) -> Action:
    """Validate a call against the tool schemas: known tool, required parameters, typed values."""
    name = canonical_name(name)
    spec = _SPECS.get(name)
    if spec is None:
        raise FormatError(f"Unknown tool {name!r}. Available tools: {', '.join(TOOLS)}.")
    required, required_set, properties, plain = spec
    if not required_set <= arguments.keys():
        missing = [p for p in required if p not in arguments]
        raise FormatError(f"Tool {name!r} is missing required parameter(s): {', '.join(missing)}.")
    if not arguments.keys() <= properties.keys():
        unknown = [k for k in arguments if k not in properties]
        raise FormatError(
            f"Tool {name!r} has no parameter(s) {', '.join(unknown)}; it takes: "
            f"{', '.join(properties) or 'none'}."
        )
    typed = {k: v if type(v) is str and k in plain else _coerce(name, k, v, properties[k])
             for k, v in arguments.items()}
    return _validate_action({"name": name, "arguments": typed})


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
            items = loads(value) if isinstance(value, str) else value
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
    # (The `in` tests skip a call where the tag is absent, as it mostly is: parse runs per imported step.)
    functions = _named(text, "<function=", "</function>")
    tool_calls = tagged(text, "<tool_call>", "</tool_call>") if "<tool_call>" in text else []
    if len(functions) + len(tool_calls) != 1:
        found = "no tool call" if not functions and not tool_calls else f"{len(functions) + len(tool_calls)} tool calls"
        raise FormatError(f"Found {found}. " + EXPECTED)
    if functions:
        name, body = functions[0]
        # `<parameter=x>\nvalue\n</parameter>` and `<parameter=x>value</parameter>` mean the same: one newline at each
        # edge is dropped.
        action = make_action(name, {k: v.removeprefix("\n").removesuffix("\n")
                                    for k, v in _named(body, "<parameter=", "</parameter>")})
        call_start = text.find("<function=")
    else:
        action = _from_json_call(tool_calls[0])
        call_start = text.find("<tool_call>")
    thinking = tagged(text, "<think>", "</think>", first=True) if "<think>" in text else None
    thought = thinking[0].strip() if thinking else text[:call_start].strip()
    return Parsed(thought=thought, action=action)


# The tags are found with str.find, not with a regex: a lazy `(.*?)` body costs the regex engine a step per character,
# the costliest part of parsing a response.
def tagged(text: str, opening: str, closing: str, first: bool = False) -> list[str]:
    """The bodies of `opening BODY closing`, what `re.findall(opening + "(.*?)" + closing, text, re.DOTALL)` gives
    (only the first with `first`)."""
    bodies: list[str] = []
    start = text.find(opening)
    while start >= 0:
        body = start + len(opening)
        end = text.find(closing, body)
        if end < 0:
            break  # no closing tag after this opening one, so none after a later one either
        bodies.append(text[body:end])
        if first:
            break
        start = text.find(opening, end + len(closing))
    return bodies


def _named(text: str, opening: str, closing: str) -> list[tuple[str, str]]:
    r"""The (name, body) pairs of `opening NAME> BODY closing`, what
    `re.findall(opening + r"([^>\s]+)>(.*?)" + closing, text, re.DOTALL)` gives."""
    pairs: list[tuple[str, str]] = []
    start = text.find(opening)
    while start >= 0:
        name_start = start + len(opening)
        name_end = text.find(">", name_start)
        if name_end < 0:
            break  # no `>` after this opening, so none after a later one either
        name = text[name_start:name_end]
        if not name or name.split() != [name]:  # empty or holds whitespace (str.split's is the regex's `\s`)
            start = text.find(opening, start + 1)  # not a call at this opening; the next one may be
            continue
        end = text.find(closing, name_end + 1)
        if end < 0:
            break  # a later opening's name ends at this `>` or after it: no closing tag follows it either
        pairs.append((name, text[name_end + 1:end]))
        start = text.find(opening, end + len(closing))
    return pairs


def _from_json_call(body: str) -> Action:
    try:
        call = loads(body)
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
            raw = loads(raw) if raw and not raw.isspace() else {}  # (not raw.strip(): that copies it)
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
    return _validate_action({"name": "bash", "arguments": {"command": command}})


def submit() -> Action:
    return _validate_action({"name": "submit", "arguments": {}})
