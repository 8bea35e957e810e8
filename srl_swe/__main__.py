"""`python -m srl_swe ...`, the same as `srl-swe ...`: what `torchrun -m srl_swe` and
`accelerate launch -m srl_swe` start in each process."""

from srl_swe.cli.main import app

if __name__ == "__main__":
    app()
