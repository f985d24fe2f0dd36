"""Read the check calls out of a test cell's source, without running it.

A test cell is a short, fixed form (the grader relies on it, the validator in
:mod:`lecture7.grading.authoring` enforces it)::

    from lecture7.grading.optimizers import check_adam
    check_adam(adam)
    ### BEGIN HIDDEN TESTS
    check_adam(adam, hidden=True, points=3)
    ### END HIDDEN TESTS

Imports come from ``lecture7.grading`` modules; each call passes the student's
objects by name, then the literal keywords ``hidden`` and ``points``.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field

from lecture7.grading.core import Check

__all__ = ["PACKAGE", "CheckCall", "TestCell", "parse_test_cell", "resolve_check"]

PACKAGE = "lecture7.grading"


@dataclass(frozen=True)
class CheckCall:
    """``module.attribute(*args, hidden=..., points=...)``; ``args`` are student names."""

    module: str
    attribute: str
    args: tuple[str, ...]
    hidden: bool = False
    points: float | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TestCell:
    """The calls of a test cell, and the statements that are neither imports nor calls."""

    calls: tuple[CheckCall, ...]
    other: tuple[str, ...]

    @property
    def last_is_scoring(self) -> bool:
        """Whether only the last call has ``points`` (nbgrader reads the last value)."""
        scored = [i for i, c in enumerate(self.calls) if c.points is not None]
        return scored in ([], [len(self.calls) - 1])


def _grading_module(name: str | None) -> bool:
    return bool(name) and (name == PACKAGE or name.startswith(PACKAGE + "."))


def _call(node: ast.Call, names: dict[str, tuple[str, str]], modules: dict[str, str]):
    func = node.func
    if isinstance(func, ast.Name) and func.id in names:
        module, attribute = names[func.id]
    elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
          and func.value.id in modules):
        module, attribute = modules[func.value.id], func.attr
    else:
        return None
    if not all(isinstance(a, ast.Name) for a in node.args):
        raise ValueError(f"{attribute}(...) must be given the student's objects by name, "
                         f"e.g. {attribute}(adam)")
    keywords = {}
    for kw in node.keywords:
        if kw.arg not in ("hidden", "points"):
            raise ValueError(f"{attribute}(...) takes only the keywords hidden= and points=, "
                             f"got {kw.arg}=")
        try:
            keywords[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            raise ValueError(f"{attribute}(..., {kw.arg}=...) must be a literal") from None
    hidden, points = keywords.get("hidden", False), keywords.get("points")
    if not isinstance(hidden, bool):
        raise ValueError(f"{attribute}(..., hidden=...) must be True or False")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int | float)
                               or points <= 0):
        raise ValueError(f"{attribute}(..., points=...) must be a positive number, got {points!r}")
    return CheckCall(module, attribute, tuple(a.id for a in node.args), hidden,
                     None if points is None else float(points), node.lineno)


def parse_test_cell(source: str) -> TestCell:
    """The check calls of ``source`` in order; ``ValueError`` if a call is malformed.

    Raises:
        ValueError: the source is not valid Python, or a check call has a
            non-name argument or an unknown or non-literal keyword.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ValueError(f"test cell is not valid Python: {err}") from None
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    calls, other = [], []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and _grading_module(stmt.module) and not stmt.level:
            for alias in stmt.names:
                if alias.name == "*":
                    raise ValueError("import check functions by name, not with *")
                names[alias.asname or alias.name] = (stmt.module, alias.name)
            continue
        if isinstance(stmt, ast.Import) and all(_grading_module(a.name) for a in stmt.names):
            for alias in stmt.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = _call(stmt.value, names, modules)
            if call is not None:
                calls.append(call)
                continue
        other.append(ast.get_source_segment(source, stmt) or type(stmt).__name__)
    return TestCell(tuple(calls), tuple(other))


def resolve_check(call: CheckCall) -> Check:
    """The :class:`~lecture7.grading.core.Check` a call names.

    Raises:
        ValueError: the module is not part of ``lecture7.grading``, or the name is
            not a check.
    """
    if not _grading_module(call.module):
        raise ValueError(f"{call.module} is not a lecture7.grading module")
    check = getattr(importlib.import_module(call.module), call.attribute, None)
    if not isinstance(check, Check):
        raise ValueError(f"{call.module}.{call.attribute} is not a lecture7.grading check")
    return check
