"""Grading throughput: a whole class, nbgrader's serial autograde against the parallel grader.

A synthetic class of ``--size`` submissions of one assignment (correct, buggy, blank,
slow and hostile ones, see ``bench/classroom.py``) is graded, from scratch each time,
by the baseline, plain ``nbgrader autograde`` (serial; the course's configuration, so
sandboxed kernels), and by ``python -m lecture7.grading.autograde`` with 1 and with 2
workers, in the same run, alternating, ``--repeats`` times (the best of each is kept).

Prints submissions per minute, the speed-up of 2 workers over 1, the ratio to plain
nbgrader, and a projection of the wall time of a CS231n-sized course (700 students x 8
assignments) on 2, 16 and 64 cores. The projection assumes that workers scale with the
cores at the efficiency measured here (2 workers over 1) and that the coordinator,
which alone writes the gradebook, keeps up: its own time per submission (measured)
caps the throughput at any number of cores.

    .venv/bin/python bench/class_grading.py [--size 48] [--repeats 1] [--timeout 10]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from classroom import autograde, make_class, nbgrader, reset

SUBMISSIONS = 700 * 8
TARGETS = {"speed-up with 2 workers": 1.8, "ratio to nbgrader": 3.0}


def _per_minute(count: int, seconds: float) -> float:
    return 60.0 * count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="a2_optimizers")
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=10, help="seconds per cell")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="class-grading-") as tmp:
        folder = Path(tmp) / "course"
        kinds = make_class(folder, args.assignment, args.size)
        mix = {k: sum(v == k for v in kinds.values()) for k in sorted(set(kinds.values()))}
        print(f"{args.size} submissions of {args.assignment}: {mix}; cell timeout "
              f"{args.timeout} s")
        best: dict[str, float] = {}
        coordinator: list[float] = []

        def ours(workers: str) -> float:
            seconds, summary = autograde(folder, "--workers", workers, timeout=args.timeout)
            line = next(x for x in summary.splitlines() if x.startswith("coordinator:"))
            coordinator.append(float(line.split()[1]))
            return seconds

        runs = {
            "nbgrader autograde (serial)": lambda: nbgrader(folder, args.assignment,
                                                            timeout=args.timeout),
            "lecture7 grader, 1 worker": lambda: ours("1"),
            "lecture7 grader, 2 workers": lambda: ours("2"),
        }
        for _ in range(args.repeats):
            for name, run in runs.items():
                reset(folder)
                seconds = run()
                best[name] = min(best.get(name, float("inf")), seconds)
                print(f"  {name:<30} {seconds:7.1f} s")
        graded = sqlite3.connect(folder / "gradebook.db").execute(
            "SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
        assert graded == args.size, f"{graded} of {args.size} submissions in the gradebook"

    serial, one, two = best.values()
    rates = {name: _per_minute(args.size, s) for name, s in best.items()}
    print(f"\n{'':<30} {'wall':>8} {'per minute':>11}")
    for name, seconds in best.items():
        print(f"{name:<30} {seconds:7.1f}s {rates[name]:10.1f}")
    speedup, ratio = one / two, serial / two
    print(f"\nspeed-up, 2 workers over 1:      {speedup:.2f}x (target "
          f"{TARGETS['speed-up with 2 workers']}x)")
    print(f"ratio to nbgrader autograde:     {ratio:.2f}x (target "
          f"{TARGETS['ratio to nbgrader']}x)")
    efficiency = min(speedup / 2, 1.0)
    per_worker = args.size / one  # submissions per second of one worker
    cap = 1 / min(coordinator)  # the coordinator's own rate, in submissions per second
    print(f"\nprojection, {SUBMISSIONS} submissions (700 students x 8 assignments), at "
          f"{efficiency:.0%} parallel efficiency, the coordinator capping the rate at "
          f"{60 * cap:.0f} per minute ({min(coordinator):.2f} s each):")
    for cores in (2, 16, 64):
        rate = min(per_worker * cores * efficiency, cap)
        print(f"  {cores:>2} cores: {SUBMISSIONS / rate / 3600:5.1f} h   (nbgrader autograde, "
              f"serial: {SUBMISSIONS * serial / args.size / 3600:.1f} h)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - start:.0f} s)")
