"""`srl-swe tasks synth`: each mutation strategy on small snippets (exact edits, pure logic), the
problem statement, and one run on a fixture repo in real containers (batch validation,
registration, rejected reasons, resuming, and the registered tasks validating)."""

from __future__ import annotations

import difflib
import os
import subprocess
from pathlib import Path

import pytest

from srl_swe.factory.mutations import STRATEGIES, mutate
from srl_swe.factory.statements import excerpt, words_of_test, write_statement
from srl_swe.factory.synth import Row, buggy_commit, candidates

pytestmark = pytest.mark.long

SNIPPET = '''\
"""Doc."""

LIMIT = 10


def clamp(value, low, high):
    """Keep value in range."""
    if low > high:
        raise ValueError("bad range")
    if value < low and not (value == high):
        return low
    elif value >= high:
        return high
    else:
        value = max(value, low)
    return [1, 2][0:value - 1]
'''


def _edits(strategy: str, source: str = SNIPPET) -> dict[str, str]:
    """what -> the one changed line pair ("old => new"), for every mutation of `strategy`."""
    found = {}
    for m in mutate("pkg/mod.py", source, (strategy,)):
        diff = [line for line in difflib.unified_diff(source.splitlines(), m.mutated.splitlines(), lineterm="", n=0)
                if line[:1] in "+-" and not line.startswith(("---", "+++"))]
        found[m.what] = " => ".join(line[0] + line[1:].strip() for line in diff)
    return found


def test_comparison_flips_one_operator():
    assert _edits("comparison") == {
        "`>` -> `>=`": "-if low > high: => +if low >= high:",
        "`<` -> `<=`": "-if value < low and not (value == high): => +if value <= low and not (value == high):",
        "`==` -> `!=`": "-if value < low and not (value == high): => +if value < low and not (value != high):",
        "`>=` -> `>`": "-elif value >= high: => +elif value > high:",
    }


def test_boolean_flips_and_or_and_removes_not():
    assert _edits("boolean") == {
        "`and` -> `or`": "-if value < low and not (value == high): => +if value < low or not (value == high):",
        "`not` removed": "-if value < low and not (value == high): => +if value < low and (value == high):",
    }
    assert _edits("boolean", "x = a is not b or c\n") == {
        "`or` -> `and`": "-x = a is not b or c => +x = a is not b and c"}


def test_off_by_one_moves_bounds_and_indices():
    # the direction is the seeded generator's; seed 0 gives these
    assert _edits("off_by_one") == {
        "slice bound: 0 -> -1": "-return [1, 2][0:value - 1] => +return [1, 2][-1:value - 1]",
        "slice bound: `value - 1` -> `value - 2`": "-return [1, 2][0:value - 1] => +return [1, 2][0:value - 2]",
    }
    assert _edits("off_by_one", "def f(n):\n    return range(n)\n") == {
        "range bound: `n` -> `n - 1`": "-return range(n) => +return range(n - 1)"}
    assert _edits("off_by_one", "def f(xs, i):\n    return xs[i + 1] + xs[a | b:]\n") == {
        "index: `i + 1` -> `i`": "-return xs[i + 1] + xs[a | b:] => +return xs[i] + xs[a | b:]",
        "slice bound: `a | b` -> `(a | b) - 1`":
            "-return xs[i + 1] + xs[a | b:] => +return xs[i + 1] + xs[(a | b) - 1:]",
    }


def test_drop_statement_removes_whole_lines_or_leaves_pass():
    edits = _edits("drop_statement")
    assert edits['statement removed: `raise ValueError("bad range")`'] == '-raise ValueError("bad range") => +pass'
    assert edits["statement removed: `return [1, 2][0:value - 1]`"] == "-return [1, 2][0:value - 1]"
    assert "statement removed: `\"\"\"Keep value in range.\"\"\"`" not in edits  # docstrings stay
    assert _edits("drop_statement", "def f():\n    a = 1; b = 2\n    return a\n") == {
        "statement removed: `return a`": "-return a"}  # `a = 1; b = 2` shares its line: left alone


def test_drop_branch_removes_elif_and_else():
    assert _edits("drop_branch") == {
        "`elif` branch removed: `value >= high`": "-elif value >= high: => -return high",
        "`else` branch removed": "-else: => -value = max(value, low)",
    }


def test_swap_args_and_constants():
    assert _edits("swap_args") == {
        "arguments swapped: `value`, `low`": "-value = max(value, low) => +value = max(low, value)"}
    constants = _edits("constant")
    assert constants["constant `10` -> `9`"] == "-LIMIT = 10 => +LIMIT = 9" or "constant `10` -> `11`" in constants
    assert not any("bad range" in what for what in constants)  # strings are left alone
    assert _edits("constant", "def f(x=True):\n    return None\n") == {
        "constant `True` -> `False`": "-def f(x=True): => +def f(x=False):",
        "constant `None` -> `False`": "-return None => +return False"}


def test_remove_guard_only_at_the_top():
    assert _edits("remove_guard") == {
        "guard clause removed: `if low > high`": '-if low > high: => -raise ValueError("bad range")'}
    assert _edits("remove_guard", "def f(x):\n    y = x\n    if y:\n        return 1\n    return 2\n") == {}


