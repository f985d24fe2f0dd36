"""Sphinx extension for the course book: notebooks to download, launch links, assignments.

Loaded by ``_config.yml`` (``sphinx.local_extensions``). It does five things:

1. **Chapter notebooks.** For every page written as a MyST Markdown notebook it writes
   ``_sources/<page>.ipynb`` into the site: the jupytext conversion of the page, with
   no outputs, plus one set-up cell under the title (tagged ``lecture7-setup``) that installs
   ``lecture7`` where it is missing (Colab, Binder) and lets ``glue`` work without
   myst-nb. The theme's ".ipynb" download button points at that file, and a line under
   the page title links to it, to Colab and to Binder.
2. **Launch links, only for a real repository.** While ``repository.url`` in
   ``_config.yml`` is empty, the site names no repository: each chapter offers only its
   notebook download, the set-up cell and ``{{ lecture7_install }}`` tell readers to
   install the library from the course's files, and there is no repository button, no
   Colab or Binder link and no pip-from-git command. Once it names one, the repository
   button appears, and sphinx-book-theme's Colab and Binder links (which point at the
   page's ``.md`` source, which neither can open) are rewritten to open the generated
   notebook on the branch that holds the published site (``lecture7_site_branch``,
   default ``gh-pages``: ``ghp-import -n -p -f _build/html`` pushes it there); the site
   root also gets a ``requirements.txt`` so that Binder can build that branch.
3. **Assignments.** The role ``{assignment}`a2_optimizers``` links the student
   version of an assignment (``assignments/release/<name>/*.ipynb``, written by
   ``tools/release_assignments.py``). A link to an assignment whose source does not
   exist, or that was not released, is a build error.
4. **Nothing from the internet.** Thebe is off (``launch_buttons.thebe: false``), but
   sphinx-thebe, which Jupyter Book always loads, still puts its scripts (naming
   unpkg.com) and configuration on every page: they are removed.
5. **Execution times.** After the build it prints each notebook's execution time and
   writes them to ``_build/exec_times.json`` (the tests check the one-minute budget).

It also defines the MyST substitutions ``{{ lecture7_pip }}`` (the one pip command
that installs the library) and ``{{ lecture7_install }}`` (a sentence saying how to
install it), and drops the theme's top bar, which would only repeat the sidebar's
search button.
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path
from urllib.parse import quote

import jupytext
import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import split_explicit_title

logger = logging.getLogger(__name__)

SETUP_TAG = "lecture7-setup"

SETUP_CELL = """\
# Set-up for running this notebook outside the book (Colab, Binder, your own machine):
# install the course library where it is missing (or say how), and let `glue` (which fills numbers into
# the book's text) simply display its value where myst-nb is not installed.
import importlib.util
import sys
import types

if importlib.util.find_spec("lecture7") is None:
{install}
if importlib.util.find_spec("myst_nb") is None:
    from IPython.display import display as _display

    _myst_nb = types.ModuleType("myst_nb")
    _myst_nb.glue = lambda name, value, display=True: _display(value) if display else None
    sys.modules["myst_nb"] = _myst_nb
