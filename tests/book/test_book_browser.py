"""Every page of the book in a real browser: no errors, images loaded, math typeset.

Headless Chromium (Debian's ``chromium``; ``make test`` installs it when missing and it
can) opens each page of ``_toc.yml`` from a local web server and checks that

- the console shows no error and no script throws;
- nothing is requested from outside the site, and no request fails;
- every ``<img>`` has loaded (``naturalWidth > 0``);
- where the page has math, MathJax has typeset all of it, and no raw ``$$`` is left;
- no displayed equation is wider than the text column (it would run off the page);

and saves a full-page screenshot to ``_build/screenshots/<page>.png`` for a person to
look at. Without Chromium the test skips, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os

import pytest
from chromium_cdp import Chromium, SiteServer, find_chromium
from sitecheck import SCREENSHOTS, toc_pages

pytestmark = pytest.mark.slow

# What the page reports once MathJax has finished (or at once when it has no math).
PAGE_STATE = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const deadline = Date.now() + 20000;
  while ([...document.images].some(i => !i.complete) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  const main = document.querySelector("main") || document.body;
  const prose = main.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, mjx-container").forEach(e => e.remove());
  const text = prose.textContent;
  return {
    title: document.title,
    images: [...document.images].map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth})),
    math: document.querySelectorAll(".math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    untypeset: [...document.querySelectorAll(".math")]
      .filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80)),
    raw_math: ["$$", "\\(", "\\[", "\\begin{"].filter(s => text.includes(s)),
    mathjax_errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    // displayed equations wider than their box: the box clips or the equation runs off
    overflowing_math: [...document.querySelectorAll("div.math, mjx-container[display='true']")]
      .filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => (e.closest("div.math") || e).id || e.textContent.slice(0, 60)),
  };
})()
"""


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def browser(site):
    executable = find_chromium()
    if executable is None:
        message = (
            "Chromium is not installed: 'make test' installs it (apt-get install chromium, "
            "as root); or set CHROMIUM to a Chromium/Chrome executable"
        )
        if _is_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    with SiteServer(site) as server:
        chromium = Chromium(executable)
        try:
            yield chromium, server.base
        finally:
            chromium.close()


@pytest.mark.parametrize("page", toc_pages())
def test_page_in_browser(browser, page):
    chromium, base = browser
    chromium.open(f"{base}{page}.html")
    state = chromium.evaluate(PAGE_STATE)
    chromium.screenshot(SCREENSHOTS / f"{page.split('/')[-1]}.png")

    problems = chromium.problems(allowed_prefixes=(base, "data:", "blob:", "about:"))
    assert not problems, f"{page}:\n" + "\n".join(problems)
    assert state["title"], f"{page}: the page has no title"
    broken = [img["src"] for img in state["images"] if img["width"] == 0]
    assert not broken, f"{page}: images that did not load: {broken}"
    if state["math"]:
        assert not state["untypeset"], f"{page}: math MathJax did not typeset: {state['untypeset']}"
        assert state["typeset"] >= state["math"]
    assert not state["raw_math"], f"{page}: raw TeX delimiters in the text: {state['raw_math']}"
    assert not state["mathjax_errors"], f"{page}: MathJax reports TeX errors"
    assert not state["overflowing_math"], (
        f"{page}: equations wider than the text column: {state['overflowing_math']}")


def test_browser_check_catches_problems(browser, tmp_path):
    """The checks fail on a page with an exception, an external request and a broken image."""
    chromium, base = browser
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><head><title>bad</title></head><body>"
        '<img src="missing.png"><script>throw new Error("boom")</script>'
        '<img src="https://example.invalid/x.png">'
        '<div class="math" id="wide" style="width: 200px">'
        '<span style="display: inline-block; width: 900px">a very long equation</span></div>'
        "</body></html>"
    )
    chromium.open(bad.as_uri())
    state = chromium.evaluate(PAGE_STATE)
    problems = chromium.problems(allowed_prefixes=(base, "data:", "about:", "file:"))
    text = "\n".join(problems)
    assert "boom" in text
    assert "request outside the site: https://example.invalid/x.png" in text
    assert [img["width"] for img in state["images"]] == [0, 0]
    assert state["overflowing_math"] == ["wide"]
