"""Give translated nodes back to the page they were translated into.

Sphinx's ``Locale`` transform parses each translated message as a small document of its
own (``sphinx.transforms.i18n.publish_msgstr``) and moves the parsed nodes into the page.
The moved nodes still point at that scratch document (docutils' ``Node.document``), and
its settings hold the whole build environment. Pickled with the page, every Korean
doctree carried a copy of the environment: 2 MB for a page of 60 kB, and about 13 s of
unpickling in each warm rebuild of the Korean site. After the page is read, its nodes
are made to point at the page itself, as an English page's nodes do.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx


def adopt_translated_nodes(app: Sphinx, doctree: nodes.document) -> None:
    """Point every node that belongs to a scratch document at ``doctree``."""
    for node in doctree.findall():
        if node.__dict__.get("_document") not in (None, doctree):
            node.document = doctree
