"""Started by tests/test_train_distributed.py under torchrun (one process per rank): SRL on the
tiny model with a reward that has spread even for an untrained model (plain text similarity, no
format rule), so that groups survive dynamic sampling without an SFT run first.

    torchrun --standalone --nproc_per_node 2 tests/distributed_srl.py train|resume|diverge DATA OUT STEPS"""

from __future__ import annotations

import difflib
import sys

import torch

from srl_swe.train.config import load_config
from srl_swe.train.session import open_session
from srl_swe.train.srl import train_srl


def text_similarity(completions, expert_action, **_):
    return [difflib.SequenceMatcher(None, c, e).ratio() for c, e in zip(completions, expert_action, strict=True)]


def config(data: str, out: str, steps: int):
    return load_config("srl", None, {
        "model": "tiny", "data": data, "out": out, "max_steps": steps, "lr": 1e-3, "batch_prompts": 3,
        "group_size": 4, "generation_batch_prompts": 1, "max_new_tokens": 12, "save_every": 1, "micro_batch_size": 4,
    })


def diverge(data: str, out: str) -> None:
    """Nudge one process's weights: the in-step check must notice."""
    with open_session(config(data, out, 1), n_items=4) as s:
        if s.workers.rank == 1:
            with torch.no_grad():
                s.trainable[0].add_(1e-3)
        s.workers.check_in_step(s.trainable, 0)


def main() -> None:
    mode, data, out, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(1)
    if mode == "diverge":
        diverge(data, out)
    else:
        train_srl(config(data, out, steps), resume=mode == "resume", reward_fn=text_similarity)


if __name__ == "__main__":
    main()
