"""Evaluation harness: run a policy over tasks in parallel sandboxes, grade each in a fresh
container, and write SWE-bench-format predictions and reports."""
