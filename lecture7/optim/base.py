"""The front end that turns a kernel into a ``torch.optim.Optimizer``.

:class:`KernelOptimizer` does everything but the math. For each parameter with a
gradient, ``step()``

1. creates its state lazily (``zeros_like(p)`` through the kernel state's ``init``, so
   the state lives where the parameter lives; the keys are the kernel state's field
   names: ``velocity``, ``cache``, ``m``, ``v``, ``t``...),
2. turns ``p.grad`` into the gradient the kernel sees (``maximize``, ``weight_decay``:
   :func:`lecture7.optim.fused.gradient`),
3. hands the parameter, that gradient and the state tensors to the subclass's
   ``_update``, which runs the kernel's fast path (:mod:`lecture7.optim.fused`): it
   updates ``p`` and the optimizer's own state tensors in place, as ``torch.optim``
   does.

Why a fast path. The kernels the book shows (:mod:`lecture7.optim.kernels`,
:mod:`lecture7.optim.adaptive`) compute out of place, one line per line of math, so
each line is a pass over the arrays and a new temporary; run on whole tensors they cost
up to about 2x ``torch.optim``. The fast path computes the same numbers with torch's
fused in-place operations, and ``tests/test_optim_fused.py`` holds it equal to the
kernels; ``bench/optimizers.py`` measures it against ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim import Optimizer

from lecture7.optim.fused import gradient

__all__ = ["KernelOptimizer", "check"]


def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok`` (constructor validation, as torch does)."""
    if not ok:
        raise ValueError(message)


class KernelOptimizer(Optimizer):
    """What the four classes share: lazy state, gradient preparation, complex views.

    A subclass says how to create a parameter's state (``_init_state``: a dict whose
    tensors are its kernel state's fields, plus counters of its own) and how to run
    one step on a parameter (``_update``, which calls a function of
    :mod:`lecture7.optim.fused`).
    """

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _update(
        self, w: torch.Tensor, g: torch.Tensor, tensors: dict[str, torch.Tensor],
        group: dict[str, Any], state: dict[str, Any], first: bool,
    ) -> None:
        """One step on ``w`` in place: ``tensors`` are the state's tensors (real views
        when ``w`` is), ``state`` is the whole state (for counters), ``first`` says
        that it was just created."""
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the loss (optional)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise ValueError(
                        f"{type(self).__name__} does not support sparse gradients "
                        f"(got one for a parameter of shape {tuple(p.shape)}); "
                        "use torch.optim.SparseAdam or a dense embedding"
                    )
                state = self.state[p]
                first = not state
                if first:
                    state.update(self._init_state(p, group))
                g = gradient(p, p.grad, weight_decay=group["weight_decay"],
                             maximize=group["maximize"])
                tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
                w = p
                if torch.is_complex(p):  # the math works on (real, imaginary) pairs, as torch's
                    w, g = torch.view_as_real(p), torch.view_as_real(g)
                    tensors = {k: torch.view_as_real(v) for k, v in tensors.items()}
                self._update(w, g, tensors, group, state, first)
        return loss
