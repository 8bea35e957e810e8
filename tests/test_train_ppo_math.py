"""PPO's pure parts against hand-computed values: GAE over agent tokens only, whitening, the value
loss, KL in the reward, explained variance, and the policy loss with per-token advantages."""

from __future__ import annotations

import math

import pytest
import torch

from srl_swe.train.gae import explained_variance, gae, kl_in_reward, turn_rewards, value_loss, whiten
from srl_swe.train.grpo import grpo_loss

# Row 0: prompt, prompt, turn 1 (a1 a2), observation, observation, turn 2 (a3 a4).
# Row 1: one turn of two tokens, then padding.
MASK = torch.tensor([[0, 0, 1, 1, 0, 0, 1, 1],
                     [1, 1, 0, 0, 0, 0, 0, 0]])
VALUES = torch.tensor([[9.0, 9.0, 0.1, 0.2, 9.0, 9.0, 0.3, 0.4],
                       [0.5, 0.25, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0]])
REWARDS = torch.tensor([[0, 0, 0, 0.5, 0, 0, 0, 1.0],
                        [0, 2.0, 0, 0, 0, 0, 0, 0]])


def test_gae_skips_masked_tokens_and_bootstraps_across_the_observation():
    gamma, lam = 0.9, 0.8
    adv, ret = gae(REWARDS, VALUES, MASK, gamma, lam)
    # by hand, last agent token first; a2 bootstraps from a3 (the next agent token), not from the
    # observation's value 9.0
    a4 = 1.0 - 0.4                                  # 0.6: the episode ends after a4
    a3 = (0.9 * 0.4 - 0.3) + 0.72 * a4              # 0.492
    a2 = (0.5 + 0.9 * 0.3 - 0.2) + 0.72 * a3        # 0.92424
    a1 = (0.9 * 0.2 - 0.1) + 0.72 * a2              # 0.7454528
    b2 = 2.0 - 0.25
    b1 = (0.9 * 0.25 - 0.5) + 0.72 * b2
    expected = torch.tensor([[0, 0, a1, a2, 0, 0, a3, a4], [b1, b2, 0, 0, 0, 0, 0, 0]])
    assert torch.allclose(adv, expected, atol=1e-6)
    assert torch.allclose(ret, (expected + VALUES) * MASK, atol=1e-6)
    assert ret[0, 6] == pytest.approx(0.792) and ret[0, 7] == pytest.approx(1.0)


def test_gae_with_lambda_one_and_gamma_one_gives_reward_to_go_minus_value():
    adv, ret = gae(REWARDS, VALUES, MASK, 1.0, 1.0)
    assert torch.allclose(ret[0], torch.tensor([0, 0, 1.5, 1.5, 0, 0, 1.0, 1.0]))
    assert torch.allclose(adv[0], ret[0] - VALUES[0] * MASK[0])


def test_gae_refuses_a_reward_on_a_masked_token():
    bad = REWARDS.clone()
    bad[0, 4] = 1.0
    with pytest.raises(ValueError, match="masked"):
        gae(bad, VALUES, MASK)


def test_turn_rewards_put_each_turns_reward_on_its_last_token():
    out = turn_rewards([[2, 3], [1]], [[0.5, -1.0], [2.0]], 6)
    assert out.tolist() == [[0, 0.5, 0, 0, -1.0, 0], [2.0, 0, 0, 0, 0, 0]]
    with pytest.raises(ValueError, match="no tokens"):
        turn_rewards([[0]], [[1.0]], 2)


def test_whiten_uses_the_agent_tokens_only():
    adv = torch.tensor([[1.0, 3.0, 100.0], [5.0, 7.0, -100.0]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 0]])
    out = whiten(adv, mask)
    valid = out[mask.bool()]
    assert valid.mean().abs() < 1e-6 and valid.std(unbiased=False) == pytest.approx(1.0, abs=1e-4)
    assert out[:, 2].tolist() == [0.0, 0.0]


def test_value_loss_is_clipped_around_the_rollout_values():
    old = torch.tensor([[0.0, 0.0]])
    returns = torch.tensor([[1.0, 1.0]])
    mask = torch.tensor([[1, 1]])
    # first token: V moved to 0.5, clipped to 0.2: max(0.25, 0.64) = 0.64
    # second token: V moved to -0.5, clipped to -0.2: max(2.25, 1.44) = 2.25
    loss, stats = value_loss(torch.tensor([[0.5, -0.5]]), old, returns, mask, clip_eps=0.2)
    assert loss.item() == pytest.approx(0.5 * (0.64 + 2.25) / 2)
    assert stats["value_clip_fraction"] == 0.5


def test_kl_penalty_is_folded_into_every_agent_token():
    rewards = torch.tensor([[0.0, 1.0, 0.0]])
    logp, ref = torch.tensor([[-1.0, -2.0, -3.0]]), torch.tensor([[-1.5, -1.0, -9.0]])
    out = kl_in_reward(rewards, logp, ref, torch.tensor([[1, 1, 0]]), coef=0.1)
    assert torch.allclose(out, torch.tensor([[-0.05, 1.1, 0.0]]))


def test_explained_variance():
    returns, mask = torch.tensor([[1.0, 2.0, 3.0, 50.0]]), torch.tensor([[1, 1, 1, 0]])
    assert explained_variance(returns, returns, mask) == pytest.approx(1.0)
    assert explained_variance(torch.full_like(returns, 2.0), returns, mask) == pytest.approx(0.0)
    assert math.isnan(explained_variance(returns, torch.ones_like(returns), mask))


def test_policy_loss_takes_per_token_advantages():
    logp_old = torch.zeros(1, 2)
    logp_new = torch.log(torch.tensor([[1.5, 0.5]]))
    adv = torch.tensor([[1.0, -1.0]])
    loss, stats = grpo_loss(logp_new, logp_old, adv, torch.ones(1, 2), clip_eps=0.2)
    # token 1: min(1.5, 1.2) = 1.2; token 2: min(-0.5, -0.8) = -0.8 -> loss = -(1.2 - 0.8) / 2
    assert loss.item() == pytest.approx(-0.2)
    assert stats["clip_fraction"] == 1.0
