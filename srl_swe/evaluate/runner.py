"""Run a policy over tasks: N workers in parallel (each with its own containers), K attempts per
task, a wall-clock limit per instance, every finished attempt written at once so that a rerun
of the same command picks up where an interrupted one stopped."""

from __future__ import annotations

import json
import operator
import shutil
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from srl_swe.errors import ConfigError
from srl_swe.evaluate import outputs
from srl_swe.evaluate.attempt import AttemptResult, run_attempt
from srl_swe.evaluate.policies import PolicySettings
from srl_swe.tasks.registry import absolute_tasks_dir

RUN_FILE = "run.json"
# A resumed run must have been started with the same values of these settings.
_IDENTITY = ("policy", "mode", "max_steps", "attempts")


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: PolicySettings
    tasks: list[str] = Field(min_length=1)
    tasks_dir: str | None = None
    mode: Literal["agentic", "oracle-edit"] = "agentic"
    workers: int = Field(1, ge=1)
    attempts: int = Field(1, ge=1)
    max_steps: int = Field(30, ge=1)
    instance_timeout: float = Field(1800.0, gt=0)
    grade_timeout: float = Field(600.0, gt=0)
    out: Path
    rerun: bool = False
    ray: str | None = None  # where attempts run: None for local threads, else a Ray address (see executors)

    @field_validator("tasks")
    @classmethod
    def _ids_are_folder_names(cls, value: list[str]) -> list[str]:
        from srl_swe.tasks.spec import TASK_ID

        bad = [t for t in value if not TASK_ID.match(t)]
        if bad:
            raise ValueError(f"not task ids: {', '.join(map(repr, bad[:5]))} (letters, digits and . _ + - only)")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> EvalConfig:
        if self.policy.mode != self.mode:
            raise ValueError(f"the policy is set up for mode {self.policy.mode!r} but the run is {self.mode!r}")
        return self

    def identity(self) -> dict:
        data = self.model_dump(mode="json", include=set(_IDENTITY))
        # where the policy is served from and how to reach it do not change what is being evaluated
        data["policy"] = {k: v for k, v in data["policy"].items()
                          if k not in ("workers", "tasks_dir", "retries", "base_url", "api_key_env")}
        return data


def run_eval(config: EvalConfig, on_done=None) -> dict:
    """Run every (task, attempt) not yet done, then write predictions.jsonl and the reports.
    `on_done(record)` is called as each attempt finishes (progress display). Returns report.json's dict."""
    from srl_swe.evaluate.report import write_reports

    out = Path(config.out)
    _check_same_run(out, config)
    if config.rerun:
        for instance_id in config.tasks:
            _forget(out, instance_id)
    outputs.write_json(out / RUN_FILE, config.identity())
    done = outputs.load_records(out, config.tasks, config.attempts)
    todo = [(t, k) for t in config.tasks for k in range(1, config.attempts + 1) if (t, k) not in done]
    if todo:
        _run_all(config, todo, on_done)
    records = outputs.load_records(out, config.tasks, config.attempts)
    outputs.write_predictions(out, config.tasks, config.policy.name)
    return write_reports(out, config, records)


def _run_all(config: EvalConfig, todo: list[tuple[str, int]], on_done) -> None:
    """Attempts run where the executor places them; their files are written here, each key once.
    On an interrupt (Ctrl-C, SIGTERM) the live sandboxes are closed at once and the attempts still
    running record nothing, so a resumed run redoes them instead of keeping a false error."""
    from srl_swe.executors import ExecutorSettings, open_executor
    from srl_swe.sandbox.nodes import node_hooks

    settings = ExecutorSettings(workers=config.workers, ray=config.ray)
    with open_executor(settings, node_hooks(config.ray, [absolute_tasks_dir(config.tasks_dir)])) as executor:
        # attempts of one task go where its image was built when a worker there is free
        for _key, result in executor.map(_Attempts(config), {key: key for key in todo}, place=operator.itemgetter(0)):
            record = result.write(config.out)
            if on_done is not None:
                on_done(record)


class _Attempts:
    """Runs one (task, attempt) wherever it is placed; the policy factory is made once per
    process (a thread pool shares it, each Ray worker makes its own) and is never pickled."""

    def __init__(self, config: EvalConfig):
        tasks_dir = absolute_tasks_dir(config.tasks_dir)
        self.config = config.model_copy(update={"tasks_dir": tasks_dir,
                                                "policy": config.policy.model_copy(update={"tasks_dir": tasks_dir})})
        self._factory = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.config, self._factory, self._lock = state["config"], None, threading.Lock()

    def __call__(self, key: tuple[str, int]) -> AttemptResult:
        with self._lock:
            if self._factory is None:
                self._factory = self.config.policy.factory()
        return run_attempt(self.config, self._factory, *key)


def _check_same_run(out: Path, config: EvalConfig) -> None:
    previous = out / RUN_FILE
    if config.rerun or not previous.is_file():
        return
    before = json.loads(previous.read_text(encoding="utf-8"))
    if before != config.identity():
        changed = ", ".join(k for k in config.identity() if before.get(k) != config.identity()[k])
        raise ConfigError(
            f"{out} holds a run with other settings ({changed}); use another --out, or --rerun to start over."
        )


def _forget(out: Path, instance_id: str) -> None:
    """Drop an instance's finished attempts: result.json first, so a kill mid-way never leaves a
    'done' attempt with missing files."""
    folder = outputs.attempt_dir(out, instance_id, 1)
    if not folder.is_dir():
        return
    for marker in folder.glob("**/result.json"):
        marker.unlink()
    shutil.rmtree(folder)

