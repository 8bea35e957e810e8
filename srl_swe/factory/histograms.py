"""The factory dataset's histogram PNG: steps per expert trajectory, and FAIL_TO_PASS tests per task."""

from __future__ import annotations

import io
from pathlib import Path

from srl_swe.atomic import write_bytes


def write_histograms(path: Path, lengths: list[int], f2p_sizes: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, values, title, color in ((axes[0], lengths, "steps per expert trajectory", "#1565c0"),
                                     (axes[1], f2p_sizes, "FAIL_TO_PASS tests per task", "#2e7d32")):
        # one bar per integer value: these are small counts
        bins = [x - 0.5 for x in range(min(values, default=0), max(values, default=0) + 2)]
        ax.hist(values, bins=bins, color=color, edgecolor="white")
        ax.set_xlim(bins[0] - 1, bins[-1] + 1)  # a single value still gets integer ticks around it
        ax.set_title(f"{title} (n={len(values)})", fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, format="png")
    plt.close(fig)
    write_bytes(path, buffer.getvalue())
