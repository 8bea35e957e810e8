"""The task factory: tasks mined from history or synthesized, and their scripted experts, at scale."""
