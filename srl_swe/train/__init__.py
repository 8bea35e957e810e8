"""Training: SFT, SRL (step-wise GRPO with LoRA and dynamic sampling), RLVR in SWEEnv."""
