"""SRL rewards on hand-made pairs, the exact/fast similarity methods on a corpus of real actions,
and the error paths (a reward never turns a broken call into a silent 0)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from srl_swe.errors import SrlSweError
from srl_swe.srl import rewards
from srl_swe.srl.rewards import fast_format_reward, format_reward, similarity_reward
from srl_swe.srl.similarity import PARALLEL_MIN_PAIRS, ratio, ratios, ratios_to
from srl_swe.tools.actions import bash, canonical, make_action
from srl_swe.trajectories.importers import import_paths
from tests.test_importers import FIRST_SAMPLES

DATA = Path(__file__).parent / "data"
EXPERT = canonical(bash("grep -rn 'def add' /testbed"))
CALL = "<function=bash>\n<parameter=command>grep -rn 'def add' /testbed</parameter>\n</function>"


def corpus() -> list[str]:
    """Real-looking SWE actions (tests/data/actions.jsonl) and every action of the sample trajectories."""
    actions = {canonical(make_action(**json.loads(line))) for line in (DATA / "actions.jsonl").read_text().splitlines()}
    trajectories, _ = import_paths(FIRST_SAMPLES)  # the files the bounds below were measured on
    actions |= {canonical(s.action) for t in trajectories for s in t.steps}
    return sorted(actions)


def test_identical_broken_and_thought_ignored():
    completions = [
        f"<think>I should look for add.</think>\n{CALL}",
        f"<think>A completely different line of thought.</think>\n{CALL}",
        "I would grep for it.",  # no call
        CALL + "\n" + CALL,  # two calls
        "<function=bash>\n<parameter=cmd>ls</parameter>\n</function>",  # malformed call
        "<think>I should look for add.</think>\n" + CALL.replace("def add", "def sub"),
    ]
    scores = format_reward(completions, expert_action=[EXPERT] * len(completions))
    assert scores[:5] == [1.0, 1.0, -1.0, -1.0, -1.0]
    assert 0.8 < scores[5] < 1.0
    assert similarity_reward(completions, expert_action=[EXPERT] * 6)[:5] == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert rewards.format is format_reward and rewards.similarity is similarity_reward


def test_trl_conversational_and_tool_call_completions():
    conversational = [[{"role": "assistant", "content": CALL}]]
    tool_call = [
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {
                            "name": "execute_bash",
                            "arguments": json.dumps({"command": "grep -rn 'def add' /testbed"}),
                        },
                    }
                ],
            }
        ]
    ]
    hermes = ['<tool_call>{"name": "bash", "arguments": {"command": "grep -rn \'def add\' /testbed"}}</tool_call>']
    for completions in (conversational, tool_call, hermes):
        assert format_reward(completions, expert_action=[EXPERT], prompts=[[]], task_id=["t"]) == [1.0]


def test_errors_raise_instead_of_scoring_zero():
    with pytest.raises(ValueError, match="2 completions but 1"):
        format_reward([CALL, CALL], expert_action=[EXPERT])
    with pytest.raises(KeyError, match="expert_action"):
        format_reward([CALL])
    with pytest.raises(TypeError, match="completion"):
        format_reward([42], expert_action=[EXPERT])
    with pytest.raises(ValueError, match="Unknown similarity method"):
        format_reward([CALL], expert_action=[EXPERT], method="levenshtein")


def test_cdifflib_gives_the_identical_ratio_on_real_actions():
    actions = corpus()
    assert len(actions) >= 30
    for a in actions:
        for b in actions:
            assert ratio(a, b, "cdifflib") == difflib.SequenceMatcher(None, a, b).ratio()


def test_empty_texts_and_a_shared_expert_give_difflibs_values():
    actions = corpus()
    for a, b in (("", ""), ("ls", ""), ("", "ls"), (actions[0], actions[0])):
        assert ratio(a, b) == ratio(a, b, "difflib") == difflib.SequenceMatcher(None, a, b).ratio()
    # one matcher indexes the expert once and scores every action against it
    assert ratios_to(actions[1], actions) == [difflib.SequenceMatcher(None, a, actions[1]).ratio() for a in actions]


def test_fast_option_bound_against_difflib_on_real_actions():
    """rapidfuzz's Indel similarity is 2*LCS/(len a + len b); difflib's matching blocks never exceed the
    LCS, so fast >= exact. On this corpus (38 actions, 1,444 pairs; measured): max difference 0.59, mean 0.064. The
    large gaps
    all come from difflib's autojunk heuristic, which ignores frequent characters once the expert
    action reaches 200 characters (long edits); with shorter experts the difference stays below 0.11."""
    actions = corpus()
    a = [x for x in actions for _ in actions]
    b = [y for _ in actions for y in actions]
    exact = ratios(a, b, "difflib", workers=1)
    fast = ratios(a, b, "fast", workers=1)
    gaps = [f - e for f, e in zip(fast, exact, strict=True)]
    assert min(gaps) > -1e-9
    assert 0.55 < max(gaps) <= 0.60
    assert 0.05 < sum(gaps) / len(gaps) < 0.08
    short = [g for g, y in zip(gaps, b, strict=True) if len(y) < 200]
    assert max(short) <= 0.11
    assert fast_format_reward([CALL], expert_action=[EXPERT]) == [1.0]


def test_parallel_batches_match_sequential():
    actions = corpus()
    a = [actions[i % len(actions)] for i in range(PARALLEL_MIN_PAIRS + 40)]
    b = [actions[(i * 7 + 3) % len(actions)] for i in range(len(a))]
    assert ratios(a, b, "exact", workers=2) == ratios(a, b, "exact", workers=1)
    assert ratios(a, b, "exact", workers=2) == [
        difflib.SequenceMatcher(None, x, y).ratio() for x, y in zip(a, b, strict=True)
    ]
    with pytest.raises(ValueError, match="one length"):
        ratios(a, b[:-1])


@pytest.mark.docker
def test_outcome_reward_runs_the_task_tests(base_image):
    from srl_swe.srl.rewards import outcome_reward
    from srl_swe.tasks.registry import load_task

    patch = load_task("lrukit-1").patch
    completions = [f"Here is my fix.\n```diff\n{patch}```", [{"role": "assistant", "content": ""}]]
    assert outcome_reward(completions, task_id=["lrukit-1", "lrukit-1"]) == [1.0, 0.0]
    with pytest.raises(SrlSweError, match="no-such-task"):
        outcome_reward(["x"], task_id=["no-such-task"])


def test_repeated_completions_score_alike():
    other = canonical(bash("ls"))
    completions = [CALL, "no call", CALL, [{"role": "assistant", "content": CALL}], CALL]
    experts = [EXPERT, EXPERT, other, EXPERT, EXPERT]
    assert format_reward(completions, expert_action=experts) == [1.0, -1.0, ratio(EXPERT, other), 1.0, 1.0]
