"""Supervised Reinforcement Learning data: step-wise instances from expert trajectories, rewards."""
