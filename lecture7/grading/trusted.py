"""Grade a test cell in the grader's own process, from what the student's kernel reports.

The autograder (:mod:`lecture7.grading.nbgrader_ext`) uses this module in three steps:

1. :func:`plan_cell` reads the check calls of the test cell's source (the
   instructor's source, restored by nbgrader), draws every case's inputs with a
   secret random generator, and computes the one line of code that asks the
   kernel for the student's outputs (:mod:`lecture7.grading.probe`);
2. the grader runs that line in the student's kernel, with nbgrader's timeout;
3. :func:`grade_cell` decodes the kernel's answer as plain data, runs the
   reference and the mistake catalogue *here*, compares, and builds the cell's
   outputs: the report on stdout and the score as the cell's value (nbgrader's
   partial credit: the share of the part's sub-checks, visible and hidden, that
   passed), or an error when the score is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from nbformat.v4 import new_output

from lecture7.grading.cells import CheckCall, parse_test_cell, resolve_check
from lecture7.grading.core import Case, Check, Observed
from lecture7.grading.probe import MIME
from lecture7.grading.verdict import Verdict, part_score
from lecture7.grading.wire import WireError, pack, unpack

__all__ = ["Plan", "grade_cell", "plan_cell"]


@dataclass
class Plan:
    """The checks a test cell calls, their cases, and the probe line for the kernel."""

    calls: list[CheckCall]
    checks: list[Check]
    cases: list[list[Case]]
    code: str


def plan_cell(source: str, rng: np.random.Generator) -> Plan | None:
    """The grading plan of a test cell, or None when it calls no check.

    Raises:
        ValueError: a call is malformed or names something that is not a check.
    """
    calls = list(parse_test_cell(source).calls)
    if not calls:
        return None
    checks = [resolve_check(call) for call in calls]
    cases = [check.cases(hidden=call.hidden, rng=rng) for call, check in zip(calls, checks,
                                                                             strict=True)]
    requests = [{"module": call.module, "attribute": call.attribute, "args": list(call.args),
                 "inputs": [case.inputs for case in cs]}
                for call, cs in zip(calls, cases, strict=True)]
    code = ('__import__("lecture7.grading.probe", fromlist=["respond"])'
            f'.respond("{pack(requests)}")')
    return Plan(calls, checks, cases, code)


def _answers(outputs: Sequence[dict], count: int, timeout: float | None) -> list | str:
    """The kernel's answers, or why there are none (a problem to report)."""
    answers = None
    for out in outputs:
        if out.get("output_type") in ("display_data", "execute_result") and MIME in out.get(
                "data", {}):
            answers = out["data"][MIME]
    if answers is not None:
        try:
            decoded = unpack(answers)
        except WireError as err:
            return f"The results of your code could not be read ({err})."
        if isinstance(decoded, list) and len(decoded) == count and all(
                isinstance(a, dict) for a in decoded):
            return decoded
        return "The results of your code could not be read."
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if any(o.get("ename") in ("CellTimeoutError", "KeyboardInterrupt") for o in errors):
        limit = f"{timeout:g} seconds" if timeout else "the time limit"
        return (f"Your code did not finish within {limit} and was interrupted: "
                "is there an infinite loop?")
    if errors:
        return f"Your code could not be run: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    return "Your code produced no results: did something in the notebook intercept the grader?"


def _verdict(call: CheckCall, check: Check, cases: list[Case], answer: dict | str) -> Verdict:
    if isinstance(answer, dict) and "missing" not in answer and "unreadable" not in answer \
            and isinstance(answer.get("observations"), list):
        uses = answer.get("uses") or []
        observed = Observed(answer["observations"], [str(u) for u in uses][:10])
        try:
            return check.judge(cases, observed, hidden=call.hidden)
        except Exception as err:  # malformed data from the kernel is the student's loss
            answer = f"The results of your code could not be read ({type(err).__name__})."
    verdict = Verdict(check.name, call.hidden, check.groups(cases, check.expected(cases)))
    if isinstance(answer, str):
        verdict.problem = answer
    elif "missing" in answer:
        names = ", ".join(str(n) for n in answer["missing"])
        verdict.problem = (f"Nothing called {names} is defined in your notebook: "
                           "did you rename it, or does the cell that defines it fail?")
    else:
        verdict.problem = f"The results of your code could not be read ({answer.get('unreadable')})."
    return verdict


def grade_cell(plan: Plan, outputs: Sequence[dict], points: float,
               timeout: float | None = None) -> tuple[list, float]:
    """The test cell's new outputs and its score, from the probe's outputs.

    The score is ``points`` times the share of the sub-checks that passed, over all
    the cell's check calls, visible and hidden (:func:`~lecture7.grading.verdict.part_score`).
    """
    answers = _answers(outputs, len(plan.calls), timeout)
    verdicts = [_verdict(call, check, cases, answers if isinstance(answers, str) else answer)
                for call, check, cases, answer in zip(
                    plan.calls, plan.checks, plan.cases,
                    answers if isinstance(answers, list) else [answers] * len(plan.calls),
                    strict=True)]
    score = part_score(verdicts, points)
    passed, total = sum(v.passed for v in verdicts), sum(len(v.groups) for v in verdicts)
    text = "\n\n".join(v.report() for v in verdicts)
    text += (f"\n\nThis part: {score:g} of {points:g} points ({passed} of {total} checks "
             "passed).\n")
    result = [new_output("stream", name="stdout", text=text)]
    if score > 0:
        result.append(new_output("execute_result", data={"text/plain": f"{score:g}"},
                                 execution_count=None))
    else:
        summary = f"no points for this part (check_{verdicts[0].check}: see the report above)"
        result.append(new_output("error", ename="AssertionError", evalue=summary,
                                 traceback=[f"AssertionError: {summary}"]))
    return result, score
