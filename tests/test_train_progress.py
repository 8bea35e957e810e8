"""The training display: a bar for the steps and one for the current step's phase, which starts
afresh (so its ETA is its own) when the phase changes and moves on within it."""

from __future__ import annotations

import io

from rich.console import Console

from srl_swe.train import progress as progress_module
from srl_swe.train.progress import progress_bar


def test_phases_reset_on_a_new_phase_and_advance_within_one(monkeypatch):
    monkeypatch.setattr(progress_module, "Console", lambda **_: Console(file=io.StringIO(), force_terminal=False))
    with progress_bar("SRL", total=3, done=1) as p:
        bar = p._bar
        p.phase("sampling, round 1", 0, 16, "generating")
        p.phase("sampling, round 1", 8, 16, "generating")
        p.doing("scoring")
        steps, phase = bar.tasks
        assert (phase.description, phase.completed, phase.total) == ("  step 2: sampling, round 1 (scoring)", 8, 16)
        p.phase("update")
        steps, phase = bar.tasks
        assert (phase.description, phase.completed, phase.total) == ("  step 2: update", 0, None)
        p(reward=0.5)
        p.phase("sampling, round 1", 4, 16)
        steps, phase = bar.tasks
        assert steps.completed == 2 and phase.description == "  step 3: sampling, round 1" and phase.completed == 4
        assert bar.tasks[0].fields["shown"] == "reward=0.5"
    with progress_bar("SRL", total=3, shown=False) as quiet:  # other data-parallel processes: nothing shown
        quiet.phase("update")
        quiet(reward=1.0)
