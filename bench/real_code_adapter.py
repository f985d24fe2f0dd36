"""Real CS231n code in our notebooks: extraction and the dropout adapter of bench/real_code.py.

The corpus (kept outside the repository, see ``bench/real_code.py``) holds students'
``cs231n/optim.py`` and ``cs231n/layers.py`` files. This module turns one of their
functions into the source of a solution cell of our notebooks:

* **Update rules** (``sgd_momentum``, ``rmsprop``, ``adam``) have our signature
  already, ``rule(w, dw, config=None) -> (next_w, config)`` (the 2016 template names
  them ``x, dx``: the grader passes them by position). The cell is the file's
  ``import numpy``/``math`` lines and the function, unchanged.
* **dropout_forward**: CS231n's is ``dropout_forward(x, dropout_param)`` with
  ``dropout_param = {"p", "mode", "seed"}``, draws its mask from NumPy's global
  generator (``np.random.seed(seed)`` then ``np.random.rand(*x.shape)``), returns
  ``(out, (dropout_param, mask))`` and is always inverted dropout. Ours is
  ``dropout_forward(x, p_drop, mode, rng, inverted)`` returning
  ``(out, (mask, keep_prob, mode, inverted))``. :data:`DROPOUT_ADAPTER` is our function
  written around theirs (renamed ``_real_dropout_forward``):

  1. ``p``: the template says what it means ("We keep each neuron output with
     probability p" since 2017, "We drop ..." in 2016), read from the file's
     docstring: the adapter passes ``1 - p_drop`` or ``p_drop`` accordingly. A student
     who reads ``p`` the other way round is then wrong, as they were in their course.
  2. Randomness: while their code runs, ``np.random.seed`` does nothing and
     ``np.random.rand``/``random``/``random_sample``/``sample``/``uniform`` draw
     the same uniforms from the notebook's ``rng`` (``rng.random(shape)``),
     ``np.random.randn`` draws ``rng.standard_normal(shape)``, and
     ``np.random.binomial(1, q, shape)`` becomes ``rng.random(shape) < q``.
     So a correct function draws exactly the reference's mask.
  3. The cache becomes ours: ``(mask != 0, keep, mode, inverted)``, with ``keep``
     the keep probability *their* code scales by: one over the scale of a kept unit
     in a training pass of theirs on ones (an extra call with its own generator).
  4. ``inverted=False`` (vanilla dropout; CS231n's code is inverted only): their
     outputs times that same ``keep``: ``mask * x`` in training, ``keep * x`` at
     test time when their code is right.
"""

from __future__ import annotations

import ast
import re

__all__ = ["DROPOUT_ADAPTER", "dropout_cell", "extract", "p_means", "rule_cell"]

IMPORTS = ("numpy", "math")


def extract(source: str, name: str) -> tuple[list[str], str] | None:
    """The file's numpy/math import lines and the source of its function ``name``."""
    tree = ast.parse(source)
    imports = [ast.get_source_segment(source, n) for n in tree.body
               if isinstance(n, ast.Import | ast.ImportFrom)
               and all((a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
                       in IMPORTS for a in n.names)]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = source.splitlines()
            start = node.lineno - 1 - len(node.decorator_list)
            return imports, "\n".join(lines[start:node.end_lineno]) + "\n"
    return None


def rule_cell(source: str, name: str) -> str | None:
    """The solution cell for an update rule: imports and the function as written."""
    found = extract(source, name)
    if found is None:
        return None
    imports, function = found
    return "\n".join(imports) + ("\n\n\n" if imports else "") + function


def p_means(function: str) -> str:
    """What ``dropout_param['p']`` means in the template this function came from."""
    if re.search(r"keep each neuron output with probability p", function):
        return "keep"
    if re.search(r"drop each neuron output with probability p", function):
        return "drop"
    return "keep"  # the template since 2017


DROPOUT_ADAPTER = '''
import contextlib

import numpy as np

P_MEANS = {p_means!r}  # what the real code's dropout_param["p"] is: "keep" or "drop"
_DRAWS = ("seed", "rand", "randn", "random", "random_sample", "sample", "uniform", "binomial")


@contextlib.contextmanager
def _draws_from(rng):
    """np.random's global draws, taken from rng while the real code runs."""
    def uniforms(size=None):
        if rng is None:
            raise RuntimeError("the real code draws random numbers in test mode")
        return rng.random(size)

    def normals(size=None):
        if rng is None:
            raise RuntimeError("the real code draws random numbers in test mode")
        return rng.standard_normal(size)

    def binomial(n, p, size=None):
        if n != 1:
            raise NotImplementedError("binomial draws with n > 1")
        return (uniforms(size) < p).astype(np.int64)

    fake = {{"seed": lambda *args, **kwargs: None, "rand": lambda *shape: uniforms(shape),
            "randn": lambda *shape: normals(shape), "random": uniforms, "random_sample": uniforms, "sample": uniforms,
            "uniform": lambda low=0.0, high=1.0, size=None: low + (high - low) * uniforms(size),
            "binomial": binomial}}
    saved = {{name: getattr(np.random, name) for name in _DRAWS}}
    for name, function in fake.items():
        setattr(np.random, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(np.random, name, function)


def _their_keep(p, fallback):
    """The keep probability their code scales by (1 / the scale of a kept unit)."""
    try:
        with _draws_from(np.random.default_rng(12345)):
            out, _ = _real_dropout_forward(np.ones((4, 16)), {{"p": p, "mode": "train"}})
    except Exception:
        return fallback
    kept = np.asarray(out, dtype=np.float64)
    kept = kept[kept != 0]
    return float(1.0 / kept[0]) if kept.size else fallback


def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True):
    """Our notebook's dropout_forward, computed by a real CS231n dropout_forward (adapter)."""
    p = 1.0 - p_drop if P_MEANS == "keep" else p_drop
    with _draws_from(rng):
        out, cache = _real_dropout_forward(x, {{"p": p, "mode": mode}})
    mask = cache[1] if isinstance(cache, tuple) and len(cache) == 2 else None
    keep = _their_keep(p, 1.0 - p_drop)
    if not inverted:
        out = out * keep
    return out, (None if mask is None else np.asarray(mask) != 0, keep, mode, inverted)
'''


def dropout_cell(layers_source: str) -> str | None:
    """The solution cell for dropout_forward: their function, renamed, inside the adapter."""
    found = extract(layers_source, "dropout_forward")
    if found is None:
        return None
    imports, function = found
    renamed = re.sub(r"^def dropout_forward\b", "def _real_dropout_forward", function, count=1,
                     flags=re.M)
    adapter = DROPOUT_ADAPTER.format(p_means=p_means(function))
    return "\n".join(imports) + "\n\n\n" + renamed + "\n" + adapter
