"""Pure parts of the evaluation harness: reading edits from an answer, pass@k, SWE-bench's report
buckets, batching concurrent calls, and OpenAI tool_calls as action text."""

from __future__ import annotations

import threading
import time

import pytest

from srl_swe.evaluate.batching import Batcher
from srl_swe.evaluate.edits import EditError, extract_edits, repo_path
from srl_swe.evaluate.openai_policy import message_text
from srl_swe.evaluate.oracle import gold_paths
from srl_swe.evaluate.outputs import InstanceRecord
from srl_swe.evaluate.report import metrics, pass_at_k, totals

BLOCKS = """I will fix both.

src/a.py
```python
<<<<<<< SEARCH
x = 1
=======
x = 2
>>>>>>> REPLACE
```

src/b.py
```python
<<<<<<< SEARCH
=======
new file line
>>>>>>> REPLACE
```
"""


def test_search_replace_blocks_are_read_with_their_paths():
    edits = extract_edits(BLOCKS)
    assert [(b.path, b.search, b.replace) for b in edits.blocks] == [
        ("src/a.py", "x = 1\n", "x = 2\n"),
        ("src/b.py", "", "new file line\n"),
    ]
    assert edits.diff == ""


def test_a_fenced_or_bare_unified_diff_is_read_and_no_edit_is_empty():
    diff = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert extract_edits(f"Here:\n```diff\n{diff}```\nthanks").diff == diff
    assert extract_edits("prose first\n" + diff).diff == diff
    assert extract_edits("I propose no change.").empty


def test_unclosed_block_and_paths_outside_the_repo_are_errors():
    with pytest.raises(EditError, match="not closed"):
        extract_edits("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n")
    with pytest.raises(EditError, match="outside the repository"):
        repo_path("../etc/passwd", "/testbed")
    assert (
        repo_path("/testbed/pkg/m.py", "/testbed") == "pkg/m.py" and repo_path("b/pkg/m.py", "/testbed") == "pkg/m.py"
    )


def test_gold_paths_lists_each_touched_file_once():
    patch = (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\ndiff --git a/n.py b/n.py\nnew file mode 100644\ndiff --git "
        "a/a.py b/a.py\n"
    )
    assert gold_paths(patch) == ["a.py", "n.py"]


def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(4, 0, 1) == 0.0 and pass_at_k(4, 4, 2) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2)
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def _record(task: str, status: str, attempt: int = 1, steps: int = 4, format_errors: int = 0) -> InstanceRecord:
    return InstanceRecord(
        instance_id=task, attempt=attempt, mode="agentic", status=status, steps=steps, format_errors=format_errors
    )


def test_totals_follow_swebench_buckets_over_attempt_one():
    ids = ["a", "b", "c", "d", "e"]
    records = {
        ("a", 1): _record("a", "resolved"),
        ("b", 1): _record("b", "unresolved"),
        ("c", 1): _record("c", "empty_patch"),
        ("d", 1): _record("d", "error"),
        ("b", 2): _record("b", "resolved", attempt=2),
    }
    t = totals(ids, records)
    assert (t["submitted_instances"], t["completed_instances"], t["resolved_instances"], t["unresolved_instances"],
            t["empty_patch_instances"], t["error_instances"]) == (4, 2, 1, 1, 1, 1)
    assert t["incomplete_ids"] == ["e"] and t["completed_ids"] == ["a", "b"]
    m = metrics(ids, records, attempts=2)
    assert m["resolve_rate"] == pytest.approx(0.2)
    assert m["pass_at_k"]["2"] == pytest.approx(0.4) and m["pass_at_k"]["1"] == pytest.approx((0.5 + 0.5) / 5)


def test_format_error_rate_is_per_step():
    records = {
        ("a", 1): _record("a", "empty_patch", steps=4, format_errors=1),
        ("b", 1): _record("b", "empty_patch", steps=6, format_errors=4),
    }
    assert metrics(["a", "b"], records, attempts=1)["format_error_rate"] == pytest.approx(0.5)


def test_batcher_gathers_concurrent_calls_and_hands_errors_to_their_callers():
    seen = []

    def double(items):
        seen.append(len(items))
        time.sleep(0.01)
        if "boom" in items:
            raise RuntimeError("boom")
        return [2 * i for i in items]

    batcher = Batcher(double, max_batch=4, max_wait=0.2)
    results = {}
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, batcher(i))) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {0: 0, 1: 2, 2: 4, 3: 6} and seen == [4]
    with pytest.raises(RuntimeError, match="boom"):
        batcher("boom")


def test_openai_tool_calls_become_canonical_action_text():
    call = {"id": "1", "type": "function", "function": {"name": "execute_bash", "arguments": '{"command": "ls"}'}}
    text = message_text({"content": "Look around.", "tool_calls": [call]})
    assert text == "<think>\nLook around.\n</think>\n<function=bash>\n<parameter=command>ls</parameter>\n</function>"
    broken = message_text({"content": "", "tool_calls": [{"function": {"name": "nope", "arguments": "{}"}}]})
    assert broken.startswith("[{") and "nope" in broken
