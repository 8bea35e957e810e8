"""Merge a run's LoRA adapter into its base model: a plain model directory any tool can load."""

from __future__ import annotations

from pathlib import Path

from srl_swe.atomic import replacing_dir
from srl_swe.errors import ConfigError
from srl_swe.models.loading import is_adapter, resolve_model
from srl_swe.train.checkpoint import latest_checkpoint
from srl_swe.train.session import ADAPTER_DIR


def find_adapter(run_dir: Path) -> Path:
    """RUN_DIR/adapter (the final one), else the latest checkpoint's, else RUN_DIR itself."""
    checkpoint = latest_checkpoint(run_dir)
    for candidate in (run_dir / ADAPTER_DIR, checkpoint / "adapter" if checkpoint else None, run_dir):
        if candidate is not None and is_adapter(candidate):
            return candidate
    raise ConfigError(f"{run_dir} holds no LoRA adapter (no adapter/ nor checkpoint adapter): nothing to merge.")


def merge_run(run_dir: str | Path, out: str | Path) -> Path:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} exists and is not empty: choose another --out.")
    model, tokenizer = resolve_model(str(find_adapter(Path(run_dir))))
    merged = model.merge_and_unload()
    with replacing_dir(out) as staging:
        merged.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    return out
