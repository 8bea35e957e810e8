"""The evaluation harness, end to end with real containers: replay resolves every bundled task and
noop none (both modes), an interrupted run resumes to the same totals, predictions.jsonl has
SWE-bench's keys, and the OpenAI-compatible and HF policies run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from srl_swe.evaluate.outputs import PREDICTION_KEYS
from srl_swe.evaluate.policies import PolicySettings
from srl_swe.evaluate.runner import EvalConfig, run_eval
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import LABEL_PID, labelled, remove
from srl_swe.tasks.registry import list_tasks
from tests.eval_tasks import make_clamp_tasks

pytestmark = [pytest.mark.docker, pytest.mark.long]
ROOT = Path(__file__).resolve().parents[1]


def evaluate(out: Path, policy: str, tasks: list[str], tasks_dir=None, mode="agentic", workers=2, max_steps=30,
             instance_timeout=1800.0, **settings) -> dict:
    where = str(tasks_dir) if tasks_dir else None
    config = EvalConfig(
        policy=PolicySettings(kind=policy, mode=mode, tasks_dir=where, workers=workers, **settings),
        tasks=tasks, tasks_dir=where, mode=mode, workers=workers, max_steps=max_steps, out=out,
        instance_timeout=instance_timeout,
    )
    return run_eval(config)


@pytest.fixture(scope="module")
def clamp_tasks(tmp_path_factory) -> tuple[Path, list[str]]:
    """Three small tasks registered through the task layer's API in a private registry."""
    root = tmp_path_factory.mktemp("eval-tasks")
    return root / "tasks", make_clamp_tasks(root, count=3)


