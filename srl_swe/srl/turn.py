"""The paper's turn format (Sec. 4): the model writes `<think>...</think>`, then exactly one tool
call; only the call is scored, and a turn that holds no call (or several) scores FORMAT_PENALTY.
Every producer of turn text (training targets, SFT exports, replayed experts, chat replies)
writes it here."""

from __future__ import annotations

FORMAT_PENALTY = -1.0
MARKUP = ("<function=", "<tool_call>", "<think>", "</think>")


def turn_text(thought: str, action_text: str) -> str:
    """One assistant turn: the thought (when there is one) inside `<think>`, then the action."""
    return f"<think>\n{thought}\n</think>\n{action_text}" if thought else action_text


def safe_thought(thought: str) -> str:
    """The thought stripped, or nothing when it could be read as markup (a second tool call or
    a nested think block), which would make the turn unparseable."""
    thought = thought.strip()
    return "" if any(tag in thought for tag in MARKUP) else thought
