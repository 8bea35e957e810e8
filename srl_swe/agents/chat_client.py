"""A minimal client for any OpenAI-compatible chat endpoint (vLLM, an API): behind the teacher
that records expert trajectories and the `openai` evaluation policy. Plain urllib, no SDK.

`ChatClient.connect("http://host:8000/v1")` asks the server for its model when none is given;
`ChatClient.connect("gpt-4o")` uses OPENAI_BASE_URL (default https://api.openai.com/v1). The key comes
from OPENAI_API_KEY (optional for local servers)."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from srl_swe.errors import SrlSweError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class ChatClientError(SrlSweError):
    """The endpoint failed or answered something that is not a chat completion."""


class ChatClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key: str | None = None
    temperature: float = 0.7
    max_tokens: int = Field(4096, ge=1)
    timeout: float = Field(300.0, gt=0)
    retries: int = Field(3, ge=0, description="Retries of a timed-out, refused or 429/5xx request, with backoff.")

    @classmethod
    def connect(cls, url_or_name: str, model: str | None = None, **settings: Any) -> ChatClient:
        key = settings.pop("api_key", None) or os.environ.get("OPENAI_API_KEY")
        if url_or_name.startswith(("http://", "https://")):
            base_url = url_or_name.rstrip("/")
            client = cls(base_url=base_url, model=model or "?", api_key=key, **settings)
            return client if model else client.model_copy(update={"model": client.served_models()[0]})
        base_url = os.environ.get("OPENAI_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
        return cls(base_url=base_url, model=url_or_name, api_key=key, **settings)

    def served_models(self) -> list[str]:
        data = self._request("GET", "/models")
        models = [m.get("id") for m in data.get("data", []) if isinstance(m, dict) and m.get("id")]
        if not models:
            raise ChatClientError(f"{self.base_url}/models lists no model; pass --model-name.")
        return models

    def chat(self, messages: list[dict], tools: list[dict] | None = None) -> dict:
        """The assistant message of one completion (content and/or tool_calls)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if tools:
            body["tools"] = tools
        data = self._request("POST", "/chat/completions", body)
        try:
            message = data["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise ChatClientError(f"{self.base_url} answered without choices[0].message: {str(data)[:200]}") from None
        if not isinstance(message, dict):
            raise ChatClientError(f"{self.base_url} answered a message that is not an object: {str(message)[:200]}")
        return message

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode() if body is not None else None
        url = self.base_url + path
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:300]
                if exc.code not in RETRY_STATUS or attempt == self.retries:
                    raise ChatClientError(f"{method} {url} failed with HTTP {exc.code}: {detail}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt == self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise ChatClientError(
                        f"{url} does not answer ({reason}); check the URL and that the server is running."
                    ) from None
            except json.JSONDecodeError as exc:
                raise ChatClientError(f"{method} {url} answered something that is not JSON ({exc.msg}).") from None
            time.sleep(min(2**attempt, 30))
        raise AssertionError("unreachable")
