r"""Stochastic depth: randomly skip whole residual branches while training (Huang et al., 2016).

A residual block computes :math:`x + f(x)` with :math:`f` = ``branch``. With
:math:`s` = ``survival_prob`` and :math:`b \sim \text{Bernoulli}(s)` drawn once
per forward pass (the whole mini-batch skips the branch together, as in the paper):

=================  ==================================  ====================
``mode``           training                            test
=================  ==================================  ====================
``"scale_at_test"``  :math:`x + b\,f(x)`               :math:`x + s\,f(x)`
``"inverted"``       :math:`x + b\,f(x) / s`           :math:`x + f(x)`
=================  ==================================  ====================

``"scale_at_test"`` is the paper's rule; ``"inverted"`` (torchvision's
``StochasticDepth``) leaves the test-time network untouched. When :math:`b = 0`
the branch is not evaluated at all: shorter networks in expectation, which is
how the paper trains 1202-layer ResNets faster. The paper lets :math:`s` decay
linearly with depth (:func:`linear_decay_survival`).

This is dropout applied to the branch output with a single mask entry, so the
scaling reuses :func:`~lecture7.regularization.kernels.dropout_kernel`.

Reference: Huang et al., 2016, "Deep Networks with Stochastic Depth":
https://arxiv.org/abs/1603.09382.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from lecture7._checks import check_int, check_real
from lecture7.regularization.dropout import draw_keep_mask
from lecture7.regularization.kernels import dropout_kernel

__all__ = ["STOCHASTIC_DEPTH_MODES", "StochasticDepth", "linear_decay_survival", "stochastic_depth"]

STOCHASTIC_DEPTH_MODES = ("inverted", "scale_at_test")


def _check_survival(survival_prob: float, name: str = "survival_prob") -> None:
    if check_real(name, survival_prob, minimum=0.0, strict=True) > 1.0:
        raise ValueError(f"Invalid {name}: {survival_prob!r} (expected 0 < {name} <= 1)")


def _check_mode(mode: str) -> None:
    if mode not in STOCHASTIC_DEPTH_MODES:
        raise ValueError(f"Invalid mode: {mode!r} (expected one of {STOCHASTIC_DEPTH_MODES})")


def stochastic_depth(
    x: torch.Tensor, branch: Callable[[torch.Tensor], torch.Tensor], *, survival_prob: float,
    training: bool = True, mode: str = "inverted", generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``x`` plus the randomly kept, rescaled ``branch(x)`` (see the module's table)."""
    _check_survival(survival_prob)
    _check_mode(mode)
    inverted = mode == "inverted"
    if not training:
        return x + dropout_kernel(branch(x), None, keep_prob=survival_prob, training=False,
                                  inverted=inverted)
    b = draw_keep_mask(x, (), keep_prob=survival_prob, generator=generator)
    if not bool(b):  # skipped: the branch is not even computed
        return x
    return x + dropout_kernel(branch(x), b, keep_prob=survival_prob, training=True, inverted=inverted)


class StochasticDepth(nn.Module):
    r"""A residual block ``x + branch(x)`` whose branch is skipped at random in training.

    Args:
        branch: the residual function :math:`f` (its output has ``x``'s shape).
        survival_prob: :math:`s \in (0, 1]`, the probability of keeping the branch.
        mode: ``"inverted"`` (default) or ``"scale_at_test"``.
        generator: draws :math:`b`, on the input's device; ``None`` uses torch's default.
    """

    def __init__(
        self,
        branch: nn.Module,
        *,
        survival_prob: float,
        mode: str = "inverted",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        _check_survival(survival_prob)
        _check_mode(mode)
        self.branch = branch
        self.survival_prob, self.mode, self.generator = survival_prob, mode, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return stochastic_depth(x, self.branch, survival_prob=self.survival_prob,
                                training=self.training, mode=self.mode, generator=self.generator)

    def extra_repr(self) -> str:
        return f"survival_prob={self.survival_prob}, mode={self.mode!r}"


def linear_decay_survival(n_blocks: int, *, final_survival: float = 0.5) -> list[float]:
    r"""Huang et al.'s linear decay rule: :math:`s_\ell = 1 - \frac{\ell}{L}(1 - s_L)`, :math:`\ell = 1..L`.

    ``n_blocks`` is :math:`L` and ``final_survival`` is :math:`s_L` (0.5 in the paper).
    """
    n_blocks = check_int("n_blocks", n_blocks, minimum=1)
    _check_survival(final_survival, "final_survival")
    return [1.0 - (ell / n_blocks) * (1.0 - final_survival) for ell in range(1, n_blocks + 1)]
