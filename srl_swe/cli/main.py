"""`srl-swe`: the command line. Each group lives in its own module."""

from __future__ import annotations

import typer

from srl_swe.cli import data as data_cli
from srl_swe.cli import demo as demo_cli
from srl_swe.cli import eval as eval_cli
from srl_swe.cli import expert as expert_cli
from srl_swe.cli import infra
from srl_swe.cli import replay as replay_cli
from srl_swe.cli import tasks as tasks_cli
from srl_swe.cli import train as train_cli

app = typer.Typer(
    name="srl-swe",
    help="Train and evaluate coding agents in Docker-sandboxed Gymnasium environments (SRL and RLVR).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(infra.images_app, name="images")
app.add_typer(infra.sandbox_app, name="sandbox")
app.command("doctor")(infra.doctor)
app.command("demo")(demo_cli.demo)
app.command("view")(demo_cli.view)
# command groups: one add line per module below
app.add_typer(expert_cli.app, name="expert")
app.command("replay")(replay_cli.replay)
app.add_typer(eval_cli.app, name="eval")
app.add_typer(data_cli.app, name="data")
app.add_typer(tasks_cli.app, name="tasks")
app.add_typer(train_cli.app, name="train")

if __name__ == "__main__":
    app()
