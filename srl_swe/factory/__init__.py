"""The task factory: many tasks from one repository (fix commits mined from its history, synthesized bugs)
and their scripted, verified expert trajectories."""
