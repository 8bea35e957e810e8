"""A local Hugging Face causal LM, optionally with a peft LoRA adapter, as a policy. Calls from
parallel workers are batched into one left-padded `generate`."""

from __future__ import annotations

import threading
from pathlib import Path

from srl_swe.errors import PolicyError
from srl_swe.evaluate.batching import Batcher
from srl_swe.policy import PolicyFactory


class HFPolicy:
    """`act(messages)` renders the chat with the tokenizer's template and generates one reply.
    Prompts longer than the model's context are cut from the left (the newest turns are kept)."""

    def __init__(self, model, tokenizer, temperature: float = 0.0, max_new_tokens: int = 1024, batch_size: int = 1):
        self.model, self.tokenizer = model, tokenizer
        self.temperature, self.max_new_tokens = temperature, max_new_tokens
        self._batcher = Batcher(self.generate, max_batch=batch_size)
        self._lock = threading.Lock()  # torch modules are not safe to call from two threads at once
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    def act(self, messages: list[dict]) -> str:
        return self._batcher(messages)

    def generate(self, batch: list[list[dict]]) -> list[str]:
        import torch

        tok = self.tokenizer
        texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in batch]
        tok.padding_side, tok.truncation_side = "left", "left"
        limit = self._context_limit()
        encoded = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False,
                      truncation=limit is not None, max_length=limit)
        encoded = {k: v.to(self.model.device) for k, v in encoded.items()}
        sampling = (
            {"do_sample": True, "temperature": self.temperature} if self.temperature > 0 else {"do_sample": False}
        )
        with self._lock, torch.no_grad():
            output = self.model.generate(**encoded, max_new_tokens=self.max_new_tokens,
                                         pad_token_id=tok.pad_token_id, **sampling)
        new_tokens = output[:, encoded["input_ids"].shape[1]:]
        return tok.batch_decode(new_tokens, skip_special_tokens=True)

    def _context_limit(self) -> int | None:
        positions = getattr(self.model.config, "max_position_embeddings", None)
        if not positions:
            return None
        if positions <= self.max_new_tokens:
            raise PolicyError(
                f"--max-tokens {self.max_new_tokens} leaves no room for the prompt in a context of {positions} tokens."
            )
        return positions - self.max_new_tokens


def load_hf_policy(
    model: str, adapter: str | None, temperature: float, max_new_tokens: int, batch_size: int
) -> HFPolicy:
    import torch

    from srl_swe.models.loading import resolve_model

    try:
        base, tokenizer = resolve_model(model, device="cuda" if torch.cuda.is_available() else "cpu")
    except Exception as exc:
        raise PolicyError(f"Could not load model {model!r}: {_first_line(exc)}") from exc
    if adapter:
        base = _attach_adapter(base, model, adapter)
    base.eval()
    return HFPolicy(base, tokenizer, temperature, max_new_tokens, batch_size)


def _attach_adapter(base, model: str, adapter: str):
    from peft import PeftModel

    if not (Path(adapter) / "adapter_config.json").is_file():
        raise PolicyError(
            f"{adapter} is not a LoRA adapter directory (no adapter_config.json); pass the dir 'srl-swe train' wrote."
        )
    try:
        return PeftModel.from_pretrained(base, adapter, is_trainable=False)
    except Exception as exc:  # peft raises RuntimeError (shapes) or ValueError (module names) on a mismatch
        raise PolicyError(f"Adapter {adapter} does not match model {model!r}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def hf_factory(model: str, adapter: str | None, temperature: float, max_new_tokens: int, workers: int) -> PolicyFactory:
    """Load once, share across workers. A model or adapter that cannot be loaded does not stop the
    run: every instance records the same reason."""
    try:
        policy = load_hf_policy(model, adapter, temperature, max_new_tokens, batch_size=workers)
    except PolicyError as exc:
        error = exc

        def failing(spec):
            raise PolicyError(str(error))

        return failing
    return lambda spec: policy
