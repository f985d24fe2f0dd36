"""The inputs of a check: :class:`Case`, and the cases of a :func:`diagnosis`.

A case is plain data: ``inputs`` for the check's ``run``, the ``group`` (sub-check) it
belongs to, and optionally an ``expected`` observation worked out by hand. Cases of a
diagnosis are not graded: they localise a bug when no catalogued mistake matches.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CONTROL", "GRADED", "PROBE", "VISIBLE_SEED", "Case", "Observed", "diagnosis",
           "resolve"]

#: Seed of the visible cases: students see the same inputs on every run.
VISIBLE_SEED = 231
GRADED, CONTROL, PROBE = "graded", "control", "probe"


@dataclass(frozen=True)
class Case:
    """One test input: ``group`` names the sub-check it belongs to.

    ``expected`` is a complete expected observation worked out by hand (visible
    cases); without it the expected observation is the reference's. ``role`` is
    ``"graded"``, or ``"control"``/``"probe"`` for the cases of a :func:`diagnosis`.
    """

    group: str
    inputs: dict
    expected: dict | None = None
    role: str = GRADED


def diagnosis(hint: str, right: dict, wrong: dict) -> list[Case]:
    """Two ungraded cases: when the student's code is right on ``right`` and wrong on
    ``wrong`` (and no catalogued mistake matches), the report says ``hint``."""
    return [Case(hint, right, role=CONTROL), Case(hint, wrong, role=PROBE)]


@dataclass
class Observed:
    """What the student's code produced: one observation per case, plus guard findings."""

    observations: list
    uses: list[str] = field(default_factory=list)


def resolve(path: str) -> Any:
    """The object named by ``"package.module:attribute"``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)
