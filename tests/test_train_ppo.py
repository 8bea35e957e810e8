"""PPO on the tiny model (CPU): the critic's adapter and head, what a step trains, the value loss
on a fixed return, a run end to end through the CLI with its metrics, plot and value head, and an
exact resume."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from srl_swe.cli.main import app
from srl_swe.train.config import load_config
from srl_swe.train.metrics import read_metrics
from srl_swe.train.ppo import train_ppo
from srl_swe.train.ppo_update import Rollout, Turn, ppo_update
from srl_swe.train.session import open_session
from srl_swe.train.value_head import VALUE_HEAD_FILE, attach_critic, critic_active, load_value_head, values

pytestmark = [pytest.mark.train, pytest.mark.usefixtures("single_thread"), pytest.mark.long]


def ppo_config(data, out, **changes):
    settings = {"data": str(data), "out": str(out), "max_steps": 1, "lr": 1e-3, "batch_prompts": 4,
                "max_new_tokens": 12, "minibatch_size": 2, "ppo_epochs": 2, "save_every": 1}
    return load_config("ppo", None, {**settings, **changes})


def critic_session(cfg, **kwargs):
    return open_session(cfg, n_items=9, prepare=lambda m: attach_critic(m, cfg.critic, cfg.lora), **kwargs)


def fixed_rollouts(n: int = 4) -> list[Rollout]:
    """Two-turn episodes with fixed ids and rewards: the same synthetic returns at every update."""
    g = torch.Generator().manual_seed(0)
    ids = lambda k: torch.randint(10, 200, (k,), generator=g).tolist()  # noqa: E731
    return [Rollout([Turn(ids(6), ids(5), 0.0), Turn(ids(9), ids(4), float(i % 2))]) for i in range(n)]


@pytest.mark.parametrize("critic", ["separate", "shared"])
def test_a_step_trains_only_lora_and_the_value_head(stepwise_data, tmp_path, critic):
    cfg = ppo_config(stepwise_data, tmp_path / "run", critic=critic)
    with critic_session(cfg) as s:
        before = {n: p.detach().clone() for n, p in s.model.named_parameters()}
        ppo_update(s, fixed_rollouts())
        after = dict(s.model.named_parameters())
        assert s.model.active_adapter == "default"
    moved = {n for n in before if not torch.equal(before[n], after[n])}
    assert moved and all("lora_" in n or n.startswith("value_head.") for n in moved)
    assert {"value_head.linear.weight", "value_head.linear.bias"} <= moved
    critic_lora = {n for n in before if ".critic." in n}
    assert bool(critic_lora) == (critic == "separate")
    assert critic_lora <= moved and any(".default." in n for n in moved)


def test_the_critic_adapter_is_its_own(stepwise_data, tmp_path):
    """Values under the critic adapter differ from values read through the policy adapter once
    the critic's LoRA weights move; the policy adapter is active outside the critic's passes."""
    cfg = ppo_config(stepwise_data, tmp_path / "run")
    with critic_session(cfg) as s, torch.no_grad():
        for name, p in s.model.named_parameters():
            if ".critic." in name and "lora_B" in name:
                p.fill_(0.01)
        torch.nn.init.normal_(s.model.value_head.linear.weight)
        prompts, completions = [[11, 12, 13]], [[14, 15]]
        with critic_active(s.model):
            assert s.model.active_adapter == "critic"
            critic_values = values(s.model, prompts, completions, 0)
        policy_values = values(s.model, prompts, completions, 0)
    assert critic_values.shape == (1, 2) and not torch.allclose(critic_values, policy_values)


def test_value_loss_falls_on_a_fixed_return(stepwise_data, tmp_path):
    """gamma = lambda = 1: every token's return is its episode's reward-to-go, whatever the values."""
    cfg = ppo_config(stepwise_data, tmp_path / "run", lr=1e-2, ppo_epochs=4, log_kl=False, gamma=1.0, lam=1.0,
                     value_clip_eps=10.0)
    rollouts = fixed_rollouts()
    with critic_session(cfg) as s:
        losses = [ppo_update(s, rollouts)["value_loss"] for _ in range(6)]
    assert losses[-1] < losses[0] / 4, losses


def test_train_ppo_from_the_cli_logs_plots_and_saves_the_value_head(stepwise_data, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "ppo", "--model", "tiny", "--data", str(stepwise_data),
                                      "--out", str(out), "--max-steps", "2", "--lr", "1e-3",
                                      "--set", "batch_prompts=4", "--set", "max_new_tokens=12",
                                      "--set", "minibatch_size=2", "--set", "kl_coef=0.05"])
    assert result.exit_code == 0, result.output
    metrics = read_metrics(out)
    assert [m["step"] for m in metrics] == [1, 2]
    for key in ("value_loss", "explained_variance", "clip_fraction", "kl", "entropy", "reward_mean", "loss",
                "grad_norm"):
        assert all(key in m for m in metrics), key
    assert metrics[1]["kl"] > 0 and metrics[0]["entropy"] > 0
    assert (out / "adapter" / VALUE_HEAD_FILE).is_file() and (out / "adapter" / "critic").is_dir()
    plotted = CliRunner().invoke(app, ["train", "plot", str(out)])
    assert plotted.exit_code == 0 and (out / "curves.png").is_file()
    with critic_session(ppo_config(stepwise_data, tmp_path / "probe")) as s:
        load_value_head(s.model, out / "adapter")
        assert s.model.value_head.linear.weight.abs().sum() > 0


def test_resume_gives_the_same_next_step_as_an_uninterrupted_run(stepwise_data, tmp_path):
    train_ppo(ppo_config(stepwise_data, tmp_path / "straight", max_steps=2))
    train_ppo(ppo_config(stepwise_data, tmp_path / "cut", max_steps=1))
    train_ppo(ppo_config(stepwise_data, tmp_path / "cut", max_steps=2), resume=True)
    straight, cut = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "cut")
    assert [m["step"] for m in cut] == [1, 2]
    for key in ("loss", "value_loss", "reward_mean", "completion_len_mean", "grad_norm", "value_grad_norm",
                "value_mean"):
        assert cut[1][key] == pytest.approx(straight[1][key], rel=1e-5, abs=1e-7), key
