"""The Korean catalogues: complete, with their markup intact and the glossary's terms.

The completeness test reads the templates of the last build (``_build/gettext``, written
by ``make book``) and skips without them; the others read only the committed files.
A page listed under ``pending`` in ``book/locales/languages.yml`` is expected to be
incomplete (xfail, strict): remove it from the list when its translation is done.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from i18nsite import (
    GETTEXT,
    GLOSSARY,
    LANGUAGE,
    committed_catalogues,
    load_glossary,
    po_path,
    status,
    templates,
    translated_pages,
)
from lecture7_i18n.catalogs import markup_report, merge, report, terms_report
from lecture7_i18n.markup import has_prose, markup, markup_problems
from lecture7_i18n.terms import missing_terms, terms
from sitecheck import ROOT, toc_pages
from sphinx_intl.catalog import load_po

ENGLISH = (
    "After {glue:text}`steps` steps Adam reaches {glue:text}`loss:.3f` "
    "({numref}`fig-adam`, {eq}`eq-adam`, {ref}`the Adam section <sec-adam>`): "
    "$x^2$ with `lr`, see [the notes](https://example.org) and {{ lecture7_pip }}."
)
KOREAN = (
    "{glue:text}`steps` 스텝 뒤 Adam은 {glue:text}`loss:.3f`에 이른다 "
    "({numref}`그림 %s <fig-adam>`, {eq}`eq-adam`, {ref}`Adam 절 <sec-adam>`). "
    "`lr`로 $x^2$, [노트](https://example.org)와 {{ lecture7_pip }}를 보라."
)


# --- the markup rule --------------------------------------------------------------------


def test_a_faithful_translation_keeps_the_markup():
    # titles of references are prose (translated), the order of the pieces may change
    assert markup_problems(ENGLISH, KOREAN) == []
    assert markup(ENGLISH)["{glue:text}`loss:.3f`"] == 1
    assert markup(ENGLISH)["{ref}`sec-adam`"] == 1


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("{glue:text}`loss:.3f`", "{glue:text}`loss:.2f`"),  # another format
        ("{glue:text}`steps`", "{glue:text}`step`"),  # another key
        ("{numref}`그림 %s <fig-adam>`", "그림 1"),  # the number typed in
        ("{eq}`eq-adam`", "{eq}`eq-sgd`"),  # another equation
        ("$x^2$", "$x^3$"),  # the math changed
        ("`lr`", "`learning_rate`"),  # the code translated
        ("(https://example.org)", "(https://example.com)"),  # another link
        ("{{ lecture7_pip }}", "lecture7_pip"),  # the substitution lost
    ],
)
def test_a_changed_role_glue_math_code_or_link_is_named(broken, problem):
    problems = markup_problems(ENGLISH, KOREAN.replace(broken, problem))
    assert problems, f"replacing {broken} by {problem} went unnoticed"
    assert any("missing" in p for p in problems)


def test_only_messages_with_words_are_prose():
    assert has_prose("A figure of {glue:text}`n` runs")
    assert has_prose("{ref}`The optimizers <sec-opt>`")  # an explicit title is prose
    for markup_only in ("$y$", "{{ lecture7_pip }}", "`adam`", "1e-3", "23.4%", "w"):
        assert not has_prose(markup_only), markup_only


def test_the_glossary_check_asks_for_the_canonical_term():
    glossary = terms(
        [
            {"en": "saddle point", "ko": "안장점"},
            {"en": "learning rate", "ko": "learning rate"},
            {"en": "learning-rate decay", "ko": "learning rate 감쇠"},
            {"en": "gradient", "ko": "그래디언트", "check": False},
        ]
    )
    english = "SGD stalls at *saddle* points; use learning-rate decay, not a `saddle_point`."
    assert (
        missing_terms(english, "SGD는 안장점에서 멈춘다. learning rate 감쇠를 쓴다.", glossary)
        == []
    )
    assert missing_terms(
        english, "SGD는 새들 포인트에서 멈춘다. learning rate 감쇠.", glossary
    ) == ["saddle point -> 안장점"]
    # the longer term consumes its words: "learning rate" alone is not asked for twice,
    # and a term that appears only in code is not a word of the sentence
    assert missing_terms("the gradient in `learning_rate`", "기울기", glossary) == []


# --- the committed catalogues --------------------------------------------------------------


def test_every_translated_page_has_a_catalogue():
    have = set(committed_catalogues())
    missing = [page for page in translated_pages() if page not in have]
    assert not missing, f"no catalogue for {missing}: run 'python tools/i18n.py update'"
    english_only = sorted(have & status().english_only)
    assert not english_only, f"{english_only} stay English but have a catalogue"
    assert set(status().pending) <= set(toc_pages())


def test_translations_keep_their_markup():
    found = []
    for page, path in committed_catalogues().items():
        found += [f"{page}: {p}" for p in markup_report(load_po(str(path)))]
    assert not found, "translations that changed their markup:\n" + "\n".join(found)


def test_translations_use_the_glossary_terms():
    glossary = terms(load_glossary(GLOSSARY))
    found = []
    for page, path in committed_catalogues().items():
        found += [f"{page}: {p}" for p in terms_report(load_po(str(path)), glossary)]
    assert not found, "translations without the glossary's term:\n" + "\n".join(found)


def test_the_glossary_has_the_terms_of_the_notes():
    entries = {e["ko"]: e for e in load_glossary(GLOSSARY)}
    # terms the Korean lecture notes use (shared/notes), and the examples
    notes = {
        "가중합": "weighted sum",
        "1차 근사": "first-order approximation",
        "2차 근사": "second-order approximation",
        "기대값": "expected value",
        "서브네트워크": "sub-network",
        "고정": "freeze",
        "재조정": "fine-tuning",
    }
    for ko, en in notes.items():
        assert ko in entries and entries[ko]["en"] == en and entries[ko].get("notes"), ko
    for ko, en in {"가중치 초기화": "weight initialization", "안장점": "saddle point",
                   "편향 보정": "bias correction"}.items():  # fmt: skip
        assert entries[ko]["en"] == en
    # the notes keep these in English, and so does the glossary
    for word in ("learning rate", "dropout", "momentum"):
        assert entries[word]["en"] == word


def test_every_glossary_term_points_at_a_page_of_the_book():
    pages = set(toc_pages())
    for entry in load_glossary(GLOSSARY):
        page = "book/" + entry["at"].split("#")[0].removesuffix(".md")
        assert page in pages, f"{entry['ko']} ({entry['en']}) points at {entry['at']}"


# --- complete: every entry of today's English translated, none fuzzy ------------------------


@pytest.mark.parametrize("page", translated_pages())
def test_catalogue_is_complete(page, request):
    pots = templates(GETTEXT) if GETTEXT.is_dir() else {}
    if not pots:
        pytest.skip(f"no templates in {GETTEXT}: build the book first ('make book')")
    if page in status().pending:
        request.applymarker(
            pytest.mark.xfail(strict=True, reason=f"{page} is pending in languages.yml")
        )
    catalog = merge(pots[page], po_path(ROOT / "book" / "locales", LANGUAGE, page), LANGUAGE)
    result = report(page, catalog)
    assert result.complete, (
        f"{page}: {result.translated}/{result.total} translated; to do "
        f"(python tools/i18n.py update, then translate):\n" + "\n".join(result.lines())
    )


def test_the_english_only_pages_have_no_template():
    if not GETTEXT.is_dir():
        pytest.skip(f"no templates in {GETTEXT}: build the book first ('make book')")
    assert not set(templates(Path(GETTEXT))) & status().english_only
