"""The run's totals (report.json, SWE-bench's run-report keys plus srl-swe's metrics), report.md,
and report.png."""

from __future__ import annotations

from math import comb
from pathlib import Path

from srl_swe.evaluate import outputs
from srl_swe.evaluate.outputs import InstanceRecord


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021) from n attempts of which c resolved."""
    if n < k:
        raise ValueError(f"pass@{k} needs at least {k} attempts, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def totals(instance_ids: list[str], records: dict[tuple[str, int], InstanceRecord]) -> dict:
    """SWE-bench's make_run_report buckets over attempt 1: submitted = has a result; completed =
    graded (resolved + unresolved); empty patches are not graded; errors are runs or gradings that failed."""
    first = {i: records[(i, 1)] for i in instance_ids if (i, 1) in records}
    ids = {
        s: sorted(i for i, r in first.items() if r.status == s)
        for s in ("resolved", "unresolved", "empty_patch", "error")
    }
    completed = sorted(ids["resolved"] + ids["unresolved"])
    return {
        "total_instances": len(instance_ids),
        "submitted_instances": len(first),
        "completed_instances": len(completed),
        "resolved_instances": len(ids["resolved"]),
        "unresolved_instances": len(ids["unresolved"]),
        "empty_patch_instances": len(ids["empty_patch"]),
        "error_instances": len(ids["error"]),
        "submitted_ids": sorted(first),
        "incomplete_ids": sorted(set(instance_ids) - set(first)),
        "completed_ids": completed,
        "resolved_ids": ids["resolved"],
        "unresolved_ids": ids["unresolved"],
        "empty_patch_ids": ids["empty_patch"],
        "error_ids": ids["error"],
        "schema_version": 2,
    }


def metrics(instance_ids: list[str], records: dict[tuple[str, int], InstanceRecord], attempts: int) -> dict:
    every = list(records.values())
    steps = sum(r.steps for r in every)
    similarities = [r.similarity for r in every if r.similarity is not None]
    resolved = sum(1 for i in instance_ids if (i, 1) in records and records[(i, 1)].status == "resolved")
    result = {
        "resolve_rate": resolved / len(instance_ids) if instance_ids else 0.0,
        "mean_steps": steps / len(every) if every else 0.0,
        "format_error_rate": sum(r.format_errors for r in every) / steps if steps else 0.0,
        "mean_expert_similarity": sum(similarities) / len(similarities) if similarities else None,
        "attempts": attempts,
    }
    if attempts > 1:
        result["pass_at_k"] = {
            str(k): _mean_pass_at_k(instance_ids, records, attempts, k) for k in range(1, attempts + 1)
        }
    return result


def _mean_pass_at_k(instance_ids, records, attempts: int, k: int) -> float:
    """Averaged over every instance; an instance with fewer than k finished attempts counts as
    its finished ones allow (missing attempts count as unresolved)."""
    scores = []
    for i in instance_ids:
        c = sum(1 for a in range(1, attempts + 1) if (i, a) in records and records[(i, a)].status == "resolved")
        scores.append(pass_at_k(attempts, c, k))
    return sum(scores) / len(scores) if scores else 0.0


def write_reports(out: Path, config, records: dict[tuple[str, int], InstanceRecord]) -> dict:
    from srl_swe.evaluate.chart import write_chart
    from srl_swe.evaluate.markdown import render_markdown

    out = Path(out)
    report = {
        **totals(config.tasks, records),
        **metrics(config.tasks, records, config.attempts),
        "model_name_or_path": config.policy.name, "mode": config.mode, "max_steps": config.max_steps,
    }
    outputs.write_json(out / "report.json", report)
    write_chart(out / "report.png", config.tasks, records)
    outputs.write_text(out / "report.md", render_markdown(report, config, records))
    return report
