r"""Dropout in torch: element-wise, whole channels, and on weights (DropConnect).

"Add randomness at training time, average it out at test time." Each layer
draws a keep mask :math:`m \sim \text{Bernoulli}(q)` (:math:`q = 1 - p`,
:math:`p` = ``p_drop``) in training mode and applies
:func:`~lecture7.regularization.kernels.dropout_kernel`:

* :class:`Dropout`: one mask entry per unit, as ``torch.nn.Dropout``
  (Srivastava et al., 2014);
* :class:`ChannelDropout`: one mask entry per (example, channel), zeroing whole
  feature maps, as ``torch.nn.Dropout2d`` (Tompson et al., 2015: neighbouring
  pixels are correlated, so dropping single pixels hardly regularizes a conv layer);
* :class:`DropConnectLinear`: one mask entry per *weight* of a linear layer
  (Wan et al., 2013), :math:`y = x (m \odot W)^\top / q + b` (inverted).
  At test time the layer uses the expected weights (:math:`W` inverted,
  :math:`qW` vanilla): Wan et al.'s simple "mean" inference, not their Gaussian
  moment matching; it is exact for the pre-activation :math:`x W^\top + b` and only an
  approximation after a nonlinearity. Convention: one weight mask per forward pass, shared by the
  mini-batch (Wan et al. draw one per example; that costs a weight matrix per
  example); the bias is never dropped.

Train or test behaviour follows ``module.train()`` / ``module.eval()``. Masks are
drawn with ``torch.rand`` from ``generator`` (a ``torch.Generator`` on the
input's device; ``None`` uses torch's default generator), on the input's device.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from lecture7.regularization.kernels import check_p_drop, dropout_kernel

__all__ = [
    "ChannelDropout",
    "DropConnectLinear",
    "Dropout",
    "channel_dropout",
    "draw_keep_mask",
    "drop_connect_linear",
    "dropout",
]


def draw_keep_mask(
    like: torch.Tensor, shape: tuple[int, ...], *, keep_prob: float, generator: torch.Generator | None
) -> torch.Tensor:
    """A 0/1 mask of ``shape``, 1 with probability ``keep_prob``, on ``like``'s device and dtype."""
    if generator is not None and generator.device.type != like.device.type:
        raise ValueError(
            f"Invalid generator: it lives on {generator.device}, the input on {like.device}"
        )
    u = torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)
    return (u < keep_prob).to(like.dtype)


def dropout(
    x: torch.Tensor,
    *,
    p_drop: float,
    training: bool = True,
    inverted: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Element-wise dropout of ``x``: every unit kept with probability ``1 - p_drop``."""
    keep_prob = check_p_drop(p_drop)
    mask = draw_keep_mask(x, x.shape, keep_prob=keep_prob, generator=generator) if training else None
    return dropout_kernel(x, mask, keep_prob=keep_prob, training=training, inverted=inverted)


def channel_dropout(
    x: torch.Tensor,
    *,
    p_drop: float,
    training: bool = True,
    inverted: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Channel dropout of ``x`` of shape ``(N, C, *spatial)``: whole maps ``x[n, c]`` dropped."""
    keep_prob = check_p_drop(p_drop)
    if x.dim() < 2:
        raise ValueError(f"Invalid input shape {tuple(x.shape)}: expected (N, C, *spatial)")
    mask = None
    if training:
        shape = (*x.shape[:2], *([1] * (x.dim() - 2)))  # (N, C, 1, ..., 1)
        mask = draw_keep_mask(x, shape, keep_prob=keep_prob, generator=generator)
    return dropout_kernel(x, mask, keep_prob=keep_prob, training=training, inverted=inverted)


def drop_connect_linear(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, *, p_drop: float,
    training: bool = True, inverted: bool = True, generator: torch.Generator | None = None,
) -> torch.Tensor:
    """DropConnect linear map: ``F.linear(x, dropout(weight), bias)``; ``weight`` is ``(out, in)``."""
    keep_prob = check_p_drop(p_drop)
    mask = (
        draw_keep_mask(weight, weight.shape, keep_prob=keep_prob, generator=generator)
        if training
        else None
    )
    w = dropout_kernel(weight, mask, keep_prob=keep_prob, training=training, inverted=inverted)
    return F.linear(x, w, bias)


class Dropout(nn.Module):
    r"""Element-wise dropout layer (:func:`dropout`); ``p_drop`` is the probability of zeroing a unit.

    Args:
        p_drop: :math:`p \in [0, 1)`.
        inverted: scale by :math:`1/q` in training (default, as ``torch.nn.Dropout``),
            else by :math:`q` in evaluation.
        generator: draws the masks; ``None`` uses torch's default generator.
    """

    def __init__(
        self, *, p_drop: float, inverted: bool = True, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.keep_prob = check_p_drop(p_drop)
        self.p_drop, self.inverted, self.generator = p_drop, inverted, generator

    _functional = staticmethod(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._functional(x, p_drop=self.p_drop, training=self.training,
                                inverted=self.inverted, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p_drop={self.p_drop}, inverted={self.inverted}"


class ChannelDropout(Dropout):
    """Channel dropout layer (:func:`channel_dropout`), like ``torch.nn.Dropout2d``; arguments as :class:`Dropout`."""

    _functional = staticmethod(channel_dropout)


class DropConnectLinear(nn.Linear):
    r"""A linear layer with DropConnect on its weights (:func:`drop_connect_linear`; Wan et al., 2013).

    Initialized as ``torch.nn.Linear`` (from torch's default generator).

    Args:
        in_features, out_features, bias: as ``torch.nn.Linear``.
        p_drop: probability :math:`p \in [0, 1)` of dropping each weight.
        inverted: scale the kept weights by :math:`1/q` in training (default),
            else use :math:`qW` in evaluation.
        generator: draws the masks, on the weight's device.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        p_drop: float,
        bias: bool = True,
        inverted: bool = True,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.keep_prob = check_p_drop(p_drop)
        self.p_drop, self.inverted, self.generator = p_drop, inverted, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_connect_linear(x, self.weight, self.bias, p_drop=self.p_drop,
                                   training=self.training, inverted=self.inverted,
                                   generator=self.generator)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, p_drop={self.p_drop}, inverted={self.inverted}"
