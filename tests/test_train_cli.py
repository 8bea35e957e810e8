"""`srl-swe train` end to end on the tiny model: sft with resume, plot, merge, and bad input as
one clear line."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.models.loading import resolve_model
from srl_swe.train.metrics import read_metrics
from tests.train_support import save_stepwise

pytestmark = [pytest.mark.train, pytest.mark.usefixtures("single_thread")]
runner = CliRunner()


def train(*args: str):
    return runner.invoke(app, ["train", *args])


def test_sft_resume_plot_and_merge(tmp_path):
    data = save_stepwise(tmp_path / "data")
    common = ["--model", "tiny", "--data", str(data), "--lr", "3e-3", "--set", "batch_size=4", "--set", "save_every=1"]
    straight = train("sft", *common, "--out", str(tmp_path / "straight"), "--max-steps", "3")
    assert straight.exit_code == 0, straight.output
    assert train("sft", *common, "--out", str(tmp_path / "cut"), "--max-steps", "2").exit_code == 0
    again = train("sft", *common, "--out", str(tmp_path / "cut"), "--max-steps", "3")
    assert again.exit_code == 1 and "pass --resume" in again.output
    resumed = train("sft", *common, "--out", str(tmp_path / "cut"), "--max-steps", "3", "--resume")
    assert resumed.exit_code == 0, resumed.output
    a, b = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "cut")
    assert [m["step"] for m in b] == [1, 2, 3]
    assert b[2]["loss"] == pytest.approx(a[2]["loss"], rel=1e-6)  # same batch, same weights, same optimizer state

    plotted = train("plot", str(tmp_path / "cut"))
    assert plotted.exit_code == 0 and (tmp_path / "cut" / "curves.png").stat().st_size > 10_000

    merged = train("merge", str(tmp_path / "cut"), "--out", str(tmp_path / "merged"))
    assert merged.exit_code == 0, merged.output
    model, _ = resolve_model(str(tmp_path / "merged"))
    adapted, _ = resolve_model(str(tmp_path / "cut" / "adapter"))
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, adapted(ids).logits, atol=1e-4)
    assert not any("lora" in n for n, _ in model.named_parameters())


@pytest.mark.parametrize("args, message", [
    (["srl", "--set", "group_sise=4"], "Unknown SRLConfig key 'group_sise'"),
    (["sft", "--model", "./no/such/model", "--data", "DATA"], "Model path './no/such/model' does not exist"),
    (["srl", "--data", "/no/such/data"], "does not exist"),
])
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    data = str(save_stepwise(tmp_path / "data"))
    result = train(*[data if a == "DATA" else a for a in args], "--out", str(tmp_path / "run"))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.output


def test_preset_by_device_sizes_the_run_and_the_summary_says_where_results_went(tmp_path):
    from srl_swe.train.config import default_preset, load_config

    assert default_preset() == ("paper" if torch.cuda.is_available() else "cpu-demo")
    demo, paper = load_config("srl", preset="cpu-demo"), load_config("srl", preset="paper")
    assert (demo.batch_prompts, demo.group_size, demo.max_new_tokens) == (4, 8, 192)
    assert (paper.batch_prompts, paper.group_size, paper.max_new_tokens) == (512, 8, 512)  # the paper's
    assert load_config("srl", overrides={"batch_prompts": 2}, preset="cpu-demo").batch_prompts == 2  # options win
    data, run = save_stepwise(tmp_path / "data"), tmp_path / "run"
    result = train("sft", "--model", "tiny", "--data", str(data), "--out", str(run), "--max-steps", "1")
    assert result.exit_code == 0, result.output
    chosen = default_preset()
    assert f"preset {chosen} (chosen by device): lr=" in result.output
    assert "batch_size=" in result.output and "max_steps=1" in result.output
    assert f"run directory: {run}" in result.output and f"adapter: {run / 'adapter'}" in result.output
    assert (run / "adapter").is_dir() and (run / "metrics.jsonl").is_file()
    bad = train("srl", "--preset", "huge", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 1 and "Unknown preset 'huge'; known: paper, cpu-demo" in bad.output
