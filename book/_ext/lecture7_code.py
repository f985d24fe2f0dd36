"""The ``{libcode}`` directive: show a function of ``lecture7`` as the algorithm it is.

````md
```{libcode} lecture7.optim.adaptive.adam_update
```
````

shows the code of ``adam_update`` exactly as it is in the library, which is the code
that ran, without its docstring (the chapter's prose and math say what the docstring
says, and a docstring's reStructuredText would be printed as text), under a caption
naming the function and its file. The page is rebuilt when that file changes.

The point of showing it is that it reads like the formula on the page, so the directive
holds it to that: a function longer than ``:max-lines:`` lines (default
:data:`MAX_LINES`, blank lines not counted) is a build warning, which ``make book``
(``-W``) turns into an error. ``tests/book`` checks that every listing in the built site
is the library's current code (:func:`library_code`).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.directives.code import container_wrapper
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: The longest algorithm a chapter shows, in non-blank lines (the issue's "about 15").
MAX_LINES = 15


def resolve(qualname: str):
    """The object named ``package.module.function`` or ``package.module.Class.method``."""
    parts = qualname.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ValueError(f"{qualname!r} does not name an importable object")


def library_code(qualname: str) -> str:
    """The source of a library function without its docstring, dedented."""
    obj = inspect.unwrap(resolve(qualname))
    source = textwrap.dedent(inspect.getsource(obj))
    tree = ast.parse(source)
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        raise ValueError(f"{qualname!r} is not a function")
    lines = source.splitlines()
    body = function.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        docstring = body[0]
        del lines[docstring.lineno - 1 : docstring.end_lineno]
    return "\n".join(lines).rstrip() + "\n"


def code_lines(code: str) -> int:
    """The number of non-blank lines."""
    return sum(1 for line in code.splitlines() if line.strip())


class LibCode(SphinxDirective):
    """``{libcode} <qualified name>``: a library function's code, docstring removed."""

    required_arguments = 1
    option_spec: ClassVar[dict] = {"max-lines": directives.positive_int}

    def run(self) -> list[nodes.Node]:
        qualname = self.arguments[0]
        try:
            obj = inspect.unwrap(resolve(qualname))
            code = library_code(qualname)
            path = Path(inspect.getsourcefile(obj)).resolve()
        except (ValueError, AttributeError, TypeError, OSError) as err:
            return [self.state.document.reporter.error(f"libcode: {err}", line=self.lineno)]
        self.env.note_dependency(str(path))
        limit = self.options.get("max-lines", MAX_LINES)
        if code_lines(code) > limit:
            logger.warning(
                "libcode: %s has %d lines, more than %d: the book shows algorithms that "
                "read like their formula",
                qualname, code_lines(code), limit, location=(self.env.docname, self.lineno),
            )
        # the class names the function, for the tests: l7-libcode-lecture7-optim-...
        classes = ["l7-libcode", "l7-libcode-" + qualname.replace(".", "-")]
        block = nodes.literal_block(code, code, language="python", classes=classes)
        self.set_source_info(block)
        try:
            shown = path.relative_to(Path(self.env.srcdir).resolve()).as_posix()
        except ValueError:
            shown = path.name
        caption = f"``{obj.__qualname__}`` in ``{shown}``"
        return [container_wrapper(self, block, caption)]


def setup(app: Sphinx) -> dict:
    app.add_directive("libcode", LibCode)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
