"""The Korean-English glossary: one data file, one table, one authority for translators.

``book/glossary.yml`` lists every technical term of the course::

    - ko: 안장점                  # the canonical Korean term (translators use exactly this)
      en: saddle point            # the English term of the chapters
      at: 02_optimizers.md#problem-2-zero-gradients-at-local-minima-and-saddle-points
      notes: true                 # the lecture notes use this Korean term

``at`` is where the chapters introduce the term: a page, or a page and a heading anchor
(MyST's ``myst_heading_anchors`` slugs, the same in both languages because the Korean
page keeps the English ids). The directive::

    ```{lecture7-glossary} glossary.yml
    ```

renders the table, sorted in Korean (가나다) order: the Korean term links to that
section, then the English term, then the section itself (its title, translated on the
Korean site). The table is the same in both languages and is kept out of the
catalogues. A link whose anchor no longer exists fails the build (``-n``), naming it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

FIELDS = {"ko", "en", "at", "notes", "check", "also"}
HEADER = ("한국어", "English", "처음 나오는 곳 (introduced in)")


def load_glossary(path: Path) -> list[dict]:
    """The entries of ``path``, validated: each has ``ko``, ``en`` and ``at``."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a list of terms")
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"{path.name}, entry {index + 1}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping with ko, en and at")
        missing = {"ko", "en", "at"} - set(entry)
        unknown = set(entry) - FIELDS
        if missing or unknown:
            raise ValueError(
                f"{where} ({entry.get('en', '?')}): missing {sorted(missing)}, "
                f"unknown {sorted(unknown)} (fields: {sorted(FIELDS)})"
            )
        key = str(entry["en"]).lower()
        if key in seen:
            raise ValueError(f"{where}: {entry['en']!r} is listed twice")
        seen[key] = entry["ko"]
    return entries


def sort_key(entry: dict) -> tuple:
    """Hangul terms first, in 가나다 order (Unicode order of the syllables), then Latin."""
    ko = str(entry["ko"])
    return (not ("\uac00" <= ko[0] <= "\ud7a3"), ko.lower(), str(entry["en"]).lower())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table_markdown(entries: list[dict]) -> list[str]:
    """The glossary as a MyST table: ``[ko](at) | en | [](at)``."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|"]
    for entry in sorted(entries, key=sort_key):
        ko, en, at = (_cell(str(entry[k])) for k in ("ko", "en", "at"))
        mark = " †" if entry.get("notes") else ""
        lines.append(f"| [{ko}]({at}){mark} | {en} | []({at}) |")
    return lines


class GlossaryDirective(SphinxDirective):
    """``{lecture7-glossary} <file.yml>``: the glossary table, from the data file."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(rel)
        try:
            entries = load_glossary(Path(path))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise self.error(f"glossary: {exc}") from exc
        container = nodes.container(classes=["l7-glossary"])
        self.state.nested_parse(StringList(table_markdown(entries), path), 0, container)
        # bilingual already: not catalogue messages (the cells; inline nodes are never
        # messages, and marking them would confuse MyST's reference resolution)
        for node in container.findall(nodes.TextElement):
            if not isinstance(node, nodes.Inline):
                node["translatable"] = False
        return [container]


class TranslatedSectionTitles(SphinxPostTransform):
    """Show the section titles of the third column as the target page has them.

    MyST fills ``[](page.md#anchor)`` with the heading's text as it was parsed, which on
    the Korean site is still the English; the target's doctree has the translation. This
    gives those links the translated title, just before MyST resolves them.
    """

    default_priority = 8  # before MyST resolves its links (9)

    def run(self, **kwargs) -> None:
        self._doctrees: dict[str, nodes.document] = {}  # each page is unpickled once
        for table in self.document.findall(nodes.container):
            if "l7-glossary" not in table["classes"]:
                continue
            for row in table.findall(nodes.row):
                if len(row.children) < 3:
                    continue
                for ref in row.children[2].findall(addnodes.pending_xref):
                    title = self._title(ref.get("reftarget", ""), ref.get("reftargetid"))
                    if title and not ref.get("refexplicit"):
                        ref["refexplicit"] = True
                        ref.children = [nodes.inline(title, title, classes=["xref", "myst"])]

    def _title(self, doc: str, anchor: str | None) -> str | None:
        if not anchor or doc not in self.env.found_docs:
            return None
        slugs = self.env.metadata[doc].get("myst_slugs", {})
        ident = slugs[anchor][1] if anchor in slugs else anchor
        if doc not in self._doctrees:
            self._doctrees[doc] = self.env.get_doctree(doc)
        section = self._doctrees[doc].ids.get(ident)
        if not isinstance(section, nodes.section):
            return None
        return section[0].astext()
