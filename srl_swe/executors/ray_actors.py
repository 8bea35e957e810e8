"""The Ray executor: env workers are actors on nodes that offer the `docker` resource (one unit
per worker), long-lived processes that keep their caches and warm containers between items. For
map, a node's workers share one process (its seats: threads), so each node pays the start-up of
Ray's worker and srl-swe's imports once, not once per worker; a hosted object has its own.

The driver keeps the queue: an item goes to an idle worker; an item whose worker dies (its node
lost) goes back to the front of the queue and a replacement worker is started wherever Ray finds
room, so every key is yielded exactly once. Each new node is set up once, before its first item:
`probe` on the node, `provide` on the driver, `install` on the node, then `reap` to clear what dead
workers of an earlier run left there. A hosted object whose worker dies is made anew by its factory
on a new worker, and the call in flight raises HostedLost (the caller redoes its work from the start)."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

from srl_swe.errors import ConfigError
from srl_swe.executors.base import HostedLost, NodeHooks, WorkerLost

try:
    import ray
    import ray.exceptions
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError as exc:  # only reached through --ray
    raise ConfigError("--ray needs Ray on this machine and on every node: pip install 'srl-swe[ray]'") from exc

RESOURCE = "docker"
START_TIMEOUT = 300.0  # seconds a queue waits for a worker when none is running
HOOK_TIMEOUT = 600.0  # probe/install/reap/abort: an image load can take minutes
LOOKAHEAD = 64  # queued keys a free worker looks through for one whose place its node holds


@ray.remote(num_cpus=0)
class EnvWorker:
    """A process on one node that holds `seats` workers (one `docker` unit each): that many items
    run at once in its threads, sharing its imports, Docker client and policy as local threads do
    (a process per worker costs each one Ray's and srl-swe's start-up), plus one call beside them
    for abort/reap. A hosted object has a process of its own."""

    def __init__(self):
        self._fn: Callable[[Any], Any] | None = None
        self._hosted: Any = None

    def where(self) -> tuple[str, str, int]:
        return ray.get_runtime_context().get_node_id(), socket.gethostname(), os.getpid()

    def call(self, hook: Callable, *args) -> Any:
        return hook(*args)

    def bind(self, fn: Callable[[Any], Any]) -> None:
        self._fn = fn

    def run(self, item: Any) -> Any:
        assert self._fn is not None, "bind() comes first"
        return self._fn(item)

    def host(self, factory: Callable[[], Any]) -> None:
        self._hosted = factory()

    def invoke(self, name: str, args: tuple, kwargs: dict) -> Any:
        return getattr(self._hosted, name)(*args, **kwargs)

    def attribute(self, name: str) -> tuple[bool, Any]:
        """(True, None) for a method, else (False, a copy of the value)."""
        value = getattr(self._hosted, name)
        return (True, None) if callable(value) else (False, value)


class Hosted:
    """An object living in a worker: calling one of its methods here runs it there and waits; reading
    another attribute gives a copy of its value. When the worker dies during a call (its node lost),
    the object is made anew by its factory on a new worker, and the call raises HostedLost: the state
    it held went with the old one, so the caller decides what to redo."""

    def __init__(self, executor: RayExecutor, factory_ref, actor):
        self._executor = executor
        self._factory = factory_ref
        self._actor = actor
        self._methods: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._methods:
            try:
                is_method, value = self._get(name, lambda actor: actor.attribute.remote(name))
            except HostedLost:
                is_method, value = ray.get(self._actor.attribute.remote(name))
                if is_method:  # the call to come was meant for the lost object's state
                    raise
                # a copy of a value (an env's settings): the fresh object's, as reading changes nothing
            if not is_method:
                return value
            self._methods.add(name)

        def call(*args, **kwargs):
            return self._get(name, lambda actor: actor.invoke.remote(name, args, kwargs))

        return call

    def _get(self, name: str, send: Callable[[Any], Any]) -> Any:
        lost = self._actor
        try:
            return ray.get(send(lost))
        except ray.exceptions.RayActorError as exc:
            self._actor = self._executor.replace(lost, self._factory)
            raise HostedLost(f"The worker hosting this object was lost during {name}() ({type(exc).__name__}); a "
                             "new one holds a fresh object: redo the work from its start.",
                             self._executor.max_attempts) from exc

    def close(self) -> None:
        """A worker that is gone has nothing left to close: its containers are removed by a worker
        that survives on its node (reap), or went with the node; no replacement is made to close it."""
        try:
            ray.get(self._actor.invoke.remote("close", (), {}))
        except ray.exceptions.RayActorError:
            self._executor.forget(self._actor)


def take(queue: deque, node: str, placed: dict[str, set[str]], place: Callable[[Hashable], str] | None) -> Hashable:
    """The next key for a worker on `node`: the first of the next LOOKAHEAD queued keys whose place
    that node already holds (it ran a key of it: the image is built there), else the queue's head.
    Records that the node now holds the taken key's place."""
    if place is None:
        return queue.popleft()
    ahead = enumerate(itertools.islice(queue, LOOKAHEAD))
    chosen = next((i for i, key in ahead if node in placed.get(place(key), ())), 0)
    key = queue[chosen]
    del queue[chosen]
    placed.setdefault(place(key), set()).add(node)
    return key


