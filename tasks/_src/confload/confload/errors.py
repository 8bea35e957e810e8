"""Exceptions raised by confload. All derive from ConfigError."""


class ConfigError(Exception):
    """Base class of every confload error."""


class ParseError(ConfigError):
    """The file is not valid INI. `lineno` is 1-based, as editors show it."""

    def __init__(self, message: str, lineno: int, line: str = "", source: str = "<string>"):
        super().__init__(f"{source}, line {lineno}: {message}")
        self.lineno = lineno
        self.line = line
        self.source = source


class MissingKeyError(ConfigError, KeyError):
    """A section or key that is not in the configuration and has no default."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class CoercionError(ConfigError, ValueError):
    """A value that cannot be converted to the type asked for."""


class InterpolationError(ConfigError):
    """A ${...} reference to a key that does not exist, or a reference cycle."""
