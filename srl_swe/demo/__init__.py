"""`srl-swe demo`: the whole pipeline on the bundled tasks, end to end, with a report."""
