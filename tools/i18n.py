"""The Korean edition of the book: catalogues from the English pages, and the Korean site.

    python tools/i18n.py extract    # gettext build: _build/gettext/book/<page>.pot
    python tools/i18n.py update     # extract, then sphinx-intl update -l ko (book/locales)
    python tools/i18n.py status     # what is left to translate, by page, line and English
                                    # (--all: the pending pages too)
    python tools/i18n.py check      # translations keep their markup and use the glossary
    python tools/i18n.py build      # extract, merge, check, build _build/html/ko (-W -n)

``make book`` runs ``build`` after the English site; translators run ``update``, edit
``book/locales/ko/LC_MESSAGES/book/*.po``, then ``make book`` (``book/locales/README.md``).

``build`` never writes ``book/locales``: it merges the committed translations with the
current English into ``_build/locales`` (a changed English paragraph turns its entry
fuzzy there, and the page shows the English until it is translated again), prints the
entries still to do, writes them to ``_build/i18n/status-ko.json``, and fails only when
a translation lost its markup, when the Korean pages have a Sphinx warning, or when a
notebook had to run (the Korean site must reuse the English build's execution cache).
``--strict`` (``make book I18N_STRICT=1``) also fails on anything left to translate.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from sphinx_intl.catalog import load_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from lecture7_i18n.catalogs import (  # noqa: E402
    load_status,
    markup_report,
    merge,
    po_path,
    report,
    templates,
    terms_report,
    write_if_changed,
)
from lecture7_i18n.glossary import load_glossary  # noqa: E402
from lecture7_i18n.terms import terms as terms_of  # noqa: E402

BUILD = ROOT / "_build"
GETTEXT = BUILD / "gettext"
LOCALES = ROOT / "book" / "locales"
MERGED = BUILD / "locales"
LANGUAGES = LOCALES / "languages.yml"
CACHE = BUILD / ".jupyter_cache"
SITE = BUILD / "html"


def sphinx(builder: str, outdir: Path, doctrees: Path, **overrides) -> None:
    """A Jupyter Book build of the whole book, as ``jupyter-book build`` runs it."""
    from jupyter_book.sphinx import build_sphinx

    config = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        "gettext_compact": False,  # one catalogue per page
        "nb_execution_cache_path": str(CACHE),  # the English build's executions
        **overrides,
    }
    result = build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=config,
        doctreedir=doctrees,
        builder=builder,
        warningiserror=True,
        keep_going=True,
        quiet=True,
    )
    if result:
        raise SystemExit(f"the {builder} build of the book failed ({result}): see above")


def extract(language: str) -> dict[str, Path]:
    """The templates of the pages to translate (the English-only pages' are removed)."""
    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    sphinx("gettext", GETTEXT, BUILD / ".doctrees-gettext", project=title)
    status = load_status(LANGUAGES, language)
    pots = templates(GETTEXT)
    unknown = (status.english_only | status.pending) - set(pots)
    if unknown:
        raise SystemExit(f"{LANGUAGES}: {sorted(unknown)} are not pages of the book")
    for domain in status.english_only:
        pots.pop(domain).unlink()
    return pots


def update(language: str) -> None:
    """``sphinx-intl update``: bring book/locales/<language> up to date with the English."""
    extract(language)
    command = [
        str(Path(sys.executable).parent / "sphinx-intl"),
        "update",
        "-p",
        str(GETTEXT),
        "-d",
        str(LOCALES),
        "-l",
        language,
    ]
    subprocess.run(command, check=True)


def reports(language: str, pots: dict[str, Path], locale_dir: Path) -> list:
    return [
        report(domain, merge(pot, po_path(locale_dir, language, domain), language))
        for domain, pot in pots.items()
    ]


def print_status(language: str, pots: dict[str, Path], *, every: bool = False) -> bool:
    """Print each page's state and its entries still to do (``every``: the pending pages'
    too); True when all are complete."""
    status = load_status(LANGUAGES, language)
    results = reports(language, pots, LOCALES)
    for result in results:
        state = (
            "complete"
            if result.complete
            else ("pending" if result.domain in status.pending else "INCOMPLETE")
        )
        print(
            f"{result.domain}: {result.translated}/{result.total} translated, "
            f"{len(result.fuzzy)} fuzzy, {len(result.untranslated)} untranslated ({state})"
        )
        if not result.complete and (every or result.domain not in status.pending):
            print("\n".join(result.lines()))
    pending = sorted(r.domain for r in results if not r.complete and r.domain in status.pending)
    if pending:
        print(
            f"not translated yet (pending in {LANGUAGES.relative_to(ROOT)}): {', '.join(pending)}"
        )
    out = BUILD / "i18n" / f"status-{language}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({r.domain: r.__dict__ for r in results}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return all(r.complete for r in results)


def check(language: str, pots: dict[str, Path], locale_dir: Path, *, terms: bool) -> None:
    """Fail, naming them, on translations that lost or added markup; with ``terms``,
    also on translations that name a glossary term otherwise than book/glossary.yml."""
    glossary = load_terms()
    markup, wording = [], []
    for domain, pot in pots.items():
        catalog = merge(pot, po_path(locale_dir, language, domain), language)
        markup += [f"{domain}.po: {p}" for p in markup_report(catalog)]
        if terms:
            wording += [f"{domain}.po: {p}" for p in terms_report(catalog, glossary)]
    message = []
    if markup:
        message.append(
            "translations whose markup differs from the English (roles, glue, math, "
            "code, links must stay as they are; book/locales/README.md):\n" + "\n".join(markup)
        )
    if wording:
        message.append(
            "translations that do not use the glossary's term (book/glossary.yml):\n"
            + "\n".join(wording)
        )
    if message:
        raise SystemExit("\n\n".join(message))


def load_terms() -> list:
    return terms_of(load_glossary(ROOT / "book" / "glossary.yml"))


def cache_records() -> dict[int, float]:
    """``{record id: creation time}`` of the execution cache."""
    from jupyter_cache import get_cache

    if not CACHE.exists():
        return {}
    return {r.pk: r.created.timestamp() for r in get_cache(str(CACHE)).list_cache_records()}


def publish(source: Path, target: Path) -> None:
    """Make ``target`` a copy of ``source``, writing only the files that differ."""
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    if target.exists():
        for path in sorted(target.rglob("*"), reverse=True):
            rel = path.relative_to(target)
            if path.is_file() and rel not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for rel in wanted:
        src, dst = source / rel, target / rel
        if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def build(language: str, strict: bool) -> None:
    start = time.time()
    before = cache_records()
    pots = extract(language)
    # the committed translations, merged with today's English, in _build/locales
    for domain, pot in pots.items():
        catalog = merge(pot, po_path(LOCALES, language, domain), language)
        write_if_changed(catalog, po_path(MERGED, language, domain))
    # catalogues of no page (sphinx.po: the theme's own strings) are used as they are
    for extra in (LOCALES / language / "LC_MESSAGES").glob("*.po"):
        write_if_changed(load_po(str(extra)), MERGED / language / "LC_MESSAGES" / extra.name)
    check(language, pots, MERGED, terms=False)
    complete = print_status(language, pots)
    # a Jupyter Book build of its own (_build/ko/html, with the theme's and myst-nb's
    # working folders beside it), published into the English site as _build/html/ko
    sphinx(
        "html",
        BUILD / language / "html",
        BUILD / language / ".doctrees",
        language=language,
        locale_dirs=[str(MERGED)],
        lecture7_follow_execution_cache=True,
        **load_status(LANGUAGES, language).sphinx,
    )
    publish(BUILD / language / "html", SITE / language)
    after = cache_records()
    if after != before:
        ran = sorted(set(after.items()) - set(before.items()))
        raise SystemExit(
            f"the {language} build executed notebooks (new cache records {ran}): it must "
            "reuse the English build's execution cache; build the English site first "
            "(make book)"
        )
    print(f"{language}: built {SITE / language} in {time.time() - start:.0f} s")
    if strict and not complete:
        raise SystemExit(f"--strict: the {language} catalogues are not all translated")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["extract", "update", "status", "check", "build"])
    parser.add_argument("-l", "--language", default="ko")
    parser.add_argument(
        "--all", action="store_true", help="status: list the pending pages' entries too"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="status, build: fail when anything is left to translate",
    )
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract(args.language)
    elif args.command == "update":
        update(args.language)
    elif args.command == "build":
        build(args.language, args.strict)
    else:
        pots = extract(args.language)
        if args.command == "check":
            check(args.language, pots, LOCALES, terms=True)
        elif not print_status(args.language, pots, every=args.all) and args.strict:
            raise SystemExit(f"--strict: the {args.language} catalogues are not all translated")


if __name__ == "__main__":
    main()
