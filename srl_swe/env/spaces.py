"""A Gymnasium text space for prompts and model responses: any Unicode string up to a length.

`gymnasium.spaces.Text` enumerates its charset; spelling out all of Unicode would cost ~100 MB
per space. UnicodeText accepts every string within the length bounds and samples from printable
ASCII (enough to drive `check_env` and random policies)."""

from __future__ import annotations

import string

from gymnasium.spaces import Text

SAMPLE_CHARSET = string.printable


class UnicodeText(Text):
    def __init__(self, max_length: int, *, min_length: int = 0, seed=None):
        super().__init__(max_length, min_length=min_length, charset=SAMPLE_CHARSET, seed=seed)

    def contains(self, x) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnicodeText) and (self.min_length, self.max_length) == (
            other.min_length,
            other.max_length,
        )
