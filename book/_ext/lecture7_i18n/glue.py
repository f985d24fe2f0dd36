"""Glued numbers in translated text.

myst-nb's ``{glue:text}`key``` role reads the value from the notebook being parsed. In
a translated build Sphinx parses each msgstr as a small document of its own (its source
ends with ``<translated>``), which has no notebook, and the role fails with "No key ...
found in glue data for this document". Here the glue roles of such a document name
their page explicitly, ``{glue:text}`/book/01_initialization.md::key:fmt```: myst-nb's
documented cross-document form. It resolves from the glue data myst-nb saved for that
page (``jupyter_execute/<page>.glue.json``), i.e. from the same execution as the English
page: the Korean sentence quotes exactly the English number.
"""

from __future__ import annotations

from typing import ClassVar

from myst_nb.ext.glue.domain import NbGlueDomain
from myst_nb.ext.glue.roles import PasteRoleAny, PasteTextRole


def is_translated(document) -> bool:
    """Whether ``document`` is a msgstr that Sphinx's Locale transform is parsing."""
    return str(getattr(document, "current_source", "") or "").endswith("<translated>")


class SamePageGlue:
    """A glue role that, inside a translation, refers to its own page explicitly."""

    def __init__(self, role, *, formatted: bool):
        self.role = role
        # {glue:text} splits "key:format" at the last colon; with a page in front of the
        # key, a bare key needs its (default) format written out: "s".
        self.formatted = formatted

    def __call__(self, name, rawtext, text, lineno, inliner, options=None, content=()):
        document = inliner.document
        if is_translated(document) and "::" not in text:
            env = document.settings.env
            if self.formatted and ":" not in text:
                text += ":s"
            text = f"/{env.doc2path(env.docname, base=False)}::{text}"
        return self.role(name, rawtext, text, lineno, inliner, options, content)


class TranslatableGlueDomain(NbGlueDomain):
    """myst-nb's glue domain, with roles that also work in translated messages."""

    roles: ClassVar[dict] = {
        **NbGlueDomain.roles,
        "": SamePageGlue(PasteRoleAny(), formatted=False),
        "any": SamePageGlue(PasteRoleAny(), formatted=False),
        "text": SamePageGlue(PasteTextRole(), formatted=True),
    }
