"""Where parallel work runs: local threads (the default) or Ray actors on nodes with a Docker engine.

One interface, two implementations: the caller decides what to run (a picklable function over keyed
items) and gets each key's result once; only placement differs. Executors know nothing of what
they run; what a node needs before its first item (images) and after a lost worker (its
containers) comes in as `NodeHooks` from the layers above. Ray is imported only by `--ray`."""

from srl_swe.executors.base import (
    Executor,
    ExecutorSettings,
    HostedLost,
    NodeHooks,
    WorkerLost,
    open_executor,
    parse_ray_address,
)

__all__ = ["Executor", "ExecutorSettings", "HostedLost", "NodeHooks", "WorkerLost", "open_executor",
           "parse_ray_address"]
