"""The catalogue of classic mistakes: real, wrong implementations, by name.

Each entry is a *variant* of a reference implementation with one classic bug
(Adam without bias correction, epsilon inside the square root, ...), written
as a self-contained function or class and registered with :func:`mistake`::

    @mistake("adam", "adam-no-bias-correction",
             "m and v start at zero, so early steps are too small: divide by 1 - beta**t")
    def adam_no_bias_correction(w, dw, config=None):
        ...

A check recognises a mistake by running the variant on the same inputs as the
student's code and comparing the *graded* outputs (``next_w`` at every step, not the
state nobody reads, nor which inputs were modified): if they agree on every case, the
feedback names the mistake and its hint. ``accepted=True`` registers a *convention*
instead: code that is right but computes differently from the reference (the mask of
dropout drawn as ``u >= p_drop``, PyTorch's form of the momentum buffer); a student
whose outputs equal a convention's passes, with the note in the feedback.

Where bugs combine (real code often has two), write the function once as a *model*
whose keyword-only "knobs" default to the right behaviour, and register each bug as
a setting of a knob with :func:`variant`::

    def adam(w, dw, config=None, *, bias_correction=True, epsilon_at="outside"): ...
    variant(adam, "adam-no-bias-correction", "...", bias_correction=False)

Variants of one model combine (up to three at once): a student with two bugs is told
both. Rules for variants, so that their source can be pasted into a notebook in place
of a student's solution (the end-to-end tests do exactly that, :meth:`Mistake.source`):
only module-level names ``np``, ``torch`` and ``math`` are used, no helpers, no
decorators other than :func:`mistake`. Each assignment adds its variants in its own
module here (``lecture7/grading/mistakes/<assignment>.py``); :func:`mistakes_for`
imports the module on demand.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CATALOGUE", "Mistake", "mistake", "mistakes_for", "variant"]


@dataclass(frozen=True)
class Mistake:
    """A named implementation of ``target`` (the name students give their code):
    wrong (a mistake, with a ``hint``), or ``accepted`` (a convention, with a note)."""

    target: str
    name: str
    hint: str
    impl: Any = field(compare=False, repr=False)
    accepted: bool = False
    model: Any = field(default=None, compare=False, repr=False)
    knobs: tuple = ()

    def source(self, as_name: str | None = None) -> str:
        """The variant's source without decorators, its ``def``/``class`` renamed to
        ``as_name`` (default: the target); for a :func:`variant`, the model with its
        knobs as defaults."""
        code = self.model or self.impl
        text = textwrap.dedent(inspect.getsource(code))
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if re.match(r"(def|class)\s", line))
        body = "\n".join(lines[start:]) + "\n"
        if self.knobs:
            node = ast.parse(body).body[0]
            split = sum(len(line) + 1 for line in body.splitlines()[:node.body[0].lineno - 1])
            header, rest = body[:split], body[split:]
            for key, value in self.knobs:
                header = re.sub(rf"\b{key}=[^,)]+", f"{key}={value!r}", header, count=1)
            body = header + rest
        pattern = rf"^(def|class)\s+{re.escape(code.__name__)}\b"
        return re.sub(pattern, rf"\1 {as_name or self.target}", body, count=1)

    def combine(self, others: Sequence[Mistake]) -> Mistake | None:
        """This variant and ``others`` at once (one model; knobs they share must agree,
        each must add one), or None."""
        knobs = dict(self.knobs)
        for other in others:
            if other.model is not self.model or self.model is None or any(
                    k in knobs and knobs[k] != v for k, v in other.knobs):
                return None
            if all(k in knobs for k, _ in other.knobs):
                return None  # nothing new: not a combination
            knobs.update(other.knobs)
        name = "+".join(m.name for m in (self, *others))
        return Mistake(self.target, name, self.hint, functools.partial(self.model, **knobs),
                       False, self.model, tuple(knobs.items()))


#: target name -> its variants (mistakes and conventions), in registration order.
CATALOGUE: dict[str, list[Mistake]] = {}


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"Invalid mistake name {name!r}: use lower-case words joined by '-'")


def _register(entry: Mistake) -> Mistake:
    _check_name(entry.name)
    entries = CATALOGUE.setdefault(entry.target, [])
    if any(m.name == entry.name for m in entries):
        raise ValueError(f"Mistake {entry.name!r} is registered twice for {entry.target!r}")
    entries.append(entry)
    return entry


def mistake(target: str, name: str, hint: str, *, accepted: bool = False) -> Callable[[Any], Any]:
    """Register the decorated function or class as the mistake ``name`` of ``target``
    (a convention with ``accepted=True``: then ``hint`` is the note students see)."""
    _check_name(name)

    def register(impl: Any) -> Any:
        _register(Mistake(target, name, hint, impl, accepted))
        return impl

    return register


def variant(model: Callable, name: str, hint: str, *, accepted: bool = False,
            target: str | None = None, **knobs: Any) -> Mistake:
    """Register ``model`` with ``knobs`` set as the mistake ``name`` of ``target``
    (default: the model's name). The model's keyword-only knobs default to the right
    behaviour, and their values must be literals (they are written into its source)."""
    parameters = inspect.signature(model).parameters
    unknown = [k for k in knobs if parameters.get(k) is None
               or parameters[k].kind is not inspect.Parameter.KEYWORD_ONLY]
    if unknown or not knobs:
        raise ValueError(f"{name}: {unknown or 'no'} keyword-only knobs of {model.__name__}")
    return _register(Mistake(target or model.__name__, name, hint,
                             functools.partial(model, **knobs), accepted, model,
                             tuple(knobs.items())))


def mistakes_for(module: str, target: str) -> tuple[Mistake, ...]:
    """The variants of ``target`` registered by ``lecture7.grading.mistakes.<module>``."""
    importlib.import_module(f"{__name__}.{module}")
    return tuple(CATALOGUE.get(target, ()))
