"""Small step-wise datasets for the training tests, built with the project's own prompt renderer
and canonical actions (two short expert trajectories)."""

from __future__ import annotations

from pathlib import Path

from srl_swe.srl.prompts import step_prompt
from srl_swe.tools.actions import bash, canonical, make_action, submit

TRAJECTORIES = [
    (
        "Calling add(2, 3) returns 6 instead of 5.",
        [
            ("Look at the files.", bash("ls"), "calc.py test_calc.py"),
            (
                "Read the code.",
                make_action("str_replace_editor", {"command": "view", "path": "/testbed/calc.py"}),
                "def add(a, b):\n    return a * b",
            ),
            (
                "Fix the operator.",
                make_action(
                    "str_replace_editor",
                    {"command": "str_replace", "path": "/testbed/calc.py", "old_str": "a * b", "new_str": "a + b"},
                ),
                "edited",
            ),
            ("Run the tests.", bash("python -m pytest -q"), "1 passed"),
            ("Done.", submit(), ""),
        ],
    ),
    (
        "greet() prints Hello without the name.",
        [
            ("Look around.", bash("ls -la"), "greet.py"),
            ("Find the function.", bash("grep -n def greet.py"), "1:def greet(name):"),
            (
                "Read it.",
                make_action("str_replace_editor", {"command": "view", "path": "/testbed/greet.py"}),
                "def greet(name):\n    print('Hello')",
            ),
            ("Done.", submit(), ""),
        ],
    ),
]


# Short, so the tiny model's prompts (and the tests) stay small.
SYSTEM = "Fix the issue. Think in <think>...</think>, then call one tool: bash, str_replace_editor or submit."


def rows() -> list[dict]:
    out = []
    for index, (issue, steps) in enumerate(TRAJECTORIES):
        history = []
        for k, (thought, action, observation) in enumerate(steps):
            text = canonical(action)
            out.append(
                {
                    "prompt": step_prompt(issue, history, system_prompt=SYSTEM),
                    "expert_action": text,
                    "task_id": f"task-{index}",
                    "step": k,
                    "n_steps": len(steps),
                    "thought": thought,
                }
            )
            history.append((text, observation))
    return out


def save_stepwise(path: Path, drop: tuple[str, ...] = ()) -> Path:
    """train = every step of both trajectories, validation = the second trajectory."""
    from datasets import Dataset, DatasetDict

    data = rows()
    train = Dataset.from_list(data).remove_columns(list(drop))
    valid = Dataset.from_list([r for r in data if r["task_id"] == "task-1"]).remove_columns(list(drop))
    DatasetDict({"train": train, "validation": valid}).save_to_disk(str(path))
    return path


def one_thread():
    """Tiny models gain little from threads, and on a shared 2-core machine OpenMP threads that spin
    against other processes make each step ~10x slower: run the training tests on one thread."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    return previous


SHORT_ENV = {"system_prompt": SYSTEM, "observation_budget": 200}


def expert_fix_rows(task_ids: list[str]) -> list[dict]:
    """Step-wise rows recorded live in SWEEnv (rlvr mode, SHORT_ENV): for each task, the prompt the
    env shows before its expert's code edit, then before submit. A policy that learns these two
    steps solves the task, so RLVR groups can have mixed outcomes."""
    from srl_swe.env.swe_env import SWEEnv
    from srl_swe.tasks.registry import expert_path
    from srl_swe.trajectories.schema import read_jsonl

    out = []
    for task_id in task_ids:
        expert = next(read_jsonl(expert_path(task_id)))
        edits = [canonical(s.action) for s in expert.steps if s.action.arguments.get("command") == "str_replace"]
        env = SWEEnv(mode="rlvr", env_spec="rlvr", **SHORT_ENV)
        try:
            _, info = env.reset(options={"task_id": task_id})
            actions = edits + [canonical(submit())]
            for k, action in enumerate(actions):
                out.append({"prompt": info["messages"], "expert_action": action, "task_id": task_id, "step": k,
                            "n_steps": len(actions), "thought": ""})
                _, reward, terminated, _, info = env.step(action)
            assert terminated and reward == 1.0, f"the expert's edits do not solve {task_id}"
        finally:
            env.close()
    return out
