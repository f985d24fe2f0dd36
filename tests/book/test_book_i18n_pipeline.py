"""The translation pipeline end to end, on a one-chapter book in a temporary folder.

English site (runs the notebook) -> gettext templates -> a Korean catalogue -> Korean
site, with the real myst-nb and ``book/_ext/lecture7_i18n``; then a changed English
paragraph, whose translation turns fuzzy and is reported by name. No ``make book``
needed: each step is a ``sphinx-build`` of the small book.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from i18nsite import soup
from jupyter_cache import get_cache
from lecture7_i18n.catalogs import merge, report, write_if_changed
from sitecheck import ROOT

pytestmark = pytest.mark.slow

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["myst_nb", "lecture7_i18n"]
html_theme = "sphinx_book_theme"
myst_enable_extensions = ["dollarmath"]
numfig = True
gettext_compact = False
nb_execution_mode = "cache"
exclude_patterns = ["_build", "locales", "merged"]
"""

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Chapter

(sec-result)=
## Result

```{code-cell} ipython3
from myst_nb import glue
glue("loss", 0.12345, display=False)
glue("steps", 200, display=False)
```

After {glue:text}`steps` steps the loss is {glue:text}`loss:.3f`, see {ref}`sec-result` and $x^2$.

The second paragraph stays the same.
"""

KOREAN = {
    "Home": "홈",
    "Chapter": "장",
    "Result": "결과",
    "After {glue:text}`steps` steps the loss is {glue:text}`loss:.3f`, see {ref}`sec-result` "
    "and $x^2$.": "{glue:text}`steps` 스텝 뒤 손실은 {glue:text}`loss:.3f`이다. "
    "{ref}`sec-result`에서 $x^2$를 보라.",
    "The second paragraph stays the same.": "두 번째 문단은 그대로다.",
}


def _sphinx(book: Path, builder: str, out: Path, *options: str) -> str:
    """Build ``book`` into ``out`` (warnings are errors); Sphinx's output."""
    command = [sys.executable, "-m", "sphinx", "-W", "-n", "-b", builder]
    command += [*options, "-d", str(out.parent / f".doctrees-{out.name}"), str(book), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{builder} build failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _cache_records(book: Path) -> dict:
    cache = get_cache(str(book / "_build" / ".jupyter_cache"))
    return {r.pk: r.created for r in cache.list_cache_records()}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "conf.py").write_text(CONF)
    (tmp_path / "index.md").write_text("# Home\n\n```{toctree}\nch\n```\n")
    (tmp_path / "ch.md").write_text(CHAPTER)
    return tmp_path


def _korean_site(book: Path, locale_dir: Path) -> tuple[Path, str]:
    """Build the Korean site; its folder, and Sphinx's line saying which pages it read."""
    out = book / "_build" / "ko"
    options = ["-D", "language=ko", "-D", f"locale_dirs={locale_dir}"]
    options += ["-D", "lecture7_follow_execution_cache=1"]
    output = _sphinx(book, "html", out, *options)
    return out, next(line for line in output.splitlines() if "updating environment" in line)


