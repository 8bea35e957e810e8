"""The report page in headless Chromium: pick a run and a task, click a step, read what is shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from srl_swe.report.html import write
from srl_swe.report.model import Report, Run, Table, Turn
from srl_swe.tools.actions import bash, make_action, submit
from srl_swe.trajectories.schema import Outcome, Step, Trajectory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")

pytestmark = pytest.mark.browser


def _report() -> Report:
    edit = make_action("str_replace_editor", {"command": "str_replace", "path": "/testbed/lib.py",
                                              "old_str": "x < n", "new_str": "x <= n"})
    steps = [
        Step(
            thought="Look around first.",
            action=bash("ls /testbed"),
            observation="lib.py\ntests\n",
            reward=1.0,
            expert_action="<function=bash>\n<parameter=command>ls /testbed</parameter>\n</function>",
        ),
        Step(
            thought="Fix the bound.",
            action=edit,
            observation="The file /testbed/lib.py has been edited." + "x" * 3000,
            reward=0.42,
            expert_action="<function=bash>\n<parameter=command>cat lib.py</parameter>\n</function>",
        ),
        Step(thought="Done.", action=submit(), observation="", reward=-1.0),
    ]
    trajectory = Trajectory(task_id="demo-1", steps=steps, outcome=Outcome(resolved=True, diff="-x < n\n+x <= n\n"))
    other = Trajectory(task_id="demo-2", steps=steps[:1], outcome=Outcome(resolved=False, diff=""))
    return Report(
        title="test report",
        headline={"resolve rate": "50%"},
        tables=[Table(title="Evaluation", columns=["policy", "resolved"], rows=[["replay", 1.0]])],
        runs=[
            Run(name="srl", trajectories=[trajectory, other]),
            Run(name="noop", trajectories=[]),
            Run(
                name="sft",
                trajectories=[other],
                turns=[
                    [
                        Turn(
                            error="No tool call found: write one <function=...> block.",
                            response="<think>hmm</think> ls -la",
                        ),
                        Turn(step=0),
                    ]
                ],
            ),
        ],
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_viewer_click_through(tmp_path: Path):
    page_path = write(_report(), tmp_path / "report.html")
    assert "http" not in page_path.read_text().split("<script type='application/json'")[0].replace("https://arxiv", "")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        page = browser.new_page()
        page.goto(page_path.as_uri())
        assert page.inner_text("#headline").count("50%") == 1
        assert page.locator("#task option").count() == 2
        page.locator("#steps button").nth(1).click()
        assert page.inner_text("#step-title") == "Step 2"
        assert page.inner_text("#step-thought") == "Fix the bound."
        assert "<parameter=new_str>x <= n</parameter>" in page.inner_text("#step-action")
        assert "cat lib.py" in page.inner_text("#step-expert")
        assert page.inner_text("#step-reward") == "reward 0.420"
        assert page.locator("#step-observation").get_attribute("open") is None  # long: collapsed
        assert "+x <= n" in page.inner_text("#diff")
        page.select_option("#task", "1")
        assert page.locator("#steps button").count() == 1
        page.select_option("#run", "1")
        assert page.locator("#steps button").count() == 0
        page.select_option("#run", "2")  # a run whose turns include a format error
        assert page.locator("#steps button").count() == 2
        assert page.inner_text("#outcome") == "1 steps · 1 format errors · resolved: false"
        assert page.inner_text("#step-title") == "Format error"  # the first turn is shown
        assert page.inner_text("#turn-response") == "<think>hmm</think> ls -la"
        assert page.inner_text("#turn-error").startswith("No tool call found")
        page.locator("#steps button").nth(1).click()
        assert page.inner_text("#step-title") == "Step 1"
        assert page.locator("#steps button.active").inner_text().startswith("Step 1: bash ls /testbed")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 10_000
