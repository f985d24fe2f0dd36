"""The glossary as the authority: a translation names each term the glossary's way.

When the English of an entry uses a glossary term ("saddle points", "the *local*
gradient"), its translation must contain the term's canonical Korean form (안장점,
국소 그래디언트), or the English word itself where the glossary keeps it (momentum).
Longer terms are matched first and consume their words, so "learning-rate decay" asks
for "learning rate 감쇠" and not also for "learning rate". Terms marked ``check: false``
in ``book/glossary.yml`` are too general to require (gradient, activation).

Only the prose is compared (:func:`lecture7_i18n.markup.prose`): ``lr`` in code or
``\\text{fan-in}`` in math are not words of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .markup import prose


@dataclass(frozen=True)
class Term:
    en: str
    ko: str
    pattern: re.Pattern


def _pattern(forms: list[str]) -> re.Pattern:
    """Any of the English forms, as words, spaces and hyphens alike, plural allowed."""
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        words = [re.escape(word) for word in re.split(r"[\s-]+", form.strip())]
        alternatives.append(r"[\s-]+".join(words) + r"(?:s|es)?")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.I)


def terms(entries: list[dict]) -> list[Term]:
    """The glossary terms to check, longest English first."""
    found = [
        Term(str(e["en"]), str(e["ko"]), _pattern([str(e["en"]), *e.get("also", [])]))
        for e in entries
        if e.get("check", True)
    ]
    return sorted(found, key=lambda t: len(t.en), reverse=True)


def _words(text: str) -> str:
    return " ".join(prose(text).split())


def missing_terms(msgid: str, msgstr: str, glossary: list[Term]) -> list[str]:
    """``["saddle point -> 안장점", ...]``: terms of the English the translation lacks."""
    english, korean = _words(msgid), _words(msgstr).lower()
    missing = []
    for term in glossary:
        if term.pattern.search(english):
            english = term.pattern.sub(" ", english)
            if term.ko.lower() not in korean:
                missing.append(f"{term.en} -> {term.ko}")
    return missing
