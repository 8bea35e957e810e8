"""GRPO's pure parts on numbers worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from srl_swe.train.grpo import filter_groups, group_advantages, grpo_loss, kl_k3, score_groups


def test_score_groups_pairs_each_completion_with_its_groups_expert():
    def same(completions, expert_action, **_):
        return [float(c == a) for c, a in zip(completions, expert_action, strict=True)]

    assert score_groups(same, ["ls", "cd", "pwd", "pwd"], ["ls", "pwd"], 2) == [1.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="returned 1 rewards for 4 completions"):
        score_groups(lambda completions, **_: [0.5], ["a", "b", "c", "d"], ["x", "y"], 2)


def test_group_advantages_normalise_each_group_on_its_own():
    adv = group_advantages([1.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0], group_size=4, eps=1e-4)
    # group 1: mean 0.25, unbiased std 0.5; group 2: no spread -> no advantage
    expected = [0.75 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001, 0.0, 0.0, 0.0, 0.0]
    assert adv.tolist() == pytest.approx(expected, abs=1e-6)


def test_group_advantages_refuse_a_ragged_batch():
    with pytest.raises(ValueError, match="multiple of group_size=4"):
        group_advantages([1.0, 0.0, 0.5], group_size=4)


def test_filter_groups_keeps_only_groups_with_spread():
    rewards = [1.0, 1.0, 1.0, 1.0, 0.0, 0.9, 0.0, 0.9, -1.0, -1.0, -1.0, -1.0, -1.0, 0.2, -1.0, -1.0]
    assert filter_groups(rewards, group_size=4, eps=1e-6) == [1, 3]
    # unbiased stds: (0, .9, 0, .9) -> 0.52, (-1, .2, -1, -1) -> 0.6
    assert filter_groups(rewards, group_size=4, eps=0.55) == [3]
    assert filter_groups([0.5] * 8, group_size=8) == []


def test_grpo_loss_clips_the_ratio_and_averages_over_tokens():
    logp_old = torch.zeros(2, 2)
    logp_new = torch.log(torch.tensor([[1.5, 1.0], [0.5, 1.1]])).requires_grad_()
    advantages = torch.tensor([1.0, -1.0])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    loss, stats = grpo_loss(logp_new, logp_old, advantages, mask, clip_eps=0.2)
    # per token: -min(r*A, clip(r)*A) = [-1.2, -1.0], [0.8, (masked)]
    assert float(loss) == pytest.approx((-1.2 - 1.0 + 0.8) / 3, abs=1e-6)
    assert stats["clip_fraction"] == pytest.approx(2 / 3)
    assert "kl" not in stats
    loss.backward()
    # clipped tokens carry no gradient; the unclipped one gets -r*A/tokens
    assert logp_new.grad.flatten().tolist() == pytest.approx([0.0, -1 / 3, 0.0, 0.0], abs=1e-6)


def test_grpo_loss_adds_kl_to_the_reference_only_when_asked():
    logp = torch.zeros(1, 1)
    ref = torch.full((1, 1), math.log(2.0))
    assert float(kl_k3(logp, ref)) == pytest.approx(2 - math.log(2) - 1)
    plain, stats = grpo_loss(logp, logp, torch.tensor([0.0]), torch.ones(1, 1), logp_ref=ref)
    assert float(plain) == 0.0 and stats["kl"] == pytest.approx(2 - math.log(2) - 1)
    penalised, _ = grpo_loss(logp, logp, torch.tensor([0.0]), torch.ones(1, 1), kl_coef=0.5, logp_ref=ref)
    assert float(penalised) == pytest.approx(0.5 * (2 - math.log(2) - 1))
    with pytest.raises(ValueError, match="needs logp_ref"):
        grpo_loss(logp, logp, torch.tensor([0.0]), torch.ones(1, 1), kl_coef=0.1)
