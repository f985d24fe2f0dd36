"""Sphinx extension for the book in two languages: English, and Korean from catalogues.

Loaded by ``_config.yml`` (``sphinx.local_extensions``) in every build: the English
site, the gettext extraction and the Korean site (``tools/i18n.py`` runs the last two;
``book/locales/README.md`` is the translators' guide). It

1. keeps out of the catalogues what is not prose: cell outputs, display math, cells
   that hold only markup (:mod:`.untranslatable`);
2. lets glued numbers work in translated text (:mod:`.glue`), and translates the
   table of contents' captions, which Jupyter Book inserts after translation, and lets
   the book correct the theme's Korean (:mod:`.toc`);
3. links every page to the same page in the other language (:mod:`.switch`);
4. gives Sphinx a Korean search language (:mod:`.search_ko`);
5. renders the glossary from ``book/glossary.yml`` (:mod:`.glossary`);
6. keeps translated pages as small as the English ones (:mod:`.adopt`);
7. records, for every build, when it started and the execution data of each notebook
   (``execution-<builder>-<language>.json`` next to the output folder: ``_build/``, or
   ``_build/ko/`` for the Korean site), so that a test can show that the Korean build
   ran no code: its notebooks all come from cache records older than the build.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sphinx.application import Sphinx

from . import switch
from .adopt import adopt_translated_nodes
from .exercise_titles import KeepExerciseTitlesForGettext, TranslatableExerciseTitles
from .glossary import GlossaryDirective, TranslatedSectionTitles
from .glue import TranslatableGlueDomain
from .search_ko import SearchKorean
from .toc import TranslateTocCaptions, prefer_own_theme_strings
from .untranslatable import MarkUntranslatable


def _note_start(app: Sphinx) -> None:
    app.env.lecture7_build_started = time.time()


def execution_record(app: Sphinx) -> dict:
    """When this build started, and each notebook's execution data (myst-nb's)."""
    metadata = getattr(app.env, "nb_metadata", {})
    return {
        "builder": app.builder.name,
        "language": app.config.language or "en",
        "started": app.env.lecture7_build_started,
        "notebooks": {
            doc: {k: data["exec_data"].get(k) for k in ("mtime", "runtime", "method")}
            for doc, data in sorted(metadata.items())
            if data.get("exec_data")
        },
    }


def _write_execution_record(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    record = execution_record(app)
    name = f"execution-{record['builder']}-{record['language']}.json"
    out = Path(app.outdir).parent / name  # _build/, or _build/ko/ (tools/i18n.py)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _stale_executions(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose execution in the shared cache is newer than the one they were read with.

    Sphinx reads a page again when its source changes. When only the English build ran
    it again (``lecture7`` changed, so ``make book`` cleared the cache), the source is
    the same but the outputs are new: the execution cache (jupyter-cache, shared by both
    builds) then holds another record for the page than the one myst-nb noted when this
    build last read it, and the page is read again. (myst-nb's ``jupyter_execute`` copies
    cannot tell: a page read from the cache is written there without its outputs.)
    """
    if not app.config.lecture7_follow_execution_cache or not hasattr(env, "mystnb_config"):
        return []
    from jupyter_cache import get_cache
    from myst_nb.sphinx_ import NbMetadataCollector

    cache = get_cache(env.mystnb_config.execution_cache_path or ".jupyter_cache")
    newest: dict[str, float] = {}
    for record in cache.list_cache_records():
        newest[record.uri] = max(newest.get(record.uri, 0.0), record.created.timestamp())
    stale = []
    for doc in sorted(env.found_docs - added - changed):
        current = newest.get(str(env.doc2path(doc)))
        used = NbMetadataCollector.get_exec_data(env, doc)
        if current is not None and (used is None or used.get("mtime") != current):
            stale.append(doc)
    return stale


def setup(app: Sphinx) -> dict:
    # tools/i18n.py sets it for the Korean build, which shows the English build's
    # executions (the shared cache) and must follow them when they change
    app.add_config_value("lecture7_follow_execution_cache", False, "env")
    app.connect("env-get-outdated", _stale_executions)
    app.add_transform(MarkUntranslatable)
    app.add_transform(TranslatableExerciseTitles)
    app.add_post_transform(KeepExerciseTitlesForGettext)
    app.add_transform(TranslateTocCaptions)
    app.add_domain(TranslatableGlueDomain, override=True)
    app.add_search_language(SearchKorean)
    app.add_directive("lecture7-glossary", GlossaryDirective)
    app.add_post_transform(TranslatedSectionTitles)
    switch.setup(app)
    app.connect("doctree-read", adopt_translated_nodes)
    app.connect("builder-inited", _note_start)
    app.connect("builder-inited", prefer_own_theme_strings)
    app.connect("build-finished", _write_execution_record)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
