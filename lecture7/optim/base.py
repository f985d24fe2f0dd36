"""The front end that turns a kernel into a ``torch.optim.Optimizer``.

:class:`KernelOptimizer` does everything but the math, which stays in the kernels
(:mod:`lecture7.optim.kernels`, :mod:`lecture7.optim.adaptive`). For each
parameter with a gradient, ``step()``

1. creates its state lazily (``zeros_like(p)``, so the state lives where the
   parameter lives; the keys are the kernel state's field names: ``velocity``,
   ``cache``, ``m``, ``v``, ``t``...),
2. turns ``p.grad`` into the gradient the kernel sees (``maximize``, ``weight_decay``),
3. calls the kernel, adds its step to ``p`` in place, and copies the new state into
   the optimizer's own state tensors (so they stay the same tensors, as in
   ``torch.optim``), keeping new counters (Adam's ``t``) beside them.

Performance note (why tiles). The kernels compute out of place, one line per line of
math, so they take more passes over their arrays than torch's fused in-place
operations (``m = beta1 * m + (1 - beta1) * g`` is three passes and a temporary,
``m.lerp_(g, 1 - beta1)`` one). Applied to a whole 4M-element weight on a CPU, each
temporary would be a fresh 16 MB block and each pass would stream 16 MB through main
memory. Applied to tiles of 128 KiB, the temporaries are small blocks that the
allocator hands out again and again and that stay in the CPU's cache: the step reads
``p``, its gradient and its state about once from memory, and the extra passes run
over cached data, at the price of a few microseconds of Python per operation and
tile. ``bench/optimizers.py`` measures the result against ``torch.optim`` (the
target: at most 1.5x its ``foreach=False`` loop on one CPU thread). On GPUs whole
tensors are used: there the cost is the number of kernel launches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch.optim import Optimizer

from lecture7.optim.kernels import add_weight_decay

__all__ = ["TILE_BYTES", "KernelCall", "KernelOptimizer", "check"]

#: (gradient, kernel state or None) -> (step, next kernel state or None)
KernelCall = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]

#: Bytes per tile of a CPU tensor (see the module docstring).
TILE_BYTES = 1 << 17


def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok`` (constructor validation, as torch does)."""
    if not ok:
        raise ValueError(message)


def _state_tensors(state: NamedTuple | None) -> dict[str, torch.Tensor]:
    if state is None:
        return {}
    return {k: v for k, v in state._asdict().items() if isinstance(v, torch.Tensor)}


class KernelOptimizer(Optimizer):
    """What the four classes share: gradient preparation, state, tiles, the step on ``p``.

    A subclass says how to create a parameter's state (``_init_state``, a dict
    whose keys are its kernel state's fields, plus counters of its own) and which
    kernel to call with which hyperparameters (``_kernel``).
    """

    _state_type: type[NamedTuple] | None = None

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _kernel(self, group: dict[str, Any], state: dict[str, Any], first: bool) -> KernelCall:
        """The kernel with this step's hyperparameters bound; ``first``: the state is new."""
        raise NotImplementedError

    def _kernel_state(self, state: dict[str, Any]) -> NamedTuple | None:
        if self._state_type is None:
            return None
        fields = self._state_type._fields
        return self._state_type(**{k: v for k, v in state.items() if k in fields})

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
                self._apply(p, group, state, self._kernel(group, state, first))
        return loss

    def _apply(
        self, p: torch.Tensor, group: dict[str, Any], state: dict[str, Any], kernel: KernelCall
    ) -> None:
        """Run ``kernel`` over ``p`` (whole, or tile by tile on a CPU), updating it in place."""
        grad, kernel_state = p.grad, self._kernel_state(state)
        tensors = _state_tensors(kernel_state)
        if torch.is_complex(p):  # the kernels work on (real, imaginary) pairs, as torch does
            p, grad = torch.view_as_real(p), torch.view_as_real(grad)
            tensors = {k: torch.view_as_real(v) for k, v in tensors.items()}
        tile = TILE_BYTES // p.element_size()
        if (
            p.device.type == "cpu"
            and p.numel() > tile
            and all(t.is_contiguous() for t in (p, grad, *tensors.values()))
        ):
            # tile i of p, of its gradient and of each state tensor: views, updated in place
            columns = [t.view(-1).split(tile) for t in (p, grad, *tensors.values())]
            tiles = [(w, g, dict(zip(tensors, views, strict=True)))
                     for w, g, *views in zip(*columns, strict=True)]
        else:
            tiles = [(p, grad, tensors)]
        new_state = None
        for w, g, views in tiles:
            if group["maximize"]:
                g = -g
            if group["weight_decay"] != 0:
                g = add_weight_decay(w, g, weight_decay=group["weight_decay"])
            tile_state = None if kernel_state is None else kernel_state._replace(**views)
            step, new_state = kernel(g, tile_state)
            w.add_(step)
            for key, view in views.items():
                view.copy_(getattr(new_state, key))
        for key, value in (new_state._asdict() if new_state is not None else {}).items():
            if key not in tensors and value is not None:  # a number such as Adam's t
                state[key] = value
