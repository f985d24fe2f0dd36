"""The outcome of a check call, its report, and the score of a part.

A part earns the share of its sub-checks that pass, visible and hidden together
(:func:`part_score`): there is no all-or-nothing gate. Only two things score 0
outright: using the reference implementation, and producing no result at all (a
timeout, a missing function, results that cannot be read: every sub-check of that
call fails). A recognised mistake costs exactly the sub-checks it fails; the report
names it, so the student knows what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lecture7.grading.mistakes import Mistake

__all__ = ["Verdict", "part_score"]


@dataclass
class Verdict:
    """One check call: its sub-checks (``groups``), the failed ones with their messages,
    the recognised mistakes, notes on accepted conventions, localising hints."""

    check: str
    hidden: bool
    groups: list[str]
    failures: dict[str, list[str]] = field(default_factory=dict)
    mistakes: list[Mistake] = field(default_factory=list)
    together: bool = False  # several mistakes at once (else: one of them, indistinguishable)
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    problem: str | None = None
    delegated: bool = False  # the code ran the reference: the whole part scores 0

    @property
    def passed(self) -> int:
        """How many sub-checks passed (none when there is a problem)."""
        return 0 if self.problem else len(self.groups) - len(self.failures)

    @property
    def fraction(self) -> float:
        """Share of this call's sub-checks that passed, in [0, 1]."""
        return self.passed / len(self.groups) if self.groups else 0.0

    def score(self, points: float) -> float:
        """``points`` times :attr:`fraction`, rounded to 4 decimals."""
        return round(points * self.fraction, 4)

    def report(self, points: float | None = None) -> str:
        """The feedback text: one line per sub-check, then what was recognised."""
        kind = "hidden tests" if self.hidden else "visible tests"
        head = f"check_{self.check} ({kind})"
        if self.problem:
            lines = [f"{head}: {self.problem}"]
        else:
            failed = len(self.failures)
            status = ("all passed" if not failed
                      else f"{failed} of {len(self.groups)} checks failed")
            lines = [f"{head}: {status}"]
            for group in self.groups:
                if group in self.failures:
                    lines.append(f"  FAILED {group}:")
                    lines += [f"      {message}" for message in self.failures[group]]
                else:
                    lines.append(f"  passed {group}")
        lines += [f"  Accepted: {note}" for note in self.notes]
        lines += _mistake_lines(self.mistakes, self.together)
        lines += [f"  Where to look: {hint}" for hint in self.hints]
        if points is not None:
            lines.append(f"  Score: {self.score(points):g} of {points:g} points.")
        return "\n".join(lines)


def _mistake_lines(mistakes: Sequence[Mistake], together: bool) -> list[str]:
    if not mistakes:
        return []
    if len(mistakes) == 1:
        m = mistakes[0]
        return [f"  This is the known mistake '{m.name}': {m.hint}"]
    head = (f"{len(mistakes)} known mistakes at once" if together
            else "one of these known mistakes (they give the same numbers here)")
    return [f"  This looks like {head}:", *[f"    - '{m.name}': {m.hint}" for m in mistakes]]


def part_score(verdicts: Sequence[Verdict], points: float) -> float:
    """A part's score: ``points`` times the share of all its sub-checks that passed
    (every call of the test cell, visible and hidden); 0 if any call used the reference."""
    if any(v.delegated for v in verdicts):
        return 0.0
    total = sum(len(v.groups) for v in verdicts)
    passed = sum(v.passed for v in verdicts)
    return round(points * passed / total, 4) if total else 0.0
