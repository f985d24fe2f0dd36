r"""Fractional max pooling (Graham, 2014): pooling regions drawn at random.

Max pooling with a non-integer reduction :math:`\alpha = 1/r`, :math:`r` =
``output_ratio``: an :math:`H_{in} \times W_{in}` map becomes
:math:`\lfloor r H_{in} \rfloor \times \lfloor r W_{in} \rfloor`. The pooling
windows (``kernel_size`` square) start at the pseudorandom sequence
:math:`a_i = \lfloor (i + u)\alpha' \rfloor - \lfloor u \alpha' \rfloor`, with
:math:`\alpha' = (H_{in} - k)/(H_{out} - 1)` and one uniform :math:`u \in [0, 1)` per
example, channel and axis, so the regions change from pass to pass: another
"randomness at training time" regularizer.

This wraps ``torch.nn.functional.fractional_max_pool2d`` (which draws :math:`u`
from torch's global generator) and draws :math:`u` from ``generator`` instead,
on the input's device, so the pooling regions are reproducible. Like
``torch.nn.FractionalMaxPool2d``, the regions are random in evaluation too;
Graham averages several test-time passes.

Reference: Graham, 2014, "Fractional Max-Pooling": https://arxiv.org/abs/1412.6071.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from lecture7._checks import check_int

__all__ = ["FractionalMaxPool", "fractional_max_pool2d"]


def _ratio_pair(output_ratio: float | tuple[float, float]) -> tuple[float, float]:
    pair = tuple(output_ratio) if isinstance(output_ratio, tuple | list) else (output_ratio,) * 2
    if len(pair) != 2 or not all(isinstance(r, int | float) and 0 < r < 1 for r in pair):
        raise ValueError(f"Invalid output_ratio: {output_ratio!r} (expected 0 < ratio < 1, or a pair)")
    return (float(pair[0]), float(pair[1]))


def fractional_max_pool2d(
    x: torch.Tensor,
    *,
    output_ratio: float | tuple[float, float],
    kernel_size: int = 2,
    generator: torch.Generator | None = None,
    return_indices: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Fractional max pooling of ``x``, ``(N, C, H, W)`` or ``(C, H, W)``, with seeded regions.

    Args:
        x: the input maps.
        output_ratio: :math:`r`, or ``(r_h, r_w)``, each in ``(0, 1)``.
        kernel_size: the side :math:`k` of the square pooling window.
        generator: draws the ``(N, C, 2)`` uniforms :math:`u`; ``None`` uses torch's default.
        return_indices: also return the flat ``H*W`` index of each maximum.
    """
    ratio = _ratio_pair(output_ratio)
    if x.dim() not in (3, 4):
        raise ValueError(f"Invalid input shape {tuple(x.shape)}: expected (N, C, H, W) or (C, H, W)")
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    if generator is not None and generator.device.type != x.device.type:
        raise ValueError(f"Invalid generator: it lives on {generator.device}, the input on {x.device}")
    n_batch = 1 if x.dim() == 3 else x.shape[0]
    samples = torch.rand(n_batch, x.shape[-3], 2, generator=generator, device=x.device, dtype=x.dtype)
    return F.fractional_max_pool2d(x, kernel_size, output_ratio=ratio,
                                   return_indices=return_indices, _random_samples=samples)


class FractionalMaxPool(nn.Module):
    """Layer form of :func:`fractional_max_pool2d` (arguments alike); fresh regions every pass."""

    def __init__(
        self,
        *,
        output_ratio: float | tuple[float, float],
        kernel_size: int = 2,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.output_ratio = _ratio_pair(output_ratio)
        self.kernel_size, self.generator = kernel_size, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fractional_max_pool2d(x, output_ratio=self.output_ratio,
                                     kernel_size=self.kernel_size, generator=self.generator)

    def extra_repr(self) -> str:
        return f"output_ratio={self.output_ratio}, kernel_size={self.kernel_size}"
