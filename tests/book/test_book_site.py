"""The built site (``_build/html``): no secrets, nothing from the internet, notebooks.

``make test`` builds the book first; run alone, these tests skip without a build.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup
from sitecheck import (
    BUILD,
    CHAPTERS,
    COURSE,
    MARKERS,
    ROOT,
    SETUP_TAG,
    chapter_text,
    is_notebook_source,
    leaks,
    library_text,
    normalize,
    notebook_pages,
    page_html,
    readable_text,
    repository_config,
    secrets_of,
    site_files,
    source_notebooks,
    source_of,
    split_cell,
    toc_pages,
)

pytestmark = pytest.mark.slow

CDN_HOSTS = [
    "unpkg.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "code.jquery.com",
    "polyfill.io",
    "cdn.plot.ly",
    "thebe.",
    "mathjax.org/mathjax",
    "stackpath.bootstrapcdn.com",
    "use.fontawesome.com",
    "www.googletagmanager.com",
    "plausible.io",
]


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- (a) no solutions, no hidden tests ---------------------------------------------------------


def test_site_has_no_solutions_or_hidden_tests(site):
    notebooks = source_notebooks()
    if not notebooks:
        pytest.skip("no assignment source notebooks yet (assignments/source/*/*.ipynb)")
    secrets = secrets_of(notebooks, library_text(), chapter_text())
    found = leaks(secrets, list(site_files()))
    assert not found, (
        "the built site contains lines of assignment solutions or hidden tests "
        "(students can read the site):\n" + "\n".join(found[:30])
    )


def test_site_has_no_nbgrader_markers(site):
    # The instructor guide may show what a marked cell looks like; everything else,
    # including every released notebook, must have none.
    found = []
    for path in site_files():
        if "instructor_guide" in path.name:
            continue
        text = readable_text(path)
        if text is None:
            continue
        found += [f"{path}: {m!r}" for m in MARKERS if m in text]
    assert not found, "nbgrader region markers in the built site:\n" + "\n".join(found)


def test_leak_detection_reads_highlighted_html_and_notebooks(tmp_path):
    """The scanner finds a solution line in highlighted HTML and in an .ipynb."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "def step(w, dw):\n"
        "    ### BEGIN SOLUTION\n"
        "    next_w = w - 0.5 * dw * dw.sign()\n"
        "    ### END SOLUTION\n"
        "    return next_w\n"
    )
    hidden = nbformat.v4.new_code_cell(
        "assert step(1, 1) == 0.5\n### BEGIN HIDDEN TESTS\nassert step(3, 2) == 2.0, 'h'\n"
        "### END HIDDEN TESTS\n"
    )
    nb.cells = [cell, hidden]
    source = tmp_path / "a.ipynb"
    nbformat.write(nb, source)
    secrets = secrets_of([source])
    assert {s.kind for s in secrets} == {"solution", "hidden tests"}
    assert [s.line for s in secrets if s.kind == "solution"] == [
        "next_w = w - 0.5 * dw * dw.sign()"
    ]

    page = tmp_path / "page.html"
    page.write_text(
        '<pre><span class="n">next_w</span> <span class="o">=</span> <span class="n">w</span>'
        ' <span class="o">-</span> <span class="mf">0.5</span> <span class="o">*</span> dw'
        ' <span class="o">*</span> dw.sign()</pre>'
    )
    leaked_nb = tmp_path / "copy.ipynb"
    nbformat.write(nb, leaked_nb)
    clean = tmp_path / "clean.html"
    clean.write_text("<p>return next_w</p>")
    found = leaks(secrets, [page, leaked_nb, clean])
    assert any(str(page) in f for f in found)
    assert any(str(leaked_nb) in f and "hidden tests" in f for f in found)
    assert not any(str(clean) in f for f in found)
    assert "### BEGIN SOLUTION" in readable_text(leaked_nb)


def test_solution_cell_without_regions_is_all_secret():
    cell = nbformat.v4.new_markdown_cell("The answer is that momentum averages the noise.")
    cell.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "q"}
    secret, public = split_cell(cell)
    assert [line for _, line in secret] == [cell.source] and public == []


# --- (b) nothing is loaded from the internet ------------------------------------------------------


def _loaded_urls(soup: BeautifulSoup) -> list[str]:
    """Every URL the page makes the browser load (not the ones it links to)."""
    urls = []
    for tag in soup.find_all(True):
        for attr in ("src", "data", "poster"):
            if tag.has_attr(attr) and tag.name != "a":
                urls.append(tag[attr])
        if tag.has_attr("srcset"):
            urls += [part.split()[0] for part in tag["srcset"].split(",") if part.strip()]
        if tag.name == "link" and tag.has_attr("href"):
            rel = {r.lower() for r in tag.get("rel", [])}
            if rel - {
                "canonical",
                "next",
                "prev",
                "index",
                "search",
                "alternate",
                "author",
                "license",
                "help",
            }:
                urls.append(tag["href"])
        if tag.has_attr("style"):
            urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", tag["style"])
    for style in soup.find_all("style"):
        urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", style.get_text())
        urls += re.findall(r"@import\s+['\"]([^'\"]+)", style.get_text())
    return urls


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


