"""report.md: what a person reads after a run."""

from __future__ import annotations


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def render_markdown(report: dict, config, records: dict) -> str:
    n = report["total_instances"]
    lines = [
        f"# Evaluation: {report['model_name_or_path']} ({report['mode']})", "",
        f"- resolve rate: **{_pct(report['resolve_rate'])}** ({report['resolved_instances']} of {n})",
    ]
    for k, value in report.get("pass_at_k", {}).items():
        lines.append(f"- pass@{k}: {_pct(value)}")
    similarity = report["mean_expert_similarity"]
    lines += [
        f"- mean steps: {report['mean_steps']:.1f} (limit {report['max_steps']})" if report["mode"] == "agentic"
        else "- one answer per attempt (oracle-edit)",
        f"- format-error rate: {_pct(report['format_error_rate'])} of steps",
        f"- mean step similarity to the expert: {similarity:.3f}" if similarity is not None
        else "- mean step similarity to the expert: n/a (no expert steps seen)",
        "", "| submitted | completed | resolved | unresolved | empty patch | error |", "|---|---|---|---|---|---|",
        "| {submitted_instances} | {completed_instances} | {resolved_instances} | {unresolved_instances} "
        "| {empty_patch_instances} | {error_instances} |".format(**report),
        "", "![outcomes](report.png)", "",
        "| task | attempt | status | tests | steps | format errors | similarity | seconds | reason |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (task, attempt), r in sorted(records.items()):
        sim = f"{r.similarity:.3f}" if r.similarity is not None else ""
        reason = (r.error or r.note or "").replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| {task} | {attempt} | {r.status} | {r.grade_status or ''} | {r.steps} | {r.format_errors} "
                     f"| {sim} | {r.duration_s:.1f} | {reason} |")
    if report["incomplete_ids"]:
        lines += ["", f"Not finished: {', '.join(report['incomplete_ids'])} (rerun the same command to finish them)."]
    return "\n".join(lines) + "\n"
