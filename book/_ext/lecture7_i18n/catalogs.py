"""The translation catalogues: merge with the English, and say what is left to translate.

The English chapters are the source. ``sphinx-build -b gettext`` writes one template per
page (``_build/gettext/book/<page>.pot``, ``gettext_compact = False``); the translations
are ``book/locales/<lang>/LC_MESSAGES/book/<page>.po``. Merging a translation with a newer
template is what ``sphinx-intl update`` does (babel's ``Catalog.update``, with fuzzy
matching): a paragraph whose English changed keeps its old translation, flagged
*fuzzy*, which the site does not show until a translator has checked it.

This module merges in memory (:func:`merge`), lists the entries still to do by page,
line and English text (:func:`report`), and checks that every translation keeps the
MyST markup of its English (:func:`markup_report`). ``book/locales/languages.yml`` says
which pages stay English and which are not translated yet (:func:`load_status`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sphinx_intl.catalog import load_po, update_with_fuzzy

from .markup import markup_problems
from .terms import Term, missing_terms

EXCERPT = 70


@dataclass(frozen=True)
class Status:
    """What ``book/locales/languages.yml`` says about one language."""

    language: str
    english_only: frozenset[str]
    pending: frozenset[str]
    sphinx: dict  # Sphinx settings of this language's site


def load_status(path: Path, language: str) -> Status:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if language not in data:
        raise ValueError(f"{path}: no entry for language {language!r}")
    entry = data[language] or {}
    unknown = set(entry) - {"english_only", "pending", "sphinx"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)} for {language!r}")
    return Status(
        language,
        frozenset(entry.get("english_only") or []),
        frozenset(entry.get("pending") or []),
        dict(entry.get("sphinx") or {}),
    )


def templates(pot_dir: Path) -> dict[str, Path]:
    """``{domain: .pot path}``; the domain is the page (``book/01_initialization``)."""
    return {
        path.relative_to(pot_dir).with_suffix("").as_posix(): path
        for path in sorted(pot_dir.rglob("*.pot"))
    }


def po_path(locale_dir: Path, language: str, domain: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}.po"


def merge(template: Path, translation: Path, language: str) -> Catalog:
    """The translation brought up to date with the template (sphinx-intl's merge)."""
    pot = load_po(str(template))
    if not translation.exists():
        pot.locale = language
        return pot
    catalog = load_po(str(translation))
    update_with_fuzzy(catalog, pot)
    return catalog


def messages(catalog: Catalog) -> list[tuple]:
    """What the site is built from: each entry's id, text and fuzzy flag, in order."""
    return [(m.id, m.string, m.fuzzy, m.context) for m in catalog if m.id]


def write_if_changed(catalog: Catalog, path: Path) -> bool:
    """Write ``catalog`` to ``path`` unless its entries are already those; True if written.

    The header (creation dates) is ignored, so that a rebuild with nothing new leaves
    the file, and so the Korean pages that depend on it, alone.
    """
    if path.exists() and messages(load_po(str(path))) == messages(catalog):
        return False
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return True


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def where(message) -> str:
    """``book/01_initialization.md:28``: where the English of an entry is."""
    if not message.locations:
        return "?"
    path, line = message.locations[0]
    # the builder writes paths relative to the template: ../../book/01_initialization.md
    source = re.sub(r"^(\.\./)+", "", Path(path).as_posix())
    return f"{source}:{line}"


@dataclass
class CatalogueReport:
    """The state of one page's catalogue: counts, and the entries still to do."""

    domain: str
    total: int = 0
    translated: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.untranslated and not self.fuzzy

    def lines(self) -> list[str]:
        """The entries still to do, one line each: kind, source location, English."""
        return [f"  untranslated {entry}" for entry in self.untranslated] + [
            f"  fuzzy        {entry}" for entry in self.fuzzy
        ]


def report(domain: str, catalog: Catalog) -> CatalogueReport:
    result = CatalogueReport(domain)
    for message in catalog:
        if not message.id:
            continue
        result.total += 1
        name = f"{where(message)}  {excerpt(message.id)!r}"
        if message.fuzzy:
            result.fuzzy.append(name)
        elif not message.string:
            result.untranslated.append(name)
        else:
            result.translated += 1
    return result


def _translated(catalog: Catalog) -> list:
    return [m for m in catalog if m.id and m.string and not m.fuzzy]


def markup_report(catalog: Catalog) -> list[str]:
    """Every translated, non-fuzzy entry whose markup differs from the English, by name."""
    found = []
    for message in _translated(catalog):
        problems = markup_problems(message.id, message.string)
        if problems:
            found.append(f"{where(message)}  {excerpt(message.id)!r}: " + "; ".join(problems))
    return found


def terms_report(catalog: Catalog, glossary: list[Term]) -> list[str]:
    """Every translated entry that says a glossary term otherwise than the glossary."""
    found = []
    for message in _translated(catalog):
        missing = missing_terms(message.id, message.string, glossary)
        if missing:
            found.append(f"{where(message)}  {excerpt(message.id)!r}: " + "; ".join(missing))
    return found
