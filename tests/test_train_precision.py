"""bf16 and gradient checkpointing, the options a GPU run turns on, exercised on the CPU: the
same update with checkpointing as without, and a bf16 base under float32 LoRA weights."""

from __future__ import annotations

import pytest
import torch

from srl_swe.srl.rewards import format_reward
from srl_swe.train.config import load_config
from srl_swe.train.data import load_stepwise
from srl_swe.train.metrics import read_metrics
from srl_swe.train.session import open_session
from srl_swe.train.sft import train_sft
from srl_swe.train.srl import collect_batch, update

pytestmark = [pytest.mark.train, pytest.mark.usefixtures("single_thread")]


def sft(data, out, **changes):
    settings = {"data": str(data), "out": str(out), "lr": 3e-3, "batch_size": 4, "max_steps": 2, "save_every": 100}
    train_sft(load_config("sft", None, {**settings, **changes}))
    return read_metrics(out)


def test_gradient_checkpointing_takes_the_same_steps(stepwise_data, tmp_path):
    data = stepwise_data
    cfg = load_config("sft", None, {"data": str(data), "out": str(tmp_path / "probe"), "gradient_checkpointing": True})
    with open_session(cfg, n_items=1) as s:
        base = s.model.get_base_model()
        assert getattr(base, "is_activation_checkpointing", None) or base.is_gradient_checkpointing
    plain = sft(data, tmp_path / "plain")
    checkpointed = sft(data, tmp_path / "checkpointed", gradient_checkpointing=True)
    for a, b in zip(plain, checkpointed, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-5)
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-4) and a["grad_norm"] > 0


def test_a_bf16_base_trains_float32_lora_weights(stepwise_data, tmp_path):
    data = stepwise_data
    sft(data, tmp_path / "sft", max_steps=20, lr=5e-3)
    cfg = load_config("srl", None, {"data": str(data), "out": str(tmp_path / "srl"), "init_from": str(tmp_path / "sft"),
                                    "bf16": True, "max_steps": 1, "lr": 1e-3, "batch_prompts": 2, "group_size": 4,
                                    "generation_batch_prompts": 2, "max_new_tokens": 40, "max_refill_rounds": 6})
    with open_session(cfg, n_items=9) as s:
        params = dict(s.model.named_parameters())
        lora = {n for n in params if "lora_" in n}
        assert lora and all(params[n].dtype == torch.float32 for n in lora)
        assert all(p.dtype == torch.bfloat16 for n, p in params.items() if n not in lora)
        before = {n: p.detach().clone() for n, p in params.items()}
        batch, _ = collect_batch(s, load_stepwise(data, "train"), format_reward)
        metrics = update(s, batch)
    assert torch.isfinite(torch.tensor(metrics["loss"])) and metrics["grad_norm"] > 0
    assert any(not torch.equal(before[n], params[n]) for n in lora)
    assert all(torch.equal(before[n], params[n]) for n in before if n not in lora)
