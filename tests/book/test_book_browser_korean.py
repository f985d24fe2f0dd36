"""The Korean site in a real browser: every page works, Hangul is drawn, search finds it.

The same checks as ``test_book_browser.py`` (no error, nothing from outside the site,
images loaded, math typeset) for every page of ``_build/html/ko``, a screenshot of each
in ``_build/screenshots/ko/``, and two Korean ones:

- **Hangul is drawn with a Korean font.** Chromium reports which platform fonts drew a
  node's text (DevTools ``CSS.getPlatformFontsForNode``); one of them must be a font
  that fontconfig lists for Korean (``fc-list :lang=ko``). Without one (Debian's
  ``fonts-noto-cjk``, which ``make browser`` installs) Hangul comes out as empty boxes.
- **Search works in Korean**: the site's own search page, queried with a word that
  carries a particle ("가중치를"), lists the chapter that explains it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from urllib.parse import quote

import pytest
from i18nsite import KO_SITE, status
from sitecheck import SCREENSHOTS, toc_pages
from test_book_browser import PAGE_STATE, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.slow

# Marks the first element of the article whose own text has Hangul; returns that text.
MARK_HANGUL = r"""
(() => {
  const main = document.querySelector("main article") || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (/[\uac00-\ud7a3]/.test(node.textContent) && node.parentElement.offsetParent) {
      node.parentElement.setAttribute("data-l7-hangul", "");
      return node.textContent.trim().slice(0, 40);
    }
  }
  return null;
})()
"""


@pytest.fixture(scope="module")
def korean_fonts() -> set[str]:
    """The font families that fontconfig says cover Korean."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    out = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
    families = {name.strip() for line in out.stdout.splitlines() for name in line.split(",")}
    return {f for f in families if f}


def _fonts_of(chromium, selector: str) -> list[dict]:
    chromium.send("DOM.enable")
    chromium.send("CSS.enable")
    root = chromium.send("DOM.getDocument", depth=0)["root"]["nodeId"]
    node = chromium.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
    assert node, f"no element matches {selector}"
    return chromium.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]


@pytest.fixture(scope="module")
def ko_base(browser):  # noqa: F811
    if not (KO_SITE / "book" / "intro.html").is_file():
        pytest.skip(f"{KO_SITE} does not exist: build the book first ('make book')")
    chromium, base = browser
    return chromium, base, f"{base}ko/"


@pytest.mark.parametrize("page", toc_pages())
def test_korean_page_in_browser(ko_base, korean_fonts, page):
    chromium, base, ko = ko_base
    chromium.open(f"{ko}{page}.html")
    state = chromium.evaluate(PAGE_STATE)
    chromium.screenshot(SCREENSHOTS / "ko" / f"{page.split('/')[-1]}.png")

    problems = chromium.problems(allowed_prefixes=(base, "data:", "blob:", "about:"))
    assert not problems, f"ko/{page}:\n" + "\n".join(problems)
    broken = [img["src"] for img in state["images"] if img["width"] == 0]
    assert not broken, f"ko/{page}: images that did not load: {broken}"
    if state["math"]:
        assert not state["untypeset"], f"ko/{page}: math not typeset: {state['untypeset']}"
    assert not state["raw_math"], f"ko/{page}: raw TeX delimiters: {state['raw_math']}"
    assert not state["mathjax_errors"], f"ko/{page}: MathJax reports TeX errors"

    text = chromium.evaluate(MARK_HANGUL)
    if page in status().english_only and text is None:
        return  # an English page of the Korean site (the sidebar is outside the article)
    assert text, f"ko/{page}: no Hangul in the article"
    fonts = _fonts_of(chromium, "[data-l7-hangul]")
    used = {f["familyName"] for f in fonts if f["glyphCount"] > 0}
    assert used & korean_fonts, (
        f"ko/{page}: {text!r} is drawn with {sorted(used)}, none of which has Korean glyphs "
        f"(fc-list :lang=ko: {sorted(korean_fonts) or 'none'}); install fonts-noto-cjk "
        "(make browser)"
    )


# Sphinx lists the results one by one, fetching each page's summary, and writes the
# summary line ("found N pages") only after the last one: wait for it, not for the first
RESULTS = """
(() => (document.querySelector("#search-results p.search-summary")?.innerText || "")
  ? [...document.querySelectorAll("#search-results li a, ul.search li a")]
      .map(a => a.getAttribute("href"))
  : null)()
"""


@pytest.mark.parametrize("query", ["가중치", "가중치를", "초기화", "안장점"])
def test_korean_search_finds_the_chapter(ko_base, query):
    chromium, _, ko = ko_base
    chromium.open(f"{ko}search.html?q={quote(query)}")
    deadline = time.monotonic() + 20
    hrefs: list[str] | None = None
    while time.monotonic() < deadline:
        hrefs = chromium.evaluate(RESULTS)
        if hrefs is not None:
            break
        time.sleep(0.2)
    assert hrefs is not None, f"searching {query!r}: the search never finished"
    pages = {href.split("?")[0].split("#")[0] for href in hrefs}
    expected = "book/glossary.html" if query == "안장점" else "book/01_initialization.html"
    assert expected in pages, f"searching {query!r} found {sorted(pages)}"
