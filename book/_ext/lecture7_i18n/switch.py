"""One link per page to the same page in the other language, and the page's own UI text.

The English site is ``_build/html/`` and the Korean one ``_build/html/ko/``
(``lecture7_site_languages`` maps each language to its folder in the site). Every page,
the generated ones (search, index) included, gets

- a link in the article header (``l7-language-switch.html``) to the same page in each
  other language, with ``hreflang`` and the language's own name ("한국어", "English");
- ``<link rel="alternate" hreflang="...">`` in its head, for search engines.

The Korean pages also get Korean text for the line that the book's own extension puts
under each chapter title (download the notebook, open it in Colab or Binder).
``<html lang="ko">`` comes from Sphinx itself (``language: ko``).
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

from sphinx.application import Sphinx

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SWITCH_TEMPLATE = "l7-language-switch.html"

# Each language's name, written in that language.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}

# The line under each chapter title (book/_ext/lecture7_book.py writes it in English).
RUN_LINKS = re.compile(r'<p class="l7-run-links">.*?</p>', re.S)
RUN_LINKS_TEXT = {
    "ko": [
        (
            re.compile(r">Download this chapter as a notebook \(\.ipynb\)<"),
            ">이 장을 노트북(.ipynb)으로 내려받기<",
        ),
        (re.compile(r">Open in (\w+)<"), r">\1에서 열기<"),
    ],
}


def page_language(app: Sphinx) -> str:
    return app.config.language or "en"


def language_links(app: Sphinx, pagename: str) -> list[dict[str, str]]:
    """``[{lang, name, href}]``: the same page in each other language, as relative URLs."""
    folders: dict[str, str] = app.config.lecture7_site_languages
    here = page_language(app)
    if here not in folders:
        raise ValueError(f"language {here!r} has no folder in lecture7_site_languages {folders!r}")
    page = pagename + app.builder.link_suffix
    start = posixpath.dirname(posixpath.join(folders[here], page)) or "."
    links = []
    for lang, folder in folders.items():
        if lang == here:
            continue
        target = posixpath.join(folder, page)
        links.append(
            {
                "lang": lang,
                "name": LANGUAGE_NAMES.get(lang, lang),
                "href": posixpath.relpath(target, start),
            }
        )
    return links


def _configure(app: Sphinx, config) -> None:
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    opts = config.html_theme_options
    end = opts.get("article_header_end", ["article-header-buttons.html"])
    end = [end] if isinstance(end, str) else list(end)
    if SWITCH_TEMPLATE not in end:
        opts["article_header_end"] = [SWITCH_TEMPLATE, *end]


def _add_language_links(app: Sphinx, pagename, templatename, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    links = language_links(app, pagename)
    context["l7_language_links"] = links
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{link["lang"]}" href="{html.escape(link["href"])}" />'
        for link in links
    )


def _translate_run_links(app: Sphinx, pagename, templatename, context: dict, doctree) -> None:
    rules = RUN_LINKS_TEXT.get(page_language(app), [])
    if rules and context.get("body"):
        context["body"] = RUN_LINKS.sub(lambda m: _translate(m.group(0), rules), context["body"])


def _translate(text: str, rules) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def setup(app: Sphinx) -> None:
    app.add_config_value("lecture7_site_languages", {"en": "", "ko": "ko"}, "html")
    app.connect("config-inited", _configure)
    app.add_css_file("lecture7_i18n.css")
    # before the theme drops header templates that render empty (priority 500)
    app.connect("html-page-context", _add_language_links, priority=400)
    # after the book's extension has put its links under the title (priority 502)
    app.connect("html-page-context", _translate_run_links, priority=600)
