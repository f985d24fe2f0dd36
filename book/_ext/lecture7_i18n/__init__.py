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
6. records, for every build, when it started and the execution data of each notebook
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


def _outputs(path: Path) -> list | None:
    """The outputs of each code cell of an executed notebook (``None`` if there is none)."""
    if not path.is_file():
        return None
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [cell.get("outputs") for cell in cells if cell["cell_type"] == "code"]


def _stale_executions(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose outputs differ from the reference build's (the English site's).

    Sphinx reads a page again when its source changes. When only the English build ran
    it again (``lecture7`` changed, so ``make book`` cleared the cache), the source is
    the same but the outputs are new: this compares the executed notebooks that myst-nb
    keeps (``jupyter_execute/<page>.ipynb``) and has such pages read again.
    """
    reference = app.config.lecture7_same_execution_as
    if not reference or not hasattr(env, "mystnb_config"):
        return []
    own = Path(env.mystnb_config.output_folder)
    stale = []
    for doc in sorted(env.found_docs - added - changed):
        theirs = _outputs(Path(reference, f"{doc}.ipynb"))
        if theirs is not None and theirs != _outputs(own / f"{doc}.ipynb"):
            stale.append(doc)
    return stale


def setup(app: Sphinx) -> dict:
    # the folder of executed notebooks whose outputs the pages must show: tools/i18n.py
    # points the Korean build at the English build's (_build/jupyter_execute)
    app.add_config_value("lecture7_same_execution_as", "", "env")
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
    app.connect("builder-inited", _note_start)
    app.connect("builder-inited", prefer_own_theme_strings)
    app.connect("build-finished", _write_execution_record)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
