"""report.png: each task's outcome (with its step count), and the histogram of steps per attempt."""

from __future__ import annotations

import io
from pathlib import Path

from srl_swe.atomic import write_bytes

COLORS = {
    "resolved": "#2e7d32",
    "unresolved": "#f9a825",
    "empty_patch": "#9e9e9e",
    "error": "#c62828",
    "missing": "#e0e0e0",
}


def write_chart(path: Path, instance_ids: list[str], records: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    first = [records.get((i, 1)) for i in instance_ids]
    statuses = [r.status if r is not None else "missing" for r in first]
    steps = [r.steps if r is not None else 0 for r in first]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(3.0, 0.32 * len(instance_ids) + 1.5)),
                                      gridspec_kw={"width_ratios": [3, 2]})
    y = range(len(instance_ids))
    left.barh(y, [max(s, 0.3) for s in steps], color=[COLORS[s] for s in statuses])
    left.set_yticks(list(y), instance_ids, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("steps (attempt 1)")
    left.set_title("outcome per task")
    used = [s for s in COLORS if s in statuses]
    left.legend(handles=[Patch(color=COLORS[s], label=s) for s in used], loc="lower right", fontsize=8)
    every = [r.steps for r in records.values()]
    every = every or [0]
    # one bar per step count: steps are integers
    right.hist(every, bins=[x - 0.5 for x in range(min(every), max(every) + 2)], color="#1565c0", rwidth=0.85)
    low, high = min(every), max(every)
    right.set_xticks(range(low, high + 1, max(1, (high - low) // 10 + 1)))
    right.set_xlim(low - 1, high + 1)
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel("steps")
    right.set_ylabel("attempts")
    right.set_title(f"steps per attempt (n={len(every)})")
    fig.tight_layout()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    write_bytes(path, buffer.getvalue())
