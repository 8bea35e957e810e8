"""The tiny model, model resolution, configs and data checks: what a run needs before it starts."""

from __future__ import annotations

import pytest

from srl_swe.errors import ConfigError
from srl_swe.models.loading import resolve_model
from srl_swe.tools.actions import canonical, parse
from srl_swe.tools.schemas import openai_tools
from srl_swe.train.config import load_config, parse_assignments, resolve_device
from srl_swe.train.data import load_sft_examples, load_stepwise
from tests.train_support import rows, save_stepwise


@pytest.fixture(scope="module")
def tiny():
    return resolve_model("tiny")


def test_tiny_model_is_a_small_qwen2_with_a_byte_level_tokenizer(tiny):
    model, tokenizer = tiny
    assert model.config.model_type == "qwen2"
    assert 500_000 < sum(p.numel() for p in model.parameters()) < 3_000_000
    text = "<think>\nlook ünïcode ✓\n</think>\n<function=bash>\n<parameter=command>ls -la</parameter>\n</function>"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert tokenizer.decode(ids) == text  # byte-level: any text round-trips
    assert tokenizer.convert_tokens_to_ids("<function=") in ids  # markup is one token
    assert tokenizer.eos_token == "<|im_end|>"


def test_tiny_chat_template_renders_tools_and_tool_calls_canonically(tiny):
    _, tokenizer = tiny
    messages = [
        {"role": "user", "content": "fix it"},
        {"role": "assistant", "content": "<think>look</think>",
         "tool_calls": [{"type": "function", "function": {"name": "bash", "arguments": {"command": "ls"}}}]},
        {"role": "tool", "content": "a.py"},
    ]
    text = tokenizer.apply_chat_template(messages, tools=openai_tools(), tokenize=False, add_generation_prompt=True)
    assert '"name": "str_replace_editor"' in text and "<tools>" in text
    reply = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    assert parse(reply).action == parse(canonical(parse(reply).action)).action
    assert "<function=bash>\n<parameter=command>ls</parameter>\n</function>" in reply
    assert text.endswith("<|im_start|>assistant\n")


def test_missing_model_path_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_model(str(tmp_path / "no-such-model"))


def test_config_rejects_unknown_keys_and_merges_overrides(tmp_path):
    file = tmp_path / "srl.yaml"
    file.write_text("group_size: 4\nlora:\n  r: 4\n")
    cfg = load_config("srl", file, {"max_steps": 3, **parse_assignments(["lora.alpha=8", "temperature=0.7"])})
    assert (cfg.group_size, cfg.lora.r, cfg.lora.alpha, cfg.temperature, cfg.max_steps) == (4, 4, 8, 0.7, 3)
    assert cfg.kl_coef == 0.0 and cfg.clip_eps == 0.2 and cfg.lr == 5e-6  # paper defaults
    file.write_text("group_sise: 4\n")
    with pytest.raises(ConfigError, match="Unknown SRLConfig key 'group_sise'"):
        load_config("srl", file)
    with pytest.raises(ConfigError, match="Unknown LoraSettings|lora.rank"):
        load_config("sft", None, parse_assignments(["lora.rank=3"]))


def test_gpu_options_on_a_cpu_machine_are_refused():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible here: the CPU refusal cannot be observed")
    with pytest.raises(ConfigError, match="device=cuda need\\(s\\) a CUDA GPU"):
        resolve_device(load_config("srl", None, {"device": "cuda"}))
    with pytest.raises(ConfigError, match="use_vllm need\\(s\\) a CUDA GPU"):
        resolve_device(load_config("rlvr", None, {"use_vllm": True}))
    with pytest.raises(ConfigError, match="Unknown SFTConfig key 'use_vllm'"):  # SFT samples nothing
        load_config("sft", None, {"use_vllm": True})
    assert resolve_device(load_config("srl", None, {"bf16": True, "gradient_checkpointing": True})) == "cpu"


def test_datasets_without_the_needed_columns_are_refused(tmp_path):
    path = save_stepwise(tmp_path / "data", drop=("expert_action",))
    with pytest.raises(ConfigError, match="lacks column\\(s\\) expert_action"):
        load_stepwise(path, "train")
    with pytest.raises(ConfigError, match="has no split 'test'"):
        load_stepwise(save_stepwise(tmp_path / "ok"), "test")
    with pytest.raises(ConfigError, match="does not exist"):
        load_sft_examples(tmp_path / "nothing", "train", True)


def test_sft_examples_put_the_thought_before_the_expert_action(tmp_path):
    examples = load_sft_examples(save_stepwise(tmp_path / "data"), "train", with_thought=True)
    assert len(examples) == len(rows())
    target = examples[2]["messages"][-1]["content"]
    assert target.startswith("<think>\nFix the operator.\n</think>\n<function=str_replace_editor>")


def test_building_the_tiny_model_leaves_the_callers_rng_alone(tmp_path):
    """The first `train` in a fresh cache builds the model inside its seeded run: if the build drew
    from the global generator, LoRA's initial weights (and so every loss after step 1) would differ
    from those of the same run repeated once the model is cached."""
    import torch

    from srl_swe.models.tiny import build_tiny_model

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.py").write_text("def add(a, b):\n    return a + b\n" * 50)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = build_tiny_model(tmp_path / "one", roots=[corpus])
    assert torch.equal(torch.get_rng_state(), before)
    second = build_tiny_model(tmp_path / "two", roots=[corpus])
    assert (first / "model.safetensors").read_bytes() == (second / "model.safetensors").read_bytes()  # seeded
