"""`srl-swe`: the command line. Each group lives in its own module."""

from __future__ import annotations

import typer

from srl_swe.cli import infra

app = typer.Typer(
    name="srl-swe",
    help="Train and evaluate coding agents in Docker-sandboxed Gymnasium environments (SRL and RLVR).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(infra.images_app, name="images")
app.add_typer(infra.sandbox_app, name="sandbox")
app.command("doctor")(infra.doctor)
# command groups: one add line per module below

if __name__ == "__main__":
    app()
