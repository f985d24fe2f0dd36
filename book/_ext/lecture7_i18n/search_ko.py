"""Korean full-text search for the Korean site, offline and without a dictionary.

Sphinx 7.4 has no Korean search language: with ``language: ko`` it falls back to the
English one, which indexes whole space-separated words. Korean writes particles onto
the noun (가중치 + 를 = 가중치를, Adam + 은 = Adam은), so the page that says
"가중치를 초기화하면" would not be found by the query "가중치" or "초기화".

:class:`SearchKorean` (registered for ``ko``) does two things:

- **index and query: strip one particle** from the end of a lower-cased word, the
  longest of :data:`PARTICLES` ("가중치를" -> "가중치", "Adam은" -> "adam");
- **index only: every prefix of two syllables or more** of a Hangul word, so that
  "초기화하면" is found by "초기화" and "가중치" by "가중".

The browser applies the same rule to the query (:data:`JS_STEMMER`, Sphinx's ``Stemmer``
class); ``tests/book/test_book_korean_site.py`` runs it with Node on every word of the
Korean pages and checks that it agrees with :meth:`SearchKorean.stem`. Latin words are
not Porter-stemmed, because Sphinx's Python and JavaScript Porter stemmers disagree on
some words ("as", "...logi"); Sphinx's partial matching still finds "optimizers" from
"optimizer". A morphological analyser (Kiwi, MeCab-ko) would segment better, but needs a
dictionary at build time and has no counterpart in the browser.
"""

from __future__ import annotations

import json
import re

from sphinx.search import SearchLanguage
from sphinx.search.en import english_stopwords

# Particles and copula endings, longest first: one of them is removed from a word's end.
PARTICLES = sorted(
    """
    에서는 에서도 에서의 에서만 으로는 으로도 으로의 으로만 으로써 으로서 에게는 에게서
    까지는 까지의 부터는 보다는 이라는 이라고 이라면 이지만 입니다 이었다
    에서 에게 까지 부터 보다 처럼 만큼 마다 으로 라는 라고 라면 이며 이고 이나 이다 인데
    이란 에는 에도 에만 에의 와는 과는 와의 과의 와도 과도 로는 로도 로의 로써 로서
    은 는 이 가 을 를 의 에 와 과 도 로 만 란 며
    """.split(),
    key=len,
    reverse=True,
)

HANGUL = re.compile("[\uac00-\ud7a3]")
MIN_PREFIX = 2


def strip_particle(word: str) -> str:
    """``word`` without the longest particle it ends with (never the whole word)."""
    for particle in PARTICLES:
        if len(word) > len(particle) and word.endswith(particle):
            return word[: -len(particle)]
    return word


JS_STEMMER = """
/**
 * Korean: lower-case, then strip the longest particle the word ends with
 * (book/_ext/lecture7_i18n/search_ko.py; keep the two in step).
 */
var KoreanParticles = PARTICLES;
var Stemmer = function() {
  this.stemWord = function(w) {
    w = w.toLowerCase();
    for (var i = 0; i < KoreanParticles.length; i++) {
      var p = KoreanParticles[i];
      if (w.length > p.length && w.endsWith(p)) {
        return w.slice(0, w.length - p.length);
      }
    }
    return w;
  };
};
""".replace("PARTICLES", json.dumps(PARTICLES, ensure_ascii=False))


class SearchKorean(SearchLanguage):
    """Sphinx search language ``ko``: particles stripped, Hangul prefixes indexed."""

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = JS_STEMMER
    stopwords = english_stopwords  # the English words on the Korean pages

    def split(self, input: str) -> list[str]:
        words = []
        for word in self._word_re.findall(input):
            words.append(word)
            if HANGUL.search(word):
                base = strip_particle(word.lower())
                words += [base[:n] for n in range(MIN_PREFIX, len(base))]
        return words

    def stem(self, word: str) -> str:
        return strip_particle(word.lower())