"""


# --- repository settings ---------------------------------------------------------------

LOCAL_PIP = "pip install -e ."
#: ``{{ lecture7_install }}``, by the site's language: where the library comes from
#: without a repository, and with one (``{spec}``, ``{pip}``).
INSTALL = {
    "en": ("the course's files: run `pip install -e .` in their root folder (the one with "
           "`pyproject.toml`)",
           'the repository: `pip install "{spec}"` (or `{pip}` in a clone of it)'),
    "ko": ("강의 파일에서: 그 최상위 폴더(`pyproject.toml`이 있는 폴더)에서 `pip install -e .`를 "
           "실행한다",
           '저장소에서: `pip install "{spec}"` (저장소를 복제했다면 그 안에서 `{pip}`)'),
}
# What the set-up cell does when lecture7 is missing: install it from the repository,
# or (no repository) stop with an error that says how to install it.
SETUP_PIP = '    %pip install --quiet "{spec}"\n    importlib.invalidate_caches()'
SETUP_LOCAL = (
    '    raise ModuleNotFoundError(\n'
    '        "This notebook needs the course library lecture7: run pip install -e . in the "\n'
    '        "root folder of the course\'s files (the one with pyproject.toml), then restart "\n'
    '        "the kernel."\n'
    '    )'
)


def repository(app: Sphinx) -> tuple[str, str, str, str] | None:
    """``(url, owner, name, branch)`` from ``repository:`` in ``_config.yml``, or ``None``
    while its ``url`` is empty (the course has no public repository yet)."""
    opts = app.config.html_theme_options
    url = str(opts.get("repository_url", "") or "").strip().rstrip("/")
    if not url:
        return None
    if url.endswith(".git"):
        url = url[: -len(".git")]
    parts = url.split("/")
    if not url.startswith("https://github.com/") or len(parts) != 5:
        raise ValueError(
            f"repository.url in _config.yml must be https://github.com/<owner>/<name> "
            f"(or empty while there is no repository), got {url!r}"
        )
    branch = str(opts.get("repository_branch", "") or "main")
    return url, parts[3], parts[4], branch


def pip_spec(app: Sphinx) -> str | None:
    """The requirement that installs ``lecture7`` from the repository (``None``: none)."""
    repo = repository(app)
    if repo is None:
        return None
    url, _, _, branch = repo
    return f"lecture7 @ git+{url}@{branch}"


def setup_cell(app: Sphinx) -> str:
    """The source of the set-up cell of the downloadable notebooks."""
    spec = pip_spec(app)
    install = SETUP_LOCAL if spec is None else SETUP_PIP.format(spec=spec)
    return SETUP_CELL.format(install=install)


def _configure(app: Sphinx, config) -> None:
    # pydata-sphinx-theme adds a top bar holding only a second search button (the
    # sidebar has one) unless navbar_persistent is set; sphinx-book-theme means it empty.
    opts = config.html_theme_options
    opts.setdefault("navbar_persistent", [])
    spec = pip_spec(app)
    # the repository button only for a repository that exists (Jupyter Book refuses
    # use_repository_button without a URL, so _config.yml leaves it out)
    opts["use_repository_button"] = spec is not None
    if spec is None:
        opts["launch_buttons"] = {}
    subs = dict(config.myst_substitutions or {})
    local, remote = INSTALL.get((config.language or "en")[:2], INSTALL["en"])
    if spec is None:
        subs.setdefault("lecture7_pip", f"`{LOCAL_PIP}`")
        subs.setdefault("lecture7_install", local)
    else:
        subs.setdefault("lecture7_pip", f'`pip install "{spec}"`')
        subs.setdefault("lecture7_install", remote.format(spec=spec, pip=LOCAL_PIP))
    config.myst_substitutions = subs


# --- chapter notebooks ------------------------------------------------------------------


def is_notebook_page(app: Sphinx, docname: str) -> bool:
    """Pages written as notebooks carry a kernelspec (jupytext header or .ipynb)."""
    return "kernelspec" in app.env.metadata.get(docname, {})


def chapter_notebook(source: Path, setup_source: str) -> nbformat.NotebookNode:
    """The downloadable notebook of a MyST Markdown chapter: set-up cell, then its cells."""
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("language_info", {"name": "python"})
    setup = nbformat.v4.new_code_cell(setup_source, metadata={"tags": [SETUP_TAG]})
    # right under the title cell, so that the notebook still opens with the chapter's title
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, setup)
    for index, cell in enumerate(nb.cells):
        cell["id"] = SETUP_TAG if cell is setup else f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def launch_urls(app: Sphinx, pagename: str) -> dict[str, str]:
    """Colab and Binder URLs that open the generated notebook of ``pagename`` (none
    without a repository)."""
    opts = app.config.html_theme_options
    launch = opts.get("launch_buttons", {}) or {}
    repo = repository(app)
    if repo is None:
        return {}
    _, owner, name, _ = repo
    branch = app.config.lecture7_site_branch
    path = f"_sources/{pagename}.ipynb"
    urls = {}
    colab = str(launch.get("colab_url", "")).strip().rstrip("/")
    if colab:
        urls["Colab"] = f"{colab}/github/{owner}/{name}/blob/{branch}/{path}"
    binder = str(launch.get("binderhub_url", "")).strip().rstrip("/")
    if binder:
        ui = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
        urls["Binder"] = (
            f"{binder}/v2/gh/{owner}/{name}/{quote(branch, safe='')}"
            f"?urlpath={quote(f'{ui}/{path}', safe='')}"
        )
    return urls


def _fix_launch_buttons(context: dict, urls: dict[str, str]) -> None:
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") in urls:
                button["url"] = urls[button["text"]]


def _run_links_html(download: str, urls: dict[str, str]) -> str:
    links = [
        f'<a class="reference download l7-download-notebook" href="{html.escape(download)}" '
        f"download>Download this chapter as a notebook (.ipynb)</a>"
    ]
    for label, url in urls.items():
        links.append(
            f'<a class="reference external l7-launch-{label.lower()}" '
            f'href="{html.escape(url)}">Open in {label}</a>'
        )
    return '<p class="l7-run-links">' + " · ".join(links) + "</p>\n"


def _notebook_source(app: Sphinx, pagename: str, templatename: str, context: dict, doctree):
    """Name the page's notebook for the theme's download menu, before the theme builds the
    menu (priority 501); with launch buttons the theme would do it itself, without them not."""
    if doctree is not None and is_notebook_page(app, pagename):
        context["ipynb_source"] = f"{pagename}.ipynb"


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree):
    if doctree is None or not is_notebook_page(app, pagename):
        return
    source = Path(app.env.doc2path(pagename))
    nb = chapter_notebook(source, setup_cell(app))
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(nbformat.writes(nb), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"

    urls = launch_urls(app, pagename)
    _fix_launch_buttons(context, urls)
    download = posixpath.relpath(f"_sources/{pagename}.ipynb", posixpath.dirname(pagename))
    body = context.get("body", "")
    links = _run_links_html(download, urls)
    head, sep, tail = body.partition("</h1>")
    context["body"] = head + sep + links + tail if sep else links + body


# --- no thebe ---------------------------------------------------------------------------


def _thebe_enabled(app: Sphinx) -> bool:
    launch = app.config.html_theme_options.get("launch_buttons", {}) or {}
    return bool(launch.get("thebe"))


def _is_thebe_asset(asset) -> bool:
    name = str(getattr(asset, "filename", "") or "")
    body = str((getattr(asset, "attributes", None) or {}).get("body", ""))
    return "thebe" in Path(name).name or "THEBE_JS_URL" in body


def _drop_thebe_assets(app: Sphinx, pagename, templatename, context: dict, doctree) -> None:
    if _thebe_enabled(app):
        return
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe_asset(a)]


def _drop_thebe_config(app: Sphinx, doctree, docname: str) -> None:
    if _thebe_enabled(app):
        return
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "text/x-thebe-config" in text or text.startswith("<script>kernelName = "):
            node.parent.remove(node)


# --- assignments ------------------------------------------------------------------------


def assignment_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{assignment}`a2_optimizers``` or ``{assignment}`the assignment <a2_optimizers>```."""
    env = inliner.document.settings.env
    has_title, title, target = split_explicit_title(text)
    target = target.strip()
    srcdir = Path(env.srcdir)
    course = srcdir / env.config.lecture7_assignments_dir
    source = course / "source" / target
    release = course / "release" / target
    problem = None
    if not target or "/" in target or not source.is_dir():
        problem = (
            f"assignment {target!r} does not exist: there is no "
            f"{source.relative_to(srcdir).as_posix()}/"
        )
    else:
        notebooks = sorted(release.glob("*.ipynb"))
        if not notebooks:
            problem = (
                f"assignment {target!r} has no student version in "
                f"{release.relative_to(srcdir).as_posix()}/: build with 'make book', "
                "which releases every assignment (tools/release_assignments.py)"
            )
    if problem:
        msg = inliner.reporter.error(problem, line=lineno)
        prb = inliner.problematic(rawtext, rawtext, msg)
        return [prb], [msg]

    result = []
    for index, notebook in enumerate(notebooks):
        if index:
            result.append(nodes.Text(", "))
        label = f"{target}/{notebook.name}"
        if has_title:
            label = title if len(notebooks) == 1 else f"{title} ({notebook.name})"
        ref = addnodes.download_reference(
            rawtext,
            "",
            refdoc=env.docname,
            reftarget="/" + notebook.relative_to(srcdir).as_posix(),
            refexplicit=True,
            refwarn=False,
            reftype="download",
            refdomain="",
            classes=["l7-assignment"],
        )
        ref += nodes.literal(rawtext, label, classes=["xref", "download"])
        result.append(ref)
    return result, []