def plan_seats(wanted: int, free: Mapping[str, float]) -> list[tuple[str | None, int]]:
    """(node, seats) of the worker processes to start for `wanted` seats: one process a node, with as
    many seats as the node has `docker` units free (the freest first); seats no node has room for
    now get a process each, wherever Ray later finds room (None)."""
    plan = []
    for node, units in sorted(free.items(), key=lambda kv: -kv[1]):
        seats = min(int(units), wanted)
        if seats > 0:
            plan.append((node, seats))
            wanted -= seats
    return plan + [(None, 1)] * wanted


def free_units() -> dict[str, float]:
    """Each alive node's free `docker` units now (a snapshot: other runs may take them first)."""
    from ray._private.state import available_resources_per_node  # no public per-node view in Ray 2.x

    return {node: res.get(RESOURCE, 0.0) for node, res in available_resources_per_node().items()}


def connect(address: str, workers: int) -> bool:
    """Join (or with `local` start) a cluster; False when this process was connected already."""
    if ray.is_initialized():
        return False
    if address == "local":
        ray.init(address="local", resources={RESOURCE: max(workers, os.cpu_count() or 1)},
                 include_dashboard=False, log_to_driver=False)
    else:
        try:
            ray.init(address=address, log_to_driver=False)
        except ConnectionError as exc:  # Ray says so with a traceback and its own flags
            raise ConfigError(
                f"--ray {address}: no Ray cluster answers ({str(exc).splitlines()[0][:120]}). Start one first "
                "('ray start --head' on this machine), or pass --ray local to run one inside this command."
            ) from None
    return True


