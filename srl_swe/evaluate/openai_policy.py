"""A policy backed by any OpenAI-compatible chat endpoint (vLLM, SGLang, an API), through the
project's one chat client (srl_swe.agents.chat_client)."""

from __future__ import annotations

import json
import os

from srl_swe.agents.chat_client import ChatClient
from srl_swe.errors import FormatError
from srl_swe.srl.turn import turn_text
from srl_swe.tools.actions import canonical, parse_tool_calls


class OpenAIPolicy:
    """`POST {base_url}/chat/completions`; the key (optional for local servers) comes from the
    environment variable `api_key_env`. Thread-safe: each call is its own request. An unreachable
    endpoint raises ChatClientError after the client's retries, which the runner records per instance."""

    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY", temperature: float = 0.0,
                 max_tokens: int = 1024, timeout: float = 300.0, retries: int = 3):
        base = base_url.rstrip("/").removesuffix("/chat/completions")
        self.client = ChatClient(base_url=base, model=model, api_key=os.environ.get(api_key_env) or None,
                              temperature=temperature, max_tokens=max_tokens, timeout=timeout, retries=retries)

    def act(self, messages: list[dict]) -> str:
        return message_text(self.client.chat(messages))


def message_text(message: dict) -> str:
    """An assistant message as the text the env parses: its content, or, when the server returned
    native `tool_calls`, the content followed by the call in canonical text. A malformed call is kept
    as JSON so that the env reports the format error instead of it vanishing."""
    content = message.get("content") or ""
    calls = message.get("tool_calls")
    if not calls:
        return content
    try:
        call_text = canonical(parse_tool_calls(calls))
    except FormatError:
        call_text = json.dumps(calls)
    if "<think>" in content:  # the reply wrote its own turn format; keep it as written
        return content.strip() + "\n" + call_text
    return turn_text(content.strip(), call_text)