# --- execution times --------------------------------------------------------------------


def _exec_report(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    metadata = getattr(app.env, "nb_metadata", {})
    report = {}
    for docname in sorted(metadata):
        data = metadata[docname].get("exec_data")
        if data:
            report[docname] = {
                "runtime_s": data.get("runtime"),
                "method": data.get("method"),
                "succeeded": data.get("succeeded"),
            }
    out = Path(app.outdir).parent / "exec_times.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if report:
        lines = [
            f"  {doc:<32} {(d['runtime_s'] or 0):7.1f} s  ({d['method']})"
            for doc, d in report.items()
        ]
        logger.info("notebook execution times (cache: time of the run that filled it):")
        for line in lines:
            logger.info(line)

    # Binder builds the site branch from this file (repo2docker reads requirements.txt).
    requirements = Path(app.outdir) / "requirements.txt"
    spec = pip_spec(app)
    if spec is None:
        requirements.unlink(missing_ok=True)
        return
    requirements.write_text(
        "# Binder environment for the notebooks on this branch (written by the book build).\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        f"{spec}\n",
        encoding="utf-8",
    )


def setup(app: Sphinx) -> dict:
    app.add_config_value("lecture7_site_branch", "gh-pages", "html")
    app.add_config_value("lecture7_assignments_dir", "assignments", "env")
    app.connect("config-inited", _configure, priority=900)
    app.add_role("assignment", assignment_role)
    app.connect("html-page-context", _notebook_source, priority=500)
    # after sphinx-book-theme's own launch/download buttons (priority 501)
    app.connect("html-page-context", _page_context, priority=502)
    app.connect("html-page-context", _drop_thebe_assets)
    app.connect("doctree-resolved", _drop_thebe_config, priority=900)
    app.connect("build-finished", _exec_report)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
