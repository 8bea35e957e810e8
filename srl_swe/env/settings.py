"""EnvSettings (not Gymnasium's EnvSpec, which describes a registration): an environment's settings
(tools, limits, prompt, reward mode), loaded from `envs/*.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from srl_swe import paths
from srl_swe.errors import ConfigError
from srl_swe.srl.prompts import DEFAULT_OBSERVATION_BUDGET, system_prompt
from srl_swe.srl.turn import FORMAT_PENALTY
from srl_swe.tools.schemas import CURSOR_TOOL, DEFAULT_TOOLS, FILE_TOOLS, LINE_RANGE, TOOLS

Mode = Literal["srl", "rlvr"]


class EnvSettings(BaseModel):
    """`srl`: the policy's action is scored against the expert's, then the expert's runs.
    `rlvr`: the policy's actions run; the tests decide the reward at the end."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = "srl"
    tools: list[str] = Field(default_factory=lambda: list(DEFAULT_TOOLS))
    file_tools: Literal[FILE_TOOLS] = Field(
        FILE_TOOLS[0], description="Which SWE-agent version's open/goto/scroll/create/edit run: 1.x's windowed ones "
        "(swe-agent) or 0.x's line-range ones (swe-agent-0); a tool set with set_cursors runs the cursor ones.")
    max_steps: int = Field(50, ge=1, description="Steps before the episode is truncated.")
    max_format_errors: int | None = Field(5, ge=1, description="Malformed actions before truncation; null: no limit.")
    step_timeout: float = Field(60.0, gt=0, description="Seconds one bash command may run.")
    episode_timeout: float = Field(1800.0, gt=0, description="Wall-clock seconds before truncation.")
    history_window: int | None = Field(2, ge=0, description="Past steps shown in the prompt (paper: 2); null: all.")
    observation_budget: int = Field(
        DEFAULT_OBSERVATION_BUDGET, ge=200, description="Characters kept of each observation."
    )
    max_action_chars: int = Field(100_000, ge=1000, description="Longer responses are format errors.")
    format_error_reward: float = Field(
        FORMAT_PENALTY, description="srl mode: reward of a response without a valid tool call."
    )
    grade_timeout: float = Field(600.0, gt=0, description="Seconds the tests may run when grading.")
    grade_srl: bool = Field(False, description="srl mode: also grade the (expert's) final diff; rlvr always grades.")
    system_prompt: str | None = Field(None, description="Unset: the tool set's own (prompts.system_prompt).")

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in TOOLS]
        if unknown:
            raise ValueError(f"unknown tool(s) {', '.join(unknown)}; available: {', '.join(TOOLS)}")
        if "submit" not in value:
            raise ValueError("the tool set must include submit, or no episode can end by the agent's choice")
        if CURSOR_TOOL in value and "insert" in value:
            raise ValueError(f"{CURSOR_TOOL} selects SWE-agent's cursor tools, which have no insert; drop one of them "
                             "(envs/swe-agent-cursors.yaml lists the cursor bundle)")
        return value

    @model_validator(mode="after")
    def _tools_prompt(self) -> EnvSettings:
        if self.file_tools == LINE_RANGE and {CURSOR_TOOL, "insert"} & set(self.tools):
            raise ValueError(f"file_tools {LINE_RANGE} (SWE-agent 0.x's line-range tools) has no set_cursors or "
                             "insert; drop them from tools (envs/swe-agent-0.yaml lists the bundle)")
        if self.system_prompt is None:
            self.system_prompt = system_prompt(self.tools, self.file_tools)
        return self


def envs_dir() -> Path:
    """`SRL_SWE_ENVS_DIR`, else the project's `envs/` next to the package."""
    return paths.envs_dir()


def load_env_settings(name_or_path: str | Path = "default", **overrides: Any) -> EnvSettings:
    """An EnvSettings from `envs/<name>.yaml` or a YAML path, with keyword overrides on top."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = envs_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in envs_dir().glob("*.yaml"))
        raise ConfigError(f"No env spec {str(name_or_path)!r} ({path}); known: {', '.join(known) or 'none'}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML ({str(exc).splitlines()[0]}).") from None
    return make_settings({**data, **overrides}, where=str(path))


def make_settings(data: dict[str, Any], where: str = "env spec") -> EnvSettings:
    try:
        return EnvSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigError(f"{where}: {problems}.") from None