def test_mutations_are_minimal_deterministic_and_valid():
    every = mutate("pkg/mod.py", SNIPPET)
    assert {m.strategy for m in every} == set(STRATEGIES)
    assert [m.mutated for m in every] == [m.mutated for m in mutate("pkg/mod.py", SNIPPET)]
    for m in every:
        changed = [line for line in difflib.ndiff(SNIPPET.splitlines(), m.mutated.splitlines()) if line[:1] in "+-"]
        assert len(changed) <= 4, (m.what, changed)  # one line changed, or a short branch removed
        compile(m.mutated, "mod.py", "exec")
        assert m.name("my repo").startswith(f"my-repo-synth-{m.strategy.replace('_', '-')}-")
    assert mutate("bad.py", "def f(:\n") == []  # a module that does not parse gives nothing
    # an edit that would not parse is skipped: `not` cannot be removed from `a == not b`... (not valid
    # Python to begin with), so check one whose flip leaves the code unchanged instead
    assert _edits("comparison", "x = 1 # a < b\n") == {}


def test_candidates_dedupe_and_round_robin():
    sources = {"pkg/a.py": "def f(a, b):\n    return a[0] < b\n", "pkg/b.py": "def g(a, b):\n    return a[0] < b\n"}
    ordered, duplicates, unparsable = candidates(sources, ["comparison", "off_by_one", "constant"], seed=3)
    assert [m.strategy for m in ordered[:2]] == ["comparison", "off_by_one"]
    assert len({(m.file, m.mutated) for m in ordered}) == len(ordered)
    assert duplicates == {}  # same text in two files is two bugs
    assert unparsable == []
    same, dups, _ = candidates({"pkg/a.py": "def f(a):\n    return a[1 - 1]\n"}, ["off_by_one", "constant"], seed=0)
    assert sum(dups.values()) + len(same) == 3
    # a module this Python cannot read is named, not silently empty; one with nothing to mutate is not
    _, _, unparsable = candidates({"pkg/new.py": "def f(:\n", "pkg/empty.py": "X = None\n"}, ["comparison"], seed=0)
    assert unparsable == ["pkg/new.py"]


def test_statement_from_failing_tests_hides_the_buggy_line():
    output = """\
F.
=================================== FAILURES ===================================
_________________________________ test_clamp_high _________________________________

    def test_clamp_high():
>       assert clamp(11, 0, 10) == 10
E       assert 11 == 10
E        +  where 11 = clamp(11, 0, 10)

tests/test_core.py:9: AssertionError
=========================== short test summary info ============================
"""
    assert words_of_test("tests/test_core.py::TestX::test_clamp_high[a-1]") == "clamp high (a-1)"
    errors, frames = excerpt(output.split("test_clamp_high _")[-1], forbidden=["elif value >= high:"])
    assert errors == ["assert 11 == 10", "+  where 11 = clamp(11, 0, 10)"]
    assert frames == ["tests/test_core.py:9", "    assert clamp(11, 0, 10) == 10"]
    text = write_statement("calc", ["tests/test_core.py::test_clamp_high"], 5, output, ["assert clamp(11, 0, 10)"])
    assert "clamp high" in text and "assert 11 == 10" in text and "5 tests pass" in text
    assert "assert clamp(11, 0, 10)" not in text  # a forbidden (buggy) line never shows
    assert text == write_statement("calc", ["tests/test_core.py::test_clamp_high"], 5, output,
                                   ["assert clamp(11, 0, 10)"])


def test_buggy_commit_is_an_orphan_with_a_fixed_sha(tmp_path):
    repo = _make_repo(tmp_path / "calc")
    head = _git(repo, "rev-parse", "HEAD")
    shas = {buggy_commit(repo, head, "calc/core.py", "X = 1\n", "snapshot") for _ in range(2)}
    assert len(shas) == 1
    sha = shas.pop()
    assert _git(repo, "rev-list", "--count", sha) == "1"  # no parent: the fix is in no history
    assert _git(repo, "show", f"{sha}:calc/core.py") == "X = 1"
    assert _git(repo, "show", f"{sha}:tests/test_core.py") == _git(repo, "show", "HEAD:tests/test_core.py")


# -- the fixture repo and the Docker run ----------------------------------------------------------

CORE = '''\
"""Small helpers."""

if not isinstance(__name__, str):
    raise ImportError("odd module name")


def clamp(value, low, high):
    if low > high:
        raise ValueError("low > high")
    if value < low:
        return low
    else:
        return value


def head(items, size):
    return items[:size]


def both(a, b):
    return a and b


def ratio(a, b):
    return divmod(a, b) if b != 0 else None


def unused():
    return 3
'''

