"""TaskSpec: one task, a superset of a SWE-bench instance.

SWE-bench fields keep their names and meaning. Fields that srl-swe adds (`image`, `workdir`,
`test_command`, `setup`, `source`) say how to build and test the task without SWE-bench's
harness. Fields of an imported record that neither knows (SWE-smith's `image_name`, SWE-Gym
extras, ...) are kept in `extra` and written back flat on export, so import/export is lossless.
A task.yaml is strict: a misspelt key is an error, not a silently ignored field.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from srl_swe.errors import TaskError

SWEBENCH_FIELDS = (
    "instance_id", "repo", "base_commit", "patch", "test_patch", "problem_statement", "hints_text",
    "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS", "environment_setup_commit",
)
VENV_DIR = "/opt/srl-swe/venv"  # where a task image's clean interpreter environment lives
TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class TaskSpec(BaseModel):
    """One task. Only `instance_id` is required to load; running one needs a repo bundle or an `image`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    instance_id: str
    repo: str = ""
    base_commit: str = ""
    problem_statement: str = ""
    patch: str = ""
    test_patch: str = ""
    FAIL_TO_PASS: list[str] = Field(default_factory=list)
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    version: str | int | float | None = None
    created_at: str | None = None
    hints_text: str = ""
    environment_setup_commit: str | None = None
    # srl-swe's own fields
    image: str | None = Field(None, description="A prebuilt image by name (SWE-bench, SWE-smith); used as is.")
    workdir: str = "/testbed"
    test_command: str = Field(
        "python -m pytest", description="The runner's invocation; the harness appends its options and the targets."
    )
    test_runner: str = Field(
        "pytest", description="Which runner prints and accepts the test ids: pytest, unittest, django, sympy, swebench."
    )
    test_scope: Literal["files", "all"] = Field(
        "all",
        description="files: only the test files the test patch touches run (SWE-bench's harness); all: the whole "
                    "suite.",
    )
    environment: Literal["system", "venv"] = Field(
        "system",
        description="venv: a clean virtualenv at VENV_DIR, on PATH, holds the runner and the repo's dependencies.",
    )
    requirements: list[str] = Field(
        default_factory=list,
        description=(
            "pip requirements resolved on the host into the task's offline wheelhouse ('.' or '.[extra]' is the repo "
            "itself)."
        ),
    )
    install: list[str] = Field(default_factory=list, description=(
        "Commands run in the workdir at image build, in the venv, with the wheelhouse as the only package index."))
    setup: list[str] = Field(
        default_factory=list, description="Shell commands run once in /testbed when the task image is built."
    )
    source: str | None = Field(None, description="Where the repo came from (a path or git URL).")
    list_format: Literal["list", "json"] = Field(
        "list",
        description="How FAIL_TO_PASS / PASS_TO_PASS are written on SWE-bench export: the form they were imported in.",
    )
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Fields of an imported record that srl-swe does not know."
    )

    @field_validator("instance_id")
    @classmethod
    def _id_is_a_folder_name(cls, value: str) -> str:
        if not TASK_ID.match(value):
            raise ValueError(
                f"{value!r} is not a usable task id: use letters, digits and . _ + - (no spaces or slashes)"
            )
        return value

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _decode_json_list(cls, value: Any) -> Any:
        # The Hugging Face SWE-bench card stores these lists as JSON strings.
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a list nor a JSON-encoded list: {exc}") from exc
        return value

    @field_validator("created_at", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted ISO date as a datetime; the field is text in SWE-bench.
        return value.isoformat() if hasattr(value, "isoformat") else value

    # -- SWE-bench records ---------------------------------------------------------------------
    @classmethod
    def from_swebench(cls, record: dict[str, Any]) -> TaskSpec:
        """A TaskSpec from a SWE-bench / SWE-Gym / SWE-smith record; unknown keys go to `extra`."""
        known = set(cls.model_fields) - {"extra", "list_format"}
        fields = {key: value for key, value in record.items() if key in known}
        fields["extra"] = {key: value for key, value in record.items() if key not in known}
        if isinstance(record.get("FAIL_TO_PASS"), str) or isinstance(record.get("PASS_TO_PASS"), str):
            fields["list_format"] = "json"
        return parse_spec(fields, where=f"record {record.get('instance_id', '?')!r}")

    def to_swebench(self) -> dict[str, Any]:
        """The record this spec was imported from (plus fields set since), extras flattened back."""
        record = self.model_dump(mode="json", exclude_unset=True, exclude={"extra", "list_format"})
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            if key in record and self.list_format == "json":
                record[key] = json.dumps(record[key])
        return {**record, **self.extra}

    # -- task.yaml -----------------------------------------------------------------------------
    def to_yaml_dict(self) -> dict[str, Any]:
        """What task.yaml holds: every field that was set, in declaration order."""
        return self.model_dump(mode="json", exclude_unset=True)


def parse_spec(data: Any, where: str) -> TaskSpec:
    """Validate `data` into a TaskSpec, turning pydantic's report into one line that says what to fix."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise TaskError(f"{where}: expected a mapping of task fields, got {type(data).__name__}.")
    try:
        return TaskSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'task'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise TaskError(f"{where}: {problems}. Fix the field(s) and try again.") from None
