"""Evaluation on a Ray cluster started here (one head, docker nodes, real containers on this
machine's engine): the same results as local threads; a node killed mid-run still gives every
result exactly once and leaves no container behind; a driver killed mid-run resumes to the end;
tasks validate and data record run there too."""

from __future__ import annotations

import base64
import json
import operator
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from srl_swe.agents.chat_client import ChatClient
from srl_swe.agents.collect import collect
from srl_swe.evaluate.policies import PolicySettings
from srl_swe.evaluate.runner import EvalConfig, run_eval
from srl_swe.sandbox.engine import docker_client
from srl_swe.sandbox.lifecycle import LABEL, labelled
from srl_swe.tasks.registry import list_tasks, load_task
from srl_swe.tasks.validate import validate_tasks

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = [pytest.mark.docker, pytest.mark.long]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module: a head without Docker and one docker node (2 workers); tests
    add the nodes they kill. Nodes are processes of this machine that import this checkout."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
        cluster.add_node(num_cpus=1, resources={"docker": 2})
        try:
            ray.init(address=cluster.address, log_to_driver=False)
            cluster.wait_for_nodes()
            yield cluster
        finally:
            ray.shutdown()
            cluster.shutdown()


def _config(out: Path, tasks: list[str], workers: int, address: str | None) -> EvalConfig:
    return EvalConfig(policy=PolicySettings(kind="replay", mode="oracle-edit"), tasks=tasks, mode="oracle-edit",
                      workers=workers, out=out, ray=address)


