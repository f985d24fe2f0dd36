"""The translated site's navigation: the table of contents' captions, the theme's words.

**Captions.** sphinx-external-toc inserts the toctrees of ``_toc.yml`` into the root page with its
own transform (priority 100), after Sphinx's Locale transform (20) has translated the
page: the gettext builder extracts the captions ("For instructors") into the root page's
catalogue, but the Korean build would show them in English. This transform, right after
the insertion, translates them from that same catalogue, as the Locale transform would.

**Theme strings.** sphinx-book-theme brings its own Korean catalogue ("booktheme"), and a
theme catalogue cannot be overridden through ``locale_dirs``. :func:`prefer_own_theme_strings`
puts ``<locale_dir>/<lang>/LC_MESSAGES/booktheme.po``, where the book has one, in front of
the theme's, which stays the fallback.
"""

from __future__ import annotations

import gettext
import io
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sphinx import addnodes, locale
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain


class TranslateTocCaptions(SphinxTransform):
    """Give the inserted toctrees their translated captions."""

    default_priority = 150  # after sphinx-external-toc's InsertToctrees (100)

    def apply(self, **kwargs) -> None:
        if (self.config.language or "en") == "en" or not self.config.locale_dirs:
            return
        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("caption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [os.path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for toctree in toctrees:
            caption = catalog.gettext(toctree["caption"])
            toctree["caption"] = toctree["rawcaption"] = caption


THEME_CATALOG = "booktheme"


def prefer_own_theme_strings(app: Sphinx) -> None:
    """Look the theme's strings up in the book's ``booktheme.po`` first."""
    language = app.config.language or "en"
    if language == "en":
        return
    for folder in app.config.locale_dirs:
        po = Path(app.srcdir, folder, language, "LC_MESSAGES", f"{THEME_CATALOG}.po")
        if not po.is_file():
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        mo = io.BytesIO()
        write_mo(mo, catalog)
        mo.seek(0)
        own = gettext.GNUTranslations(mo)
        theirs = locale.translators.get(("general", THEME_CATALOG))
        if theirs is not None:
            own.add_fallback(theirs)
        locale.translators[("general", THEME_CATALOG)] = own
        return
