"""Agents that produce trajectories: the chat client (any OpenAI-compatible endpoint), teacher
episodes kept when they resolve the task, scripted expert recordings, and replays of a trajectory
through the env. Every episode in an env runs through srl_swe.env.rollout."""
