"""`srl-swe images ...`, `srl-swe sandbox ...` and `srl-swe doctor`."""

from __future__ import annotations

import subprocess

import typer

from srl_swe.cli.common import console, friendly, out
from srl_swe.paths import scripts_dir

images_app = typer.Typer(help="Build the Docker images tasks run in.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Inspect and clean up sandboxes.", no_args_is_help=True)


@images_app.command("build-base")
@friendly
def build_base(
    from_image: str = typer.Option(None, "--from", help="Base image to build FROM (online build)."),
    offline: bool = typer.Option(
        None, "--offline/--online", help="Force the debootstrap build (default: fall back to it when a pull fails)."
    ),
    force: bool = typer.Option(False, help="Rebuild even if an image with the same inputs exists."),
) -> None:
    """Build the base image (python3, git, pytest, user `agent`, /testbed), cached by a hash of its inputs."""
    from srl_swe.sandbox.images import build_base as build

    with console.status("building the base image"):
        tag = build(from_image=from_image, offline=offline, force=force, log=lambda m: console.print(f"  {m}"))
    out.print(tag)


@sandbox_app.command("prune")
@friendly
def prune(
    everything: bool = typer.Option(False, "--all", help="Also remove containers of runs that are still alive."),
    run: str = typer.Option(None, help="Remove only this run's containers."),
) -> None:
    """Remove containers left behind by crashed srl-swe runs (label `srl_swe`)."""
    from srl_swe.sandbox.engine import docker_client
    from srl_swe.sandbox.lifecycle import prune as do_prune

    removed = do_prune(docker_client(), everything=everything, run=run)
    out.print(f"removed {len(removed)} container(s)" + (f": {' '.join(removed)}" if removed else ""))


@sandbox_app.command("run")
@friendly
def sandbox_run(
    command: str = typer.Argument(..., help="A bash command."),
    image: str = typer.Option(None, help="Image (default: the base image)."),
    timeout: float = typer.Option(60.0),
) -> None:
    """Run one command in a fresh sandbox and print its output (a quick check that everything works)."""
    from srl_swe.sandbox import DockerSandbox, DockerSandboxConfig
    from srl_swe.sandbox.images import ensure_base

    with DockerSandbox(DockerSandboxConfig(image=image or ensure_base(log=console.print))) as sandbox:
        result = sandbox.run(command, timeout=timeout)
    out.print(result.output, end="", markup=False, highlight=False)
    raise typer.Exit(result.exit_code)


def doctor() -> None:
    """Make sure a Docker engine answers (installing and starting one on Debian as root) and the base image exists."""
    script = scripts_dir() / "ensure-docker"
    if script.exists():
        subprocess.run(["bash", str(script)], check=False)
    friendly(_doctor_images)()


def _doctor_images() -> None:
    from srl_swe.sandbox.images import ensure_base

    out.print(f"base image: {ensure_base(log=console.print)}")
