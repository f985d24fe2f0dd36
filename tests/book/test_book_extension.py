"""The book's build helpers on small projects: the {assignment} role and the release tool.

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
extensions = ["myst_parser", "sphinx_book_theme", "lecture7_book"]
html_theme = "sphinx_book_theme"
html_theme_options = {{
    "repository_url": "https://github.com/example-org/example-repo",
    "repository_branch": "trunk",
}}
myst_enable_extensions = ["substitution"]
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


def _project(tmp_path: Path, page: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
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
from lecture7_book import SETUP_CELL
from IPython.core.interactiveshell import InteractiveShell

sys.modules["myst_nb"] = None  # as if not installed: importing it fails, find_spec is None
assert importlib.util.find_spec("myst_nb") is None
shell = InteractiveShell.instance()
assert shell.run_cell(SETUP_CELL.format(pip_spec="lecture7 @ git+https://github.com/o/r@main")).success
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
