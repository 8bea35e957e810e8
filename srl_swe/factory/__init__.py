"""The task factory: tasks made in bulk from a repository (synthesized bugs, mined fix commits) and
the deterministic expert trajectories that solve them."""
