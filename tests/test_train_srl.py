"""SFT then SRL on the tiny model (CPU): learning, LoRA-only updates, dynamic sampling with refill,
resume, and the empty-batch error."""

from __future__ import annotations

import pytest
import torch

from srl_swe.srl.rewards import format_reward
from srl_swe.train.config import load_config
from srl_swe.train.data import load_stepwise
from srl_swe.train.grpo import EmptyBatch
from srl_swe.train.metrics import read_metrics
from srl_swe.train.session import open_session
from srl_swe.train.sft import train_sft
from srl_swe.train.srl import collect_batch, train_srl, update
from srl_swe.train.step_rewards import mean_step_similarity, step_rewards

pytestmark = [pytest.mark.train, pytest.mark.usefixtures("single_thread"), pytest.mark.long]


@pytest.fixture(scope="module")
def data(stepwise_data):
    return stepwise_data


@pytest.fixture(scope="module")
def sft_run(data, tmp_path_factory):
    """The tiny model taught the expert steps, so that sampled actions parse some of the time."""
    out = tmp_path_factory.mktemp("sft") / "run"
    train_sft(
        load_config("sft", None, {"data": str(data), "out": str(out), "max_steps": 20, "lr": 5e-3, "save_every": 1000})
    )
    return out


def srl_config(data, out, **changes):
    settings = {"data": str(data), "out": str(out), "max_steps": 1, "lr": 1e-3, "batch_prompts": 2, "group_size": 4,
                "generation_batch_prompts": 2, "max_new_tokens": 40, "max_refill_rounds": 6, "save_every": 1}
    return load_config("srl", None, {**settings, **changes})


def test_sft_learns_the_expert_steps(sft_run, data):
    losses = [m["loss"] for m in read_metrics(sft_run)]
    assert len(losses) == 20 and losses[-1] < losses[0] / 4
    valid = load_stepwise(data, "validation")
    trained = mean_step_similarity(sft_run / "adapter", valid, max_new_tokens=40)
    untrained = mean_step_similarity("tiny", valid, max_new_tokens=40)
    assert untrained == -1.0  # a random model writes no well-formed action
    assert trained > 0.5


def test_sampled_evaluation_gives_k_rewards_per_row_in_row_order(sft_run, data):
    """Each row's k sampled completions are scored against that row's own expert action."""
    valid = load_stepwise(data, "validation")
    seen = []

    def echo_expert(completions, expert_action, **_):
        seen.extend(expert_action)
        return [float(len(a)) for a in expert_action]

    per_row = step_rewards(sft_run / "adapter", valid, max_new_tokens=8, do_sample=True, batch_size=3,
                           samples_per_prompt=3, reward_fn=echo_expert)
    assert per_row == [[float(len(r["expert_action"]))] * 3 for r in valid]
    assert seen == [r["expert_action"] for r in valid for _ in range(3)]
    with pytest.raises(ValueError, match="needs do_sample=True"):
        step_rewards(sft_run / "adapter", valid, samples_per_prompt=2)


def test_one_srl_step_changes_the_lora_weights_and_not_the_base(sft_run, data, tmp_path):
    cfg = srl_config(data, tmp_path / "srl", init_from=str(sft_run))
    with open_session(cfg, n_items=9) as s:
        before = {n: p.detach().clone() for n, p in s.model.named_parameters()}
        batch, stats = collect_batch(s, load_stepwise(data, "train"), format_reward)
        metrics = update(s, batch)
        after = dict(s.model.named_parameters())
    lora = [n for n in before if "lora_" in n]
    assert lora and all(after[n].requires_grad for n in lora)
    assert any(not torch.equal(before[n], after[n]) for n in lora)
    assert all(torch.equal(before[n], after[n]) for n in before if "lora_" not in n)
    assert len(batch.rewards) == 2 * 4 and metrics["grad_norm"] > 0
    assert metrics["kl"] >= 0 and metrics["entropy"] > 0


def test_dynamic_sampling_drops_flat_groups_and_refills(data, tmp_path):
    calls = []

    def scripted(completions, expert_action, **_):  # round 1: no spread anywhere; later: spread
        calls.append(len(completions))
        return [0.5] * len(completions) if len(calls) == 1 else [float(i % 2) for i in range(len(completions))]

    cfg = srl_config(data, tmp_path / "srl", model="tiny", max_new_tokens=4)
    with open_session(cfg, n_items=9) as s:
        batch, stats = collect_batch(s, load_stepwise(data, "train"), scripted)
    assert stats.rounds == 2 and stats.groups_sampled == 4 and stats.groups_filtered == 2
    assert len(batch.rewards) == 8 and batch.rewards == [0.0, 1.0] * 4


def test_an_empty_batch_after_filtering_is_one_clear_error(data, tmp_path):
    cfg = srl_config(data, tmp_path / "srl", model="tiny", max_new_tokens=4, max_refill_rounds=1)
    with pytest.raises(EmptyBatch, match="no learning signal .*mean reward -1.000"):
        train_srl(cfg)
    assert read_metrics(tmp_path / "srl") == []  # nothing half-written


def test_resume_gives_the_same_next_step_as_an_uninterrupted_run(sft_run, data, tmp_path):
    common = {"init_from": str(sft_run), "batch_prompts": 1, "max_new_tokens": 32}
    train_srl(srl_config(data, tmp_path / "straight", max_steps=2, **common))
    train_srl(srl_config(data, tmp_path / "cut", max_steps=1, **common))
    train_srl(srl_config(data, tmp_path / "cut", max_steps=2, **common), resume=True)
    straight, cut = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "cut")
    assert [m["step"] for m in cut] == [1, 2]
    for key in ("loss", "reward_mean", "completion_len_mean", "grad_norm"):
        assert cut[1][key] == pytest.approx(straight[1][key], rel=1e-5, abs=1e-7), key


def test_scoring_sees_exactly_the_ids_the_policy_sampled(sft_run):
    """The loss's log-probs of a completion are the sampling distribution's log-probs of the very
    ids sampled (no re-tokenization, no off-by-one between context and completion)."""
    from srl_swe.models.loading import resolve_model
    from srl_swe.train import policy
    from tests.train_support import rows

    model, tokenizer = resolve_model(str(sft_run / "adapter"))
    model.eval()
    context = policy.encode_prompt(tokenizer, rows()[2]["prompt"], 2048)
    torch.manual_seed(1)
    out = model.generate(input_ids=torch.tensor([context]), do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                         max_new_tokens=16, output_logits=True, return_dict_in_generate=True,
                         pad_token_id=tokenizer.pad_token_id)
    sampled = out.sequences[0, len(context):].tolist()
    at_sampling = torch.stack(
        [torch.log_softmax(step[0].float(), -1)[t] for step, t in zip(out.logits, sampled, strict=True)]
    )
    with torch.no_grad():
        scored, mask, _ = policy.score(model, [context], [sampled], tokenizer.pad_token_id)
    assert mask.sum() == len(sampled)
    assert torch.allclose(scored[0, : len(sampled)], at_sampling, atol=1e-3)
