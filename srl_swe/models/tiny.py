"""A tiny Qwen2-architecture model built here, for tests and the demo where no hub is reachable:
random weights, a byte-level BPE tokenizer trained on the bundled repos' code and trajectories,
and a ChatML chat template that renders `tools=` and assistant tool calls in the canonical
SWE-agent function-call form."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from srl_swe.paths import PACKAGE_DIR, PROJECT_DIR

# Bump when the recipe changes so cached builds are rebuilt.
TINY_VERSION = "4"

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Atomic but decoded like text (not special): completions keep them after skip_special_tokens.
MARKUP_TOKENS = [
    "<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>",
    "<function=", "</function>", "<parameter=", "</parameter>", "OBSERVATION:",
]
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".txt",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".rst",
    ".sh",
    ".diff",
    ".patch",
}
MAX_FILE_CHARS = 200_000
MAX_CORPUS_CHARS = 6_000_000
EMBED_SCALE = 2.5

# Each piece is one line so whitespace is exact; `{% generation %}` marks the assistant's tokens
# for assistant-only losses.
CHAT_TEMPLATE = "".join(
    [
        "{%- set nl = '\\n' -%}{%- set rest = messages -%}{%- set system = none -%}",
        "{%- if messages and messages[0]['role'] == 'system' -%}",
        "{%- set system = messages[0]['content'] -%}{%- set rest = messages[1:] -%}{%- endif -%}",
        "{%- if tools -%}",
        "{{- '<|im_start|>system' + nl -}}{%- if system -%}{{- system + nl + nl -}}{%- endif -%}",
        "{{- '# Tools' + nl + nl + 'Call exactly one tool per turn in this form:' + nl -}}",
        "{{- '<function=NAME>' + nl + '<parameter=NAME>value</parameter>' + nl + '</function>' + nl + nl + '<tools>' "
        "-}}",
        "{%- for tool in tools -%}{{- nl + ((tool['function'] if tool['function'] is defined else tool) | tojson) "
        "-}}{%- endfor -%}",
        "{{- nl + '</tools><|im_end|>' + nl -}}",
        "{%- elif system is not none -%}{{- '<|im_start|>system' + nl + system + '<|im_end|>' + nl -}}{%- endif -%}",
        "{%- for message in rest -%}",
        "{%- if message['role'] == 'assistant' -%}",
        "{{- '<|im_start|>assistant' + nl -}}{%- generation -%}{{- message['content'] or '' -}}",
        "{%- for call in message['tool_calls'] or [] -%}",
        "{%- set fn = call['function'] if call['function'] is defined else call -%}",
        "{%- if message['content'] or not loop.first -%}{{- nl -}}{%- endif -%}",
        "{%- if fn['arguments'] is mapping -%}{{- '<function=' + fn['name'] + '>' + nl -}}",
        "{%- for key, value in fn['arguments'].items() -%}{{- '<parameter=' + key + '>' -}}",
        "{{- value if value is string else value | tojson -}}{{- '</parameter>' + nl -}}{%- endfor -%}{{- "
        "'</function>' -}}",
        "{%- else -%}{{- '<tool_call>' + nl + '{\"name\": ' + (fn['name'] | tojson) + ', \"arguments\": ' + "
        "fn['arguments'] + '}' + nl + '</tool_call>' -}}",
        "{%- endif -%}{%- endfor -%}{{- '<|im_end|>' -}}{%- endgeneration -%}{{- nl -}}",
        "{%- elif message['role'] == 'tool' -%}",
        "{{- '<|im_start|>user' + nl + '<tool_response>' + nl + message['content'] + nl + '</tool_response><|im_end|>' "
        "+ nl -}}",
        "{%- else -%}{{- '<|im_start|>' + message['role'] + nl + message['content'] + '<|im_end|>' + nl -}}{%- endif "
        "-%}",
        "{%- endfor -%}",
        "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant' + nl -}}{%- endif -%}",
    ]
)


def default_corpus_roots() -> list[Path]:
    """The bundled tasks (the libraries' code, issues, expert trajectories); the package's own
    sources only where no tasks folder ships. Not the package first: the tokenizer, and so the
    model, would change with every edit of srl-swe itself."""
    tasks = PROJECT_DIR / "tasks"
    return [tasks] if tasks.is_dir() else [PACKAGE_DIR]


def iter_corpus(roots: Sequence[Path]) -> Iterator[str]:
    """Text of the roots' text files in a fixed order, then prompts and actions the model will see."""
    from srl_swe.srl.prompts import DEFAULT_SYSTEM_PROMPT
    from srl_swe.tools.actions import bash, canonical, make_action
    from srl_swe.tools.schemas import DEFAULT_TOOLS, TOOLS

    total = 0
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES):
            if total >= MAX_CORPUS_CHARS:
                return
            try:
                text = path.read_text(encoding="utf-8")[:MAX_FILE_CHARS]
            except UnicodeDecodeError:
                continue  # binary data under a text suffix carries nothing a tokenizer needs
            total += len(text)
            yield text
    yield DEFAULT_SYSTEM_PROMPT
    yield json.dumps([TOOLS[n] for n in DEFAULT_TOOLS])
    yield canonical(bash("ls -la /testbed && python -m pytest -q"))
    yield canonical(make_action("str_replace_editor", {"command": "view", "path": "/testbed/setup.py"}))
    yield canonical(make_action("submit", {}))


def train_tokenizer(roots: Sequence[Path], vocab_size: int = 4096):
    """A byte-level BPE (any byte sequence encodes) with ChatML specials, wrapped for transformers."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(iter_corpus(roots), trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in MARKUP_TOKENS])
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        model_max_length=4096,
        padding_side="left",
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def tiny_config(vocab_size: int, eos_id: int, pad_id: int):
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=128,
        intermediate_size=352,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        initializer_range=128**-0.5,  # unit-gain layers at this width
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        bos_token_id=None,
    )


def build_tiny_model(out_dir: str | Path, roots: Sequence[Path] | None = None, seed: int = 0) -> Path:
    """Train the tokenizer, initialise the model at random (seeded), save both to `out_dir`."""
    import torch
    from transformers import GenerationConfig, Qwen2ForCausalLM

    out_dir = Path(out_dir)
    tokenizer = train_tokenizer(default_corpus_roots() if roots is None else roots)
    eos_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    pad_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    # A private RNG stream: the build runs inside a caller's seeded run (the first `train` in a
    # fresh cache), and drawing the weights from the global generator would shift everything that
    # caller draws next (LoRA's initial weights, dropout), so that run would differ from its repeats.
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)  # the weights are made on the CPU: leave CUDA's alone
        model = Qwen2ForCausalLM(tiny_config(len(tokenizer), eos_id, pad_id))
    with torch.no_grad():
        # LoRA trains neither the (tied) embeddings nor the norms, so the logits an adapter can reach
        # are bounded by |h|*|e| = sqrt(width) * EMBED_SCALE; at scale 1 the best log-prob of a
        # target token stalls near -0.1 over a 4k vocabulary. 2.5 lifts that floor to ~1e-8.
        model.get_input_embeddings().weight.mul_(EMBED_SCALE)
    model.generation_config = GenerationConfig(eos_token_id=[eos_id, pad_id], pad_token_id=pad_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "srl_swe_tiny.json").write_text(json.dumps({"version": TINY_VERSION}))
    return out_dir
