"""`srl-swe data record` against a small OpenAI-compatible server on loopback that replays a
scripted expert: the first attempt fixes the task (with one malformed turn in between), the
second submits nothing. Only the resolving trajectory is kept; the malformed turn is not a step.
Runs real containers (rlvr episodes and grading)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from srl_swe.agents.chat_client import ChatClient, ChatClientError
from srl_swe.cli.main import app
from srl_swe.errors import SrlSweError
from srl_swe.tasks.registry import list_tasks, load_task
from srl_swe.tools.actions import Action, bash, submit
from srl_swe.trajectories.schema import read_jsonl

TASK = "lrukit-1"
MODEL = "scripted-expert"


def scripts(patch: str) -> list[list[str]]:
    good = [
        "<think>Write the fix as a "
        "patch.</think>\n<function=str_replace_editor>\n<parameter=command>create</parameter>\n"
        f"<parameter=path>/testbed/fix.patch</parameter>\n<parameter=file_text>\n{patch}\n</parameter>\n</function>",
        "I am not sure what to do next.",  # no tool call: a format error the env reports
        "<think>Apply it.</think>\n<function=bash>\n<parameter=command>cd /testbed && git apply fix.patch && rm "
        "fix.patch && git status --short</parameter>\n</function>",
        "<think>Done.</think>\n<function=submit>\n</function>",
    ]
    return [good, ["<function=submit>\n</function>"]]


class ScriptedServer(ThreadingHTTPServer):
    def __init__(self, attempts: list[list[str]]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.attempts = attempts
        self.episode = -1
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        if self.path != "/v1/chat/completions" or body.get("model") != MODEL:
            self._send(404, {"error": {"message": f"no route {self.path} for model {body.get('model')}"}})
            return
        turn = sum(1 for m in body["messages"] if m["role"] == "assistant")  # rlvr shows the whole history
        if turn == 0:
            self.server.episode += 1
        content = self.server.attempts[self.server.episode][turn]
        self._send(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "model": MODEL,
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                ],
            },
        )


@pytest.fixture
def server():
    patch = load_task(TASK).patch
    srv = ScriptedServer(scripts(patch))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.docker
def test_record_keeps_only_the_resolving_trajectory(tmp_path, server, base_image):
    assert TASK in list_tasks()
    out = tmp_path / "teacher.jsonl"
    result = CliRunner().invoke(
        app, ["data", "record", "--tasks", TASK, "--model", server.url, "--attempts", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "kept 1 of 2" in result.output
    [trajectory] = list(read_jsonl(out))
    assert (trajectory.task_id, trajectory.model, trajectory.source, trajectory.outcome.resolved) == (
        TASK,
        MODEL,
        "teacher",
        True,
    )
    assert [s.action.name for s in trajectory.steps] == ["str_replace_editor", "bash", "submit"]
    assert trajectory.steps[1].action == bash(
        "cd /testbed && git apply fix.patch && rm fix.patch && git status --short"
    )
    assert trajectory.steps[1].observation.strip() == "M lrukit/lru.py"
    assert trajectory.steps[2].action == submit() and trajectory.steps[0].thought == "Write the fix as a patch."
    assert (
        "move_to_end" in trajectory.outcome.diff and trajectory.problem_statement == load_task(TASK).problem_statement
    )
    assert isinstance(trajectory.steps[0].action, Action)
    assert len(server.requests) == 5 and server.requests[0]["messages"][0]["role"] == "system"


def test_teacher_client_errors_are_one_clear_line(server):
    teacher = ChatClient.connect(server.url)
    assert teacher.model == MODEL and teacher.served_models() == [MODEL]
    with pytest.raises(ChatClientError, match="HTTP 404"):
        ChatClient(base_url=server.url, model="other").chat([{"role": "user", "content": "hi"}])
    with pytest.raises(ChatClientError, match="does not answer"):
        ChatClient(base_url="http://127.0.0.1:9/v1", model=MODEL, retries=0, timeout=5).chat([])
    assert issubclass(ChatClientError, SrlSweError)


@pytest.mark.parametrize("text", ["x\n", "\nx", "\n", "a\n\n", "plain", ""])
def test_canonical_text_parses_back_to_the_same_action(text):
    """Recorded experts are replayed from their canonical text: it must round-trip exactly,
    or a perfect imitation would score below 1.0."""
    from srl_swe.tools.actions import canonical, make_action, parse

    action = make_action("str_replace_editor", {"command": "create", "path": "/testbed/f.py", "file_text": text})
    assert parse(canonical(action)).action == action
