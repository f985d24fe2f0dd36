"""The book's build helpers on small projects: the {assignment} role, the repository
settings (with and without a repository), {libcode} and the release tool.

These do not need the built book: each builds a throw-away Sphinx project (with the
real theme and ``book/_ext/lecture7_book.py``) or nbgrader course in a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from sitecheck import ROOT

pytestmark = pytest.mark.slow

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["myst_nb", "sphinx_book_theme", "lecture7_book", "lecture7_code"]
nb_execution_mode = "off"
exclude_patterns = ["assignments"]
html_theme = "sphinx_book_theme"
html_theme_options = {{
    "repository_url": "https://github.com/example-org/example-repo",
    "repository_branch": "trunk",
    "launch_buttons": {{"colab_url": "https://colab.research.google.com",
                        "binderhub_url": "https://mybinder.org",
                        "notebook_interface": "jupyterlab"}},
}}
myst_enable_extensions = ["substitution"]
"""
# The same project while _config.yml names no repository (repository.url: "").
CONF_NO_REPOSITORY = CONF.replace(
    '"https://github.com/example-org/example-repo"', '""'
)

# A chapter-like page: a MyST notebook (jupytext header with a kernelspec).
NOTEBOOK_PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Chapter

Install the library from {{ lecture7_install }}.

```{code-cell} ipython3
print(1 + 1)
```
"""


def _assignment_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    solution = nbformat.v4.new_code_cell(
        "def double(x):\n    ### BEGIN SOLUTION\n    result = x * 2 + 0  # secret formula\n"
        "    ### END SOLUTION\n    return result\n"
    )
    solution.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "task": False,
        "grade_id": "double",
        "schema_version": 3,
    }
    tests = nbformat.v4.new_code_cell(
        "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(17) == 34, 'hidden value'\n"
        "### END HIDDEN TESTS\n"
    )
    tests.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "task": False,
        "points": 1,
        "grade_id": "test_double",
        "schema_version": 3,
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo"), solution, tests]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _project(tmp_path: Path, page: str, conf: str = CONF) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(conf)
    (src / "index.md").write_text(page)
    return src


def _build(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-n",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(src),
            str(src.parent / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


PAGE = "# Demo\n\nDo {assignment}`the demo assignment <a0_demo>`.\n\n{{ lecture7_pip }}\n"


def test_assignment_role_links_the_released_notebook(tmp_path):
    src = _project(tmp_path, PAGE)
    _assignment_notebook(src / "assignments" / "source" / "a0_demo" / "demo.ipynb")
    release = src / "assignments" / "release" / "a0_demo" / "demo.ipynb"
    release.parent.mkdir(parents=True)
    release.write_text((src / "assignments" / "source" / "a0_demo" / "demo.ipynb").read_text())
    done = _build(src)
    assert done.returncode == 0, done.stderr
    soup = BeautifulSoup((src.parent / "out" / "index.html").read_text(), "html.parser")
    link = soup.select_one("a.l7-assignment")
    assert link is not None and link.get_text() == "the demo assignment"
    assert (src.parent / "out" / link["href"]).is_file()
    text = " ".join(soup.get_text().split())
    assert 'pip install "lecture7 @ git+https://github.com/example-org/example-repo@trunk"' in text


def test_link_to_missing_assignment_fails_the_build(tmp_path):
    src = _project(tmp_path, PAGE)
    done = _build(src)
    assert done.returncode != 0
    assert "assignment 'a0_demo' does not exist" in done.stderr


def test_link_to_unreleased_assignment_fails_the_build(tmp_path):
    src = _project(tmp_path, PAGE)
    _assignment_notebook(src / "assignments" / "source" / "a0_demo" / "demo.ipynb")
    done = _build(src)
    assert done.returncode != 0
    assert "has no student version" in done.stderr


def _release(course: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "release_assignments.py"), "--course", str(course)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_release_tool_releases_student_versions_only_when_stale(tmp_path):
    course = tmp_path / "course"
    assert "no assignments" in _release(course)
    source = course / "source" / "a0_demo" / "demo.ipynb"
    _assignment_notebook(source)
    (course / "source" / "a9_empty").mkdir()  # not an assignment yet: no notebook

    assert "a0_demo released" in _release(course)
    released = course / "release" / "a0_demo" / "demo.ipynb"
    text = released.read_text()
    assert "secret formula" not in text and "hidden value" not in text
    assert "BEGIN SOLUTION" not in text and "YOUR CODE HERE" in text
    assert not (course / "release" / "a9_empty").exists()
    assert not (course / "gradebook.db").exists(), "the book's release must not touch the gradebook"

    assert "a0_demo is up to date" in _release(course)
    later = time.time() + 5
    os.utime(source, (later, later))
    assert "a0_demo released" in _release(course)


SHIM_CHECK = r"""
import importlib.util
import sys

