"""The Korean site (``_build/html/ko``): every page, the language links, one execution.

``make book`` builds it after the English site; run alone, these tests skip without it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from i18nsite import (
    HANGUL,
    KO_SITE,
    execution_record,
    glued_values,
    images,
    main_text,
    soup,
    status,
    translated_pages,
)
from jupyter_cache import get_cache
from lecture7_i18n.search_ko import SearchKorean
from sitecheck import BUILD, CHAPTERS, ROOT, SITE, page_html, toc_pages
from sphinx_intl.catalog import load_po

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ko_site(site):
    if not (KO_SITE / "book" / "intro.html").is_file():
        pytest.skip(f"{KO_SITE} does not exist: build the book first ('make book')")
    return KO_SITE


def _link_target(page_file: Path, href: str) -> Path:
    return (page_file.parent / urlsplit(href).path).resolve()


# --- every page, in Korean, linked to its English twin ----------------------------------------


@pytest.mark.parametrize("page", toc_pages())
def test_every_page_has_a_korean_twin(ko_site, page):
    english, korean = soup(page_html(page)), soup(ko_site / f"{page}.html")
    assert english.html["lang"] == "en"
    assert korean.html["lang"] == "ko"
    for path, this, other, lang in (
        (page_html(page), english, ko_site / f"{page}.html", "ko"),
        (ko_site / f"{page}.html", korean, page_html(page), "en"),
    ):
        link = this.select_one("a.l7-language")
        assert link is not None, f"{path}: no language link"
        assert link["hreflang"] == lang
        assert _link_target(path, link["href"]) == other.resolve(), f"{path}: {link['href']}"
        alternate = this.select_one(f'link[rel="alternate"][hreflang="{lang}"]')
        assert alternate is not None and alternate["href"] == link["href"]


def test_generated_pages_are_linked_too(ko_site):
    for name in ("search.html", "genindex.html"):
        for here, there in ((SITE / name, ko_site / name), (ko_site / name, SITE / name)):
            link = soup(here).select_one("a.l7-language")
            assert link is not None, f"{here}: no language link"
            assert _link_target(here, link["href"]) == there.resolve()


@pytest.mark.parametrize("page", translated_pages())
def test_translated_pages_read_in_korean(ko_site, page):
    if page in status().pending:
        pytest.skip(f"{page} is not translated yet (pending in languages.yml)")
    korean = soup(ko_site / f"{page}.html")
    title = korean.select_one("main h1").get_text()
    assert HANGUL.search(title), f"{page}: the title is not Korean: {title!r}"
    # bilingual by design (the glossary), or cited under their own titles (the bibliography)
    for table in korean.select("div.l7-glossary, div.citation"):
        table.decompose()
    letters = [ch for ch in main_text(korean) if ch.isalpha()]
    hangul = sum(bool(HANGUL.match(ch)) for ch in letters)
    # English terms stay beside the Korean ones, names stay Latin: most letters are Hangul
    assert hangul > 0.6 * len(letters), f"{page}: {hangul} of {len(letters)} letters are Hangul"


def test_navigation_is_korean(ko_site):
    """The sidebar's part captions (inserted after translation) and the theme's words."""
    intro = soup(ko_site / "book" / "intro.html")
    captions = [c.get_text() for c in intro.select(".caption-text")]
    assert captions and all(HANGUL.search(c) for c in captions), captions
    author = " ".join(intro.get_text(" ").split())
    assert "지은이:" in author and "으로 The" not in author
    for name in ("sphinx.po", "booktheme.po"):
        catalog = load_po(str(ROOT / "book" / "locales" / "ko" / "LC_MESSAGES" / name))
        empty = [m.id for m in catalog if m.id and not m.string]
        assert not empty, f"{name}: untranslated {empty}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_links_under_the_title_are_korean(ko_site, page):
    line = soup(ko_site / f"{page}.html").select_one("p.l7-run-links")
    assert line is not None and HANGUL.search(line.get_text()), f"{page}: {line}"


# --- one execution for both languages -----------------------------------------------------------


@pytest.mark.parametrize("page", CHAPTERS)
def test_korean_pages_show_the_english_run(ko_site, page):
    """Same figures (named by their bytes) and the same glued numbers as the English page."""
    english, korean = soup(page_html(page)), soup(ko_site / f"{page}.html")
    assert images(korean) == images(english)
    assert sorted(glued_values(korean)) == sorted(glued_values(english))
    assert glued_values(english), f"{page}: no glued number found"


def test_korean_build_ran_no_notebook(ko_site):
    record = execution_record(BUILD / "ko" / "execution-html-ko.json")
    cache = get_cache(str(BUILD / ".jupyter_cache"))
    created = {r.created.timestamp() for r in cache.list_cache_records()}
    assert created, "the execution cache is empty"
    # every record of the cache is older than the Korean build: it added none
    assert max(created) < record["started"]
    notebooks = record["notebooks"]
    assert set(notebooks) == set(CHAPTERS)
    for doc, data in notebooks.items():
        assert data["method"] == "cache"
        # myst-nb dates a notebook taken from the cache by its record's creation
        assert data["mtime"] in created, f"{doc}: outputs that no cache record holds"


# --- the glossary ---------------------------------------------------------------------------


def test_glossary_links_each_term_to_its_section(ko_site):
    for site in (SITE, ko_site):
        path = site / "book" / "glossary.html"
        rows = soup(path).select("div.l7-glossary tbody tr")
        assert len(rows) > 50
        for row in rows:
            link = row.select_one("td a")
            target = _link_target(path, link["href"])
            assert target.is_file(), link["href"]
            anchor = urlsplit(link["href"]).fragment
            if anchor:
                assert soup(target).find(id=anchor) is not None, link["href"]
            assert HANGUL.search(link.get_text()) or link.get_text().isascii()


# --- search in Korean -------------------------------------------------------------------------


def _search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def _docs(entry) -> set[int]:
    """The documents of a search-index entry (one number, or a list of them)."""
    if entry is None:
        return set()
    return {entry} if isinstance(entry, int) else set(entry)


def test_korean_index_finds_words_without_their_particles(ko_site):
    index = _search_index(ko_site)
    docs = index["docnames"]
    stem = SearchKorean({}).stem
    for query, page in [("가중치", "book/01_initialization"), ("초기화", "book/01_initialization"),
                        ("가중치를", "book/01_initialization"), ("안장점", "book/glossary"),
                        ("Xavier", "book/01_initialization")]:  # fmt: skip
        term = stem(query)
        found = _docs(index["terms"].get(term)) | _docs(index["titleterms"].get(term))
        assert docs.index(page) in found, f"{query!r} ({term!r}) does not find {page}"


def test_browser_stemmer_agrees_with_the_index(ko_site):
    """Every word of the Korean pages, stemmed by the browser and by the indexer."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    search = SearchKorean({})
    words = set()
    for page in toc_pages():
        words.update(search.split(main_text(soup(ko_site / f"{page}.html"))))
    words = sorted(words | {"가중치를", "Adam은", "안장점에서는", "에서는", "는"})
    script = (
        (ko_site / "_static" / "language_data.js").read_text(encoding="utf-8")
        + "\nconst s = new Stemmer();\nconst words = JSON.parse(require('fs').readFileSync(0));"
        + "\nprocess.stdout.write(JSON.stringify(words.map(w => s.stemWord(w))));"
    )
    done = subprocess.run([node, "-e", script], input=json.dumps(words), capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    browser = json.loads(done.stdout)
    differ = [(w, b, search.stem(w)) for w, b in zip(words, browser, strict=True)]
    differ = [d for d in differ if d[1] != d[2]]
    assert len(words) > 1000
    assert not differ, f"the browser stems differently (word, browser, index): {differ[:20]}"
