"""Chat messages -> steps, for every format whose trajectory *is* a message list (SWE-smith,
OpenHands / SWE-Gym, mini-swe-agent, plain OpenAI chat). Each format says how an assistant message
becomes actions and how an observation message becomes text; the walk is the same for all.

An assistant turn with no parseable action (most often a format error the agent was told about,
which never ran) is left out with its feedback message, and counted in the report as a dropped step."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from srl_swe.errors import FormatError
from srl_swe.tools.actions import Action
from srl_swe.trajectories.importers.common import join_thoughts, text_of
from srl_swe.trajectories.importers.report import ImportReport, Where
from srl_swe.trajectories.schema import Step, validate_step


# (Tuples, not dataclasses: one of each is made per step of every record imported.)
class Call(NamedTuple):
    """One action of an assistant turn; `call_id` matches its `tool` message when there is one."""

    action: Action
    call_id: str | None = None


class Turn(NamedTuple):
    thought: str
    calls: list[Call]


# An assistant message -> its thought and calls (no calls: a pure thought, e.g. OpenHands `think`).
# Raises FormatError when the turn holds no valid action (a turn to leave out).
ActionReader = Callable[[dict], Turn]
ObservationReader = Callable[[str], str]


def chat_steps(
    messages: list[dict],
    read_action: ActionReader,
    read_observation: ObservationReader,
    where: Where,
    report: ImportReport,
) -> list[Step]:
    steps: list[Step] = []
    # The calls of the last assistant turn, each [thought, call, observations] (plain lists, not an object per call:
    # this loop runs once per message of every record imported).
    open_calls: list[list] = []
    carried = ""  # a thought from a turn with no action goes to the next action's thought

    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "assistant":
            if open_calls:
                steps += _closed(open_calls)
                open_calls = []
            try:
                turn = read_action(message)
            except FormatError as exc:
                report.drop(where, "turn without a valid action", f"message {index}: {str(exc).splitlines()[0]}")
                continue
            thought = join_thoughts(carried, turn.thought)
            if not turn.calls:
                carried = thought
                continue
            carried = ""
            open_calls = [[thought if k == 0 else "", call, []] for k, call in enumerate(turn.calls)]
        elif open_calls and (role == "user" or role == "tool"):
            content = message.get("content")
            text = read_observation(content if type(content) is str else text_of(content))
            _match(open_calls, message.get("tool_call_id"))[2].append(text)
    steps += _closed(open_calls)
    return steps


def _closed(open_calls: list[list]) -> list[Step]:
    """The steps of a turn's calls, once their observations are in."""
    return [validate_step({"thought": thought, "action": call.action, "observation": "\n".join(observations)})
            for thought, call, observations in open_calls]


def _match(open_calls: list[list], call_id: str | None) -> list:
    """The call a tool message answers: by id when given, else the first still without output."""
    if call_id:
        for item in open_calls:
            if item[1].call_id == call_id:
                return item
    for item in open_calls:
        if not item[2]:
            return item
    return open_calls[-1]
