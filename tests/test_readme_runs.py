"""Every data and training command the README shows runs as written, in order, in a fresh folder
holding the inputs they name (trajectory files, `tasks/`), on the tiny model and real containers.

A command runs exactly as written unless RUN_WITH below adds options to it (only sizes: fewer
steps, so the suite stays fast) or SKIPPED says why it cannot run here; a README command in
neither table fails the test, so the README cannot show a command nobody ran."""

from __future__ import annotations

import gzip
import json
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.tasks.registry import default_tasks_dir, expert_path
from tests.test_readme_commands import readme_commands

pytestmark = [pytest.mark.train, pytest.mark.docker, pytest.mark.usefixtures("single_thread"), pytest.mark.long]
DATA = Path(__file__).parent / "data" / "trajectories"

# Extra options for the test only: the README's own sizes are a few minutes on a laptop CPU.
SMALL_SRL = ["--set", "batch_prompts=1", "--set", "group_size=2", "--set", "max_new_tokens=16",
             "--set", "dynamic_sampling=false"]  # an untrained policy has no signal; the step still runs
RUN_WITH = {
    "srl-swe train sft --model tiny --data runs/data --out runs/sft --max-steps 200": ["--max-steps", "1"],
    "srl-swe train srl --model tiny --init-from runs/sft --data runs/data --out runs/srl --max-steps 50": [
        "--max-steps", "1", *SMALL_SRL],
    "srl-swe train rlvr --model tiny --init-from runs/srl --out runs/rlvr --task datekit-1 --task lrukit-1": [
        "--max-steps", "1", "--set", "group_size=2", "--set", "max_turns=1", "--set", "max_new_tokens=16"],
    "srl-swe train srl --out runs/srl --resume": ["--max-steps", "2"],  # the run's saved settings, one more step
    "srl-swe train sft --model tiny --data runs/data --out runs/sft2": ["--max-steps", "1"],  # one process here
    "srl-swe train ppo --model tiny --init-from runs/sft --data runs/data --out runs/ppo --max-steps 50": [
        "--max-steps", "1", "--set", "batch_prompts=2", "--set", "minibatch_size=2", "--set", "max_new_tokens=16"],
    "srl-swe train ppo --model tiny --init-from runs/sft --mode rlvr --tasks datekit-1,lrukit-1 --out runs/ppo-rlvr": [
        "--max-steps", "1", "--set", "batch_episodes=1", "--set", "max_turns=1", "--set", "max_new_tokens=16"],
}
SKIPPED = {
    "srl-swe data record": "needs a teacher model behind an OpenAI-compatible endpoint",
    "srl-swe expert record --task mylib-42": "needs the reader's own task mylib-42",
    "srl-swe train srl --model Qwen/Qwen2.5-Coder-7B-Instruct": "a 7B hub model on a GPU",
    "srl-swe data factory --tasks-dir /tmp/factory": "the output of the README's 16-minute synth run (the "
                                                     "bundled-tasks `data factory` line runs here)",
    "srl-swe train srl --model tiny --data /tmp/factory-data": "trains on that run's data (the other `train srl` "
                                                              "lines run here)",
    "srl-swe train rlvr --model M --out runs/rlvr --ray auto": "a Ray cluster that this machine is part of "
                                                             "(test_ray.py trains RLVR on a local one)",
}
SECTIONS = ("srl-swe data ", "srl-swe train ")


def mini_swe_agent_fix() -> dict:
    """A mini-swe-agent 2.x run that fixes lrukit-1 with bash only (so `data verify` resolves it)."""
    fix = "\n".join([
        "python - <<'EOF'",
        "from pathlib import Path",
        "p = Path('lrukit/lru.py')",
        "old = '    def put(self, key: Hashable, value: Any) -> None:\\n'",
        "new = old + '        if key in self._data:\\n            self._data[key] = value\\n"
        "            self._data.move_to_end(key)\\n            return\\n'",
        "p.write_text(p.read_text().replace(old, new))",
        "EOF",
    ])
    commands = ["grep -n 'def put' lrukit/lru.py", fix, "python -m pytest -q 2>&1 | tail -1 | cut -d' ' -f1-2",
                "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached"]
    outputs = ["47:    def put(self, key: Hashable, value: Any) -> None:", "", "41 passed"]
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "<pr_description>\nConsider the following PR description:\n"
                 "Overwriting a key in a full cache evicts another entry\n</pr_description>"}]
    for k, command in enumerate(commands):
        action = f"THOUGHT: step {k + 1}.\n\n```mswea_bash_command\n{command}\n```"
        messages.append({"role": "assistant", "content": action})
        if k < len(outputs):
            observation = f"<returncode>0</returncode>\n<output>\n{outputs[k]}\n</output>"
            messages.append({"role": "user", "content": observation})
    return {"instance_id": "lrukit-1", "trajectory_format": "mini-swe-agent-1.1", "messages": messages,
            "info": {"mini_version": "2.1.0", "exit_status": "Submitted",
                     "config": {"model": {"action_regex": "```mswea_bash_command\\s*\\n(.*?)\\n```"}}}}


def prepare(folder: Path) -> None:
    """The inputs the README's commands name, as a reader would have them."""
    (folder / "runs" / "mini").mkdir(parents=True)
    shutil.copy(DATA / "swe_agent_windowed.traj", folder / "runs" / "demo.traj")
    (folder / "runs" / "mini" / "lrukit-1.traj.json").write_text(json.dumps(mini_swe_agent_fix()))
    record = json.loads((DATA / "openhands.jsonl").read_text().splitlines()[0])
    record["instance_id"] = "datekit-1"  # another bundled task; this run does not fix it
    with gzip.open(folder / "openhands-output.jsonl.gz", "wt") as fh:
        fh.write(json.dumps(record) + "\n")
    shutil.copy(expert_path("datekit-1"), folder / "recorded.jsonl")
    (folder / "tasks").symlink_to(default_tasks_dir(), target_is_directory=True)


def skip_reason(line: str) -> str | None:
    return next((why for start, why in SKIPPED.items() if line.startswith(start)), None)


def test_every_readme_data_and_training_command_runs(tmp_path, monkeypatch, base_image):
    commands = [" ".join(c.split()) for c in readme_commands() if c.startswith(SECTIONS)]
    assert len(commands) >= 12
    unknown = [c for c in RUN_WITH if c not in commands]
    assert not unknown, f"RUN_WITH names commands the README no longer shows: {unknown}"
    prepare(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SRL_SWE_TASKS_DIR", raising=False)
    runner, ran = CliRunner(), []
    for line in commands:
        if skip_reason(line):
            continue
        result = runner.invoke(app, shlex.split(line)[1:] + RUN_WITH.get(line, []))
        assert result.exit_code == 0, f"{line}\n{result.output}"
        ran.append((line, result.output))
    outputs = dict(ran)
    verified = outputs["srl-swe data verify experts.jsonl --tasks tasks/ --out verified.jsonl"]
    assert "1 resolved" in " ".join(verified.split())  # the mini-swe-agent run fixes lrukit-1; the other does not
    runs = tmp_path / "runs"
    assert (runs / "srl-merged" / "config.json").is_file() and (runs / "srl" / "curves.png").is_file()
    assert [json.loads(x)["step"] for x in (runs / "srl" / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    assert len(ran) == len(commands) - sum(bool(skip_reason(c)) for c in commands)
