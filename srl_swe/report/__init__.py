"""Self-contained HTML reports of a run: metrics, evaluation, trajectories."""
