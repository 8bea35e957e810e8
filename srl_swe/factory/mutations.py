"""Procedural bugs: small AST-guided edits of a module's source, each a candidate task.

Every mutation is one minimal text edit located by the AST's node positions (lineno/col_offset are
UTF-8 byte offsets, so edits are made on the encoded source); the rest of the file stays
byte-identical, so the fix (the reverse edit) is a small diff. An edit that does not parse, or
parses to the same AST (a no-op), is skipped. Choices (which way a bound moves) come from a
random generator seeded by the seed, the file and the site: the same inputs give the same
mutations.

Strategies:
    comparison      < <=, > >=, == !=, is / is not, in / not in flipped
    boolean         `and` <-> `or`; a `not` removed
    off_by_one      range() arguments, slice bounds and integer indices moved by one
    drop_statement  a simple statement of a function body removed (`pass` if it was alone)
    drop_branch     an else or elif branch, or an if without else, removed
    swap_args       two adjacent positional arguments of a call swapped
    constant        numbers moved by one, True <-> False, None -> False (strings are left alone)
    remove_guard    an `if ...: raise/return` at a function's top removed
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

STRATEGIES = ("comparison", "boolean", "off_by_one", "drop_statement", "drop_branch", "swap_args", "constant",
              "remove_guard")


@dataclass(frozen=True)
class Edit:
    start: int  # byte offsets into the encoded source
    end: int
    text: str
    line: int
    what: str


@dataclass(frozen=True)
class Mutation:
    strategy: str
    file: str      # the module's path in the repo
    line: int
    what: str      # the edit in words, e.g. "`<` -> `<=`"
    source: str    # the module as it was
    mutated: str   # the module with the bug

    @property
    def digest(self) -> str:
        return hashlib.sha1(f"{self.file}\0{self.mutated}".encode()).hexdigest()

    def name(self, repo: str) -> str:
        """`<repo>-synth-<strategy>-<short hash>`, a valid task id."""
        slug = re.sub(r"[^A-Za-z0-9._+-]+", "-", repo).strip("-.") or "repo"
        return f"{slug}-synth-{self.strategy.replace('_', '-')}-{self.digest[:8]}"


class _Source:
    """The module's text as bytes, with AST positions turned into offsets."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.starts = [0]
        for i, byte in enumerate(self.data):
            if byte == 0x0A:
                self.starts.append(i + 1)

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8")

    def segment(self, node: ast.AST) -> str:
        return self.text(self.start(node), self.end(node))

    def line_end(self, line: int) -> int:
        """Offset just past the newline that ends `line` (the end of the data on the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.data)

    def owns_lines(self, node: ast.stmt) -> bool:
        """Nothing but blanks before the statement on its first line, and nothing but blanks or a
        comment after it on its last (no `a = 1; b = 2`)."""
        before = self.data[self.starts[node.lineno - 1]:self.start(node)]
        after = self.data[self.end(node):self.line_end(node.end_lineno)].strip()
        return not before.strip() and (not after or after.startswith(b"#"))

    def indent(self, node: ast.AST) -> str:
        return self.text(self.starts[node.lineno - 1], self.start(node))


def parses(text: str) -> bool:
    """Whether this Python reads the module (a repo may use newer syntax: it gives no mutations)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def mutate(path: str, text: str, strategies: tuple[str, ...] = STRATEGIES, seed: int = 0) -> list[Mutation]:
    """The mutations of one module, strategy by strategy, in source order; [] if it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    original = ast.dump(tree)
    src = _Source(text)
    _link_parents(tree)
    found: list[Mutation] = []
    for strategy in strategies:
        rng = random.Random(f"{seed}:{path}:{strategy}")
        for edit in _FINDERS[strategy](tree, src, rng):
            mutated = (src.data[:edit.start] + edit.text.encode("utf-8") + src.data[edit.end:]).decode("utf-8")
            if mutated == text or not _changes_code(mutated, original):
                continue
            found.append(Mutation(strategy, path, edit.line, edit.what, text, mutated))
    return found


def _changes_code(mutated: str, original_dump: str) -> bool:
    try:
        return ast.dump(ast.parse(mutated)) != original_dump
    except (SyntaxError, ValueError):
        return False


def _link_parents(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child._parent = node  # type: ignore[attr-defined]


def _parent(node: ast.AST) -> ast.AST | None:
    return getattr(node, "_parent", None)


def _in_annotation_or_docstring(node: ast.AST) -> bool:
    """Type annotations and f-strings hold no behaviour worth breaking; docstrings are text."""
    child, parent = node, _parent(node)
    while parent is not None:
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, ast.arg) and child is parent.annotation:
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is parent.returns:
            return True
        if isinstance(parent, ast.AnnAssign) and child is parent.annotation:
            return True
        child, parent = parent, _parent(parent)
    return False


def _code_nodes(tree: ast.AST, kind: type | tuple[type, ...]) -> Iterator:
    for node in ast.walk(tree):
        if isinstance(node, kind) and not _in_annotation_or_docstring(node):
            yield node
    # ast.walk is breadth-first; source order is restored by the caller's sort where it matters


def _sorted(nodes) -> list:
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


# -- comparison ---------------------------------------------------------------------------------

_FLIP = {ast.Lt: (r"<", "<="), ast.LtE: (r"<=", "<"), ast.Gt: (r">", ">="), ast.GtE: (r">=", ">"),
         ast.Eq: (r"==", "!="), ast.NotEq: (r"!=", "=="), ast.Is: (r"is", "is not"), ast.IsNot: (r"isnot", "is"),
         ast.In: (r"in", "not in"), ast.NotIn: (r"notin", "in")}
_OP_TEXT = {ast.Lt: r"<", ast.LtE: r"<=", ast.Gt: r">", ast.GtE: r">=", ast.Eq: r"==", ast.NotEq: r"!=",
            ast.Is: r"\bis\b", ast.IsNot: r"\bis\s+not\b", ast.In: r"\bin\b", ast.NotIn: r"\bnot\s+in\b"}


def _between(src: _Source, left: ast.AST, right: ast.AST) -> tuple[int, str]:
    start = src.end(left)
    return start, src.text(start, src.start(right))


def _compact(text: str) -> str:
    """An operator's text between two operands, without the blanks, parentheses and line joins around it."""
    return re.sub(r"[\s()\\]", "", text)