def _predictions(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("mode", ["agentic", "oracle-edit"])
def test_replay_resolves_one_task_per_library_and_noop_none(tmp_path, mode):
    # One task of each bundled library: that every task's expert resolves is test_bundled_experts'.
    bundled = [t for t in list_tasks() if t.endswith("-1")]
    assert len(bundled) >= 4, "no bundled tasks under tasks/: the harness's upper and lower bounds need them"
    replay = evaluate(tmp_path / "replay", "replay", bundled, mode=mode, workers=4)
    assert replay["resolved_instances"] == replay["total_instances"] == len(bundled)
    assert replay["resolve_rate"] == 1.0 and replay["error_instances"] == 0
    assert replay["completed_ids"] == sorted(bundled)
    noop = evaluate(tmp_path / "noop", "noop", bundled, mode=mode, workers=4)
    assert noop["resolved_instances"] == 0 and noop["resolve_rate"] == 0.0
    assert noop["empty_patch_instances"] == len(bundled) and noop["error_instances"] == 0
    for out in (tmp_path / "replay", tmp_path / "noop"):
        predictions = _predictions(out)
        assert [p["instance_id"] for p in predictions] == bundled
        assert all(tuple(p) == PREDICTION_KEYS for p in predictions)
    gold = _predictions(tmp_path / "replay")[0]
    instance = json.loads((tmp_path / "replay" / "logs" / gold["instance_id"] / "report.json").read_text())
    assert instance[gold["instance_id"]]["resolved"] is True
    assert instance[gold["instance_id"]]["tests_status"]["FAIL_TO_PASS"]["failure"] == []
    if mode == "agentic":
        assert replay["mean_expert_similarity"] == 1.0 and replay["format_error_rate"] == 0.0
    assert (tmp_path / "replay" / "report.png").stat().st_size > 1000
    assert "resolve rate: **100.0%**" in (tmp_path / "replay" / "report.md").read_text()


def _own_containers_of(pid: int) -> list:
    return labelled(docker_client(), f"{LABEL_PID}={pid}")


def test_killed_run_resumes_to_the_same_totals(tmp_path, clamp_tasks):
    tasks_dir, ids = clamp_tasks
    out = tmp_path / "run"
    command = [sys.executable, "-m", "srl_swe.cli.main", "eval", "--policy", "replay", "--tasks", ",".join(ids),
               "--tasks-dir", str(tasks_dir), "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = out / "logs" / ids[0] / "result.json"
        deadline = time.monotonic() + 120
        while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.exists(), "the run never finished its first instance"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        for container in _own_containers_of(proc.pid):  # what SIGKILL left behind
            remove(docker_client(), container["Id"])
    done_before = {i for i in ids if (out / "logs" / i / "result.json").exists()}
    assert ids[0] in done_before and len(done_before) < len(ids), "kill the run mid-way"
    assert not (out / "report.json").exists()
    stamp = first.stat().st_mtime_ns
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert first.stat().st_mtime_ns == stamp, "a finished instance was run again"
    report = json.loads((out / "report.json").read_text())
    assert (report["resolved_instances"], report["total_instances"], report["error_instances"]) == (
        len(ids),
        len(ids),
        0,
    )
    assert [p["instance_id"] for p in _predictions(out)] == ids


class ScriptedChat:
    """A loopback OpenAI-compatible server that answers from a script and records the requests."""

    def __init__(self, answers: list[dict], delay: float = 0.0):
        import http.server
        import threading

        self.answers, self.requests, self.delay = list(answers), [], delay
        chat = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                chat.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                time.sleep(chat.delay)
                message = (
                    chat.answers.pop(0)
                    if chat.answers
                    else {"role": "assistant", "content": "<function=submit>\n</function>"}
                )
                data = json.dumps(
                    {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_openai_policy_against_a_scripted_server(tmp_path, clamp_tasks, monkeypatch):
    tasks_dir, ids = clamp_tasks
    monkeypatch.setenv("SRL_SWE_TEST_KEY", "sk-loopback")
    fix = {"command": "str_replace", "path": "/testbed/clamp.py", "old_str": "        return x\n    return x",
           "new_str": "        return hi\n    return x"}
    answers = [
        {
            "role": "assistant",
            "content": "<think>Look first.</think>\n<function=bash>\n<parameter=command>cat "
            "clamp.py</parameter>\n</function>",
        },
        {
            "role": "assistant",
            "content": "Return the bound.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "str_replace_editor", "arguments": json.dumps(fix)},
                }
            ],
        },
        {"role": "assistant", "content": "no tool call here"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "finish", "arguments": "{}"}}],
        },
    ]
    with ScriptedChat(answers) as chat:
        report = evaluate(tmp_path / "served", "openai", ids[:1], tasks_dir, workers=1, base_url=chat.base_url,
                          model="served-model", api_key_env="SRL_SWE_TEST_KEY")
    assert report["resolved_instances"] == 1 and report["model_name_or_path"] == "served-model"
    assert len(chat.requests) == 4 and {r["path"] for r in chat.requests} == {"/v1/chat/completions"}
    assert all(r["auth"] == "Bearer sk-loopback" and r["body"]["model"] == "served-model" for r in chat.requests)
    assert chat.requests[0]["body"]["messages"][0]["role"] == "system"
    assert report["format_error_rate"] == 0.25 and report["mean_steps"] == 4.0
    turns = json.loads((tmp_path / "served" / "logs" / ids[0] / "turns.json").read_text())
    assert turns[1]["action"].startswith("<function=str_replace_editor>") and turns[2]["format_error"]

    unreachable = evaluate(tmp_path / "down", "openai", ids[:1], tasks_dir, workers=1,
                           base_url=f"http://127.0.0.1:{_free_port()}/v1", model="served-model", retries=0)
    assert unreachable["error_instances"] == 1 and unreachable["submitted_instances"] == 1
    record = json.loads((tmp_path / "down" / "logs" / ids[0] / "result.json").read_text())
    assert "does not answer" in record["error"] and "/v1/chat/completions" in record["error"]


@pytest.mark.train
def test_hf_policy_runs_and_a_mismatched_adapter_is_an_error_per_instance(tmp_path, clamp_tasks):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    tasks_dir, ids = clamp_tasks
    report = evaluate(tmp_path / "tiny", "hf", ids[:2], tasks_dir, workers=2, max_steps=1, model="tiny", max_tokens=8)
    assert report["submitted_instances"] == 2 and report["error_instances"] == 0
    assert report["mean_steps"] == 1.0 and report["format_error_rate"] > 0

    other = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2))
    get_peft_model(other, LoraConfig(r=2, target_modules=["q_proj", "v_proj"])).save_pretrained(tmp_path / "adapter")
    report = evaluate(tmp_path / "mismatch", "hf", ids[:2], tasks_dir, model="tiny", adapter=str(tmp_path / "adapter"))
    assert report["error_instances"] == 2 and report["submitted_instances"] == 2
    for task_id in ids[:2]:
        record = json.loads((tmp_path / "mismatch" / "logs" / task_id / "result.json").read_text())
        assert "does not match model 'tiny'" in record["error"]


