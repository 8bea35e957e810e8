"""Expert trajectories -> the SRL training set: a `datasets.DatasetDict` with `train` and
`validation` splits, split by trajectory (the paper holds out whole trajectories), one row per
expert step (see `expand`). Rows are streamed to Arrow files a chunk at a time so paper-scale sets
(~134k rows) need little memory beyond the trajectories themselves, and the set is written to a temporary folder and
renamed into place: a failed
build never leaves a half dataset."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import datasets
import pyarrow as pa

from srl_swe.atomic import replacing_dir, write_json
from srl_swe.errors import ConfigError
from srl_swe.srl.expand import DEFAULT_HISTORY_WINDOW, DEFAULT_WORKDIR, expand
from srl_swe.srl.prompts import DEFAULT_OBSERVATION_BUDGET
from srl_swe.trajectories.schema import Trajectory

DEFAULT_VAL_FRACTION = 0.05
SPLITS = ("train", "validation")
BUILD_INFO = "srl_swe_build.json"
_CHUNK_ROWS = 8192

SCHEMA = pa.schema(
    [
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("expert_action", pa.string()),
        ("task_id", pa.string()),
        ("step", pa.int32()),
        ("n_steps", pa.int32()),
        ("thought", pa.string()),
    ]
)


def split_indices(n: int, val_fraction: float, seed: int = 0) -> set[int]:
    """Indices of the held-out trajectories: round(n * fraction), at least one when there are two
    or more trajectories and the fraction is positive, and never all of them."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}.")
    count = round(n * val_fraction)
    if val_fraction > 0 and n >= 2:
        count = min(max(count, 1), n - 1)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return set(order[:count])