def _outcomes(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    per_instance = {}
    for folder in sorted((out / "logs").iterdir()):
        result = json.loads((folder / "result.json").read_text())
        per_instance[folder.name] = (result["status"], result["grade_status"], (folder / "patch.diff").read_text(),
                                     json.loads((folder / "report.json").read_text()))
    return {"resolved": report["resolved_ids"], "errors": report["error_ids"], "instances": per_instance,
            "predictions": (out / "predictions.jsonl").read_text()}


def _orphans(pids: set[int]) -> list[str]:
    """Containers still present whose owning process (one of `pids`) is gone."""
    left = []
    for summary in labelled(docker_client(), LABEL):
        pid = int(summary["Labels"].get("srl_swe.pid", "0"))
        if pid in pids and not _alive(pid):
            left.append(summary["Id"][:12])
    return left


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _container_pids(owners: set[int]) -> set[int]:
    """The pids among `owners` that hold a container now."""
    return {int(s["Labels"].get("srl_swe.pid", "0")) for s in labelled(docker_client(), LABEL)} & owners


def _worker_pids(*nodes) -> set[int]:
    """The Ray worker processes of `nodes` (children of their raylets)."""
    import psutil

    raylets = [info.process.pid for node in nodes for info in node.all_processes["raylet"]]
    return {child.pid for pid in raylets for child in psutil.Process(pid).children(recursive=True)}


def test_eval_on_ray_gives_the_same_results_as_threads_and_validate_runs_there(tmp_path, cluster):
    tasks = list_tasks()[:2]
    threads = run_eval(_config(tmp_path / "threads", tasks, 2, None))
    on_ray = run_eval(_config(tmp_path / "ray", tasks, 2, cluster.address))
    assert threads["resolved_instances"] == len(tasks), "replay resolves every bundled task"
    assert _outcomes(tmp_path / "ray") == _outcomes(tmp_path / "threads")
    assert on_ray["total_instances"] == threads["total_instances"] == len(tasks)
    validated = validate_tasks([load_task(t) for t in tasks[:1]], workers=1, timeout=120, ray=cluster.address)
    assert [(v.task_id, v.outcome) for v in validated] == [(tasks[0], "ok")]


def test_a_node_killed_mid_run_gives_every_result_once_and_leaves_no_container(tmp_path, cluster):
    victim = cluster.add_node(num_cpus=1, resources={"docker": 1})
    cluster.wait_for_nodes()
    tasks = list_tasks()[:4]
    done: list[tuple[str, int]] = []
    killed: set[int] = set()

    def kill_when_busy() -> None:
        """Remove the victim node while its worker holds a container: an attempt in flight."""
        while not killed and time.monotonic() < deadline:
            killed.update(_container_pids(_worker_pids(victim)))
            time.sleep(0.05)
        cluster.remove_node(victim, allow_graceful=False)

    deadline = time.monotonic() + 120
    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    try:
        report = run_eval(_config(tmp_path / "run", tasks, 3, cluster.address),
                          on_done=lambda r: done.append((r.instance_id, r.attempt)))
    finally:
        deadline = 0
        killer.join()
    assert killed, "the victim node's worker never held a container"
    assert sorted(done) == sorted((t, 1) for t in tasks), "every attempt recorded exactly once"
    assert report["resolved_instances"] == len(tasks) and report["error_instances"] == 0
    assert not any(_alive(pid) for pid in killed)
    assert _orphans(killed) == []


def test_a_killed_driver_resumes_without_redoing_finished_work(tmp_path, cluster):
    tasks = list_tasks()[:3]
    out = tmp_path / "run"
    command = [sys.executable, "-m", "srl_swe.cli.main", "eval", "--policy", "replay", "--mode", "oracle-edit",
               "--tasks", ",".join(tasks), "--workers", "2", "--out", str(out), "--ray", cluster.address]
    driver = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = None
    try:
        deadline = time.monotonic() + 120
        while first is None and driver.poll() is None and time.monotonic() < deadline:
            first = next(iter(sorted(out.glob("logs/*/result.json"))), None)
            time.sleep(0.05)
        why = driver.stderr.read().decode()[-2000:] if driver.poll() is not None else "timeout"
        assert first is not None, f"the driver finished no attempt: {why}"
        seen_at_kill = _container_pids(_worker_pids(*cluster.list_all_nodes()))
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    done_before = sorted(out.glob("logs/*/result.json"))
    assert len(done_before) < len(tasks), "kill the driver mid-run"
    stamps = {path: path.stat().st_mtime_ns for path in done_before}
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert {path: path.stat().st_mtime_ns for path in done_before} == stamps, "a finished attempt was run again"
    report = json.loads((out / "report.json").read_text())
    assert (report["resolved_instances"], report["total_instances"]) == (len(tasks), len(tasks))
    dead = {pid for pid in seen_at_kill if not _alive(pid)}
    assert _orphans(dead) == [], "the resumed run's workers remove what the killed driver's left"


def test_record_on_ray_keeps_the_resolving_trajectory_and_closes_its_envs(cluster):
    from tests.test_record import MODEL, TASK, ScriptedServer, scripts

    server = ScriptedServer(scripts(load_task(TASK).patch))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    held: set[int] = set()

    def on_attempt(_attempt) -> None:  # the worker's env is still warm between attempts
        held.update(_container_pids(_worker_pids(*cluster.list_all_nodes())))

    try:
        result = collect([TASK], ChatClient.connect(server.url), attempts=2, on_attempt=on_attempt, ray=cluster.address)
    finally:
        server.shutdown()
        server.server_close()
    assert [(a.task_id, a.attempt, a.resolved) for a in result.attempts] == [(TASK, 1, True), (TASK, 2, False)]
    [trajectory] = result.kept
    assert (trajectory.model, trajectory.outcome.resolved) == (MODEL, True)
    assert [s.action.name for s in trajectory.steps] == ["str_replace_editor", "bash", "submit"]
    assert held, "the worker's env held a container while it ran"
    assert not _container_pids(held), "the worker's envs were closed with the run"


def test_rlvr_envs_live_in_ray_workers_and_close_with_the_run(tmp_path, cluster):
    from contextlib import ExitStack

    from srl_swe.train.config import RLVRConfig
    from srl_swe.train.rlvr import open_envs

    task = list_tasks()[0]
    cfg = RLVRConfig(out=str(tmp_path / "run"), group_size=2, max_turns=3, ray=cluster.address)
    with ExitStack() as stack:
        envs = open_envs(cfg, stack)
        infos = [env.reset(options={"task_id": task})[1] for env in envs]
        assert all(info["messages"][-1]["content"] for info in infos)
        assert envs[0].settings.max_steps == 3, "attributes read through as copies (the env's settings)"
        _, reward, terminated, _, info = envs[0].step("<function=submit>\n</function>")
        assert (terminated, reward) == (True, 0.0), "an empty diff resolves nothing"
        held = _container_pids(_worker_pids(*cluster.list_all_nodes()))
        assert len(held) == 2, "each env's warm container belongs to its own Ray worker"
    assert not _container_pids(held), "the envs' containers close with the run"


def test_a_free_worker_takes_a_key_whose_image_its_node_holds():
    from collections import deque

    from srl_swe.executors.ray_actors import take

    placed: dict[str, set[str]] = {}
    queue = deque([("a", 1), ("b", 1), ("a", 2), ("b", 2)])
    task = operator.itemgetter(0)
    assert take(queue, "n1", placed, task) == ("a", 1), "nothing held anywhere yet: the queue's head"
    assert take(queue, "n2", placed, task) == ("b", 1)
    assert take(queue, "n2", placed, task) == ("b", 2), "n2 built b's image: b's next attempt, ahead of a's"
    assert take(queue, "n2", placed, task) == ("a", 2), "nothing of n2's left: the head"
    assert not queue and placed == {"a": {"n1", "n2"}, "b": {"n2"}}
    unplaced = deque([1, 2])
    assert take(unplaced, "n1", placed, None) == 1 and list(unplaced) == [2]


class MarkedScript:
    """A batch policy that answers each prompt with the next action of one script, found from the
    prompt itself (the marks its earlier actions echoed), so an episode started over starts the
    script over. At the first prompt of step `at`, `then()` runs: a node lost mid-episode."""

    def __init__(self, patch: str, at: int, then):
        encoded = base64.b64encode(patch.encode()).decode()
        commands = ["echo srl-mark-1", "echo srl-mark-2",
                    f"echo srl-mark-3 && printf %s {encoded} | base64 -d | git apply"]
        self.script = [f"<function=bash>\n<parameter=command>{c}</parameter>\n</function>" for c in commands]
        self.script.append("<function=submit>\n</function>")
        self.at, self.then, self.starts = at, then, 0

    def act(self, messages):
        return self.act_batch([messages])[0]

    def act_batch(self, batch):
        steps = [max((k for k in (1, 2, 3) if f"srl-mark-{k}" in json.dumps(m)), default=0) for m in batch]
        self.starts += steps.count(0)
        if self.at in steps and self.then is not None:
            self.then()
            self.then = None
        return [self.script[k] for k in steps]


def test_an_rlvr_env_lost_mid_episode_is_replaced_and_its_episode_rerun(tmp_path, cluster):
    from contextlib import ExitStack

    from srl_swe.env.rollout import rollout_group
    from srl_swe.train.config import RLVRConfig
    from srl_swe.train.rlvr import open_envs

    task = list_tasks()[0]
    victim = cluster.add_node(num_cpus=1, resources={"docker": 1})  # with the first node's 2: a group of 3 fills both
    cluster.wait_for_nodes()
    killed: set[int] = set()
    spare = []

    def lose_the_victim() -> None:
        """Two turns into every episode: a node joins (room for the replacement), the victim goes."""
        killed.update(_container_pids(_worker_pids(victim)))
        spare.append(cluster.add_node(num_cpus=1, resources={"docker": 1}))
        cluster.wait_for_nodes()
        cluster.remove_node(victim, allow_graceful=False)

    policy = MarkedScript(load_task(task).patch, at=2, then=lose_the_victim)
    cfg = RLVRConfig(out=str(tmp_path / "run"), group_size=3, max_turns=6, ray=cluster.address)
    try:
        with ExitStack() as stack:
            envs = open_envs(cfg, stack)
            episodes = rollout_group(envs, policy, task_id=task)
            assert _container_pids(_worker_pids(spare[0])), "the replacement env runs on the node that joined"
            assert killed, "the victim node's worker held its env's container"
            _node, _host, pid = ray.get(envs[0]._actor.where.remote())
            killed.add(pid)
            ray.kill(envs[0]._actor, no_restart=True)  # a worker lost between episodes, its node alive
            gone_by = time.monotonic() + 30
            while _alive(pid) and time.monotonic() < gone_by:
                time.sleep(0.05)
            assert envs[0].settings.max_steps == 6, "a read whose worker is gone: the env made anew answers"
            assert envs[0].reset(options={"task_id": task})[1]["task_id"] == task
        assert policy.starts == 3 + 1, "the lost env's episode started over once"
        assert len(episodes) == 3 and all(e.task_id == task for e in episodes)
        assert [(len(e.turns), e.terminated, e.total_reward) for e in episodes] == [(4, True, 1.0)] * 3, \
            "each episode whole: the rerun's four turns, resolved; none of the lost attempt's"
        assert not any(_alive(pid) for pid in killed)
        assert not _container_pids(killed) and _orphans(killed) == [], "no container of the lost node's env is left"
    finally:
        for node in spare:  # later tests place their workers on the nodes they add
            cluster.remove_node(node)


def test_a_node_s_workers_share_one_process_with_a_seat_each():
    from srl_swe.executors.ray_actors import plan_seats

    assert plan_seats(8, {"n1": 8.0}) == [("n1", 8)], "one process for all of a node's workers"
    assert plan_seats(5, {"n1": 2.0, "n2": 4.0, "n3": 0.0}) == [("n2", 4), ("n1", 1)], "the freest node first"
    assert plan_seats(3, {"n1": 1.0}) == [("n1", 1), (None, 1), (None, 1)], "no room now: a process each, later"
    assert plan_seats(0, {"n1": 4.0}) == []
