"""The warm rebuild of the book: what `make book` costs an author who edits a paragraph.

In a tree where `make book` has run (the script runs it once first, untimed), it times

* `make book` with nothing changed;
* `make book` after editing one English paragraph of ``--chapter`` (a word of its first
  paragraph, changed and then changed back: each build follows a real edit);

each for both languages (the English site, then the Korean one from the same execution
cache) and, as the named baseline in the same run, for the English site alone
(``make book BOOK_LANGUAGES=``). It prints the best and median of ``--repeats`` runs,
the ratio of both languages to English alone, and the target of issue 12: a warm
rebuild of both languages within 30 s. The chapter is restored, and rebuilt, whatever
happens.

    .venv/bin/python bench/book_build.py [--chapter book/02_optimizers.md] [--repeats 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 30.0
LANGUAGES = {"both languages": [], "English alone": ["BOOK_LANGUAGES="]}


def make_book(*variables: str) -> float:
    """Seconds of one `make book` (it fails loudly: a broken build is no timing)."""
    start = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "book", *variables], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"make book {' '.join(variables)} failed:\n{done.stdout}{done.stderr}")
    return seconds


def first_paragraph(text: str) -> re.Match:
    """The first line of prose after the chapter's title (not front matter, code, math)."""
    body = text.index("\n# ")
    match = re.compile(r"^[A-Z][a-z]+ ", re.MULTILINE).search(text, body + 3)
    if match is None:
        raise SystemExit("no paragraph of prose found after the title")
    return match


def edits(chapter: Path) -> list[Callable[[], None]]:
    """Two edits that undo each other: the first word of the first paragraph doubled,
    then the original text back."""
    original = chapter.read_text(encoding="utf-8")
    match = first_paragraph(original)
    word = match.group(0)
    edited = original[: match.start()] + word + word.lower() + original[match.end():]
    return [lambda: chapter.write_text(edited, encoding="utf-8"),
            lambda: chapter.write_text(original, encoding="utf-8")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", type=Path, default=ROOT / "book" / "02_optimizers.md")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    chapter = args.chapter.resolve()
    original = chapter.read_text(encoding="utf-8")
    print("make book (untimed: the warm state the rest starts from)")
    make_book()
    times: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.repeats):
            for languages, variables in LANGUAGES.items():
                seconds = make_book(*variables)
                times.setdefault(("nothing changed", languages), []).append(seconds)
                print(f"  nothing changed, {languages:<15} {seconds:5.1f} s")
                for edit in edits(chapter):
                    edit()
                    seconds = make_book(*variables)
                    times.setdefault(("a paragraph edited", languages), []).append(seconds)
                    print(f"  a paragraph edited, {languages:<15} {seconds:5.1f} s")
            make_book()  # untimed: the Korean site catches up with the English alone's edits
    finally:
        if chapter.read_text(encoding="utf-8") != original:
            chapter.write_text(original, encoding="utf-8")
        make_book()  # both sites as the chapter is
    print(f"\nwarm `make book`, {args.repeats} repeats ({chapter.relative_to(ROOT)} edited):")
    print(f"  {'':<20} {'languages':<16} {'best':>6} {'median':>7}")
    for (scenario, languages), values in times.items():
        print(f"  {scenario:<20} {languages:<16} {min(values):5.1f}s "
              f"{statistics.median(values):6.1f}s")
    for scenario in ("nothing changed", "a paragraph edited"):
        both = statistics.median(times[(scenario, "both languages")])
        english = statistics.median(times[(scenario, "English alone")])
        verdict = "within" if both <= TARGET else "OVER"
        print(f"  {scenario}: both languages / English alone = {both / english:.2f}x; "
              f"{both:.1f} s is {verdict} the {TARGET:.0f} s target")


if __name__ == "__main__":
    main()