class _SplitWriter:
    """Rows of one split, written to an Arrow stream file a chunk at a time, so memory holds one
    chunk however large the dataset (the file is memory-mapped afterwards)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.columns: dict[str, list] = {name: [] for name in SCHEMA.names}
        self.rows = 0
        self._sink: pa.RecordBatchStreamWriter | None = None

    def add(self, row: dict) -> None:
        for name, values in self.columns.items():
            values.append(row[name])
        self.rows += 1
        if len(self.columns["step"]) >= _CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.columns["step"]:
            if self._sink is None:
                self._sink = pa.ipc.new_stream(str(self.path), SCHEMA)
            self._sink.write_table(pa.Table.from_pydict(self.columns, schema=SCHEMA))
            self.columns = {name: [] for name in SCHEMA.names}

    def close(self) -> None:
        self.flush()
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def dataset(self) -> datasets.Dataset:
        """The split, memory-mapped from its stream file (the format `datasets` caches in)."""
        return datasets.Dataset.from_file(str(self.path))


def kept_trajectories(trajectories: Sequence[Trajectory], only_resolved: bool) -> list[Trajectory]:
    """What a dataset is built from: every trajectory, or with `only_resolved` those whose outcome is resolved."""
    return [t for t in trajectories if t.outcome.resolved] if only_resolved else list(trajectories)


def build_dataset(
    trajectories: Sequence[Trajectory],
    out_dir: str | Path,
    history_window: int | None = DEFAULT_HISTORY_WINDOW,
    only_resolved: bool = False,
    val_fraction: float = DEFAULT_VAL_FRACTION,
    seed: int = 0,
    system_prompt: str | None = None,
    observation_budget: int = DEFAULT_OBSERVATION_BUDGET,
    progress: bool = False,
    tasks_dir: str | Path | None = None,
) -> datasets.DatasetDict:
    """Write the dataset to `out_dir` (replacing a dataset already there) and return it, loaded
    from disk (memory-mapped). `only_resolved` keeps trajectories whose outcome is resolved.
    Splits: `train`, and `validation` when any trajectory is held out. Prompts name the workdir
    of each trajectory's task in the registry `tasks_dir` (/testbed for tasks it does not hold),
    so they match what the env shows; their system prompt is that of the tool set each trajectory used, unless
    `system_prompt` is given."""
    kept = kept_trajectories(trajectories, only_resolved)
    if not kept:
        if only_resolved and trajectories:
            failed = sum(t.outcome.resolved is False for t in trajectories)
            raise ConfigError(
                f"No trajectories to build a dataset from: --only-resolved kept none of {len(trajectories)} ({failed} "
                f"marked not resolved, {len(trajectories) - failed} never graded: `srl-swe data verify` grades them); "
                "build without --only-resolved to use them anyway.")
        raise ConfigError("No trajectories to build a dataset from; pass --trajectories FILE_OR_DIR.")
    held_out = split_indices(len(kept), val_fraction, seed)
    workdirs = task_workdirs({t.task_id for t in kept}, tasks_dir)
    out_dir = Path(out_dir)
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}.rows.") as rows_dir:
        writers = {name: _SplitWriter(Path(rows_dir) / f"{name}.arrow") for name in SPLITS}
        try:
            for index, trajectory in _progress(kept, progress):
                writer = writers["validation" if index in held_out else "train"]
                workdir = workdirs.get(trajectory.task_id, DEFAULT_WORKDIR)
                for row in expand(trajectory, history_window, system_prompt, observation_budget, workdir):
                    writer.add(row)
        finally:
            for writer in writers.values():
                writer.close()
        # An empty split is left out (datasets cannot save a 0-row split): with val_fraction=0, or a
        # single trajectory, the dataset has `train` only.
        built = datasets.DatasetDict({name: writers[name].dataset() for name in SPLITS if writers[name].rows})
        info = {
            "trajectories": {"train": len(kept) - len(held_out), "validation": len(held_out)},
            "instances": {name: writers[name].rows for name in SPLITS},
            "history_window": history_window,
            "only_resolved": only_resolved,
            "val_fraction": val_fraction,
            "seed": seed,
            "observation_budget": observation_budget,
        }
        _save_atomically(built, out_dir, info)
        del built  # the row files are removed with their folder; the saved copy is what we return
    return datasets.load_from_disk(str(out_dir))


def task_workdirs(task_ids: Iterable[str], tasks_dir: str | Path | None = None) -> dict[str, str]:
    """{task id: workdir} for the ids the registry holds. Imported trajectories often come from
    tasks not registered here: those are absent (the caller uses /testbed). A registered task whose
    task.yaml is broken is an error, not a silent default."""
    from srl_swe.tasks.registry import list_tasks, load_task

    known = set(list_tasks(tasks_dir))
    return {task_id: load_task(task_id, tasks_dir).workdir for task_id in sorted(set(task_ids) & known)}


def _progress(items: list, show: bool) -> Iterable[tuple[int, Trajectory]]:
    if not show:
        yield from enumerate(items)
        return
    from rich.progress import track

    yield from enumerate(track(items, description="expanding trajectories", transient=True))


def _check_target(out_dir: Path) -> None:
    """A folder holding something other than a dataset is never replaced."""
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "dataset_dict.json").exists())
    ):
        raise ConfigError(f"{out_dir} exists and is not a dataset; choose an empty or new --out folder.")


PARQUET_DIR = "parquet"


def _save_atomically(built: datasets.DatasetDict, out_dir: Path, info: dict) -> None:
    quiet = not datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own progress shows; datasets' per-shard bars are noise
    try:
        with replacing_dir(out_dir) as tmp:
            built.save_to_disk(str(tmp))
            # Parquet copies of the splits, for tools that read parquet (load_dataset("parquet", ...)).
            (tmp / PARQUET_DIR).mkdir()
            for split, dataset in built.items():
                dataset.to_parquet(str(tmp / PARQUET_DIR / f"{split}.parquet"))
            write_json(tmp / BUILD_INFO, info)
    finally:
        if not quiet:
            datasets.enable_progress_bars()


def bundled_expert_files(tasks_dir: str | Path | None = None) -> list[Path]:
    """The expert trajectory files of the registered tasks (those that have one)."""
    from srl_swe.tasks.registry import expert_path, list_tasks

    return [p for p in (expert_path(t, tasks_dir) for t in list_tasks(tasks_dir)) if p.is_file()]
