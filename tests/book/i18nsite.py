"""Helpers for the tests of the translated book: catalogues, the Korean site, its pages.

The Korean site is ``_build/html/ko`` (``make book`` builds it after the English one,
with ``tools/i18n.py build``); the catalogues are ``book/locales/ko/LC_MESSAGES``, the
templates ``_build/gettext`` and what each language must translate
``book/locales/languages.yml``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from sitecheck import BUILD, ROOT, SITE, toc_pages

sys.path.insert(0, str(ROOT / "book" / "_ext"))

from lecture7_i18n.catalogs import load_status, po_path, templates
from lecture7_i18n.glossary import load_glossary

LANGUAGE = "ko"
KO_SITE = SITE / LANGUAGE
LOCALES = ROOT / "book" / "locales"
LANGUAGES = LOCALES / "languages.yml"
GETTEXT = BUILD / "gettext"
GLOSSARY = ROOT / "book" / "glossary.yml"
HANGUL = re.compile("[\uac00-\ud7a3]")


def status():
    return load_status(LANGUAGES, LANGUAGE)


def translated_pages() -> list[str]:
    """The pages of the book that the Korean site translates (not the English-only ones)."""
    return [page for page in toc_pages() if page not in status().english_only]


def committed_catalogues() -> dict[str, Path]:
    """``{page: .po}`` of the committed Korean catalogues."""
    root = LOCALES / LANGUAGE / "LC_MESSAGES"
    return {
        path.relative_to(root).with_suffix("").as_posix(): path
        for path in sorted(root.rglob("*.po"))
        if path.parent != root  # sphinx.po and the like: catalogues of no page
    }


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def main_text(page: BeautifulSoup) -> str:
    """The article's prose: no code, no math, no scripts, no navigation."""
    main = page.select_one("main article") or page.select_one("main") or page
    for tag in main.select("pre, code, script, style, .math, .cell_input"):
        tag.decompose()
    return " ".join(main.get_text(" ").split())


def glued_values(page: BeautifulSoup) -> list[str]:
    """The numbers glued into the prose, in order (myst-nb's ``span.pasted-text``)."""
    return [span.get_text() for span in page.select("span.pasted-text")]


def images(page: BeautifulSoup) -> list[str]:
    """The file names of the page's images (myst-nb names them by their content)."""
    return sorted(Path(img["src"]).name for img in page.select("main img[src]"))


def execution_record(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = [
    "GETTEXT",
    "GLOSSARY",
    "HANGUL",
    "KO_SITE",
    "LANGUAGE",
    "committed_catalogues",
    "execution_record",
    "glued_values",
    "images",
    "load_glossary",
    "main_text",
    "po_path",
    "soup",
    "status",
    "templates",
    "translated_pages",
]
