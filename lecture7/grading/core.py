"""A graded comparison of a student's code with the lecture7 reference: :class:`Check`.

A check is a pure function of what the student wrote: a test cell passes the
student's function or class to it (``check_adam(adam)``); it never reads
notebook globals or files. It is assembled from small parts, so that the same
check runs in three places:

1. **cases** (:class:`Case`): inputs as plain data, grouped into named sub-checks
   ("several steps, state carried in config"); visible cases are fixed (one of
   them worked out by hand), hidden cases are drawn at random;
2. **run** ``run(objects, inputs) -> observation``: calls the student's code on
   one case and records what it computed, as plain data (:mod:`~lecture7.grading.wire`);
3. **judge**: runs the reference (and each catalogued mistake) through the same
   ``run``, compares (:func:`~lecture7.grading.compare.compare`) and scores.

In a student's notebook all three happen in the kernel (``__call__``). During
autograding, :mod:`lecture7.grading.nbgrader_ext` does 1 and 3 in the grader's
own process and only 2 in the student's kernel, so nothing the notebook does
can change a grade except what its functions compute.

Scoring: each group of cases is worth the same. A call without ``points`` is a
gate (all must pass, else ``AssertionError``); a call with ``points`` returns
``points * passed groups / groups``, nbgrader's partial credit. Code that matches a
catalogued mistake, or that uses the reference, scores 0.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lecture7.grading.compare import compare
from lecture7.grading.guard import ReferenceGuard, quiet
from lecture7.grading.mistakes import Mistake

__all__ = ["VISIBLE_SEED", "Case", "Check", "Observed", "Verdict"]

#: Seed of the visible cases: students see the same inputs on every run.
VISIBLE_SEED = 231
RAISED = "raised"


@dataclass(frozen=True)
class Case:
    """One test input: ``group`` names the sub-check it belongs to.

    ``expected`` is a complete expected observation worked out by hand (visible
    cases); without it the expected observation is the reference's.
    """

    group: str
    inputs: dict
    expected: dict | None = None


@dataclass
class Observed:
    """What the student's code produced: one observation per case, plus guard findings."""

    observations: list
    uses: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    """The outcome of one check call: passed and failed groups, mistakes, problems."""

    check: str
    hidden: bool
    groups: list[str]
    failures: dict[str, list[str]] = field(default_factory=dict)
    mistakes: list[Mistake] = field(default_factory=list)
    problem: str | None = None

    @property
    def fraction(self) -> float:
        """Share of the points earned, in [0, 1]."""
        if self.problem or self.mistakes or not self.groups:
            return 0.0
        return (len(self.groups) - len(self.failures)) / len(self.groups)

    def score(self, points: float) -> float:
        """``points`` times :attr:`fraction`, rounded to 4 decimals."""
        return round(points * self.fraction, 4)

    def report(self, points: float | None = None) -> str:
        """The feedback text: one line per group, the mistake or problem, the score."""
        kind = "hidden tests" if self.hidden else "visible tests"
        head = f"check_{self.check} ({kind})"
        if self.problem:
            lines = [f"{head}: no points. {self.problem}"]
        else:
            failed = len(self.failures)
            status = "all passed" if not failed else f"{failed} of {len(self.groups)} checks failed"
            lines = [f"{head}: {status}"]
            for group in self.groups:
                if group in self.failures:
                    lines.append(f"  FAILED {group}:")
                    lines += [f"      {message}" for message in self.failures[group]]
                else:
                    lines.append(f"  passed {group}")
            for m in self.mistakes:
                lines.append(f"  This is the known mistake '{m.name}': {m.hint}")
        if points is not None:
            lines.append(f"  Score: {self.score(points):g} of {points:g} points.")
        return "\n".join(lines)


