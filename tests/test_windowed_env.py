"""An SRL episode follows an expert written in SWE-agent's windowed tools on a bundled task, in
real containers: every step scores 1.0 against itself, the tools' observations are SWE-agent's,
a refused edit leaves the file alone, and the expert's final diff resolves the task."""

from __future__ import annotations

from srl_swe.env.swe_env import SWEEnv
from srl_swe.tools.actions import canonical, make_action, parse
from srl_swe.trajectories.schema import Step, Trajectory

FIX = (
    "        if key in self._data:\n"
    "            self._data[key] = value\n"
    "            self._data.move_to_end(key)\n"
    "            return\n"
    "        if self.maxsize is not None and len(self._data) >= self.maxsize:\n"
)
PUT = "    def put(self, key: Hashable, value: Any) -> None:\n"
CALLS = [
    ("find_file", {"file_name": "lru.py"}),
    ("open", {"path": "lrukit/lru.py", "line_number": 47}),
    ("search_file", {"search_term": "def put"}),
    ("edit", {"start_line": 48, "end_line": 48, "replacement_text": "        if key in self._data\n"}),  # refused
    ("edit", {"start_line": 48, "end_line": 48, "replacement_text": FIX}),
    ("edit", {"search": PUT,
              "replace": PUT + '        """Store value; an existing key is updated, never evicted."""\n'}),
    ("scroll_down", {}),
    ("goto", {"line_number": 1}),
    ("bash", {"command": "python -m pytest -q 2>&1 | tail -1"}),
    ("submit", {}),
]


def test_srl_episode_replays_and_rewards_a_windowed_expert(base_image):
    expert = Trajectory(task_id="lrukit-1", steps=[Step(action=make_action(n, a)) for n, a in CALLS])
    rewards, seen = [], []
    with SWEEnv(task_id="lrukit-1", env_spec="swe-agent", expert=expert, grade_srl=True) as env:
        env.reset(seed=0)
        for step in expert.steps:
            text = canonical(step.action)
            assert parse(text).action == step.action  # the canonical text is the action, verbatim
            _, reward, terminated, truncated, info = env.step(text)
            rewards.append(reward)
            seen.append(info["tool_observation"])
    assert rewards == [1.0] * len(CALLS) and terminated and not truncated
    assert seen[0] == 'Found 1 matches for "lru.py" in /testbed:\n/testbed/lrukit/lru.py'
    # a full window of 100 lines: line 47 cannot sit a sixth down without running past the end
    assert seen[1].startswith("[File: lrukit/lru.py (109 lines total)]\n(9 more lines above)\n10:")
    assert seen[1].endswith("109:            self.on_evict(key, value)") and seen[1].count("\n") == 101
    assert "Line 47:    def put(self, key: Hashable, value: Any) -> None:" in seen[2]
    assert seen[3].startswith("Your proposed edit has introduced new syntax error(s).")
    assert "ERRORS:\n- E999 SyntaxError: expected ':'" in seen[3]
    assert "48:        if key in self._data\n49:            self._evict_oldest()" in seen[3]  # as it would have been
    assert seen[3].endswith("DO NOT re-run the same failed edit command. Running it again will lead to the same error.")
    assert seen[4].startswith("File updated. Please review the changes") and "(113 lines total)" in seen[4]
    assert seen[5].startswith("Text replaced. Please review the changes") and '"""Store value;' in seen[5]
    assert seen[6].startswith("[File: /testbed/lrukit/lru.py (114 lines total)]\n(14 more lines above)\n15:")
    assert seen[7].startswith("[File: /testbed/lrukit/lru.py (114 lines total)]\n1:")
    assert "(14 more lines below)" in seen[7]
    assert "passed" in seen[8] and "failed" not in seen[8]
    assert "+        if key in self._data:" in info["diff"] and "Store value" in info["diff"]
    assert info["grade"]["resolved"], info["grade"]
