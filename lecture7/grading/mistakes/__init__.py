"""The catalogue of classic mistakes: real, wrong implementations, by name.

Each entry is a *variant* of a reference implementation with one classic bug
(Adam without bias correction, epsilon inside the square root, ...), written
as a self-contained function or class, registered with :func:`mistake`::

    @mistake("adam", "adam-no-bias-correction",
             "m and v start at zero, so early steps are too small: divide by 1 - beta**t")
    def adam_no_bias_correction(w, dw, config=None):
        ...

A check recognises a mistake by running the variant on the same inputs as the
student's code and comparing the two outputs: if they agree everywhere (and
differ from the reference), the feedback names the mistake and its hint.

Rules for variants, so that their source can be pasted into a notebook in place
of a student's solution (the end-to-end tests do exactly that,
:meth:`Mistake.source`): only module-level names ``np``, ``torch`` and
``math`` are used, no helpers, no decorators other than :func:`mistake`.
Each assignment adds its variants in its own module here
(``lecture7/grading/mistakes/<assignment>.py``); :func:`mistakes_for` imports
the module on demand.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CATALOGUE", "Mistake", "mistake", "mistakes_for"]


@dataclass(frozen=True)
class Mistake:
    """A named wrong implementation of ``target`` (the name students give their code)."""

    target: str
    name: str
    hint: str
    impl: Any = field(compare=False, repr=False)

    def source(self, as_name: str | None = None) -> str:
        """The variant's source without decorators, its ``def``/``class`` renamed to ``as_name``."""
        text = textwrap.dedent(inspect.getsource(self.impl))
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if re.match(r"(def|class)\s", line))
        body = "\n".join(lines[start:]) + "\n"
        pattern = rf"^(def|class)\s+{re.escape(self.impl.__name__)}\b"
        return re.sub(pattern, rf"\1 {as_name or self.target}", body, count=1)


#: target name -> its mistakes, in registration order.
CATALOGUE: dict[str, list[Mistake]] = {}


def mistake(target: str, name: str, hint: str) -> Callable[[Any], Any]:
    """Register the decorated function or class as the mistake ``name`` of ``target``."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"Invalid mistake name {name!r}: use lower-case words joined by '-'")

    def register(impl: Any) -> Any:
        entries = CATALOGUE.setdefault(target, [])
        if any(m.name == name for m in entries):
            raise ValueError(f"Mistake {name!r} is registered twice for {target!r}")
        entries.append(Mistake(target, name, hint, impl))
        return impl

    return register


def mistakes_for(module: str, target: str) -> tuple[Mistake, ...]:
    """The mistakes of ``target`` registered by ``lecture7.grading.mistakes.<module>``."""
    importlib.import_module(f"{__name__}.{module}")
    return tuple(CATALOGUE.get(target, ()))
