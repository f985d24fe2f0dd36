"""``python -m lecture7.grading.autograde``: grade a class (what ``make autograde`` runs).

Examples::

    python -m lecture7.grading.autograde --course assignments            # everything new
    python -m lecture7.grading.autograde a2_optimizers --workers 16      # one assignment
    python -m lecture7.grading.autograde --scheduler tcp://head:8786     # on a Dask cluster
    python -m lecture7.grading.autograde --force                         # regrade everything
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lecture7.grading.autograde.run import grade_class, load_config
from lecture7.grading.sandbox import SandboxUnavailable


def _workers(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid number of workers: {text} (use 1 or more)")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lecture7.grading.autograde",
        description="Autograde every new or changed submission, in parallel, sandboxed.")
    parser.add_argument("assignments", nargs="*", help="assignments to grade (default: all "
                        "in source/)")
    parser.add_argument("--course", type=Path, default=Path("assignments"),
                        help="the nbgrader course directory (default: assignments)")
    parser.add_argument("--student", default="*", help="only this student (a glob)")
    parser.add_argument("--workers", type=_workers, default=None,
                        help="local worker processes (default: $WORKERS, else the cores)")
    parser.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER") or None,
                        help="grade on the Dask cluster at this address, e.g. "
                             "tcp://host:8786 (default: $DASK_SCHEDULER)")
    parser.add_argument("--force", action="store_true",
                        help="regrade submissions already graded from the same files")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not (args.course / "nbgrader_config.py").is_file():
        parser.error(f"{args.course} is not an nbgrader course directory "
                     "(no nbgrader_config.py)")
    workers = args.workers or (_workers(os.environ["WORKERS"]) if os.environ.get("WORKERS")
                               else None)
    assignments = args.assignments or sorted(
        p.name for p in (args.course / "source").iterdir() if p.is_dir())
    try:
        summary = grade_class(args.course, assignments, students=args.student,
                              workers=workers, scheduler=args.scheduler, force=args.force,
                              progress=not args.no_progress)
    except SandboxUnavailable as err:
        print(f"Not grading: {err}", file=sys.stderr)
        return 2
    config = load_config(args.course.resolve())
    print(summary.table(config.CourseDirectory.db_url))
    for student, assignment, why in summary.failures:
        print(f"failed: {student} {assignment}: {why}")
    if summary.interrupted:
        print("Interrupted: what was graded is saved; run again to grade the rest.")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
