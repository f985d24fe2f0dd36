"""Keep out of the catalogues what a translator must not (or need not) translate.

Sphinx's gettext builder extracts every text element of a page. Three kinds are not
prose, and this transform marks them ``translatable = False`` (Sphinx's own switch,
honoured both by the extraction and by the Locale transform of the Korean build):

- **cell outputs**: a table a chapter prints (``Markdown(...)``) holds the numbers of
  one run; its labels stay English, like the figures' (both languages share one
  execution), and it would otherwise churn the catalogue whenever a number changes;
- **display math** (``$$ ... $$``): TeX is the same in every language;
- **messages without a word**: a table cell ``$y$``, a paragraph ``{{ lecture7_pip }}``,
  a number (:func:`lecture7_i18n.markup.has_prose`).

It runs before Sphinx's ``PreserveTranslatableMessages`` (10) and ``Locale`` (20), in
every build, so the English, gettext and Korean builds agree on what is a message.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util.nodes import is_translatable

from .markup import has_prose


def _in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


def keep_untranslated(node: nodes.Element) -> bool:
    """Whether ``node`` is output, display math or markup without a word."""
    if isinstance(node, nodes.math_block) or _in_cell_output(node):
        return True
    source = node.rawsource if isinstance(node.rawsource, str) else ""
    return bool(source.strip()) and not has_prose(source)


class MarkUntranslatable(SphinxTransform):
    """Set ``translatable = False`` on output, display math and word-less messages."""

    default_priority = 5

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.TextElement):
            if is_translatable(node) and keep_untranslated(node):
                node["translatable"] = False
