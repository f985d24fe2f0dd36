"""Run student code quietly, and notice when it hands the work to the reference.

:class:`ReferenceGuard` is how a check finds out that a student's ``adam``
"just calls" ``lecture7.optim.adam`` (or ``torch.optim.Adam``). Two complementary
measures:

* **At run time** (the one that matters): while the student's code runs, a
  :func:`sys.setprofile` hook sees every Python function that executes and every
  builtin that is called. Code whose file lies in a forbidden module
  (``lecture7/optim/``, ``torch/optim/`` except the ``Optimizer`` base class)
  is recorded. This works however the reference was reached: an alias, an
  ``import ... as``, ``importlib``, ``getattr``, a function captured long before
  the check started, a subclass. Replacing the hook from inside the student's
  code is itself recorded.
* **Statically**: the student's function (or class) is inspected for globals,
  closure cells, defaults and base classes that *are* forbidden objects.

Neither can stop a student who copies the reference's source text into the
notebook; see ``assignments/README.md`` ("Trust model") for what remains.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import os
import re
import sys
import types
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

__all__ = ["ReferenceGuard", "quiet"]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow stdout, stderr, warnings and NumPy floating-point errors."""
    sink = io.StringIO()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


@functools.cache
def _module_paths(name: str) -> tuple[str, ...]:
    """The file (module) or directory (package, with a trailing separator) of ``name``."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None:
        return ()
    if spec.submodule_search_locations:
        return tuple(os.path.realpath(p) + os.sep for p in spec.submodule_search_locations)
    return (os.path.realpath(spec.origin),) if spec.origin else ()


class ReferenceGuard:
    """Record uses of forbidden modules while student code runs.

    Args:
        forbidden: module names whose code the student must not run
            (``"lecture7.optim"``, ``"torch.optim"``).
        allowed: submodules of those that are fine (``"torch.optim.optimizer"``,
            home of the ``Optimizer`` base class students subclass).
        forbidden_builtins: a regular expression for builtin (C) functions the
            student must not call, e.g. PyTorch's fused optimizer kernels.
    """

    def __init__(self, forbidden: Iterable[str], allowed: Iterable[str] = (),
                 forbidden_builtins: str | None = None) -> None:
        self.forbidden = tuple(forbidden)
        self.allowed = tuple(allowed)
        self.builtins = re.compile(forbidden_builtins) if forbidden_builtins else None
        self.calls: list[str] = []  # seen at run time
        self.refs: list[str] = []  # found by inspection
        self._prefixes: tuple[str, ...] = ()
        self._exempt: frozenset[str] = frozenset()
        self._raw_cache: dict[str, bool] = {}
        self._hook = self._profile  # one bound method, so that getprofile() can be compared

    def _resolve(self) -> None:
        if not self._prefixes:
            self._prefixes = tuple(p for name in self.forbidden for p in _module_paths(name))
            self._exempt = frozenset(p for name in self.allowed for p in _module_paths(name))

    def _is_forbidden_file(self, filename: str) -> bool:
        hit = self._raw_cache.get(filename)
        if hit is None:
            real = os.path.realpath(filename)
            hit = real.startswith(self._prefixes) and real not in self._exempt
            self._raw_cache[filename] = hit
        return hit

    @property
    def uses(self) -> list[str]:
        """What was found: reference code that ran first, then references in the code."""
        return self.calls + self.refs

    @staticmethod
    def _add(found: list[str], what: str) -> None:
        if what not in found and len(found) < 10:
            found.append(what)

    def _note(self, what: str) -> None:
        self._add(self.calls, what)

    def _ref(self, what: str) -> None:
        self._add(self.refs, what)

    def _profile(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            if self._is_forbidden_file(code.co_filename):
                module = frame.f_globals.get("__name__", code.co_filename)
                self._note(f"{module}.{code.co_qualname}")
        elif event == "c_call" and self.builtins is not None:
            name = getattr(arg, "__name__", "")
            if self.builtins.search(name):
                self._note(f"the builtin {name}")

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Profile the code run inside the ``with`` block (this thread only)."""
        self._resolve()
        previous = sys.getprofile()
        sys.setprofile(self._hook)
        try:
            yield
        finally:
            replaced = sys.getprofile() is not self._hook
            sys.setprofile(previous)
            if replaced:
                self._note("sys.setprofile (the grader's call monitor was replaced)")

    # -- static inspection -------------------------------------------------------------

    def _forbidden_object(self, obj: Any) -> str | None:
        if isinstance(obj, types.ModuleType):
            name = obj.__name__
        elif isinstance(obj, functools.partial):
            return self._forbidden_object(obj.func)
        elif isinstance(obj, types.MethodType):
            return self._forbidden_object(obj.__func__)
        elif isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType):
            name = f"{getattr(obj, '__module__', '') or ''}.{getattr(obj, '__qualname__', '')}"
        else:
            return None
        module = name if isinstance(obj, types.ModuleType) else name.rsplit(".", 1)[0]
        for allowed in self.allowed:
            if module == allowed or module.startswith(allowed + "."):
                return None
        for forbidden in self.forbidden:
            if module == forbidden or module.startswith(forbidden + "."):
                return name
        return None

    def _code_names(self, code: types.CodeType) -> set[str]:
        names = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                names |= self._code_names(const)
        return names

    def inspect(self, obj: Any, label: str, _seen: set[int] | None = None) -> None:
        """Record forbidden objects that ``obj`` (a student function or class) refers to."""
        seen = _seen if _seen is not None else set()
        if id(obj) in seen or len(seen) > 200:
            return
        seen.add(id(obj))
        if isinstance(obj, type):
            for base in obj.__mro__[1:]:
                hit = self._forbidden_object(base)
                if hit:
                    self._ref(f"{hit} (a base class of {label})")
            for name, member in vars(obj).items():
                func = getattr(member, "__func__", member)
                if isinstance(func, types.FunctionType):
                    self.inspect(func, f"{label}.{name}", seen)
            return
        func = getattr(obj, "__func__", obj)
        if not isinstance(func, types.FunctionType):
            hit = self._forbidden_object(func)
            if hit:
                self._ref(f"{hit} (as {label})")
            return
        refs: list[tuple[str, Any]] = []
        globals_ = func.__globals__
        for name in self._code_names(func.__code__):
            if name in globals_:
                refs.append((f"global {name!r}", globals_[name]))
        for name, cell in zip(func.__code__.co_freevars, func.__closure__ or (), strict=False):
            with contextlib.suppress(ValueError):
                refs.append((f"closure variable {name!r}", cell.cell_contents))
        refs += [("a default argument", d) for d in (func.__defaults__ or ())]
        refs += [("a default argument", d) for d in (func.__kwdefaults__ or {}).values()]
        for where, value in refs:
            hit = self._forbidden_object(value)
            if hit:
                self._ref(f"{hit} (via {where} of {label})")
            elif isinstance(value, types.FunctionType) and value.__globals__ is globals_:
                self.inspect(value, value.__name__, seen)