def test_pages_load_nothing_from_the_internet(site):
    found = []
    for path in _html_files(site):
        soup = _soup(path)
        found += [f"{path.relative_to(site)}: {u}" for u in _loaded_urls(soup) if _is_external(u)]
        # inline scripts that would fetch from a CDN (e.g. a thebe or widget loader)
        for script in soup.find_all("script"):
            body = script.get_text()
            found += [
                f"{path.relative_to(site)}: inline script names {h}" for h in CDN_HOSTS if h in body
            ]
    assert not found, "pages load resources from the internet:\n" + "\n".join(found)


def test_static_css_and_js_name_no_cdn(site):
    found = []
    for path in sorted((site / "_static").rglob("*")):
        if path.suffix not in (".css", ".js") or "mathjax" in path.relative_to(site).parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".css":
            found += [
                f"{path.relative_to(site)}: {u}"
                for u in re.findall(
                    r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")]+)", text
                )
            ]
        found += [f"{path.relative_to(site)}: names {h}" for h in CDN_HOSTS if h in text]
    assert not found, "static files that load from the internet:\n" + "\n".join(found)


def test_math_is_served_from_the_site(site):
    pages_with_math = 0
    for page in toc_pages():
        soup = _soup(page_html(page))
        srcs = [
            s["src"] for s in soup.find_all("script", src=True) if "mathjax" in s["src"].lower()
        ]
        if not soup.select(".math"):
            continue
        pages_with_math += 1
        assert srcs, f"{page}: has math but no MathJax script"
        for src in srcs:
            target = (page_html(page).parent / urlsplit(src).path).resolve()
            assert target.is_file(), f"{page}: MathJax script {src} is not in the site"
    assert pages_with_math, "no page has math (the intro has some): is dollarmath enabled?"


def test_no_cdn_anywhere_in_pages(site):
    found = []
    for path in _html_files(site):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(site)}: {h}" for h in CDN_HOSTS if h in text]
    assert not found, "pages name a CDN:\n" + "\n".join(found)


# --- (c) every notebook page can be downloaded as a notebook ------------------------------------


def test_every_chapter_is_a_notebook_page():
    pages = toc_pages()
    assert pages[0] == "book/intro" and pages[1 : 1 + len(CHAPTERS)] == CHAPTERS
    assert "book/instructor_guide" in pages
    for page in CHAPTERS:
        assert is_notebook_source(source_of(page)), f"{page} has no jupytext/kernelspec header"


def _code_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _resolve(page: str, href: str, site: Path) -> Path:
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(urlsplit(href).path)))
    return site / path


@pytest.mark.parametrize("page", notebook_pages())
def test_notebook_download(site, page):
    soup = _soup(page_html(page))
    link = soup.select_one("a.l7-download-notebook")
    assert link is not None, f"{page}: no download link under the title"
    theme_button = soup.select_one("a.btn-download-notebook-button")
    assert theme_button is not None, f"{page}: no .ipynb entry in the download menu"
    assert theme_button["href"] == link["href"]

    path = _resolve(page, link["href"], site)
    assert path.is_file(), f"{page}: {link['href']} does not exist in the site"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    setup = [c for c in nb.cells if SETUP_TAG in c.metadata.get("tags", [])]
    assert len(setup) == 1, f"{page}: expected one set-up cell"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")

    chapter = jupytext.read(source_of(page))
    rest = [c for c in nb.cells if SETUP_TAG not in c.metadata.get("tags", [])]
    assert _code_cells(nbformat.from_dict({"cells": rest})) == _code_cells(chapter)


def _repository_url() -> str:
    return str(repository_config()["repository"].get("url") or "").strip().rstrip("/")


@pytest.mark.parametrize("page", notebook_pages())
def test_launch_links_open_the_notebook(site, page):
    """With a repository, Colab and Binder open the generated notebook; without one
    (repository.url empty), the page offers the download only and names no repository."""
    url = _repository_url()
    soup = _soup(page_html(page))
    nb_path = f"_sources/{page}.ipynb"
    if not url:
        html = page_html(page).read_text(encoding="utf-8")
        for absent in ("l7-launch-colab", "l7-launch-binder", "colab.research.google.com",
                       "mybinder.org", "git+https://"):
            assert absent not in html, f"{page}: names {absent} but there is no repository"
        hrefs = [a["href"] for a in soup.select("a[href]")]
        assert not [h for h in hrefs if "github.com" in h], f"{page}: links a repository"
        assert soup.select_one("a.l7-download-notebook") is not None
        return
    owner, name = url.split("/")[-2:]
    colab = soup.select_one("a.l7-launch-colab")["href"]
    assert colab.startswith(f"https://colab.research.google.com/github/{owner}/{name}/blob/")
    assert colab.endswith(nb_path)
    binder = soup.select_one("a.l7-launch-binder")["href"]
    assert binder.startswith(f"https://mybinder.org/v2/gh/{owner}/{name}/")
    assert unquote(binder).endswith(f"urlpath=lab/tree/{nb_path}")
    # the theme's launch menu carries the same links
    menu = {a["href"] for a in soup.select(".dropdown-launch-buttons a[href]")}
    assert {colab, binder} <= menu, f"{page}: the launch menu still points elsewhere: {menu}"


