"""Sampling with vLLM (`use_vllm: true`, on a GPU with vllm installed): the rollout engine runs in
the training process, beside the transformers model the loss trains (TRL's "colocate" mode).

The engine holds the base weights once; the policy's LoRA adapter is handed to it as a fresh
`LoRARequest` after each optimizer step (the adapter is saved to a scratch directory and vLLM
loads it by a new id), so rollouts always come from the current policy.

Token exactness: vLLM is given the prompt ids (never text) and returns the ids it sampled; those
ids, not a re-tokenisation of the text, go to the loss, whose log-probs transformers recomputes.
A completion that stopped on an end token is returned with that token, as `policy.sample` does."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from srl_swe.errors import ConfigError


def vllm_missing_reason() -> str | None:
    """None when vllm can be imported; otherwise what to do about it."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return "use_vllm needs the vllm package: pip install vllm (on a CUDA machine), or drop use_vllm."
    return None


def with_stop_token(token_ids: Sequence[int], finish_reason: str | None, stop_reason, eos_id: int,
                    stops: set[int]) -> list[int]:
    """The sampled ids, ending with the stop token when generation stopped on one: vLLM reports
    the matched stop token id in `stop_reason`, or None for end-of-sequence, and may leave the
    token itself out of `token_ids`."""
    ids = list(token_ids)
    if finish_reason != "stop" or (ids and ids[-1] in stops):
        return ids
    if isinstance(stop_reason, int):
        return ids + [stop_reason]
    if stop_reason is None:
        return ids + [eos_id]
    return ids  # a stop string: text-level, never set by this trainer


class VLLMSampler:
    """`sample(prompts, n, ...)` like `policy.sample`, from the current adapter of `model`."""

    def __init__(self, base_model_path: str, lora_rank: int, max_model_len: int, stop_ids: set[int], eos_id: int,
                 seed: int, dtype: str, gpu_memory_utilization: float, world_size: int = 1):
        from vllm import LLM

        self._llm = LLM(
            model=base_model_path, enable_lora=True, max_lora_rank=lora_rank, max_loras=1,
            max_model_len=max_model_len, seed=seed, dtype=dtype, gpu_memory_utilization=gpu_memory_utilization,
            enable_prefix_caching=True,
            # each data-parallel process owns one engine on its own GPU, inside the torchrun/accelerate launch
            distributed_executor_backend="external_launcher" if world_size > 1 else None,
        )
        self._stops, self._eos = set(stop_ids), eos_id
        self._scratch = Path(tempfile.mkdtemp(prefix="srl-swe-vllm-"))
        self._version: int | None = None
        self._request = None

    def sync(self, model, version: int) -> None:
        """Hand the policy's adapter to vLLM when it changed since the last sync (`version`: the
        optimizer step the weights belong to)."""
        if version == self._version:
            return
        from vllm.lora.request import LoRARequest

        target = self._scratch / f"v{version}"
        model.save_pretrained(target)
        self._request = LoRARequest(f"policy-{version}", version + 1, str(target))  # ids must be > 0
        for old in self._scratch.iterdir():
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        self._version = version

    def sample(self, prompts: Sequence[Sequence[int]], num_samples: int, max_new_tokens: int,
               temperature: float = 1.0, top_p: float = 1.0, do_sample: bool = True) -> list[list[int]]:
        """`num_samples` completions per prompt, grouped prompt by prompt (as `policy.sample`)."""
        from vllm import SamplingParams

        if self._request is None:
            raise RuntimeError("VLLMSampler.sample before sync(): the engine has no policy adapter yet.")
        params = SamplingParams(n=num_samples, temperature=temperature if do_sample else 0.0, top_p=top_p, top_k=-1,
                                max_tokens=max_new_tokens, stop_token_ids=sorted(self._stops))
        outputs = self._llm.generate([{"prompt_token_ids": list(p)} for p in prompts], params,
                                     lora_request=self._request, use_tqdm=False)
        return [with_stop_token(c.token_ids, c.finish_reason, c.stop_reason, self._eos, self._stops)[:max_new_tokens]
                for out in outputs for c in sorted(out.outputs, key=lambda c: c.index)]

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)


def base_model_of(model) -> str:
    """The base model directory vLLM loads: LoRA runs only, since vLLM takes adapter updates
    as LoRA requests."""
    if not hasattr(model, "peft_config"):
        raise ConfigError("use_vllm needs LoRA training (lora.enabled: true): full-weight updates are not "
                          "handed to the vLLM engine.")
    return model.peft_config["default"].base_model_name_or_path