def resolve(path: str) -> Any:
    """The object named by ``"package.module:attribute"``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


class Check:
    """Compare student code with a reference on visible and hidden cases.

    Args:
        name: what is checked (``"adam"``); test cells call ``check_<name>``.
        targets: the names students give their code, in argument order (``("adam",)``).
        references: target -> ``"module:attribute"`` of its reference implementation.
        run: ``run(objects, inputs) -> observation``; ``objects`` maps target names
            to implementations (the student's, the reference's or a mistake's).
        visible, hidden: ``cases(rng) -> list[Case]``.
        rtol, atol: tolerance of numeric comparisons.
        forbidden, allowed, forbidden_builtins: see :class:`~lecture7.grading.guard.ReferenceGuard`.
        mistakes: the catalogued variants to recognise.
    """

    def __init__(self, name: str, *, targets: Sequence[str], references: Mapping[str, str],
                 run: Callable[[Mapping[str, Any], dict], dict],
                 visible: Callable[[np.random.Generator], list[Case]],
                 hidden: Callable[[np.random.Generator], list[Case]],
                 rtol: float = 1e-6, atol: float = 1e-12, forbidden: Sequence[str] = (),
                 allowed: Sequence[str] = (), forbidden_builtins: str | None = None,
                 mistakes: Sequence[Mistake] = ()) -> None:
        if set(references) != set(targets):
            raise ValueError(f"check {name!r}: references {sorted(references)} do not match "
                             f"targets {list(targets)}")
        self.name, self.targets, self.references = name, tuple(targets), dict(references)
        self.run, self._visible, self._hidden = run, visible, hidden
        self.rtol, self.atol = rtol, atol
        self.forbidden, self.allowed = tuple(forbidden), tuple(allowed)
        self.forbidden_builtins = forbidden_builtins
        self.mistakes = tuple(mistakes)
        unknown = [m.name for m in self.mistakes if m.target not in self.targets]
        if unknown:
            raise ValueError(f"check {name!r}: mistakes {unknown} are not about {self.targets}")

    def __repr__(self) -> str:
        return f"<Check check_{self.name}({', '.join(self.targets)})>"

    # -- the three parts -----------------------------------------------------------

    def cases(self, *, hidden: bool, rng: np.random.Generator | None = None) -> list[Case]:
        """The visible cases (fixed), or the hidden ones drawn with ``rng``."""
        if hidden:
            return self._hidden(rng if rng is not None else np.random.default_rng())
        return self._visible(np.random.default_rng(VISIBLE_SEED))

    def reference_objects(self) -> dict[str, Any]:
        """Target name -> reference implementation."""
        return {t: resolve(path) for t, path in self.references.items()}

    def observe(self, objects: Mapping[str, Any], cases: Sequence[Case], *,
                guarded: bool) -> Observed:
        """Run ``objects`` on every case, quietly; ``guarded`` watches for reference use."""
        guard = None
        if guarded:
            guard = ReferenceGuard(self.forbidden, self.allowed, self.forbidden_builtins)
            for target, obj in objects.items():
                guard.inspect(obj, target)
        observations = []
        for case in cases:
            inputs = copy.deepcopy(case.inputs)
            with quiet():
                try:
                    if guard is None:
                        observation = self.run(objects, inputs)
                    else:
                        with guard.watching():
                            observation = self.run(objects, inputs)
                except Exception as err:  # the student's code raised: that is an outcome
                    text = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
                    observation = {RAISED: text[:300]}
            observations.append(observation)
        return Observed(observations, list(guard.uses) if guard else [])

    def expected(self, cases: Sequence[Case]) -> list:
        """The expected observation of each case: hand-checked, else the reference's."""
        need = [c for c in cases if c.expected is None]
        computed = iter(self.observe(self.reference_objects(), need, guarded=False).observations)
        return [c.expected if c.expected is not None else next(computed) for c in cases]

    def _differences(self, expected: Any, actual: Any) -> list[str]:
        if isinstance(actual, dict) and RAISED in actual:
            return [f"your code raised {actual[RAISED]}"]
        return [str(m) for m in compare(expected, actual, rtol=self.rtol, atol=self.atol)]

    def recognise(self, cases: Sequence[Case], observations: Sequence) -> list[Mistake]:
        """The catalogued mistakes whose output equals ``observations`` on every case."""
        found = []
        for m in self.mistakes:
            objects = {**self.reference_objects(), m.target: m.impl}
            theirs = self.observe(objects, cases, guarded=False).observations
            if all(self._agree(t, o) for t, o in zip(theirs, observations, strict=True)):
                found.append(m)
        return found

    def _agree(self, theirs: Any, ours: Any) -> bool:
        """Same outputs, or the same kind of exception (a mistake may raise where the
        reference does not, e.g. an empty ``randint`` range: the student's code then
        raises in the same place)."""
        raised = [isinstance(x, dict) and RAISED in x for x in (theirs, ours)]
        if any(raised):
            return all(raised) and _exception_type(theirs[RAISED]) == _exception_type(ours[RAISED])
        return not self._differences(theirs, ours)

    def judge(self, cases: Sequence[Case], observed: Observed, *, hidden: bool) -> Verdict:
        """Compare ``observed`` with the expected observations and score it."""
        groups = list(dict.fromkeys(c.group for c in cases))
        verdict = Verdict(self.name, hidden, groups)
        if observed.uses:
            what = "; ".join(observed.uses[:2])
            verdict.problem = (f"Your code uses the reference implementation ({what}). "
                               "Write the computation yourself: this part gets no points.")
            return verdict
        if len(observed.observations) != len(cases):
            verdict.problem = "The results of your code could not be read."
            return verdict
        for case, exp, act in zip(cases, self.expected(cases), observed.observations, strict=True):
            differences = self._differences(exp, act)
            if differences:
                messages = verdict.failures.setdefault(case.group, [])
                if len(messages) < 2 and differences[0] not in messages:
                    messages.append(differences[0] + (f" (and {len(differences) - 1} more)"
                                                      if len(differences) > 1 else ""))
        if verdict.failures:
            verdict.mistakes = self.recognise(cases, observed.observations)
        return verdict

    # -- in the notebook -----------------------------------------------------------

    def bind(self, students: Sequence[Any]) -> dict[str, Any]:
        """Target name -> the student's object, checking there is one of each."""
        if len(students) != len(self.targets):
            raise TypeError(f"check_{self.name} takes {len(self.targets)} argument(s) "
                            f"({', '.join(self.targets)}), got {len(students)}")
        return dict(zip(self.targets, students, strict=True))

    def __call__(self, *students: Any, hidden: bool = False,
                 points: float | None = None) -> float | None:
        """Check the student's code here and now (in the notebook's kernel).

        Without ``points``: returns None when every check passes, else raises
        ``AssertionError`` saying what is wrong. With ``points``: prints what was
        lost and returns the score (raising when it is 0).
        """
        __tracebackhide__ = True  # IPython and pytest show the message, not this frame
        cases = self.cases(hidden=hidden)
        observed = self.observe(self.bind(students), cases, guarded=True)
        verdict = self.judge(cases, observed, hidden=hidden)
        report = verdict.report(points)
        if verdict.fraction == 0 or (points is None and verdict.fraction < 1):
            raise AssertionError(report)
        print(report)
        return None if points is None else verdict.score(points)


def _exception_type(raised: Any) -> str:
    """``"RuntimeError"`` of a recorded ``"RuntimeError: message"``."""
    return str(raised).split(":", 1)[0].strip()
