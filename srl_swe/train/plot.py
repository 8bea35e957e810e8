"""Training curves as PNG: one panel per metric logged in RUN_DIR/metrics.jsonl."""

from __future__ import annotations

import math
from pathlib import Path

from srl_swe.atomic import replacing
from srl_swe.errors import ConfigError
from srl_swe.train.metrics import read_metrics

# Shown first, in this order, when present; any other numeric metric follows.
PREFERRED = ["reward_mean", "reward_std", "loss", "value_loss", "explained_variance", "clip_fraction",
             "fraction_filtered", "kl", "entropy", "completion_len_mean",
             "tokens_per_s", "format_error_rate", "success_rate", "grad_norm", "lr"]


def plot_run(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Draw the run's metrics to `out` (default RUN_DIR/curves.png); returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    records = read_metrics(run_dir)
    if not records:
        raise ConfigError(f"{run_dir} has no metrics.jsonl entries to plot: train first.")
    numeric = {
        k
        for r in records
        for k, v in r.items()
        if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    keys = [k for k in PREFERRED if k in numeric] + sorted(numeric - set(PREFERRED))
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys, strict=False):  # spare axes are hidden below
        points = [(r["step"], r[key]) for r in records if key in r]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o" if len(points) < 30 else None, lw=1.5)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle(f"{run_dir.name}: {len(records)} steps", fontsize=11)
    fig.tight_layout()
    out = Path(out) if out else run_dir / "curves.png"
    with replacing(out, binary=True) as fh:
        fig.savefig(fh, dpi=110, format="png")
    plt.close(fig)
    return out
