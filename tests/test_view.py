"""`srl-swe view`: the report page for a training run; bad folders are one clear line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from srl_swe.cli.main import app


def test_view_of_a_training_run_embeds_its_curves(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    rows = [{"step": k, "reward_mean": -1 + 0.1 * k, "reward_std": 0.5, "fraction_filtered": 0.2} for k in range(1, 6)]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, ["view", str(run)])
    assert result.exit_code == 0, result.output
    page = (run / "report.html").read_text()
    assert "training: run" in page and "data:image/png;base64," in page
    assert (run / "curves.png").stat().st_size > 5_000


def test_view_of_an_empty_or_missing_folder_is_one_line(tmp_path):
    for folder in (tmp_path, tmp_path / "missing"):
        result = CliRunner().invoke(app, ["view", str(folder)])
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output


def test_turns_keep_format_errors_between_the_steps():
    from srl_swe.report.collect import viewer_turns

    turns = [{"response": "ls", "action": None, "format_error": "No tool call found."},
             {"response": "<function=bash>...", "action": "<function=bash>..."},
             {"response": "oops"},  # a turn the env never saw (the policy failed)
             {"response": "<function=submit>", "action": "<function=submit>\n</function>"}]
    shown = viewer_turns(turns)
    assert [t.step for t in shown] == [None, 0, None, 1]
    assert (shown[0].error, shown[0].response) == ("No tool call found.", "ls")
    assert shown[2].error == "no action was taken"