def test_translate_change_and_report(book: Path):
    build = book / "_build"
    _sphinx(book, "html", build / "html")  # runs the notebook once, into the cache
    executions = _cache_records(book)
    assert len(executions) == 1

    # the translator's side: templates, a catalogue, translations
    _sphinx(book, "gettext", build / "gettext")
    pot = build / "gettext" / "ch.pot"
    committed = book / "locales" / "ko" / "LC_MESSAGES" / "ch.po"
    for name in ("index", "ch"):
        catalog = merge(build / "gettext" / f"{name}.pot", Path("missing.po"), "ko")
        for message in catalog:
            if message.id:
                message.string = KOREAN[message.id]
        write_if_changed(catalog, committed.with_name(f"{name}.po"))

    site, _ = _korean_site(book, book / "locales")
    assert _cache_records(book) == executions, "the Korean build ran the notebook again"
    page = soup(site / "ch.html")
    text = " ".join(page.get_text(" ").split())
    assert page.html["lang"] == "ko"
    # the glued numbers come from the English build's execution, the reference keeps
    # its target and shows the translated title
    assert "200 스텝 뒤 손실은 0.123 이다" in text or "200 스텝 뒤 손실은 0.123이다" in text
    ref = page.select_one('a[href="#sec-result"]')
    assert ref is not None and ref.get_text() == "결과"
    assert "두 번째 문단은 그대로다." in text
    switch = page.select_one("a.l7-language")
    assert switch["hreflang"] == "en" and switch["href"] == "../ch.html"
    # the translated nodes belong to the page, not to the scratch documents Sphinx parsed
    # them in, whose settings hold the build environment: the Korean doctree stays the
    # size of the English one, and a warm rebuild does not unpickle the environment
    doctree = pickle.loads((build / ".doctrees-ko" / "ch.doctree").read_bytes())
    strays = [n for n in doctree.findall() if n.__dict__.get("_document") not in (None, doctree)]
    assert strays == []
    sizes = [(build / d / "ch.doctree").stat().st_size for d in (".doctrees-ko", ".doctrees-html")]
    assert sizes[0] < 1.5 * sizes[1], f"Korean doctree {sizes[0]} B, English {sizes[1]} B"

    # the English changes: the entry turns fuzzy, is reported by name, and the Korean
    # site shows the new English until it is translated again
    (book / "ch.md").write_text(CHAPTER.replace("the loss is", "the training loss is"))
    _sphinx(book, "gettext", build / "gettext")
    merged = merge(pot, committed, "ko")
    result = report("ch", merged)
    assert result.untranslated == []
    assert len(result.fuzzy) == 1
    assert result.fuzzy[0].startswith("ch.md:")
    assert "After {glue:text}`steps` steps the training loss" in result.fuzzy[0]

    write_if_changed(merged, book / "merged" / "ko" / "LC_MESSAGES" / "ch.po")
    write_if_changed(merge(build / "gettext" / "index.pot", committed.with_name("index.po"), "ko"),
                     book / "merged" / "ko" / "LC_MESSAGES" / "index.po")  # fmt: skip
    _sphinx(book, "html", build / "html")
    site, _ = _korean_site(book, book / "merged")
    text = " ".join(soup(site / "ch.html").get_text(" ").split())
    assert "the training loss is 0.123" in text
    assert "두 번째 문단은 그대로다." in text
    assert _cache_records(book) == executions


RERUN = CHAPTER.replace(
    'glue("steps", 200, display=False)',
    'glue("steps", int(open("steps.txt").read()), display=False)',
)


def _reads(book: Path, locale_dir: Path) -> str:
    """Build the Korean site again; Sphinx's line saying which pages it read."""
    return _korean_site(book, locale_dir)[1]


def test_korean_site_follows_a_new_execution_and_reads_nothing_otherwise(book: Path):
    """`make book` clears the cache when lecture7 changes: the English build runs the
    page again with the same source, and the Korean build must show the new outputs;
    with nothing new, a Korean rebuild reads no page (the warm rebuild stays fast)."""
    (book / "ch.md").write_text(RERUN)
    (book / "steps.txt").write_text("200")
    build = book / "_build"
    _sphinx(book, "html", build / "html")
    locales = book / "locales"  # no catalogue: the Korean site shows the English text
    site, _ = _korean_site(book, locales)
    assert "After 200 steps" in " ".join(soup(site / "ch.html").get_text(" ").split())
    assert "0 changed" in _reads(book, locales)

    # the library changed: make book clears the cache and the English doctrees
    (book / "steps.txt").write_text("300")
    for folder in (build / ".jupyter_cache", build / ".doctrees-html"):
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    _sphinx(book, "html", build / "html")
    assert "1 changed" in _reads(book, locales)  # the page, although its source is the same
    assert "After 300 steps" in " ".join(soup(site / "ch.html").get_text(" ").split())
    assert "0 changed" in _reads(book, locales)
