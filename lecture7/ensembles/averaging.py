r"""Parameter averaging: Polyak's running mean and the exponential moving average.

Let :math:`\theta_t` be the model's weights after update :math:`t` = 1, 2, ...
and :math:`\bar\theta_t` their average, started at :math:`\bar\theta_1 = \theta_1`:

.. math::

    \text{Polyak:}\quad \bar\theta_{t} = \bar\theta_{t-1} + \frac{\theta_t - \bar\theta_{t-1}}{n + 1},
    \quad n = t - 1 \text{ values averaged so far}
    \qquad
    \text{EMA:}\quad \bar\theta_{t} = \beta\,\bar\theta_{t-1} + (1 - \beta)\,\theta_t,

with :math:`\beta` = ``decay``. The first is the uniform mean of every iterate
(Polyak & Juditsky, 1992; SWA, Izmailov et al., 2018: https://arxiv.org/abs/1803.05407);
the second, the lecture's "Polyak averaging", forgets old iterates with time
constant :math:`1/(1-\beta)` steps. Evaluate with the average: a smooth ensemble of
the recent models, for free.

Conventions, those of ``torch.optim.swa_utils.AveragedModel``: the first
update copies the weights; buffers (batch-norm running statistics) are averaged
like parameters when ``include_buffers`` and otherwise copied from the model;
integer buffers (``num_batches_tracked``) are always copied, since a mean of
counters means nothing (torch casts it and truncates).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from lecture7._checks import check_int, check_real

__all__ = ["AVERAGING_MODES", "ParameterAverage", "ema_update", "polyak_update"]

AVERAGING_MODES = ("ema", "polyak")


def _check_same_shape(average: Any, value: Any) -> None:
    a_shape, v_shape = tuple(getattr(average, "shape", ())), tuple(getattr(value, "shape", ()))
    if a_shape != v_shape:
        raise ValueError(f"Invalid value: shape {v_shape} does not match the average's {a_shape}")


def _check_decay(decay: float) -> None:
    if check_real("decay", decay, minimum=0.0) >= 1.0:
        raise ValueError(f"Invalid decay: {decay!r} (expected 0 <= decay < 1)")


def ema_update(average: Any, value: Any, *, decay: float) -> Any:
    r"""One EMA step, out of place: :math:`\bar\theta + (1 - \beta)(\theta - \bar\theta)`.

    ``average`` is :math:`\bar\theta`, ``value`` is :math:`\theta`, ``decay`` is
    :math:`\beta \in [0, 1)`. Equal to :math:`\beta\bar\theta + (1-\beta)\theta`,
    written as torch's ``lerp`` computes it. Plain arithmetic: NumPy arrays and
    torch tensors on any device.
    """
    _check_decay(decay)
    _check_same_shape(average, value)
    # bar_theta <- bar_theta + (1 - beta) (theta - bar_theta)
    return average + (1.0 - decay) * (value - average)


def polyak_update(average: Any, value: Any, *, n: int) -> Any:
    r"""One running-mean step, out of place: :math:`\bar\theta + (\theta - \bar\theta)/(n + 1)`.

    ``average`` is the mean :math:`\bar\theta` of the ``n`` values seen so far and
    ``value`` is the next one; the result is the mean of all ``n + 1``. With
    ``n = 0`` it returns ``value``. NumPy arrays and torch tensors alike.
    """
    n = check_int("n", n, minimum=0)
    _check_same_shape(average, value)
    # bar_theta <- bar_theta + (theta - bar_theta) / (n + 1)
    return average + (value - average) / (n + 1)


def _named_state(model: nn.Module) -> dict[str, tuple[torch.Tensor, bool]]:
    """``name -> (tensor, is_buffer)`` for every parameter and buffer of ``model``."""
    state = {name: (p, False) for name, p in model.named_parameters()}
    state.update({name: (b, True) for name, b in model.named_buffers()})
    return state


class ParameterAverage(nn.Module):
    r"""A running average (EMA or Polyak) of a model's parameters and buffers, for evaluation.

    ``ParameterAverage(model, mode="ema", decay=0.999)`` keeps a deep copy of
    ``model`` in :attr:`module`; call :meth:`update` after every optimizer step
    and evaluate with ``average(x)`` (or ``average.module``). It lives on the
    device of ``model`` at construction (move it with ``.to``); updates read the
    model's tensors wherever they are.

    Args:
        model: the model being trained.
        mode: ``"ema"`` (:func:`ema_update`) or ``"polyak"`` (:func:`polyak_update`).
        decay: :math:`\beta` of the EMA, in ``[0, 1)``; unused by ``"polyak"``.
        include_buffers: average floating-point buffers too; if ``False`` they are copied.

    Attributes:
        module: the averaged copy of the model.
        n_averaged: how many updates have been averaged.
    """

    def __init__(
        self, model: nn.Module, *, mode: str = "ema", decay: float = 0.999, include_buffers: bool = True
    ) -> None:
        super().__init__()
        if mode not in AVERAGING_MODES:
            raise ValueError(f"Invalid mode: {mode!r} (expected one of {AVERAGING_MODES})")
        _check_decay(decay)
        self.module = copy.deepcopy(model)
        self.module.requires_grad_(False)
        self.mode, self.decay, self.include_buffers = mode, decay, include_buffers
        self.n_averaged = 0

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Fold the current weights (and buffers) of ``model`` into the average."""
        ours, theirs = _named_state(self.module), _named_state(model)
        if ours.keys() != theirs.keys():
            raise ValueError(
                f"Invalid model: its tensors {sorted(theirs)} differ from the average's {sorted(ours)}"
            )
        n = self.n_averaged
        for name, (average, is_buffer) in ours.items():
            value = theirs[name][0].detach().to(average.device)
            if average.shape != value.shape:
                raise ValueError(
                    f"Invalid model: {name} has shape {tuple(value.shape)}, "
                    f"the average has {tuple(average.shape)}"
                )
            averaged = average.is_floating_point() and (self.include_buffers or not is_buffer)
            if n == 0 or not averaged:
                average.copy_(value)
            elif self.mode == "ema":
                average.copy_(ema_update(average, value, decay=self.decay))
            else:
                average.copy_(polyak_update(average, value, n=n))
        self.n_averaged = n + 1