def test_pip_command_installs_from_the_repository(site):
    """pip-from-git only for a real repository; otherwise pip install -e . of the files."""
    url = _repository_url()
    intro = normalize(_soup(page_html("book/intro")).get_text())
    if not url:
        assert "pip install -e ." in intro
        assert not (site / "requirements.txt").exists()
        found = [str(p.relative_to(site)) for p in site.rglob("*.html")
                 if "git+https://" in p.read_text(encoding="utf-8")]
        assert not found, f"pages with a pip command from a repository that does not exist: {found}"
        return
    branch = repository_config()["repository"]["branch"]
    spec = f"lecture7 @ git+{url}@{branch}"
    assert f'pip install "{spec}"' in intro
    requirements = (site / "requirements.txt").read_text()
    assert spec in requirements


def test_code_listings_are_the_library_code(site):
    """Every {libcode} listing is the library's current code, and no listing on any page
    prints reStructuredText markup (a docstring's ``:math:`` or ``.. math::``)."""
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from lecture7_code import MAX_LINES, code_lines, library_code

    listings = 0
    for page in toc_pages():
        soup = _soup(page_html(page))
        for block in soup.select("div.l7-libcode"):
            names = [c for c in block["class"] if c.startswith("l7-libcode-")]
            qualname = names[0].removeprefix("l7-libcode-").replace("-", ".")
            code = block.select_one("pre").get_text()
            assert code.strip() == library_code(qualname).strip(), f"{page}: {qualname} is stale"
            assert code_lines(code) <= MAX_LINES, f"{page}: {qualname} is too long"
            listings += 1
        for pre in soup.select("pre"):
            text = pre.get_text()
            assert ":math:`" not in text and ".. math::" not in text, f"{page}: RST in {text[:80]}"
    assert listings >= 8, "the chapters show their algorithms with {libcode}"


def test_assignment_links_are_released_notebooks(site):
    for path in _html_files(site):
        for link in _soup(path).select("a.l7-assignment"):
            page = path.relative_to(site).with_suffix("").as_posix()
            target = _resolve(page, link["href"], site)
            assert target.is_file(), f"{path}: assignment link {link['href']} is broken"
            nb = nbformat.read(target, as_version=4)
            nbformat.validate(nb)
            text = json.dumps(nb)
            assert not any(m in text for m in MARKERS), f"{target} is not a student version"


# --- the one-minute budget -------------------------------------------------------------------


def test_chapters_run_within_budget(site):
    budget = float(os.environ.get("BOOK_CHAPTER_BUDGET_S", "60"))
    times = json.loads((BUILD / "exec_times.json").read_text())
    scale = os.environ.get("LECTURE7_SCALE", "").strip().lower()
    if scale == "gpu":
        pytest.skip("LECTURE7_SCALE=gpu: the one-minute budget is for the CPU sizes")
    missing = [p for p in notebook_pages() if p not in times]
    assert not missing, f"no execution record for {missing}"
    slow = {p: t["runtime_s"] for p, t in times.items() if (t["runtime_s"] or 0) > budget}
    assert not slow, f"chapters over the {budget:.0f} s budget (seconds): {slow}"
    failed = [p for p, t in times.items() if not t["succeeded"]]
    assert not failed, f"chapters whose execution failed: {failed}"


def test_each_assignment_is_linked_from_its_chapter(site):
    """``assignments/source/a<N>_*`` is linked from chapter N (``book/0<N>_*``)."""
    sources = sorted(p for p in (COURSE / "source").glob("a[1-8]_*") if any(p.glob("*.ipynb")))
    if not sources:
        pytest.skip("no assignments yet")
    missing = []
    for source in sources:
        chapter = CHAPTERS[int(source.name[1]) - 1]
        links = _soup(page_html(chapter)).select("a.l7-assignment")
        names = {Path(unquote(a["href"])).name for a in links}
        if not names & {p.name for p in source.glob("*.ipynb")}:
            missing.append(f"{chapter} does not link {source.name} ({{assignment}}`{source.name}`)")
    assert not missing, "\n".join(missing)
