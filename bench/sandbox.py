"""The sandbox's cost: autograding time per submission with and without it.

A class of ``--size`` correct submissions (the same notebook graded as any real one) is
graded from scratch, alternating, ``--repeats`` times, the best of each kept:

* plain ``nbgrader autograde`` (serial), every kernel in a bubblewrap sandbox of its own,
  against the same with ``LECTURE7_SANDBOX=off`` (an ordinary kernel): the sandbox's
  overhead per submission (target: under 10%);
* the parallel grader with one worker, whose kernels are forks of a sandboxed template
  (``make autograde``), against the same with ``LECTURE7_SANDBOX=off``.

    .venv/bin/python bench/sandbox.py [--size 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from classroom import autograde, make_class, nbgrader, reset

TARGET = 1.10
OFF = {"LECTURE7_SANDBOX": "off"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="a2_optimizers")
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        folder = Path(tmp) / "course"
        make_class(folder, args.assignment, 1)  # the first of the mix: a correct one
        solution = next((folder / "submitted").iterdir())
        for i in range(1, args.size):
            shutil.copytree(solution, folder / "submitted" / f"s{i:03d}-solution")
        count = args.size
        runs = {
            "nbgrader, no sandbox": lambda: nbgrader(folder, args.assignment, timeout=60,
                                                     env=OFF),
            "nbgrader, a sandbox per kernel": lambda: nbgrader(folder, args.assignment,
                                                               timeout=60),
            "1 worker, no sandbox": lambda: autograde(folder, "--workers", "1", timeout=60,
                                                      env=OFF)[0],
            "1 worker, forked sandboxes": lambda: autograde(folder, "--workers", "1",
                                                            timeout=60)[0],
        }
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for name, run in runs.items():
                reset(folder)
                seconds = run() / count
                best[name] = min(best.get(name, float("inf")), seconds)
                print(f"  {name:<32} {seconds:6.2f} s per submission")
    print(f"\n{count} correct {args.assignment} submissions, best of {args.repeats}:")
    for name, seconds in best.items():
        print(f"  {name:<32} {seconds:6.2f} s per submission")
    overhead = best["nbgrader, a sandbox per kernel"] / best["nbgrader, no sandbox"]
    forked = best["1 worker, forked sandboxes"] / best["1 worker, no sandbox"]
    print(f"\nsandbox per kernel / no sandbox: {overhead:.3f}x (target < {TARGET}x)")
    print(f"forked sandboxes / no sandbox:   {forked:.3f}x")


if __name__ == "__main__":
    main()
