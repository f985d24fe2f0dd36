"""Helpers for the tests of the built book (``_build/html``): pages, sources, secrets.

The tests in this folder read the site that ``make book`` wrote; ``make test`` always
builds it first.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
SITE = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
COURSE = ROOT / "assignments"

# The chapters, in order (book/AUTHORING.md); every one must be a notebook page.
CHAPTERS = [
    "book/01_initialization",
    "book/02_optimizers",
    "book/03_lr_decay",
    "book/04_second_order",
    "book/05_ensembles",
    "book/06_regularization",
    "book/07_augmentation",
    "book/08_transfer",
]

SETUP_TAG = "lecture7-setup"


# --- the table of contents and the pages --------------------------------------------------


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml`` (docnames without suffix), root first, in order."""
    data = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [data["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)

    walk(data)
    return [p.removesuffix(".md").removesuffix(".ipynb") for p in pages]


def source_of(page: str) -> Path:
    """The source file of a page (``.md`` or ``.ipynb``)."""
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{page}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no source for page {page!r} (looked for .md and .ipynb)")


def is_notebook_source(path: Path) -> bool:
    """A page is a notebook when it is an .ipynb or a MyST file with a kernelspec header."""
    if path.suffix == ".ipynb":
        return True
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return bool(match) and "kernelspec" in (yaml.safe_load(match.group(1)) or {})


def notebook_pages() -> list[str]:
    return [p for p in toc_pages() if is_notebook_source(source_of(p))]


def page_html(page: str) -> Path:
    return SITE / f"{page}.html"


def site_files() -> Iterator[Path]:
    for path in sorted(SITE.rglob("*")):
        if path.is_file():
            yield path


def repository_config() -> dict:
    """``repository:`` and ``launch_buttons:`` from ``_config.yml``."""
    data = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {"repository": data["repository"], "launch_buttons": data.get("launch_buttons", {})}


# --- text as a reader (or a leak) sees it ---------------------------------------------------

BINARY_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
    ".pdf",
    ".zip",
    ".gz",
    ".pickle",
    ".doctree",
    ".inv",
}


def normalize(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return " ".join(text.split())


def _json_strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        # notebook sources are lists of lines: join them back
        if value and all(isinstance(v, str) for v in value):
            yield "".join(value)
        else:
            for v in value:
                yield from _json_strings(v)


def readable_text(path: Path) -> str | None:
    """The text of a site file, normalized; ``None`` for binary files.

    HTML is read twice: as written (attributes, scripts) and with the tags removed and
    entities decoded, which is how highlighted code reads (Pygments wraps each token
    in a ``<span>``). JSON (notebooks) is read as its decoded strings.
    """
    if path.suffix.lower() in BINARY_SUFFIXES:
        return None
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    parts = [raw]
    if path.suffix in (".html", ".htm"):
        parts.append(html.unescape(re.sub(r"<[^>]+>", "", raw)))
    elif path.suffix in (".ipynb", ".json"):
        try:
            parts.extend(_json_strings(json.loads(raw)))
        except json.JSONDecodeError:
            pass
    return normalize("\n".join(parts))


# --- what an assignment must keep secret ------------------------------------------------------

REGION_MARKERS = {
    "solution": ("BEGIN SOLUTION", "END SOLUTION"),
    "hidden tests": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
    "mark scheme": ("BEGIN MARK SCHEME", "END MARK SCHEME"),
}
MARKERS = [f"### {m}" for pair in REGION_MARKERS.values() for m in pair]
MIN_SECRET_CHARS = 12
# Model answers are prose, wrapped into lines: a short fragment ("validation accuracy.")
# is ordinary English that a chapter may well say too. Prose counts from a longer line.
MIN_SECRET_PROSE_CHARS = 40


@dataclass(frozen=True)
class Secret:
    line: str  # normalized
    notebook: Path
    kind: str


def _is_marker(line: str) -> bool:
    return any(m in line for pair in REGION_MARKERS.values() for m in pair)


def split_cell(cell) -> tuple[list[tuple[str, str]], list[str]]:
    """``(secret (kind, line) pairs, public lines)`` of one source-notebook cell.

    Secret: the lines inside solution, hidden-test and mark-scheme regions, and the whole
    source of a solution cell without regions (nbgrader replaces it entirely).
    """
    lines = cell.source.splitlines()
    meta = cell.get("metadata", {}).get("nbgrader", {})
    has_region = any(_is_marker(line) for line in lines)
    if meta.get("solution") and not has_region:
        kind = "written answer" if cell.cell_type == "markdown" else "solution"
        return [(kind, line) for line in lines], []
    secret, public, kind = [], [], None
    for line in lines:
        if kind is None:
            for name, (begin, _end) in REGION_MARKERS.items():
                if begin in line:
                    kind = name
                    break
            else:
                public.append(line)
            continue
        if REGION_MARKERS[kind][1] in line:
            kind = None
            continue
        secret.append((kind, line))
    return secret, public


def library_text() -> str:
    """The normalized text of the ``lecture7`` sources: public (pip install gives them)."""
    return "\n".join(
        normalize(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "lecture7").rglob("*.py"))
    )


def is_trivial(line: str, kind: str = "solution") -> bool:
    prose = kind in ("mark scheme", "written answer")
    return (
        len(line) < (MIN_SECRET_PROSE_CHARS if prose else MIN_SECRET_CHARS)
        or line.startswith("#")
        or not re.search(r"[A-Za-z0-9]", line)
        or line in {"raise NotImplementedError()", "pass"}
    )


def chapter_text() -> str:
    """The normalized text of the chapters' own sources (``book/*.md``)."""
    return "\n".join(
        normalize(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "book").glob("*.md"))
    )


def secrets_of(
    notebooks: list[Path], public_extra: str = "", public_prose: str = ""
) -> list[Secret]:
    """The non-trivial secret lines of ``notebooks`` that are not public elsewhere.

    A line is public when its text also appears outside the regions of the same
    notebook (the student sees it in the released notebook, e.g. in a docstring) or in
    ``public_extra`` (the library's source, which students install). A line of a model
    answer (prose) is also public when the chapters teach it in the same words
    (``public_prose``): the answer is what the chapter says. Solution *code* never is.
    """
    found: list[Secret] = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        secret_pairs, public = [], []
        for cell in nb.cells:
            s, p = split_cell(cell)
            secret_pairs.extend(s)
            public.extend(p)
        public_text = normalize("\n".join(public)) + "\n" + public_extra
        seen = set()
        for kind, line in secret_pairs:
            norm = normalize(line)
            if is_trivial(norm, kind) or norm in seen or norm in public_text:
                continue
            if kind in ("mark scheme", "written answer") and norm in public_prose:
                continue
            seen.add(norm)
            found.append(Secret(norm, path, kind))
    return found


def source_notebooks() -> list[Path]:
    return sorted(
        p for p in (COURSE / "source").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def leaks(secrets: list[Secret], files: list[Path]) -> list[str]:
    """``"<file>: <kind> line of <notebook>: <line>"`` for every secret found in files."""
    out = []
    for path in files:
        text = readable_text(path)
        if text is None:
            continue
        for secret in secrets:
            if secret.line in text:
                out.append(f"{path}: {secret.kind} line of {secret.notebook.name}: {secret.line!r}")
    return out
