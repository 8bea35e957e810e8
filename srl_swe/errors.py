"""The typed errors of srl-swe. Each message says what went wrong and what to do."""


class SrlSweError(Exception):
    """Base class: a failure the user can act on; the CLI prints it as one line."""


class SandboxError(SrlSweError):
    pass


class EngineUnreachable(SandboxError):
    def __init__(self, detail: str = ""):
        super().__init__(
            "No Docker engine answers"
            + (f" ({detail})" if detail else "")
            + ". Run 'scripts/ensure-docker' (or start dockerd) and try again."
        )


class ImageMissing(SandboxError):
    def __init__(self, image: str):
        self.image = image
        super().__init__(
            f"Docker image {image!r} is not present. Build it with 'srl-swe images build-base' "
            "(or 'srl-swe tasks image ID'), or pull it where a registry is reachable."
        )


class SandboxDied(SandboxError):
    def __init__(self, container: str, detail: str = ""):
        super().__init__(
            f"Container {container} died mid-session{': ' + detail if detail else ''}. "
            "Start a new sandbox; if this repeats, check its memory and pids limits."
        )


class CommandTimeout(SandboxError, TimeoutError):
    def __init__(self, command: str, timeout: float):
        self.command = command
        self.timeout = timeout
        super().__init__(
            f"Command timed out after {timeout:g} s: {command[:200]!r}. Raise the timeout or run it in the background."
        )


class TaskError(SrlSweError):
    pass


class FormatError(SrlSweError):
    """Model output that holds no well-formed tool call."""


class ConfigError(SrlSweError):
    pass


class PolicyError(SrlSweError):
    """A policy could not answer (endpoint unreachable, model or adapter unusable); recorded per instance."""


class TaskCheckFailed(TaskError):
    """A task that cannot be registered, or does not validate, for a reason with a name.

    `outcome` is one of the typed outcomes (collection_error, install_error, missing_tests, ...),
    `detail` the first lines of the real error (file, exception), `hint` the fix to try."""

    def __init__(self, outcome: str, detail: str, hint: str = ""):
        self.outcome, self.detail, self.hint = outcome, detail, hint
        super().__init__(f"{outcome}: {detail}" + (f". {hint}" if hint else ""))
