"""Release every assignment for the book: the student notebooks the chapters link to.

Run by ``make book`` before the Sphinx build::

    python tools/release_assignments.py [--course assignments]

For each ``<course>/source/<assignment>/`` that holds a notebook it runs
``nbgrader generate_assignment --force --no-db <assignment>`` (from the course
directory, so ``nbgrader_config.py`` applies) when ``<course>/release/<assignment>/``
is missing or older than the source or the config; otherwise it leaves it alone, so a
rebuild with nothing changed does not touch the release (and the chapters linking it
are not re-read). ``--no-db``: the book never writes the instructor's gradebook.
Assignments that do not exist yet are simply not released; a chapter that links to one
fails the build (the ``{assignment}`` role in ``book/_ext/lecture7_book.py``).
Exits non-zero when nbgrader fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def _newest_mtime(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def assignments(course: Path) -> list[str]:
    """Names of the assignments under ``course/source`` that hold at least one notebook."""
    source = course / "source"
    if not source.is_dir():
        return []
    return sorted(
        d.name
        for d in source.iterdir()
        if d.is_dir() and not d.name.startswith(".") and any(d.glob("*.ipynb"))
    )


def is_stale(course: Path, name: str) -> bool:
    """True when the release of ``name`` is missing or older than its inputs."""
    released = [p for p in (course / "release" / name).glob("*.ipynb")]
    if not released:
        return True
    inputs = [
        p for p in (course / "source" / name).rglob("*") if ".ipynb_checkpoints" not in p.parts
    ]
    inputs.append(course / "nbgrader_config.py")
    sources = {p.name for p in (course / "source" / name).glob("*.ipynb")}
    if sources - {p.name for p in released}:
        return True
    return _newest_mtime(inputs) > min(p.stat().st_mtime for p in released)


def nbgrader_command() -> list[str]:
    """The nbgrader of this interpreter's environment."""
    exe = Path(sys.executable).with_name("nbgrader")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("nbgrader")
    if found is None:
        raise SystemExit("nbgrader is not installed: run 'make env' (pip install -e '.[grading]')")
    return [found]


def release(course: Path, name: str) -> None:
    """Run nbgrader's release of one assignment; raise SystemExit when it fails."""
    cmd = [*nbgrader_command(), "generate_assignment", "--force", "--no-db", name]
    done = subprocess.run(cmd, cwd=course, capture_output=True, text=True)
    if done.returncode != 0 or not any((course / "release" / name).glob("*.ipynb")):
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"nbgrader generate_assignment {name} failed (exit {done.returncode})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=Path("assignments"))
    args = parser.parse_args(argv)
    course = args.course.resolve()
    names = assignments(course)
    if not names:
        print(f"release: no assignments under {args.course}/source yet")
        return 0
    for name in names:
        if is_stale(course, name):
            release(course, name)
            print(f"release: {name} released to {args.course}/release/{name}/")
        else:
            print(f"release: {name} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
