"""`srl-swe data factory`: a small factory tasks dir (bundled tasks copied with their experts, some
marked as synthesized or mined) becomes SRL instances, SWE-bench JSONL, a card whose counts match
what was written, and a valid histogram PNG. No containers: nothing here runs a task."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.errors import ConfigError
from srl_swe.factory.dataset import build_factory_dataset, origin_of
from srl_swe.tasks.registry import expert_path, load_task, task_path, write_spec
from srl_swe.tasks.spec import TaskSpec
from srl_swe.trajectories.schema import read_jsonl, write_jsonl

BUNDLED = Path(__file__).resolve().parents[1] / "tasks"
FACTORY = {"lrukit-3": {"origin": "synth", "strategy": "off_by_one"}, "datekit-1": {"origin": "mined", "commit": "a1"}}


@pytest.fixture
def tasks_dir(tmp_path) -> Path:
    """datekit-1 (mined, its expert plus a teacher copy and an unresolved one), lrukit-3 (synth),
    texttable-1 (no origin), confload-1 (no expert: left out)."""
    root = tmp_path / "tasks"
    for task_id in ("datekit-1", "lrukit-3", "texttable-1", "confload-1"):
        shutil.copytree(BUNDLED / task_id, root / task_id)
        if task_id in FACTORY:
            spec = load_task(task_id, root)
            write_spec(task_path(task_id, root),
                       TaskSpec.model_validate({**spec.to_yaml_dict(), "extra": {"factory": FACTORY[task_id]}}))
    shutil.rmtree(root / "confload-1" / "trajectories")
    [expert] = read_jsonl(expert_path("datekit-1", root))
    teacher = expert.model_copy(update={"source": "teacher"})
    failed = expert.model_copy(update={"source": "teacher", "outcome": expert.outcome.model_copy(
        update={"resolved": False})})
    write_jsonl(expert_path("datekit-1", root), [expert, teacher, failed])
    return root


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    return struct.unpack(">II", data[16:24])


def test_card_counts_match_the_instances_and_records_written(tasks_dir, tmp_path):
    out = tmp_path / "out"
    card = build_factory_dataset(tasks_dir, out, val_fraction=0.25)
    kept = {t: [x for x in read_jsonl(expert_path(t, tasks_dir)) if x.outcome.resolved]
            for t in ("datekit-1", "lrukit-3", "texttable-1")}
    steps = {t: sum(len(x.steps) for x in trajectories) for t, trajectories in kept.items()}

    built = datasets.load_from_disk(str(out / "srl"))
    rows = {name: len(split) for name, split in built.items()}
    assert card["instances"] == {"train": rows["train"], "validation": rows["validation"], "total": sum(rows.values())}
    assert card["instances"]["total"] == card["steps_total"] == sum(steps.values())
    assert card["trajectories"] == 4 and card["by_source"] == {"expert": 3, "teacher": 1}

    records = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    assert sorted(r["instance_id"] for r in records) == sorted(kept) and card["tasks"] == len(records) == 3
    assert records[0]["FAIL_TO_PASS"] and "patch" in records[0]

    assert card["per_origin"] == {
        "mined": {"tasks": 1, "trajectories": 2, "steps": steps["datekit-1"]},
        "registered": {"tasks": 1, "trajectories": 1, "steps": steps["texttable-1"]},
        "synth/off_by_one": {"tasks": 1, "trajectories": 1, "steps": steps["lrukit-3"]},
    }
    assert set(card["per_repo"]) == {"datekit", "lrukit", "texttable"}
    f2p = sorted(len(load_task(t, tasks_dir).FAIL_TO_PASS) for t in kept)
    assert (card["fail_to_pass"]["min"], card["fail_to_pass"]["max"]) == (f2p[0], f2p[-1])
    assert card["left_out"] == {"no expert trajectory": 1, "unresolved trajectories skipped": 1}

    assert json.loads((out / "card.json").read_text()) == card
    readme = (out / "README.md").read_text()
    assert "| synth/off_by_one | 1 | 1 |" in readme and f"{card['instances']['total']} SRL instances" in readme
    width, height = _png_size(out / "histograms.png")
    assert width > 400 and height > 200


def test_origin_reads_the_factory_fields():
    assert origin_of(TaskSpec(instance_id="a", extra={"factory": {"origin": "synth", "strategy": "swap_args"}})) \
        == "synth/swap_args"
    assert origin_of(TaskSpec(instance_id="b", extra={"factory": {"origin": "mined"}})) == "mined"
    assert origin_of(TaskSpec(instance_id="c")) == "registered"


def test_cli_writes_the_dataset_and_refuses_a_dir_without_experts(tasks_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["data", "factory", "--tasks-dir", str(tasks_dir), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "3 tasks, 4 trajectories" in result.output and (tmp_path / "o" / "histograms.png").is_file()
    empty = tmp_path / "empty"
    shutil.copytree(tasks_dir / "confload-1", empty / "confload-1")
    with pytest.raises(ConfigError, match="1 no expert trajectory"):
        build_factory_dataset(empty, tmp_path / "o2")
    result = runner.invoke(app, ["data", "factory", "--tasks-dir", str(empty), "--out", str(tmp_path / "o2")])
    assert result.exit_code == 1 and "expert script --all" in result.output
