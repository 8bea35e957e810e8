"""Tasks: TaskSpec, the on-disk registry, task images, test runs, grading, validation, registration,
SWE-bench interop."""
