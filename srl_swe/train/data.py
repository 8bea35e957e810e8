"""Training data in: the step-wise dataset (a `datasets.DatasetDict` saved with save_to_disk, one
row per expert step) and the SFT export (JSONL of {"messages": [...]}). Missing files, splits or
columns are one clear ConfigError."""

from __future__ import annotations

import json
from pathlib import Path

from srl_swe.errors import ConfigError
from srl_swe.jsonl import read_jsonl
from srl_swe.srl.turn import turn_text

STEPWISE_COLUMNS = ("prompt", "expert_action")
BUILD_HINT = "build it with the step-wise dataset builder (srl_swe.srl.dataset)"


def load_stepwise(data_dir: str | Path | None, split: str, columns=STEPWISE_COLUMNS):
    """One split of a step-wise dataset directory, checked for the columns training needs."""
    from datasets import Dataset, DatasetDict, load_from_disk

    if not data_dir:
        raise ConfigError("No training data: pass --data DIR (a step-wise dataset directory).")
    path = Path(data_dir)
    if not path.exists():
        raise ConfigError(f"Dataset {str(path)!r} does not exist: {BUILD_HINT}.")
    try:
        loaded = load_from_disk(str(path))
    except FileNotFoundError as exc:
        raise ConfigError(f"{str(path)!r} is not a dataset saved with save_to_disk: {BUILD_HINT}.") from exc
    if isinstance(loaded, DatasetDict):
        if split not in loaded:
            raise ConfigError(f"Dataset {str(path)!r} has no split {split!r} (it has: {', '.join(loaded)}).")
        loaded = loaded[split]
    assert isinstance(loaded, Dataset)
    missing = [c for c in columns if c not in loaded.column_names]
    if missing:
        raise ConfigError(f"Dataset {str(path)!r} ({split}) lacks column(s) {', '.join(missing)} "
                          f"(it has: {', '.join(loaded.column_names)}): {BUILD_HINT}.")
    return loaded


def stepwise_examples(dataset, with_thought: bool) -> list[dict]:
    """Prompt -> target pairs from step-wise rows: the target is `<think>thought</think>` (when
    asked and present) then the expert's canonical action, as the SRL policy is asked to write."""
    examples = []
    for row in dataset:
        thought = (row.get("thought") or "").strip() if with_thought else ""
        target = turn_text(thought, row["expert_action"])
        examples.append(
            {"messages": list(row["prompt"]) + [{"role": "assistant", "content": target}], "last_turn_only": True}
        )
    return examples


def load_messages_jsonl(path: Path) -> list[dict]:
    """The SFT export: one {"messages": [...]} per line; each needs an assistant turn to learn."""
    examples = []
    for number, record in read_jsonl(path):
        messages = record.get("messages") if isinstance(record, dict) else None
        if not isinstance(messages, list) or not any(m.get("role") == "assistant" for m in messages):
            raise ConfigError(f"{path}:{number} needs a 'messages' list with at least one assistant turn.")
        examples.append({"messages": [_with_dict_arguments(m) for m in messages]})
    return examples


def _with_dict_arguments(message: dict) -> dict:
    """OpenAI tool calls carry arguments as a JSON string; chat templates render a mapping (the
    canonical `<function=...>` form), so decode them here once."""
    calls = message.get("tool_calls")
    if not calls:
        return message
    fixed = []
    for call in calls:
        function = dict(call.get("function", call))
        if isinstance(function.get("arguments"), str):
            try:
                function["arguments"] = json.loads(function["arguments"] or "{}")
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"A tool call's arguments are not valid JSON ({exc.msg}): {function['arguments'][:80]!r}."
                ) from exc
        fixed.append({**call, "function": function})
    return {**message, "tool_calls": fixed}


def load_sft_examples(data: str | Path | None, split: str, with_thought: bool) -> list[dict]:
    """A JSONL SFT export (a file, or a directory holding `<split>.jsonl`), else a step-wise dataset."""
    if not data:
        raise ConfigError("No training data: pass --data (an SFT export .jsonl or a step-wise dataset directory).")
    path = Path(data)
    if path.is_file():
        return load_messages_jsonl(path)
    if (path / f"{split}.jsonl").is_file():
        return load_messages_jsonl(path / f"{split}.jsonl")
    return stepwise_examples(load_stepwise(path, split), with_thought)