class RayExecutor:
    def __init__(self, address: str, workers: int, hooks: NodeHooks, max_attempts: int = 3):
        self.workers = workers
        self.hooks = hooks
        self.max_attempts = max_attempts
        self._live: dict[Any, str] = {}  # actor -> node id
        self._seats: dict[Any, int] = {}  # actor -> the map items it runs at once (hosting actors: none)
        self._starting: dict[Any, Any] = {}  # where() ref -> actor not yet set up
        self._reaping: list = []
        self._start_failures = 0
        self._owns_ray = connect(address, workers)
        if ray.cluster_resources().get(RESOURCE, 0) < 1:
            self.close()
            raise ConfigError(f"No node of the Ray cluster at {address} offers the {RESOURCE!r} resource; start the "
                              f"nodes that have Docker with: ray start --resources '{{\"{RESOURCE}\": N}}'")
        self._nodes: set[str] = set()
        self._placed: dict[str, set[str]] = {}  # place (e.g. a task image) -> nodes that ran a key of it
        self._payloads: dict[tuple[str, ...], Any] = {}
        self._fn_ref = None
        self._bound: set[Any] = set()
        self._replacing = threading.Lock()

    def map(self, fn: Callable[[Any], Any], items: Mapping[Hashable, Any],
            place: Callable[[Hashable], str] | None = None) -> Iterator[tuple[Hashable, Any]]:
        self._fn_ref = ray.put(fn)
        self._bound.clear()
        queue = deque(items)
        deaths: Counter = Counter()
        running: dict[Any, tuple[Any, Hashable]] = {}
        starting = self._starting
        idle = [actor for actor, seats in self._seats.items() if actor in self._live for _ in range(seats)]
        for node, seats in plan_seats(self.workers - sum(self._seats.values()), free_units()):
            self._start(starting, node, seats)
        while queue or running:
            while idle and queue:
                actor = idle.pop()
                key = take(queue, self._live[actor], self._placed, place)
                self._bind(actor)
                running[actor.run.remote(items[key])] = (actor, key)
            if not running and not starting:
                self._start(starting, None, 1)
            ready, _ = ray.wait([*running, *starting], num_returns=1, timeout=None if running else START_TIMEOUT)
            if not ready:
                raise WorkerLost(f"No worker started in {START_TIMEOUT:.0f} s: no node of the cluster has a free "
                                 f"{RESOURCE!r} resource; add one, or lower --workers.")
            ref = ready[0]
            if ref in starting:
                actor = starting.pop(ref)
                if self._ready(actor, ref):
                    idle += [actor] * self._seats[actor]
                else:
                    self._start(starting, None, self._seats.pop(actor))
                continue
            actor, key = running.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayActorError as exc:
                deaths[key] += 1
                if deaths[key] >= self.max_attempts:
                    raise WorkerLost(f"Item {key!r} lost its worker {deaths[key]} times (last: {type(exc).__name__}); "
                                     "check the nodes' memory and logs.") from exc
                queue.appendleft(key)
                if actor in self._live:  # its other items come back lost too, and are requeued as they do
                    idle[:] = [a for a in idle if a is not actor]
                    seats = self._seats[actor]
                    self._lose(actor)
                    for node, k in plan_seats(seats, free_units()):
                        self._start(starting, node, k)
                continue
            idle.append(actor)
            yield key, result

    def host(self, factory: Callable[[], Any], count: int) -> list[Any]:
        factory_ref = ray.put(factory)
        return [Hosted(self, factory_ref, actor) for actor in self._host_actors(factory_ref, count)]

    def replace(self, lost, factory_ref) -> Any:
        """A new worker holding a fresh factory() object, for one whose worker died; callers may be
        threads of their own (one per hosted object)."""
        with self._replacing:
            self._lose(lost)
            return self._host_actors(factory_ref, 1)[0]

    def forget(self, lost) -> None:
        with self._replacing:
            self._lose(lost)

    def _host_actors(self, factory_ref, count: int) -> list:
        """`count` workers started together, each node set up once, each holding factory()'s object."""
        starting: dict[Any, Any] = {}
        for _ in range(count):
            self._start(starting)
        actors, deadline = [], time.monotonic() + START_TIMEOUT
        try:
            while starting:
                ready, _ = ray.wait(list(starting), num_returns=1, timeout=max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise WorkerLost(f"{len(starting)} of {count} worker(s) to host an object did not start in "
                                     f"{START_TIMEOUT:.0f} s: no node has a free {RESOURCE!r} resource (one per "
                                     "object); add nodes or lower the count.")
                actor = starting.pop(ready[0])
                if self._ready(actor, ready[0]):
                    actors.append(actor)
                else:
                    self._start(starting)
            try:
                ray.get([actor.host.remote(factory_ref) for actor in actors])
            except ray.exceptions.RayActorError as exc:
                raise WorkerLost(f"A worker died while it made its object ({type(exc).__name__}): its node was lost, "
                                 "or making the object kills its process; check the nodes' memory and logs.") from exc
        except BaseException:
            for actor in [*starting.values(), *actors]:
                self._live.pop(actor, None)
                ray.kill(actor, no_restart=True)
            raise
        return actors

    def _start(self, starting: dict, node: str | None = None, seats: int = 0) -> None:
        """A worker process: `seats` map items at once (0: it hosts one object), placed on `node`
        when it still has room there, else wherever it fits."""
        where = "DEFAULT" if node is None else NodeAffinitySchedulingStrategy(node, soft=True)
        actor = EnvWorker.options(resources={RESOURCE: max(seats, 1)}, max_concurrency=max(seats, 1) + 1,
                                  scheduling_strategy=where).remote()
        if seats:
            self._seats[actor] = seats
        starting[actor.where.remote()] = actor

    def _ready(self, actor, where_ref) -> bool:
        """Set up the worker's node if it is new to this run; False if the worker died starting
        (a node lost meanwhile). Workers that keep dying as they start (srl-swe missing on a node)
        end the run with the reason."""
        try:
            node, _host, _pid = ray.get(where_ref)
            self._live[actor] = node
            if node not in self._nodes:
                self._setup_node(actor)
                self._nodes.add(node)
        except ray.exceptions.RayActorError as exc:
            self._live.pop(actor, None)
            ray.kill(actor, no_restart=True)
            self._start_failures += 1
            if self._start_failures >= self.max_attempts * self.workers:
                reason = next((line for line in str(exc).splitlines() if "Error" in line), type(exc).__name__)
                raise WorkerLost(f"{self._start_failures} workers died as they started ({reason.strip()[:300]}); "
                                 "check that every node has the same srl-swe installed "
                                 "(pip install 'srl-swe[ray]').") from exc
            return False
        return True

    def _setup_node(self, actor) -> None:
        hooks = self.hooks
        if hooks.probe is not None:
            missing = ray.get(actor.call.remote(hooks.probe), timeout=HOOK_TIMEOUT)
            if missing:
                key = tuple(sorted(missing))
                if key not in self._payloads:
                    self._payloads[key] = ray.put(hooks.provide(list(key)))
                ray.get(actor.call.remote(hooks.install, self._payloads[key]), timeout=HOOK_TIMEOUT)
        if hooks.reap is not None:
            ray.get(actor.call.remote(hooks.reap), timeout=HOOK_TIMEOUT)

    def _bind(self, actor) -> None:
        if actor not in self._bound:
            ray.get(actor.bind.remote(self._fn_ref))
            self._bound.add(actor)

    def _lose(self, actor) -> None:
        """The dead worker's containers stay on its node's engine if the engine outlived it: a
        survivor on each node removes containers whose owning process is gone."""
        self._live.pop(actor, None)
        self._seats.pop(actor, None)
        self._bound.discard(actor)
        ray.kill(actor, no_restart=True)
        if self.hooks.reap is None:
            return
        for survivor in self._one_per_node():
            self._reaping.append(survivor.call.remote(self.hooks.reap))

    def _one_per_node(self) -> list:
        chosen: dict[str, Any] = {}
        for actor, node in self._live.items():
            chosen.setdefault(node, actor)
        return list(chosen.values())

    def abort(self) -> None:
        if self.hooks.abort is not None and self._live:
            ray.get([actor.call.remote(self.hooks.abort) for actor in self._live], timeout=HOOK_TIMEOUT)

    def close(self) -> None:
        """Reaps that were started finish first (a second round catches containers whose owner was
        still exiting at the first); then the workers end, and the cluster if this run started it."""
        try:
            if self._reaping and self.hooks.reap is not None:
                self._reaping += [actor.call.remote(self.hooks.reap) for actor in self._one_per_node()]
            ray.get(self._reaping, timeout=HOOK_TIMEOUT)
            if self.hooks.abort is not None and self._live:
                ray.get([actor.call.remote(self.hooks.abort) for actor in self._live], timeout=HOOK_TIMEOUT)
        finally:
            for actor in [*self._live, *self._starting.values()]:
                ray.kill(actor, no_restart=True)
            self._live.clear()
            self._starting.clear()
            if self._owns_ray:
                ray.shutdown()