def _operator_edit(src: _Source, left: ast.AST, right: ast.AST, compact: str, pattern: str, new: str,
                   what: str) -> Edit | None:
    start, between = _between(src, left, right)
    if _compact(between) != compact:  # a comment or something unexpected sits there: leave it
        return None
    found = re.search(pattern, between)
    if found is None:
        return None
    a = start + len(between[:found.start()].encode("utf-8"))
    b = start + len(between[:found.end()].encode("utf-8"))
    line = left.end_lineno + between[:found.start()].count("\n")
    return Edit(a, b, new, line, what)


def _comparison(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for node in _sorted(_code_nodes(tree, ast.Compare)):
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            compact, new = _FLIP[type(op)]
            old = {"isnot": "is not", "notin": "not in"}.get(compact, compact)
            edit = _operator_edit(src, operands[i], operands[i + 1], compact, _OP_TEXT[type(op)], new,
                                  f"`{old}` -> `{new}`")
            if edit:
                yield edit


# -- boolean ------------------------------------------------------------------------------------

def _boolean(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    nodes = _sorted([*_code_nodes(tree, ast.BoolOp), *_code_nodes(tree, ast.UnaryOp)])
    for node in nodes:
        if isinstance(node, ast.BoolOp):
            old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            for left, right in zip(node.values, node.values[1:], strict=False):
                edit = _operator_edit(src, left, right, old, rf"\b{old}\b", new, f"`{old}` -> `{new}`")
                if edit:
                    yield edit
        elif isinstance(node.op, ast.Not):
            head = src.text(src.start(node), src.start(node.operand))
            found = re.match(r"not\s*", head)
            if found and _compact(head) == "not":
                start = src.start(node)
                yield Edit(start, start + len(found.group().encode()), "", node.lineno, "`not` removed")


# -- off by one ---------------------------------------------------------------------------------

_LOOSE = (ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.NamedExpr)
_LOW_OPS = (ast.BitOr, ast.BitXor, ast.BitAnd, ast.LShift, ast.RShift)


def _int_value(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) is int):
        return -node.operand.value
    return None


def _shift(src: _Source, node: ast.AST, delta: int, where: str) -> Edit | None:
    """`node` moved by `delta`: an integer literal changed, a `± k` adjusted, or `± 1` appended."""
    start, end = src.start(node), src.end(node)
    value = _int_value(node)
    if value is not None:
        return Edit(start, end, str(value + delta), node.lineno, f"{where}: {value} -> {value + delta}")
    if (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
            and type(getattr(node.right, "value", None)) is int and isinstance(node.right, ast.Constant)):
        k = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        k += delta
        left = src.segment(node.left)
        if k == 0:
            return Edit(start, end, left, node.lineno, f"{where}: `{src.segment(node)}` -> `{left}`")
        op_start = src.end(node.left)
        new = src.text(op_start, src.start(node.right)).replace("+" if isinstance(node.op, ast.Add) else "-",
                                                                 "+" if k > 0 else "-")
        return Edit(op_start, end, new + str(abs(k)), node.lineno,
                    f"{where}: `{src.segment(node)}` -> `{left}{new}{abs(k)}`")
    text = src.segment(node)
    if "\n" in text:
        return None
    if isinstance(node, _LOOSE) or (isinstance(node, ast.BinOp) and isinstance(node.op, _LOW_OPS)):
        text = f"({text})"
    new = f"{text} {'+' if delta > 0 else '-'} 1"
    return Edit(start, end, new, node.lineno, f"{where}: `{src.segment(node)}` -> `{new}`")


def _off_by_one(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    sites: list[tuple[ast.AST, str]] = []
    for node in _code_nodes(tree, (ast.Call, ast.Subscript)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "range" and not node.keywords:
                bounds = node.args[:2]
                sites += [(arg, "range bound") for arg in bounds if not isinstance(arg, ast.Starred)]
        elif isinstance(node.slice, ast.Slice):
            sites += [(bound, "slice bound") for bound in (node.slice.lower, node.slice.upper) if bound is not None]
        elif _int_value(node.slice) is not None or (isinstance(node.slice, ast.BinOp)
                                                    and isinstance(node.slice.op, (ast.Add, ast.Sub))):
            sites.append((node.slice, "index"))
    for node, where in _sorted_sites(sites):
        edit = _shift(src, node, rng.choice((-1, 1)), where)
        if edit:
            yield edit


def _sorted_sites(sites: list[tuple[ast.AST, str]]) -> list[tuple[ast.AST, str]]:
    return sorted(sites, key=lambda site: (site[0].lineno, site[0].col_offset))


# -- statements and branches ----------------------------------------------------------------------

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Delete, ast.Assert,
           ast.Break, ast.Continue)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _function_blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list inside a function body (nested blocks included, nested functions on their own)."""
    for func in _sorted(n for n in ast.walk(tree) if isinstance(n, _FUNCTIONS)):
        stack = [func.body]
        while stack:
            block = stack.pop(0)
            yield block
            for stmt in block:
                if isinstance(stmt, _FUNCTIONS + (ast.ClassDef,)):
                    continue
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, field, None)
                    if inner and isinstance(inner[0], ast.stmt):
                        stack.append(inner)
                for handler in getattr(stmt, "handlers", []):
                    stack.append(handler.body)
                for case in getattr(stmt, "cases", []):
                    stack.append(case.body)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _remove_lines(src: _Source, block: list[ast.stmt], stmts: list[ast.stmt], what: str) -> Edit | None:
    """Delete the whole lines of `stmts` (consecutive, in `block`); `pass` when nothing else is left."""
    first, last = stmts[0], stmts[-1]
    if not (src.owns_lines(first) and src.owns_lines(last)):
        return None
    start, end = src.starts[first.lineno - 1], src.line_end(last.end_lineno)
    rest = [s for s in block if s not in stmts and not _is_docstring(s)]
    text = "" if rest else f"{src.indent(first)}pass\n"
    return Edit(start, end, text, first.lineno, what)


def _drop_statement(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for block in _function_blocks(tree):
        for i, stmt in enumerate(block):
            if not isinstance(stmt, _SIMPLE) or (i == 0 and _is_docstring(stmt)):
                continue
            first_line = src.segment(stmt).splitlines()[0]
            edit = _remove_lines(src, block, [stmt], f"statement removed: `{first_line.strip()}`")
            if edit:
                yield edit


def _else_line(src: _Source, node: ast.If) -> int | None:
    """The line of `else:` between an if's body and its else branch."""
    lines = src.text(0, len(src.data)).splitlines()
    for number in range(node.body[-1].end_lineno + 1, node.orelse[0].lineno):
        if re.match(r"\s*else\s*:\s*(#.*)?$", lines[number - 1]):
            return number
    return None


def _is_elif(src: _Source, node: ast.If) -> bool:
    return src.data[src.start(node):src.start(node) + 4] == b"elif"


def _drop_branch(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for block in _function_blocks(tree):
        for stmt in block:
            if isinstance(stmt, ast.If) and not _is_elif(src, stmt):  # an elif is its chain's
                yield from _branches(src, block, stmt)


def _branches(src: _Source, block: list[ast.stmt], node: ast.If) -> Iterator[Edit]:
    if not node.orelse:
        if not _is_guard(node) and not _is_elif(src, node):  # removing a guard clause is remove_guard's
            edit = _remove_lines(src, block, [node], f"`if` branch removed: `{src.segment(node.test)}`")
            if edit:
                yield edit
        return
    chained = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and _is_elif(src, node.orelse[0])
    if chained:
        elif_node = node.orelse[0]
        end = src.line_end(elif_node.body[-1].end_lineno)
        if src.owns_lines(elif_node.body[-1]):
            yield Edit(src.starts[elif_node.lineno - 1], end, "", elif_node.lineno,
                       f"`elif` branch removed: `{src.segment(elif_node.test)}`")
        yield from _branches(src, [], elif_node)
        return
    line = _else_line(src, node)
    if line is not None and src.owns_lines(node.orelse[-1]):
        yield Edit(src.starts[line - 1], src.line_end(node.orelse[-1].end_lineno), "", line, "`else` branch removed")


def _is_guard(node: ast.stmt) -> bool:
    return (isinstance(node, ast.If) and not node.orelse and isinstance(node.body[-1], (ast.Raise, ast.Return)))


def _remove_guard(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for func in _sorted(n for n in ast.walk(tree) if isinstance(n, _FUNCTIONS)):
        body = func.body[1:] if _is_docstring(func.body[0]) else func.body
        for stmt in body:
            if not _is_guard(stmt):
                break  # only the guards at the top
            edit = _remove_lines(src, func.body, [stmt], f"guard clause removed: `if {src.segment(stmt.test)}`")
            if edit and edit.text == "":
                yield edit


# -- calls and constants ------------------------------------------------------------------------

def _swap_args(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for node in _sorted(_code_nodes(tree, ast.Call)):
        for a, b in zip(node.args, node.args[1:], strict=False):
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred):
                continue
            first, second = src.segment(a), src.segment(b)
            if first == second:
                continue
            between = src.text(src.end(a), src.start(b))
            if "#" in between:
                continue
            yield Edit(src.start(a), src.end(b), second + between + first, a.lineno,
                       f"arguments swapped: `{first}`, `{second}`")


def _constant(tree: ast.AST, src: _Source, rng: random.Random) -> Iterator[Edit]:
    for node in _sorted(_code_nodes(tree, ast.Constant)):
        parent = _parent(node)
        if isinstance(parent, ast.Expr) or _is_bound(node):
            continue  # docstrings; indices and range/slice bounds are off_by_one's
        value = node.value
        if value is True or value is False:
            new = repr(not value)
        elif value is None:
            if src.segment(node) != "None":
                continue
            new = "False"
        elif type(value) is int:
            new = str(value + (1 if value == 0 else rng.choice((-1, 1))))
        elif type(value) is float:
            new = repr(value + 1.0 if value == 0 else value * 2)
        else:
            continue
        yield Edit(src.start(node), src.end(node), new, node.lineno, f"constant `{src.segment(node)}` -> `{new}`")


def _is_bound(node: ast.AST) -> bool:
    parent = _parent(node)
    if isinstance(parent, ast.UnaryOp):
        node, parent = parent, _parent(parent)
    if isinstance(parent, ast.Slice) or (isinstance(parent, ast.Subscript) and parent.slice is node):
        return True
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "range"
            and node in parent.args[:2])


_FINDERS: dict[str, Callable[[ast.AST, _Source, random.Random], Iterator[Edit]]] = {
    "comparison": _comparison,
    "boolean": _boolean,
    "off_by_one": _off_by_one,
    "drop_statement": _drop_statement,
    "drop_branch": _drop_branch,
    "swap_args": _swap_args,
    "constant": _constant,
    "remove_guard": _remove_guard,
}
