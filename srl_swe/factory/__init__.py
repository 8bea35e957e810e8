"""The task factory: many tasks from one repository (fix commits mined from its history, synthesized bugs)."""