TESTS = '''\
import pytest

from calc.core import both, clamp, head, ratio


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-1, 0, 10) == 0


def test_clamp_single_point():
    assert clamp(3, 3, 3) == 3


def test_clamp_bad_range():
    with pytest.raises(ValueError):
        clamp(1, 5, 0)


def test_head():
    assert head([1, 2, 3], 2) == [1, 2]


def test_both():
    assert both(1, 0) == 0


def test_ratio():
    assert ratio(7, 2) == (3, 1)
    assert ratio(7, 0) is None
'''
DATE = "2024-04-02T09:15:00+00:00"


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dana", "GIT_AUTHOR_EMAIL": "dana@example.org", "GIT_AUTHOR_DATE": DATE,
           "GIT_COMMITTER_NAME": "Dana", "GIT_COMMITTER_EMAIL": "dana@example.org", "GIT_COMMITTER_DATE": DATE}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def _make_repo(path: Path) -> Path:
    (path / "calc").mkdir(parents=True)
    (path / "tests").mkdir()
    (path / "calc" / "__init__.py").write_text("")
    (path / "calc" / "core.py").write_text(CORE)
    (path / "tests" / "__init__.py").write_text("")
    (path / "tests" / "test_core.py").write_text(TESTS)
    (path / ".gitignore").write_text("__pycache__/\n")
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "Initial import")
    return path


@pytest.mark.docker
def test_synth_registers_validated_bugs_of_each_strategy(tmp_path):
    from srl_swe.factory.synth import SynthOptions, synthesize
    from srl_swe.tasks.registry import list_tasks, load_task
    from srl_swe.tasks.validate import validate_tasks

    repo = _make_repo(tmp_path / "calc")
    tasks_dir = tmp_path / "tasks"
    quiet = lambda _m: None  # noqa: E731
    first = synthesize(str(repo), SynthOptions(limit=8, workers=2), tasks_dir, log=quiet)  # one per strategy
    assert first.tried_now == 8 and all(row.tried == 1 for row in first.rows.values())
    rest = synthesize(str(repo), SynthOptions(limit=13, workers=2), tasks_dir, log=quiet)  # resumes
    assert rest.tried_now == 5
    ids = list_tasks(tasks_dir)
    assert sorted(first.registered + rest.registered) == ids
    kept = {s: row.kept for s, row in rest.rows.items()}
    assert all(kept[s] >= 1 for s in STRATEGIES), kept
    # `not isinstance(...)` and `isinstance(str, __name__)` at module level break the import;
    # `unused` is dead code that no test reaches
    assert dict(rest.reasons) == {"breaks_import": 2, "no_failing_test": 1}
    assert sum(kept.values()) == len(ids) == 10
    assert rest.rows["boolean"] == Row(candidates=2, duplicate=0, tried=2, failing=1, kept=1)

    spec = load_task(next(i for i in ids if "-synth-remove-guard-" in i), tasks_dir)
    assert spec.FAIL_TO_PASS == ["tests/test_core.py::test_clamp_bad_range"]
    assert len(spec.PASS_TO_PASS) == 6 and spec.test_patch == ""
    assert spec.extra["factory"] == {"origin": "synth", "strategy": "remove_guard", "file": "calc/core.py",
                                     "line": 8, "seed": 0, "mutation": "guard clause removed: `if low > high`",
                                     "working_commit": _git(repo, "rev-parse", "HEAD"), "statement": "template"}
    assert "raise ValueError" not in spec.problem_statement and "clamp bad range" in spec.problem_statement
    changed = [line for line in spec.patch.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["+    if low > high:", '+        raise ValueError("low > high")']  # the fix: the guard back

    again = synthesize(str(repo), SynthOptions(limit=13, workers=2), tasks_dir, log=quiet)
    assert again.tried_now == 0 and again.registered == [] and again.rows == rest.rows

    sample = [load_task(next(i for i in ids if f"-synth-{s}-" in i), tasks_dir)
              for s in ("remove-guard", "off-by-one", "swap-args")]
    results = validate_tasks(sample, tasks_dir, workers=2)
    assert [r.outcome for r in results] == ["ok"] * 3, [r.model_dump() for r in results if not r.ok]

    # the scripted expert resolves every synthesized task, in its env, and each keeps it
    from srl_swe.factory.expert import record_scripted_experts, without_expert

    pending = without_expert(tasks_dir)
    assert sorted(s.instance_id for s in pending) == ids
    scripted = record_scripted_experts(pending, tasks_dir, workers=2)
    assert [r.detail for r in scripted if not r.resolved] == [] and all(r.steps >= 5 for r in scripted)
    assert without_expert(tasks_dir) == []


class _Writer:
    """A chat client's one method, answering what it is given (pure logic: no endpoint)."""

    def __init__(self, answer: str):
        self.answer, self.seen = answer, []

    def chat(self, messages):
        self.seen.append(messages)
        return {"content": self.answer}


def test_model_statement_is_dropped_when_it_shows_the_bug():
    from srl_swe.factory.statements import model_statement

    assert model_statement(_Writer("Title\n\nclamp() is wrong.  "), "draft", ["if low >= high:"]) == (
        "Title\n\nclamp() is wrong.\n")
    assert model_statement(_Writer("The line `if low >= high:` is wrong"), "draft", ["if low >= high:"]) is None
    assert model_statement(_Writer(""), "draft", []) is None
