"""The vLLM rollout path's own logic, without vLLM (which needs a CUDA GPU): stop tokens kept as
`policy.sample` keeps them, completions grouped prompt by prompt in vLLM's index order, and the
engine handed a new adapter exactly when the optimizer step changes. The engine is a stand-in
module with vLLM's offline API; real vLLM runs only on a GPU machine."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest

from srl_swe.errors import ConfigError
from srl_swe.train.vllm_generation import VLLMSampler, base_model_of, with_stop_token

EOS, STOP = 2, 7


@pytest.mark.parametrize("ids, finish, stop_reason, expected", [
    ([5, 6], "length", None, [5, 6]),            # ran out of tokens: nothing to add
    ([5, 6, EOS], "stop", None, [5, 6, EOS]),    # end token already there
    ([5, 6], "stop", None, [5, 6, EOS]),         # end-of-sequence left out of token_ids
    ([5, 6], "stop", STOP, [5, 6, STOP]),        # a stop token id left out
    ([5, 6, STOP], "stop", STOP, [5, 6, STOP]),
])
def test_completions_end_with_the_stop_token_they_stopped_on(ids, finish, stop_reason, expected):
    assert with_stop_token(ids, finish, stop_reason, EOS, {EOS, STOP}) == expected


@dataclass
class Completion:
    index: int
    token_ids: list[int]
    finish_reason: str = "stop"
    stop_reason: int | None = None


class FakeLLM:
    """vLLM's `LLM.generate` shape: one output per prompt, `n` completions each, not in index order."""

    def __init__(self, **kwargs):
        self.kwargs, self.calls = kwargs, []

    def generate(self, prompts, params, lora_request=None, use_tqdm=True):
        self.calls.append((prompts, params, lora_request))
        return [
            types.SimpleNamespace(
                outputs=[Completion(i, [p["prompt_token_ids"][0], 100 + i]) for i in reversed(range(params.n))]
            )
            for p in prompts
        ]


@pytest.fixture
def fake_vllm(monkeypatch):
    module = types.ModuleType("vllm")
    module.LLM = FakeLLM
    module.SamplingParams = lambda **kw: types.SimpleNamespace(**kw)
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = lambda name, int_id, path: types.SimpleNamespace(name=name, id=int_id, path=path)
    for name, mod in (("vllm", module), ("vllm.lora", lora), ("vllm.lora.request", request)):
        monkeypatch.setitem(sys.modules, name, mod)
    return module


class Adapter:
    def __init__(self):
        self.saved = []

    def save_pretrained(self, path):
        path.mkdir(parents=True)
        self.saved.append(path)


def test_the_sampler_groups_by_prompt_and_syncs_once_per_step(fake_vllm):
    sampler = VLLMSampler("/models/base", lora_rank=8, max_model_len=64, stop_ids={EOS}, eos_id=EOS, seed=0,
                          dtype="auto", gpu_memory_utilization=0.3)
    try:
        assert sampler._llm.kwargs["enable_lora"] and sampler._llm.kwargs["max_lora_rank"] == 8
        with pytest.raises(RuntimeError, match="before sync"):
            sampler.sample([[1]], 2, 8)
        model = Adapter()
        sampler.sync(model, 0)
        sampler.sync(model, 0)  # same step: no new adapter
        out = sampler.sample([[10, 11], [20]], 3, 8, temperature=1.0)
        assert out == [[10, 100, EOS], [10, 101, EOS], [10, 102, EOS], [20, 100, EOS], [20, 101, EOS], [20, 102, EOS]]
        prompts, params, first = sampler._llm.calls[-1]
        assert prompts == [{"prompt_token_ids": [10, 11]}, {"prompt_token_ids": [20]}]
        assert (params.n, params.temperature, params.max_tokens, params.stop_token_ids) == (3, 1.0, 8, [EOS])
        sampler.sync(model, 1)
        sampler.sample([[10]], 1, 8)
        second = sampler._llm.calls[-1][2]
        assert len(model.saved) == 2 and second.id != first.id and second.path != first.path
        assert not model.saved[0].exists()  # the old adapter's copy is dropped
    finally:
        sampler.close()


def test_vllm_takes_lora_runs_only():
    with pytest.raises(ConfigError, match="use_vllm needs LoRA training"):
        base_model_of(object())
