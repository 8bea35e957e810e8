"""A pytest plugin that records each test's node id and outcome as pytest itself reports them.

srl-swe copies this file into the container and loads it with `-p`. It writes one JSON line per
report to $SRL_SWE_REPORT (a passing setup or teardown says nothing and is left out), in batches
so that thousands of tests cost no more than a few writes; a run killed mid-way keeps all but
its last batch. It also names the requested ids in $SRL_SWE_IDS that pytest did not collect. It
runs under any pytest from 5.x on and any Python from 3.6 on (old SWE-bench images), so it uses
only stable hooks and syntax.
"""

import json
import os

_BATCH = 256
_report = None
_pending = []


def _record(**fields):
    if _report is not None:
        _pending.append(json.dumps(fields))
        if len(_pending) >= _BATCH:
            _flush()


def _flush():
    if _pending:
        _report.write("\n".join(_pending) + "\n")
        _report.flush()
        del _pending[:]


def pytest_configure(config):
    global _report
    path = os.environ.get("SRL_SWE_REPORT")
    if path and _report is None:
        _report = open(path, "a", encoding="utf-8")


def pytest_unconfigure(config):
    global _report
    if _report is not None:
        _flush()
        _report.close()
        _report = None


def pytest_collectreport(report):
    if report.failed:
        _record(collect_error=report.nodeid, message=str(report.longrepr)[-3000:])


def pytest_collection_modifyitems(session, config, items):
    collected = [item.nodeid for item in items]
    _record(collected=collected)
    ids_file = os.environ.get("SRL_SWE_IDS")
    if ids_file and os.path.getsize(ids_file):
        with open(ids_file, encoding="utf-8") as f:
            requested = [line.rstrip("\n") for line in f if line.strip()]
        known = set(collected)
        _record(not_found=[test_id for test_id in requested if test_id not in known])


def pytest_runtest_logreport(report):
    if report.outcome == "rerun":  # pytest-rerunfailures: only the final attempt counts
        return
    if report.when != "call" and report.outcome == "passed":
        return
    _record(id=report.nodeid, when=report.when, outcome=report.outcome, xfail=hasattr(report, "wasxfail"))


def pytest_sessionfinish(session, exitstatus):
    _record(exitstatus=int(exitstatus))
    _flush()
