"""srl-swe: Gymnasium environments for coding agents in Docker, SRL and RLVR rewards, LoRA GRPO training."""

__version__ = "0.1.0"
