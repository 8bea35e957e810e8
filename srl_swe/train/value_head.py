"""PPO's critic: a scalar value head on the policy model's last hidden states.

By default the critic has its own LoRA adapter ("critic") on the policy's base weights: one model
in memory, peft switches the active adapter between the policy's passes and the critic's. With
`critic: shared` the value head reads the policy adapter's hidden states and the value loss trains
that adapter too. Only LoRA weights and the head train.

The head is registered on the model (`model.value_head`), so the optimizer, `Session.trainable`
and the checkpoints hold it like any LoRA weight: a resumed run restores it exactly. The final
head is written beside the adapter as `value_head.safetensors`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

from srl_swe import atomic
from srl_swe.errors import ConfigError
from srl_swe.train import policy

VALUE_HEAD_FILE = "value_head.safetensors"
POLICY_ADAPTER = "default"  # peft's name for the adapter get_peft_model / from_pretrained create
CRITIC_ADAPTER = "critic"


class ValueHead(torch.nn.Module):
    """hidden state -> V(s). Zero-initialised: every state starts at value 0, so the first
    advantages are the plain discounted returns rather than noise from a random projection."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.linear = torch.nn.Linear(hidden_size, 1)
        torch.nn.init.zeros_(self.linear.weight)
        torch.nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden.to(self.linear.weight.dtype)).squeeze(-1)


def has_critic_adapter(model) -> bool:
    return CRITIC_ADAPTER in getattr(model, "peft_config", {})


def attach_critic(model, critic: str, lora) -> torch.nn.Module:
    """Add the value head (float32, on the model's device) and, for a separate critic, its LoRA
    adapter with the policy's LoRA settings. The policy adapter stays active."""
    if critic == "separate":
        if not hasattr(model, "add_adapter") or not hasattr(model, "peft_config"):
            raise ConfigError("critic: separate needs LoRA training (its own adapter on the shared base); "
                              "with lora.enabled: false set critic: shared.")
        from peft import LoraConfig

        model.add_adapter(CRITIC_ADAPTER, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                                     target_modules=lora.target_modules, task_type="CAUSAL_LM"))
    device = next(model.parameters()).device
    model.value_head = ValueHead(model.config.hidden_size).to(device)
    _all_trainable(model)
    return model


def _all_trainable(model) -> None:
    """peft's set_adapter / add_adapter freeze the inactive adapter; both adapters and the head
    must stay in the trainable set that the optimizer, gradient clipping and checkpoints see (an
    inactive adapter simply gets no gradient)."""
    if not has_critic_adapter(model):
        return
    for name, param in model.named_parameters():
        if "lora_" in name or name.startswith("value_head."):
            param.requires_grad_(True)


@contextmanager
def critic_active(model) -> Iterator[None]:
    """The critic's adapter for the passes inside (forward *and* backward: with gradient
    checkpointing the backward pass recomputes the forward under the active adapter)."""
    if not has_critic_adapter(model):
        yield
        return
    model.set_adapter(CRITIC_ADAPTER)
    _all_trainable(model)
    try:
        yield
    finally:
        model.set_adapter(POLICY_ADAPTER)
        _all_trainable(model)


def parameter_groups(model) -> tuple[list[torch.nn.Parameter], list[torch.nn.Parameter]]:
    """(policy's trainable weights, critic's): the critic's are its adapter and the head (the head
    alone when the trunk is shared). Each group's gradient is clipped on its own."""
    critic_names = (f".{CRITIC_ADAPTER}.", "value_head.")
    policy_params, critic_params = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            is_critic = any(n in name or name.startswith(n) for n in critic_names)
            (critic_params if is_critic else policy_params).append(param)
    return policy_params, critic_params


def _backbone(model):
    """The transformer without its LM head (LoRA layers included): values need hidden states only,
    and skipping the vocabulary projection saves its cost on every critic pass."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inner.base_model


def values(model, prompts: Sequence[Sequence[int]], completions: Sequence[Sequence[int]], pad_id: int) -> torch.Tensor:
    """(B, T) values of each completion token's state: V at the position that predicts token j
    (the same alignment as `policy.score`'s log-probs), under the active adapter."""
    device = next(model.parameters()).device
    ids, attn = policy.right_padded(prompts, completions, pad_id, device)
    hidden = _backbone(model)(input_ids=ids, attention_mask=attn).last_hidden_state
    all_values = model.value_head(hidden)
    out = torch.zeros((len(prompts), max(len(c) for c in completions)), device=device)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        out[i, : len(c)] = all_values[i, len(p) - 1 : len(p) + len(c) - 1]
    return out


def save_value_head(model, directory: Path) -> Path:
    from safetensors.torch import save

    state = {k: v.detach().cpu().contiguous() for k, v in model.value_head.state_dict().items()}
    path = Path(directory) / VALUE_HEAD_FILE
    atomic.write_bytes(path, save(state))
    return path


def load_value_head(model, directory: Path) -> None:
    from safetensors.torch import load_file

    path = Path(directory) / VALUE_HEAD_FILE
    if not path.is_file():
        raise ConfigError(f"{directory} holds no {VALUE_HEAD_FILE}: it is not a PPO run's adapter.")
    model.value_head.load_state_dict(load_file(str(path)))
