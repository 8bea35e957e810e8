"""Config: typed access to parsed INI data, DEFAULT fallbacks, interpolation, env overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from confload.coerce import coerce, to_list, to_size
from confload.env import env_overrides
from confload.errors import CoercionError, MissingKeyError
from confload.interpolate import interpolate
from confload.parser import DEFAULT_SECTION, parse_ini

_MISSING = object()


class Config:
    def __init__(self, data: Mapping[str, Mapping[str, str]], source: str = "<string>"):
        self._data = {name: dict(values) for name, values in data.items()}
        self._data.setdefault(DEFAULT_SECTION, {})
        self.source = source

    @classmethod
    def from_string(cls, text: str, env_prefix: str | None = None, environ: Mapping[str, str] | None = None,
                    source: str = "<string>") -> Config:
        config = cls(parse_ini(text, source), source)
        if env_prefix:
            config.update(env_overrides(env_prefix, environ))
        return config

    @classmethod
    def from_file(cls, path: str | os.PathLike, env_prefix: str | None = None,
                  environ: Mapping[str, str] | None = None) -> Config:
        with open(path, encoding="utf-8") as fh:
            return cls.from_string(fh.read(), env_prefix, environ, source=os.fspath(path))

    def update(self, overrides: Mapping[str, Mapping[str, str]]) -> None:
        """Merge {section: {key: value}} over the current values. Section names match
        case-insensitively; unknown sections are created."""
        by_lower = {name.lower(): name for name in self._data}
        for section, values in overrides.items():
            name = by_lower.get(section.lower(), section)
            self._data.setdefault(name, {}).update({k.lower(): v for k, v in values.items()})
            by_lower[name.lower()] = name

    def sections(self) -> list[str]:
        return [name for name in self._data if name != DEFAULT_SECTION]

    def has_section(self, section: str) -> bool:
        return section in self._data and section != DEFAULT_SECTION

    def has_option(self, section: str, key: str) -> bool:
        try:
            self._raw(section, key.lower())
        except MissingKeyError:
            return False
        return True

    def get(self, section: str, key: str, type: type = str, default: Any = _MISSING) -> Any:
        """The value of `key` in `section` (or DEFAULT), interpolated and converted to `type`.
        `default` is returned, unconverted, when the section or the key is missing."""
        try:
            raw = self._raw(section, key.lower())
        except MissingKeyError:
            if default is _MISSING:
                raise
            return default
        value = interpolate(raw, section, self._lookup)
        try:
            return coerce(value, type)
        except CoercionError as exc:
            raise CoercionError(f"[{section}] {key}: {exc}") from None

    def getint(self, section: str, key: str, default: Any = _MISSING) -> int:
        return self.get(section, key, int, default)

    def getfloat(self, section: str, key: str, default: Any = _MISSING) -> float:
        return self.get(section, key, float, default)

    def getbool(self, section: str, key: str, default: Any = _MISSING) -> bool:
        return self.get(section, key, bool, default)

    def getlist(self, section: str, key: str, default: Any = _MISSING, separator: str = ",") -> list[str]:
        value = self.get(section, key, str, default)
        return to_list(value, separator) if isinstance(value, str) else value

    def getsize(self, section: str, key: str, default: Any = _MISSING) -> int:
        value = self.get(section, key, str, default)
        return to_size(value) if isinstance(value, str) else value

    def section(self, section: str) -> dict[str, str]:
        """All keys of a section, DEFAULT keys included, interpolated."""
        if not self.has_section(section):
            raise MissingKeyError(f"no section [{section}] in {self.source}")
        keys = {**self._data[DEFAULT_SECTION], **self._data[section]}
        return {key: interpolate(raw, section, self._lookup) for key, raw in keys.items()}

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {name: self.section(name) for name in self.sections()}

    def _raw(self, section: str, key: str) -> str:
        values = self._data.get(section)
        if values is None:
            raise MissingKeyError(f"no section [{section}] in {self.source}")
        if key in values:
            return values[key]
        if key in self._data[DEFAULT_SECTION]:
            return self._data[DEFAULT_SECTION][key]
        raise MissingKeyError(f"no key {key!r} in section [{section}] of {self.source}")

    def _lookup(self, section: str, key: str) -> str | None:
        try:
            return self._raw(section, key)
        except MissingKeyError:
            return None


def load(path: str | os.PathLike, env_prefix: str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read an INI file; with `env_prefix`, environment variables override its values."""
    return Config.from_file(path, env_prefix, environ)
