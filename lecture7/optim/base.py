"""The front end that turns a kernel into a ``torch.optim.Optimizer``.

:class:`KernelOptimizer` does everything but the math, which stays in the kernels
(:mod:`lecture7.optim.kernels`, :mod:`lecture7.optim.adaptive`). For each
parameter with a gradient, ``step()``

1. creates its state lazily (``zeros_like(p)``, so the state lives where the
   parameter lives; the keys are the kernel state's field names: ``velocity``,
   ``cache``, ``m``, ``v``, ``t``...),
2. turns ``p.grad`` into the gradient the kernel sees (``maximize``, ``weight_decay``),
3. calls the kernel and writes the results back: ``p.add_(direction, alpha=scale)``
   (one pass over ``p``, as in ``torch.optim``) and the new state, in place.

Performance note (why tiles). The kernels are out-of-place, so every ``*`` or
``+`` creates a temporary as large as its operands. Applied to a whole 4M-element
weight on a CPU, each temporary would be a fresh 16 MB block streamed through
main memory (several times slower than ``torch.optim``); applied to tiles of
512 KiB, the temporaries stay in the CPU's cache and the update reads and writes
``p``, its gradient and its state about once from memory, as ``torch.optim``'s
in-place code does. What remains is arithmetic: a formula written with plain
operators takes about twice as many passes over a tile as torch's fused
in-place operations (``lerp_``, ``addcmul_``, ``addcdiv_``), so per step SGD costs
about what ``torch.optim`` does and the stateful methods 1.2-1.8x its
``foreach=False`` loop on one CPU thread (``bench/optimizers.py``). On GPUs
whole tensors are used: there the cost is the number of kernel launches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch.optim import Optimizer

from lecture7.optim.kernels import Update, add_weight_decay

__all__ = ["TILE_BYTES", "KernelCall", "KernelOptimizer", "check"]

#: (gradient, kernel state or None) -> (Update, next kernel state or None)
KernelCall = Callable[[torch.Tensor, Any], tuple[Update, Any]]

#: Bytes per tile of a CPU tensor (see the module docstring).
TILE_BYTES = 1 << 19


def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok`` (constructor validation, as torch does)."""
    if not ok:
        raise ValueError(message)


def _state_tensors(state: NamedTuple | None) -> dict[str, torch.Tensor]:
    if state is None:
        return {}
    return {k: v for k, v in state._asdict().items() if isinstance(v, torch.Tensor)}


class KernelOptimizer(Optimizer):
    """What the four classes share: gradient preparation, state, tiles, write-back.

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
        """Run ``kernel`` over ``p`` (whole, or tile by tile on a CPU) and write back."""
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
            p, grad = p.view(-1), grad.view(-1)
            tensors = {k: v.view(-1) for k, v in tensors.items()}
            tiles = [
                (p[i : i + tile], grad[i : i + tile], {k: v[i : i + tile] for k, v in tensors.items()})
                for i in range(0, p.numel(), tile)
            ]
        else:
            tiles = [(p, grad, tensors)]
        maximize, weight_decay = group["maximize"], group["weight_decay"]
        new_state = None
        for w, dw, views in tiles:
            if maximize:
                dw = -dw
            if weight_decay != 0:
                dw = add_weight_decay(w, dw, weight_decay=weight_decay)
            tile_state = None if kernel_state is None else kernel_state._replace(**views)
            step, new_state = kernel(dw, tile_state)
            # w_t = w_{t-1} + scale * direction, in one pass over w
            w.add_(step.direction, alpha=step.scale)
            for key, view in views.items():
                view.copy_(getattr(new_state, key))
        for key, value in (new_state._asdict() if new_state is not None else {}).items():
            if key not in tensors and value is not None:  # a number such as Adam's t
                state[key] = value
