"""The C matcher (srl_swe/srl/_matcher.c) gives difflib's exact ratios: on real actions, and on
random texts across the autojunk threshold (200 characters), repeated and non-BMP characters."""

from __future__ import annotations

import difflib
import random
import shutil
import sysconfig

import pytest

from srl_swe.srl import similarity
from srl_swe.srl.similarity import ratio, ratios, ratios_to
from tests.test_rewards import corpus

ALPHABETS = ("ab", "abcdefgh \n", "def return self x y z ()[]:=\n ", "a\u00e9\U0001d518\u4e00 \n")


def native():
    module = similarity._native()
    if module is None and shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]):
        pytest.fail("A C compiler is here but srl_swe/srl/_matcher.c was not built: `pip install -e .` builds it.")
    if module is None:
        pytest.skip("no C compiler: the C matcher is optional")
    return module


def expected(actions: list[str], expert: str) -> list[float]:
    return [difflib.SequenceMatcher(None, a, expert).ratio() for a in actions]


def test_exact_is_the_c_matcher_where_built():
    native()
    assert similarity._scorer("exact") is native().ratios_to  # the C path, not a SequenceMatcher loop
    with pytest.raises(ValueError, match="Unknown similarity method"):
        ratio("a", "b", "levenshtein")


def test_identical_ratios_on_real_actions():
    module = native()
    actions = corpus()
    for expert in actions:
        assert module.ratios_to(expert, actions) == expected(actions, expert)


def test_identical_ratios_on_random_texts():
    module = native()
    rng = random.Random(7)
    for _ in range(400):
        chars = rng.choice(ALPHABETS)
        expert = "".join(rng.choice(chars) for _ in range(rng.choice((0, 1, 5, 199, 200, 201, 350, 1200))))
        actions = []
        for _ in range(4):
            if expert and rng.random() < 0.7:  # an edit of the expert: long matches and splits
                cut = rng.randint(0, len(expert))
                middle = "".join(rng.choice(chars) for _ in range(rng.randint(0, 300)))
                actions.append(expert[:cut] + middle + expert[rng.randint(cut, len(expert)):])
            else:
                actions.append("".join(rng.choice(chars) for _ in range(rng.choice((0, 3, 200, 700)))))
        assert module.ratios_to(expert, actions) == expected(actions, expert), (expert, actions)


def test_every_entry_point_agrees_and_bad_input_is_named():
    module = native()
    actions = corpus()[:40]
    expert = actions[3]
    want = expected(actions, expert)
    assert ratios_to(expert, actions, "native") == want
    assert ratios(actions, [expert] * len(actions), "exact", workers=1) == want
    assert [ratio(a, expert) for a in actions] == want
    with pytest.raises(TypeError, match=r"actions\[1\] is not a str"):
        module.ratios_to(expert, ["ok", 3])
