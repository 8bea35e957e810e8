"""The import graph between srl_swe's subpackages follows DESIGN.md's layers: each imports only
those below it, so the graph has no cycle. Every import statement counts, including those inside
functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import srl_swe

PACKAGE = Path(srl_swe.__file__).resolve().parent

# Top to bottom; a unit may import units on lower lines only. Units are subpackages and
# top-level modules ("srl_swe" is the package's own __init__).
LAYERS = [
    ["__main__"],
    ["cli"],
    ["demo"],
    ["report"],
    ["train"],
    ["evaluate"],
    ["factory"],
    ["agents"],
    ["env"],
    ["models"],
    ["srl"],
    ["trajectories"],
    ["tools"],
    ["tasks"],
    ["sandbox"],
    ["executors"],
    ["deadline", "jsonl"],
    ["atomic", "errors", "folders", "paths", "policy", "text", "srl_swe"],
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str | None:
    """The layer unit of a dotted module name inside srl_swe, else None."""
    parts = module.split(".")
    if parts[0] != "srl_swe":
        return None
    return parts[1] if len(parts) > 1 else "srl_swe"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement brings in (`from a import b` gives a and a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = module.split(".") if is_package else module.split(".")[:-1]
            anchor = package[: len(package) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    return []


def unit_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> {imported unit -> files that import it}."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        source = unit_of(module)
        graph.setdefault(source, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in imported(node, module, path.name == "__init__.py"):
                target = unit_of(name)
                if target is not None and target != source:
                    graph[source].setdefault(target, set()).add(str(path.relative_to(PACKAGE.parent)))
    return graph


def find_cycle(graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(unit: str) -> list[str] | None:
        state[unit] = 1
        stack.append(unit)
        for target in graph.get(unit, {}):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[unit] = 2
        return None

    for unit in sorted(graph):
        if unit not in state and (cycle := visit(unit)):
            return cycle
    return None


def test_every_unit_has_a_layer():
    missing = sorted(set(unit_graph()) - set(RANK))
    assert not missing, f"Place {missing} in LAYERS (and in DESIGN.md's layer list)."


def test_subpackage_import_graph_is_acyclic():
    cycle = find_cycle(unit_graph())
    assert cycle is None, f"Import cycle between subpackages: {' -> '.join(cycle)}"


def test_each_layer_imports_only_layers_below():
    upward = [
        f"{source} imports {target} ({', '.join(sorted(files))})"
        for source, targets in unit_graph().items()
        for target, files in targets.items()
        if source in RANK and target in RANK and RANK[target] <= RANK[source]
    ]
    assert not upward, "Imports against DESIGN.md's layer order:\n" + "\n".join(upward)


def test_the_checker_sees_function_level_and_relative_imports():
    body = ast.parse("def f():\n    from srl_swe.env.rollout import rollout\nfrom . import schema\n")
    names = [n for node in ast.walk(body) for n in imported(node, "srl_swe.trajectories.importers", True)]
    assert "srl_swe.env.rollout" in names and "srl_swe.trajectories.importers.schema" in names
    assert find_cycle({"a": {"b": set()}, "b": {"a": set()}}) == ["a", "b", "a"]