sys.path.insert(0, {ext!r})
from lecture7_book import SETUP_CELL, SETUP_PIP
from IPython.core.interactiveshell import InteractiveShell

sys.modules["myst_nb"] = None  # as if not installed: importing it fails, find_spec is None
assert importlib.util.find_spec("myst_nb") is None
shell = InteractiveShell.instance()
setup = SETUP_CELL.format(install=SETUP_PIP.format(spec="lecture7 @ git+https://github.com/o/r@main"))
assert shell.run_cell(setup).success
assert shell.run_cell("from myst_nb import glue\nglue('shown', 31415)\nglue('hidden', 27182, display=False)").success
"""


def test_setup_cell_lets_glue_work_without_myst_nb():
    done = subprocess.run(
        [sys.executable, "-c", SHIM_CHECK.format(ext=str(ROOT / "book" / "_ext"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "31415" in done.stdout and "27182" not in done.stdout
    assert "pip" not in done.stdout.lower(), "lecture7 is installed: nothing should be installed"


def _page(out: Path) -> BeautifulSoup:
    return BeautifulSoup((out / "index.html").read_text(), "html.parser")


def test_with_a_repository_chapters_offer_colab_binder_and_pip_from_git(tmp_path):
    src = _project(tmp_path, NOTEBOOK_PAGE)
    done = _build(src)
    assert done.returncode == 0, done.stderr
    out = src.parent / "out"
    soup = _page(out)
    assert soup.select_one("a.l7-download-notebook") is not None
    colab = soup.select_one("a.l7-launch-colab")["href"]
    assert colab == ("https://colab.research.google.com/github/example-org/example-repo/blob/"
                     "gh-pages/_sources/index.ipynb")
    assert soup.select_one("a.l7-launch-binder")["href"].startswith(
        "https://mybinder.org/v2/gh/example-org/example-repo/gh-pages")
    assert soup.select('a[href="https://github.com/example-org/example-repo"]'), "repository button"
    text = " ".join(soup.get_text().split())
    assert 'pip install "lecture7 @ git+https://github.com/example-org/example-repo@trunk"' in text
    notebook = (out / "_sources" / "index.ipynb").read_text()
    assert "git+https://github.com/example-org/example-repo@trunk" in notebook
    assert "example-org/example-repo@trunk" in (out / "requirements.txt").read_text()


def test_without_a_repository_chapters_offer_only_the_download(tmp_path):
    src = _project(tmp_path, NOTEBOOK_PAGE, CONF_NO_REPOSITORY)
    done = _build(src)
    assert done.returncode == 0, done.stderr
    out = src.parent / "out"
    soup = _page(out)
    link = soup.select_one("a.l7-download-notebook")
    assert link is not None and (out / link["href"]).is_file()
    menu = soup.select_one("a.btn-download-notebook-button")
    assert menu is not None and menu["href"] == link["href"], "the theme's download menu"
    html = (out / "index.html").read_text()
    for absent in ("l7-launch-colab", "l7-launch-binder", "colab.research.google.com",
                   "mybinder.org", "git+", "github.com"):
        assert absent not in html, absent
    text = " ".join(soup.get_text().split())
    assert "run pip install -e . in their root folder" in text.replace("`", "")
    notebook = (out / "_sources" / "index.ipynb").read_text()
    assert "git+" not in notebook and "pip install -e ." in notebook
    assert not (out / "requirements.txt").exists()


LIBCODE_PAGE = """# Code

```{libcode} lecture7.optim.kernels.momentum_update
```
"""


def test_libcode_shows_the_function_without_its_docstring(tmp_path):
    src = _project(tmp_path, LIBCODE_PAGE)
    done = _build(src)
    assert done.returncode == 0, done.stderr
    soup = _page(src.parent / "out")
    block = soup.select_one("div.l7-libcode-lecture7-optim-kernels-momentum_update pre")
    code = block.get_text()
    assert "v = momentum * state.velocity - learning_rate * g" in code
    assert '"""' not in code and ".. math::" not in code
    assert "momentum_update" in soup.select_one(".code-block-caption").get_text()


def test_libcode_refuses_a_long_function(tmp_path):
    page = "# Code\n\n```{libcode} lecture7.optim.kernels.momentum_update\n:max-lines: 3\n```\n"
    src = _project(tmp_path, page)
    done = _build(src)
    assert done.returncode != 0
    assert "more than 3" in done.stderr
