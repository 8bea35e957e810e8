"""Converting configuration strings to Python values."""

from __future__ import annotations

from confload.errors import CoercionError

TRUE = {"1", "true", "yes", "on", "y", "t"}
FALSE = {"0", "false", "no", "off", "n", "f", ""}

_SIZES = {"b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


def to_bool(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise CoercionError(f"cannot read {value!r} as a boolean (use true/false, yes/no, on/off, 1/0)")


def to_int(value: str) -> int:
    text = value.strip().replace("_", "")
    try:
        return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text)
    except (ValueError, IndexError):
        raise CoercionError(f"cannot read {value!r} as an integer") from None


def to_float(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise CoercionError(f"cannot read {value!r} as a number") from None


def to_list(value: str, separator: str = ",") -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']; newlines also separate items."""
    items = []
    for line in value.splitlines():
        items.extend(part.strip() for part in line.split(separator))
    return [item for item in items if item]


def to_size(value: str) -> int:
    """'512', '10k', '1.5 MB' -> bytes."""
    text = value.strip().lower().replace(" ", "")
    number = text.rstrip("kmgb")
    unit = text[len(number):] or "b"
    if unit not in _SIZES or not number:
        raise CoercionError(f"cannot read {value!r} as a size (e.g. 512, 10k, 1.5MB)")
    try:
        return int(float(number) * _SIZES[unit])
    except ValueError:
        raise CoercionError(f"cannot read {value!r} as a size (e.g. 512, 10k, 1.5MB)") from None


CONVERTERS = {bool: to_bool, int: to_int, float: to_float, list: to_list, str: str}


def coerce(value: str, kind: type) -> object:
    try:
        converter = CONVERTERS[kind]
    except KeyError:
        raise TypeError(f"unsupported type {kind!r}; use one of {', '.join(k.__name__ for k in CONVERTERS)}") from None
    return converter(value)
