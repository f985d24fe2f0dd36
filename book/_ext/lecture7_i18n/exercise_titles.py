"""Make the titles of exercises translatable.

``sphinx-exercise`` builds an exercise's title (``{exercise} Logits or probabilities``)
from its argument with ``inline_text``: the ``exercise_subtitle`` node it makes has no
source file, no line and no raw text, and Sphinx skips every node without a source, so
the titles stayed English on the Korean site ("연습 5.1 (Logits or probabilities)").

* :class:`TranslatableExerciseTitles` (while reading) gives each such node its
  document's source, the directive's line and its text as raw source, so that Sphinx's
  ``Locale`` transform translates it like any paragraph; the title around it ("Exercise"
  plus the subtitle) is not a message of its own.
* :class:`KeepExerciseTitlesForGettext`: the gettext builder extracts messages after the
  post-transforms, and ``sphinx-exercise``'s (priority 20) melts the subtitle into a
  plain title. For that builder only, the title is made plain first, with the subtitle
  node kept inside it, so the subtitle is extracted.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

SUBTITLES = ("exercise_subtitle",)
TITLES = ("exercise_title",)


class TranslatableExerciseTitles(SphinxTransform):
    """Give ``sphinx-exercise``'s subtitle nodes what Sphinx needs to translate them."""

    default_priority = 5  # before Sphinx's PreserveTranslatableMessages (10), Locale (20)

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.subtitle):
            if type(node).__name__ not in SUBTITLES:
                continue
            holder = node.parent
            while holder is not None and holder.line is None:
                holder = holder.parent
            node.source = self.document["source"]
            node.line = holder.line if holder is not None else 0
            if not node.rawsource:
                node.rawsource = node.astext()
            if isinstance(node.parent, nodes.title):
                node.parent["translatable"] = False


class KeepExerciseTitlesForGettext(SphinxPostTransform):
    """For the gettext builder: keep the subtitle node that ``sphinx-exercise`` would melt."""

    default_priority = 19  # before sphinx-exercise's ResolveTitlesInExercises (20)
    builders = ("gettext",)

    def run(self, **kwargs) -> None:
        for title in list(self.document.findall(nodes.title)):
            if type(title).__name__ in TITLES:
                title.replace_self(nodes.title("", "", *title.children, translatable=False))
