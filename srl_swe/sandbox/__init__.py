"""Sandboxes that run an agent's commands: the Sandbox protocol and DockerSandbox."""

from srl_swe.sandbox.config import DockerSandboxConfig, ExecResult, SandboxConfig
from srl_swe.sandbox.docker import DockerSandbox
from srl_swe.sandbox.protocol import Sandbox

__all__ = ["DockerSandbox", "DockerSandboxConfig", "ExecResult", "Sandbox", "SandboxConfig"]
