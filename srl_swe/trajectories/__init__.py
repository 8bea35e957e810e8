"""The trajectory data model (Trajectory, Step, Outcome) and importers of other agents' formats."""
