"""confload: INI-style configuration files with environment overrides and typed access.

>>> from confload import Config
>>> cfg = Config.from_string("[db]\\nport = 5432\\n")
>>> cfg.getint("db", "port")
5432
"""

from confload.config import Config, load
from confload.errors import CoercionError, ConfigError, InterpolationError, MissingKeyError, ParseError

__all__ = [
    "CoercionError",
    "Config",
    "ConfigError",
    "InterpolationError",
    "MissingKeyError",
    "ParseError",
    "load",
]

__version__ = "1.2.0"