def test_oracle_edit_applies_search_replace_blocks_and_records_bad_ones(tmp_path, clamp_tasks):
    tasks_dir, ids = clamp_tasks
    good = (
        "clamp.py\n```python\n<<<<<<< SEARCH\n    if x > hi:\n        return x\n=======\n    if x > hi:\n        "
        "return hi\n>>>>>>> REPLACE\n```\n"
    )
    bad = good.replace("        return x\n=======", "        return x  # not in the file\n=======")
    diff = "```diff\n--- a/clamp.py\n+++ b/clamp.py\n@@ -1,1 +1,1 @@\n-def nothing_like_this():\n+def clamp():\n```\n"
    answers = [{"role": "assistant", "content": text} for text in (good, bad, diff)]
    with ScriptedChat(answers) as chat:
        report = evaluate(tmp_path / "oracle", "openai", ids, tasks_dir, mode="oracle-edit", workers=1,
                          base_url=chat.base_url, model="m")
    prompt = chat.requests[0]["body"]["messages"][1]["content"]
    assert "[start of clamp.py]" in prompt and "return x" in prompt and "test_high" not in prompt
    assert report["resolved_ids"] == [ids[0]] and report["error_ids"] == ids[1:]
    reasons = [json.loads((tmp_path / "oracle" / "logs" / i / "result.json").read_text())["error"] for i in ids[1:]]
    assert "SEARCH text is not in clamp.py" in reasons[0]
    assert reasons[1].startswith("patch does not apply")
    predictions = _predictions(tmp_path / "oracle")
    assert "+        return hi" in predictions[0]["model_patch"] and predictions[1]["model_patch"] == ""
    assert predictions[2]["model_patch"].startswith("--- a/clamp.py"), "an unapplied diff is still the model's patch"


def test_cli_run_forms_and_compare(tmp_path, clamp_tasks):
    from typer.testing import CliRunner

    from srl_swe.cli.main import app

    tasks_dir, ids = clamp_tasks
    (tmp_path / "ids.txt").write_text(f"# two tasks\n{ids[0]}\n{ids[1]}\n")
    common = ["--tasks", f"@{tmp_path / 'ids.txt'}", "--tasks-dir", str(tasks_dir), "--mode", "oracle-edit"]
    runner = CliRunner()
    direct = runner.invoke(app, ["eval", "--policy", "replay", *common, "--out", str(tmp_path / "a")])
    assert direct.exit_code == 0, direct.output
    subcommand = runner.invoke(app, ["eval", "run", "--policy", "noop", *common, "--out", str(tmp_path / "b")])
    assert subcommand.exit_code == 0, subcommand.output
    assert json.loads((tmp_path / "b" / "report.json").read_text())["empty_patch_ids"] == ids[:2]
    stamp = (tmp_path / "b" / "logs" / ids[0] / "result.json").stat().st_mtime_ns
    again = runner.invoke(app, ["eval", "run", "--policy", "noop", *common, "--out", str(tmp_path / "b"), "--rerun"])
    assert again.exit_code == 0 and (tmp_path / "b" / "logs" / ids[0] / "result.json").stat().st_mtime_ns != stamp
    changed = runner.invoke(app, ["eval", "--policy", "noop", *common, "--out", str(tmp_path / "a")])
    assert changed.exit_code == 1 and "other settings" in changed.output
    compared = runner.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")], env={"COLUMNS": "200"})
    assert compared.exit_code == 0, compared.output
    assert compared.output.count("lost") == 2 and "resolved_instances" in compared.output


def test_wall_clock_limits_are_recorded_per_instance(tmp_path, clamp_tasks):
    tasks_dir, ids = clamp_tasks
    look = {"role": "assistant", "content": "<function=bash>\n<parameter=command>ls</parameter>\n</function>"}
    with ScriptedChat([look], delay=1.2) as chat:
        agentic = evaluate(tmp_path / "agentic", "openai", ids[:1], tasks_dir, workers=1, base_url=chat.base_url,
                           model="slow", instance_timeout=6.0)
    record = json.loads((tmp_path / "agentic" / "logs" / ids[0] / "result.json").read_text())
    assert record["note"] == "truncated: episode_timeout" and record["steps"] == 1, (
        "the env's clock ends the episode, which is graded"
    )
    assert agentic["empty_patch_instances"] == 1
    fix = {"role": "assistant", "content": "clamp.py\n<<<<<<< SEARCH\n        return x\n    return x\n=======\n"
           "        return hi\n    return x\n>>>>>>> REPLACE\n"}
    with ScriptedChat([fix, fix], delay=1.2) as chat:
        oracle = evaluate(tmp_path / "oracle", "openai", ids[:2], tasks_dir, mode="oracle-edit", base_url=chat.base_url,
                          model="slow", instance_timeout=1.0)
    assert oracle["error_ids"] == ids[:2]
    record = json.loads((tmp_path / "oracle" / "logs" / ids[1] / "result.json").read_text())
    assert record["error"].startswith("InstanceTimeout: timeout: the instance exceeded its 1 s wall-clock limit")
