"""The grader's messenger inside the student's kernel.

During autograding (:mod:`lecture7.grading.nbgrader_ext`), a test cell is not
run as written. The grader executes instead one line::

    __import__("lecture7.grading.probe", fromlist=["respond"]).respond("<token>")

The token holds, for each check call of the cell, the check's name, the names
of the student's objects and the inputs of each case (drawn by the grader, at
random, in its own process). :func:`respond` looks the objects up in the
notebook's namespace, runs them on the inputs (:meth:`Check.observe
<lecture7.grading.core.Check.observe>`) and publishes what they computed as one
display output of type :data:`MIME`. The grader reads it back as plain data
and does all comparing and scoring itself.

Nothing here decides a grade: a notebook that replaces this module can only
make it report different numbers, which then have to be right.
"""

from __future__ import annotations

from typing import Any

from lecture7.grading.cells import CheckCall, resolve_check
from lecture7.grading.core import Case
from lecture7.grading.wire import WireError, pack, unpack

__all__ = ["MIME", "respond"]

MIME = "application/vnd.lecture7.probe"


def _namespace() -> dict[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("lecture7.grading.probe runs inside an IPython kernel only")
    return shell.user_ns


def _answer(request: dict, namespace: dict[str, Any]) -> dict:
    check = resolve_check(CheckCall(request["module"], request["attribute"], ()))
    missing = [name for name in request["args"] if name not in namespace]
    if missing:
        return {"missing": missing}
    objects = check.bind([namespace[name] for name in request["args"]])
    cases = [Case("", inputs) for inputs in request["inputs"]]
    observed = check.observe(objects, cases, guarded=True)
    return {"observations": observed.observations, "uses": observed.uses}


def respond(token: str) -> None:
    """Run the requested checks' student code on the given inputs; publish the results."""
    from IPython.display import publish_display_data

    namespace = _namespace()
    answers = []
    for request in unpack(token):
        try:
            answer = _answer(request, namespace)
            pack(answer)  # fails here, per request, if the results cannot be sent
        except (WireError, ValueError, TypeError, ImportError, AttributeError) as err:
            answer = {"unreadable": f"{type(err).__name__}: {err}"[:300]}
        answers.append(answer)
    publish_display_data({MIME: pack(answers)})
