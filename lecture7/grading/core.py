"""A graded comparison of a student's code with the lecture7 reference: :class:`Check`.

A check is a pure function of what the student wrote: a test cell passes the
student's function or class to it (``check_adam(adam)``); it never reads notebook
globals or files. It is assembled from small parts, so that the same check runs in
the student's notebook and, during autograding, half in the grader's process:

1. **cases** (:class:`Case`): inputs as plain data, grouped into named sub-checks
   ("several steps, state carried in config"); visible cases are fixed (one of them
   worked out by hand), hidden cases are drawn at random. :func:`diagnosis` adds
   ungraded cases that localise a bug ("step 1 is right, later steps are not");
2. **run** ``run(objects, inputs) -> observation``: calls the student's code on one
   case and records what it returned, as plain data (:mod:`~lecture7.grading.observe`);
3. **judge**: runs the reference through the same ``run`` and compares; when the
   student's code is wrong, tries the catalogued conventions (right, computed
   differently: accepted with a note), then the mistakes, alone and combined, on the
   graded outputs; when none matches, reports the diagnoses that fire.

In a student's notebook all three happen in the kernel (``__call__``). During
autograding, :mod:`lecture7.grading.nbgrader_ext` does 1 and 3 in the grader's own
process and only 2 in the student's kernel. Scores: :mod:`lecture7.grading.verdict`.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from lecture7.grading.cases import (
    CONTROL,
    GRADED,
    PROBE,
    VISIBLE_SEED,
    Case,
    Observed,
    diagnosis,
    resolve,
)
from lecture7.grading.compare import compare
from lecture7.grading.guard import ReferenceGuard, quiet
from lecture7.grading.mistakes import Mistake, mistakes_for
from lecture7.grading.observe import MODIFIED, NOTES
from lecture7.grading.verdict import Verdict

__all__ = ["VISIBLE_SEED", "Case", "Check", "Observed", "diagnosis"]

RAISED = "raised"
#: Observations judged as a sub-check of their own, across all cases, by default.
APART = {MODIFIED: "leaves the caller's inputs as they were"}


class Check:
    """Compare student code with a reference on visible and hidden cases.

    Args:
        name: what is checked (``"adam"``); test cells call ``check_<name>``.
        run: ``run(objects, inputs) -> observation``; ``objects`` maps target names
            to implementations (the student's, the reference's or a variant's).
        visible, hidden: ``cases(rng) -> list[Case]``.
        reference: ``"module:attribute"`` of the reference implementation, or a dict
            target -> path when the check takes several objects.
        targets: the names students give their code, in argument order (default:
            ``(name,)``, or the keys of ``reference``).
        mistakes: the module of :mod:`lecture7.grading.mistakes` whose variants of
            the targets to recognise (or the variants themselves).
        forbidden: modules students must not run (default: the reference's module,
            unless it is an adapter in ``lecture7.grading``); ``allowed`` and
            ``forbidden_builtins``: see :class:`~lecture7.grading.guard.ReferenceGuard`.
        rtol, atol: tolerance of numeric comparisons.
        apart: observation keys judged as a sub-check of their own (key -> its title).
    """

    def __init__(self, name: str, *, run: Callable[[Mapping[str, Any], dict], dict],
                 visible: Callable[[np.random.Generator], list[Case]],
                 hidden: Callable[[np.random.Generator], list[Case]],
                 reference: str | Mapping[str, str], targets: Sequence[str] | None = None,
                 mistakes: str | Sequence[Mistake] = (), forbidden: Sequence[str] | None = None,
                 allowed: Sequence[str] = (), forbidden_builtins: str | None = None,
                 rtol: float = 1e-6, atol: float = 1e-12,
                 apart: Mapping[str, str] | None = None) -> None:
        if isinstance(reference, str):
            targets = tuple(targets or (name,))
            if len(targets) != 1:
                raise ValueError(f"check {name!r}: one reference for targets {list(targets)}")
            reference = {targets[0]: reference}
        self.targets = tuple(targets or reference)
        if set(reference) != set(self.targets):
            raise ValueError(f"check {name!r}: references {sorted(reference)} do not match "
                             f"targets {list(self.targets)}")
        self.name, self.references = name, dict(reference)
        self.run, self._visible, self._hidden = run, visible, hidden
        self.rtol, self.atol = rtol, atol
        if forbidden is None:
            forbidden = tuple(dict.fromkeys(
                p.partition(":")[0] for p in self.references.values()
                if not p.startswith("lecture7.grading")))
        self.forbidden, self.allowed = tuple(forbidden), tuple(allowed)
        self.forbidden_builtins = forbidden_builtins
        self.apart = dict(APART if apart is None else apart)
        if isinstance(mistakes, str):
            mistakes = [m for t in self.targets for m in mistakes_for(mistakes, t)]
        self.variants = tuple(mistakes)
        unknown = [m.name for m in self.variants if m.target not in self.targets]
        if unknown:
            raise ValueError(f"check {name!r}: mistakes {unknown} are not about {self.targets}")
        self.mistakes = tuple(m for m in self.variants if not m.accepted)
        self.conventions = tuple(m for m in self.variants if m.accepted)

    def __repr__(self) -> str:
        return f"<Check check_{self.name}({', '.join(self.targets)})>"

    # -- cases, run, expected --------------------------------------------------------

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

    def _of(self, variant: Mistake, cases: Sequence[Case]) -> list:
        objects = {**self.reference_objects(), variant.target: variant.impl}
        return self.observe(objects, cases, guarded=False).observations

    # -- judging ---------------------------------------------------------------------

    def _graded(self, observation: dict) -> dict:
        return {k: v for k, v in observation.items() if k not in self.apart and k != NOTES}

    def _differences(self, expected: Any, actual: Any) -> list[str]:
        if isinstance(actual, dict) and RAISED in actual:
            return [f"your code raised {actual[RAISED]}"]
        return [str(m) for m in compare(expected, actual, rtol=self.rtol, atol=self.atol)]

    def _agree(self, theirs: Any, ours: Any, apart: Sequence[str] = ()) -> bool:
        """Same graded outputs (and ``apart`` observations), or the same kind of exception
        (a mistake may raise where the reference does not, e.g. an empty ``randint`` range)."""
        raised = [isinstance(x, dict) and RAISED in x for x in (theirs, ours)]
        if any(raised):
            return all(raised) and _exception_type(theirs[RAISED]) == _exception_type(ours[RAISED])
        keys = [k for k in apart if k in theirs or k in ours]
        return not self._differences({**self._graded(theirs), **{k: theirs.get(k) for k in keys}},
                                     {**self._graded(ours), **{k: ours.get(k) for k in keys}})

    def groups(self, cases: Sequence[Case], expected: Sequence) -> list[str]:
        """The sub-checks: the groups of the graded cases, then the ``apart`` ones observed."""
        graded = [(c, e) for c, e in zip(cases, expected, strict=True) if c.role == GRADED]
        observed = {k for _, e in graded if isinstance(e, dict) for k in e}
        return (list(dict.fromkeys(c.group for c, _ in graded))
                + [title for key, title in self.apart.items() if key in observed])

    def _failures(self, cases: Sequence[Case], expected: Sequence,
                  actual: Sequence) -> dict[str, list[str]]:
        failures: dict[str, list[str]] = {}

        def add(group: str, differences: list[str]) -> None:
            messages = failures.setdefault(group, [])
            if len(messages) < 2 and differences[0] not in messages:
                more = len(differences) - 1
                messages.append(differences[0] + (f" (and {more} more)" if more else ""))

        judged: set[str] = set()
        for case, exp, act in zip(cases, expected, actual, strict=True):
            if case.role != GRADED:
                continue
            differences = self._differences(self._graded(exp), self._graded(act))
            if differences:
                add(case.group, differences)
            for key, title in self.apart.items():
                if key in exp and not (isinstance(act, dict) and RAISED in act):
                    judged.add(title)
                    apart = self._differences({key: exp[key]}, {key: act.get(key)})
                    if apart:
                        add(title, [f"{case.group}: {apart[0]}"])
        for title in set(self.groups(cases, expected)) & set(self.apart.values()) - judged:
            add(title, ["not judged: your code raised on every case"])
        return failures

    def judge(self, cases: Sequence[Case], observed: Observed, *, hidden: bool) -> Verdict:
        """Compare ``observed`` with the expected observations, and explain failures."""
        expected = self.expected(cases)
        verdict = Verdict(self.name, hidden, self.groups(cases, expected))
        if observed.uses:
            what = "; ".join(observed.uses[:2])
            verdict.problem = (f"Your code uses the reference implementation ({what}). "
                               "Write the computation yourself: this part gets no points.")
            verdict.delegated = True
            return verdict
        actual = observed.observations
        if len(actual) != len(cases) or not all(isinstance(a, dict) for a in actual):
            verdict.problem = "The results of your code could not be read."
            return verdict
        notes = [n[:200] for a in actual for n in a.get(NOTES, ()) if isinstance(n, str)][:5]
        verdict.failures = self._failures(cases, expected, actual)
        if set(verdict.failures) - set(self.apart.values()):
            for convention in self.conventions:
                theirs = self._of(convention, cases)
                if all(self._agree(t, a) for t, a in zip(theirs, actual, strict=True)):
                    expected = theirs
                    verdict.failures = self._failures(cases, expected, actual)
                    notes.append(convention.hint)
                    break
        if verdict.failures:
            # what the code did to its inputs can be the mistake (q = grad; q -= ...)
            touched = [MODIFIED] if self.apart.get(MODIFIED) in verdict.failures else []
            found, verdict.together = self.recognise(cases, actual, touched)
            verdict.mistakes = [m for m in found if not m.accepted]
            notes += [m.hint for m in found if m.accepted]
            if not found:
                verdict.hints = self._hints(cases, expected, actual)
        verdict.notes = list(dict.fromkeys(notes))
        return verdict

    def recognise(self, cases: Sequence[Case], actual: Sequence,
                  apart: Sequence[str] = ()) -> tuple[list[Mistake], bool]:
        """The catalogued mistakes whose graded outputs (and the ``apart`` observations
        the student got wrong) equal ``actual`` on every case: single mistakes first, then
        up to three variants of one model at once."""
        def matches(variant: Mistake) -> bool:
            theirs = self._of(variant, cases)
            return all(self._agree(t, a, apart) for t, a in zip(theirs, actual, strict=True))

        singles = [m for m in self.mistakes if matches(m)]
        if singles:
            return singles, False
        knobbed = [m for m in self.variants if m.model is not None]
        for size in (2, 3):
            for combo in itertools.combinations(knobbed, size):
                if all(m.accepted for m in combo):
                    continue
                combined = combo[0].combine(combo[1:])
                if combined is not None and matches(combined):
                    return list(combo), True
        return [], False

    def _hints(self, cases: Sequence[Case], expected: Sequence, actual: Sequence) -> list[str]:
        results: dict[str, dict[str, list[bool]]] = {}
        for case, exp, act in zip(cases, expected, actual, strict=True):
            if case.role in (CONTROL, PROBE):
                roles = results.setdefault(case.group, {CONTROL: [], PROBE: []})
                roles[case.role].append(self._agree(exp, act))
        return [hint for hint, r in results.items() if all(r[CONTROL]) and not all(r[PROBE])]

    # -- in the notebook -----------------------------------------------------------------

    def bind(self, students: Sequence[Any]) -> dict[str, Any]:
        """Target name -> the student's object, checking there is one of each."""
        if len(students) != len(self.targets):
            raise TypeError(f"check_{self.name} takes {len(self.targets)} argument(s) "
                            f"({', '.join(self.targets)}), got {len(students)}")
        return dict(zip(self.targets, students, strict=True))

    def __call__(self, *students: Any, hidden: bool = False,
                 points: float | None = None) -> float | None:
        """Check the student's code here and now (in the notebook's kernel).

        Without ``points``: prints the report when every check passes, else raises
        ``AssertionError`` with it. With ``points``: prints the report and returns
        the score (raising when it is 0).
        """
        __tracebackhide__ = True  # IPython and pytest show the message, not this frame
        cases = self.cases(hidden=hidden)
        observed = self.observe(self.bind(students), cases, guarded=True)
        verdict = self.judge(cases, observed, hidden=hidden)
        report = verdict.report(points)
        if points is None:
            if verdict.problem or verdict.failures:
                raise AssertionError(report)
            print(report)
            return None
        if verdict.score(points) == 0:
            raise AssertionError(report)
        print(report)
        return verdict.score(points)


def _exception_type(raised: Any) -> str:
    """``"RuntimeError"`` of a recorded ``"RuntimeError: message"``."""
    return str(raised).split(":", 1)[0].strip()
