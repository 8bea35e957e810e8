"""srl_swe.jsonl.decode gives json.loads' value and json's error for every text, whether orjson
(the [fast] extra) reads it or refuses it."""

from __future__ import annotations

import json
import math

import pytest

from srl_swe import jsonl

TEXTS = [
    '{"role": "assistant", "content": [{"type": "text", "text": "caf\\u00e9 \\u2603"}], "n": 1.5e-7}',
    '[1, 2.0, -0.0, true, null, "x"]',
    str(2**70),  # over 64 bits: orjson would make it a float
    "[18446744073709551616, 12345678901234567890123]",
    '{"a": NaN, "b": Infinity, "c": -Infinity}',  # orjson refuses these literals
    '"\\ud800 lone surrogate"',  # orjson refuses a lone surrogate
    '{"k": 1, "k": 2}',  # the last duplicate key wins in both
]


@pytest.mark.parametrize("text", TEXTS)
def test_decode_gives_json_loads_value(text):
    got, want = jsonl.decode(text), json.loads(text)
    if isinstance(want, dict) and any(isinstance(v, float) and math.isnan(v) for v in want.values()):
        assert math.isnan(got["a"]) and got["b"] == want["b"] and got["c"] == want["c"]
    else:
        assert got == want and type(got) is type(want)


@pytest.mark.parametrize("text", ['{"a": 1,}', "{", '{"a": 1} x', ""])
def test_decode_raises_json_own_error(text):
    with pytest.raises(json.JSONDecodeError) as got:
        jsonl.decode(text)
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(text)
    assert (got.value.msg, got.value.pos) == (want.value.msg, want.value.pos)


def test_fast_extra_is_used_when_installed():
    pytest.importorskip("orjson")
    assert jsonl.orjson is not None
