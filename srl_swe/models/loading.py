"""Resolve what `--model` names: `tiny` (built once into a cache), a local directory (a model or a
LoRA adapter over one), or a hub name (loaded from the local hub cache; nothing is downloaded
where no hub is reachable)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from srl_swe.atomic import replacing_dir
from srl_swe.errors import ConfigError
from srl_swe.models.tiny import TINY_VERSION, build_tiny_model

TINY = "tiny"


def cache_dir() -> Path:
    return Path(os.environ.get("SRL_SWE_CACHE") or Path.home() / ".cache" / "srl-swe")


def ensure_tiny() -> Path:
    """The tiny model's directory, built on first use. Built in a temporary sibling and renamed
    into place, so concurrent processes never see half a model."""
    target = cache_dir() / "tiny"
    if _tiny_version(target) == TINY_VERSION:
        return target
    # an older recipe's model is replaced; one that a concurrent builder just finished is kept
    with replacing_dir(target, prefix=".tiny-", keep_theirs=lambda p: _tiny_version(p) == TINY_VERSION) as staging:
        build_tiny_model(staging)
    return target


def _tiny_version(path: Path) -> str | None:
    marker = path / "srl_swe_tiny.json"
    return json.loads(marker.read_text()).get("version") if marker.is_file() else None


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1  # hub names are "org/name"


def resolve_model_path(name: str) -> str:
    """`tiny` -> its cache directory; an existing directory -> itself; a path that does not exist
    -> ConfigError; anything else is taken as a hub name."""
    if name == TINY:
        return str(ensure_tiny())
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    if _looks_like_path(name) or path.exists():
        raise ConfigError(f"Model path {name!r} does not exist (or is not a directory): give a model directory, "
                          "a hub name, or 'tiny'.")
    return name


def is_adapter(path: str | Path) -> bool:
    return (Path(path) / "adapter_config.json").is_file()


def resolve_model(name: str, device: str = "cpu", dtype=None):
    """(model, tokenizer) for `name`. A LoRA adapter directory (or a run directory holding one in
    adapter/) loads its base model (the adapter's `base_model_name_or_path`) with the adapter
    applied, trainable."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(name)
    if not is_adapter(path) and is_adapter(Path(path) / "adapter"):
        path = str(Path(path) / "adapter")  # a training run directory: its final adapter
    adapter = path if is_adapter(path) else None
    base = json.loads((Path(path) / "adapter_config.json").read_text())["base_model_name_or_path"] if adapter else path
    if adapter and base != path:
        base = resolve_model_path(base)
    try:
        tokenizer = AutoTokenizer.from_pretrained(adapter if (adapter and _has_tokenizer(adapter)) else base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype or torch.float32)
    except OSError as exc:
        raise ConfigError(f"Could not load model {name!r}: {str(exc).splitlines()[0]} "
                          "Give a local model directory, or 'tiny' (no hub download happens here).") from exc
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter, is_trainable=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # generation appends to the right of every prompt
    return model.to(device), tokenizer


def _has_tokenizer(path: str) -> bool:
    return (Path(path) / "tokenizer_config.json").is_file()
