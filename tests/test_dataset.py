"""The SRL dataset: built from the sample trajectories, loaded back with `datasets.load_from_disk`,
split by trajectory, fed to a reward the way TRL's GRPO trainer calls it; atomic writes; SFT export."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import ConfigError
from srl_swe.srl.dataset import BUILD_INFO, build_dataset, split_indices
from srl_swe.srl.rewards import format_reward
from srl_swe.srl.sft import export_sft
from srl_swe.tools.actions import canonical
from srl_swe.trajectories.importers import import_paths
from srl_swe.trajectories.schema import Outcome, write_jsonl
from tests.test_importers import FIRST_SAMPLES

DATA = Path(__file__).parent / "data" / "trajectories"
COLUMNS = ["prompt", "expert_action", "task_id", "step", "n_steps", "thought"]


@pytest.fixture(scope="module")
def trajectories():
    loaded, report = import_paths(FIRST_SAMPLES)
    assert len(loaded) == 6 and not report.skipped
    return loaded


def trajectory_runs(split: datasets.Dataset) -> list[int]:
    """Lengths of the runs of rows that form whole trajectories (step 0..n_steps-1 in order)."""
    runs, expected = [], 0
    for step, n_steps in zip(split["step"], split["n_steps"], strict=True):
        assert step == expected
        expected = step + 1
        if expected == n_steps:
            runs.append(n_steps)
            expected = 0
    assert expected == 0, "a trajectory was cut between splits"
    return runs


def test_build_load_and_split_by_trajectory(tmp_path, trajectories):
    out = tmp_path / "srl"
    build_dataset(trajectories, out, history_window=2, val_fraction=0.34, seed=3)
    loaded = datasets.load_from_disk(str(out))
    assert set(loaded) == {"train", "validation"} and loaded["train"].column_names == COLUMNS
    assert len(loaded["train"]) + len(loaded["validation"]) == sum(len(t.steps) for t in trajectories)
    assert trajectory_runs(loaded["train"]) == [5, 5, 5, 5] and trajectory_runs(loaded["validation"]) == [5, 5]
    info = json.loads((out / BUILD_INFO).read_text())
    assert info["trajectories"] == {"train": 4, "validation": 2} and info["history_window"] == 2
    row = loaded["train"][2]
    assert row["prompt"][0]["role"] == "system" and len(row["prompt"]) == 2 + 2 * 2
    assert row["expert_action"].startswith("<function=") and row["thought"]
    assert [p.name for p in tmp_path.iterdir()] == ["srl"]  # no temporary folder left
    parquet = datasets.load_dataset("parquet", data_files={s: str(out / "parquet" / f"{s}.parquet") for s in loaded})
    assert parquet["validation"]["expert_action"] == loaded["validation"]["expert_action"]


def test_grpo_style_reward_call_on_the_loaded_dataset(tmp_path, trajectories):
    split = build_dataset(trajectories, tmp_path / "srl", val_fraction=0.0)["train"]
    assert set(build_dataset(trajectories, tmp_path / "srl", val_fraction=0.0)) == {"train"}  # nothing held out
    inputs = [split[i] for i in range(4) for _ in range(8)]  # 4 prompts x 8 generations, as GRPO repeats them
    completions = [
        [{"role": "assistant", "content": f"<think>g{k}</think>\n{x['expert_action']}" if k % 2 == 0 else "no call"}]
        for k, x in enumerate(inputs)
    ]
    columns = {
        key: [x[key] for x in inputs] for key in inputs[0] if key not in ("prompt", "completion", "completion_ids")
    }
    scores = format_reward(
        prompts=[x["prompt"] for x in inputs],
        completions=completions,
        completion_ids=[[0]] * len(inputs),
        trainer_state=None,
        log_extra=None,
        log_metric=None,
        **columns,
    )
    assert scores == [1.0, -1.0] * 16


def test_only_resolved_and_history_window(tmp_path, trajectories):
    resolved = build_dataset(trajectories, tmp_path / "r", only_resolved=True, val_fraction=0.0, history_window=None)
    assert (
        sorted(set(resolved["train"]["task_id"])) == ["demo__calc-1"] and len(resolved["train"]) == 10
    )  # openhands + swe-smith 1
    assert max(len(p) for p in resolved["train"]["prompt"]) == 2 + 2 * 4
    unresolved = [
        t.model_copy(update={"outcome": t.outcome.model_copy(update={"resolved": False})}) for t in trajectories
    ]
    unresolved[0] = unresolved[0].model_copy(update={"outcome": Outcome(resolved=None)})
    with pytest.raises(ConfigError, match=rf"kept none of {len(unresolved)} \({len(unresolved) - 1} marked not "
                                          r"resolved, 1 never graded: `srl-swe data verify` grades them\)"):
        build_dataset(unresolved, tmp_path / "none", only_resolved=True)


def test_failed_build_keeps_the_previous_dataset(tmp_path, trajectories, monkeypatch):
    out = tmp_path / "srl"
    build_dataset(trajectories[:2], out, val_fraction=0.0)

    def broken(self, path, **kwargs):
        Path(path, "half").write_text("x")
        raise OSError("disk full")

    monkeypatch.setattr(datasets.DatasetDict, "save_to_disk", broken)
    with pytest.raises(OSError, match="disk full"):
        build_dataset(trajectories, out, val_fraction=0.0)
    monkeypatch.undo()
    assert len(datasets.load_from_disk(str(out))["train"]) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["srl"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a dataset"):
        build_dataset(trajectories, tmp_path / "notes")


def test_split_indices():
    assert split_indices(1, 0.5) == set() and split_indices(10, 0.0) == set()
    assert len(split_indices(2, 0.01)) == 1 and len(split_indices(3, 0.9)) == 2
    assert split_indices(100, 0.1, seed=1) == split_indices(100, 0.1, seed=1) != split_indices(100, 0.1, seed=2)
    with pytest.raises(ConfigError):
        split_indices(10, 1.0)


def test_sft_export_with_and_without_thoughts(tmp_path, trajectories):
    path = tmp_path / "sft.jsonl"
    assert export_sft(trajectories[:1], path) == 1
    record = json.loads(path.read_text())
    messages = record["messages"]
    assert [m["role"] for m in messages[:4]] == ["system", "user", "assistant", "tool"]
    first = messages[2]
    assert first["content"] == trajectories[0].steps[0].thought
    call = first["tool_calls"][0]
    assert call["function"]["name"] == trajectories[0].steps[0].action.name
    assert json.loads(call["function"]["arguments"]) == trajectories[0].steps[0].action.arguments
    assert messages[3]["tool_call_id"] == call["id"] and {t["function"]["name"] for t in record["tools"]} == {
        "bash",
        "str_replace_editor",
        "submit",
    }
    export_sft(trajectories[:1], path, with_thoughts=False, style="text")
    text = json.loads(path.read_text())["messages"]
    assert text[2]["content"] == canonical(trajectories[0].steps[0].action) and text[3]["content"].startswith(
        "OBSERVATION:\n"
    )


def test_cli_build_from_files_and_from_bundled_tasks(tmp_path, trajectories, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(app, ["data", "build", "--trajectories", *map(str, FIRST_SAMPLES),
                                 "--out", str(tmp_path / "a"), "--history-window", "all",
                                 "--sft", str(tmp_path / "sft.jsonl"), "--no-sft-thoughts"])
    assert result.exit_code == 0, result.output
    assert (
        len(datasets.load_from_disk(str(tmp_path / "a"))["validation"]) == 5
        and "wrote 6 SFT conversations" in result.output
    )
    tasks = tmp_path / "tasks"
    for task_id, trajectory in (("demo__calc-1", trajectories[0]), ("demo__calc-2", trajectories[1])):
        (tasks / task_id / "trajectories").mkdir(parents=True)
        (tasks / task_id / "task.yaml").write_text(f"instance_id: {task_id}\n")
        write_jsonl(tasks / task_id / "trajectories" / "expert.jsonl", [trajectory])
    monkeypatch.setenv("SRL_SWE_TASKS_DIR", str(tasks))
    result = runner.invoke(app, ["data", "build", "--out", str(tmp_path / "b"), "--val-fraction", "0.5"])
    assert result.exit_code == 0, result.output
    built = datasets.load_from_disk(str(tmp_path / "b"))
    assert (len(built["train"]), len(built["validation"])) == (5, 5)
    bad = runner.invoke(
        app, ["data", "build", "--trajectories", str(DATA), "--out", str(tmp_path / "c"), "--history-window", "x"]
    )
    assert bad.exit_code == 1 and "--history-window" in bad.output
