"""Models: the tiny local model and resolution of `--model` names."""
