r"""The scales of the initial weight distributions, as pure functions.

Every initializer in :mod:`lecture7.init` draws zero-mean weights whose spread
comes from one of the functions here; the assignment grades students against
these formulas.

Let ``fan_in`` and ``fan_out`` be the number of inputs and outputs each weight
of a layer connects (:func:`fan_in_and_fan_out`) and ``gain`` the factor that
compensates the nonlinearity (:func:`calculate_gain`). Then

.. math::

    \sigma_{\text{Xavier}} = \text{gain} \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}},
    \qquad
    \sigma_{\text{Kaiming}} = \frac{\text{gain}}{\sqrt{\text{fan}}},

and a uniform distribution :math:`U(-b, b)` has the same standard deviation when
:math:`b = \sqrt{3}\,\sigma` (its variance is :math:`b^2 / 3`).

References: Glorot & Bengio, 2010,
"Understanding the difficulty of training deep feedforward neural networks";
He et al., 2015: https://arxiv.org/abs/1502.01852.

Convention: shapes follow PyTorch, ``(out_features, in_features)`` for a linear
layer and ``(out_channels, in_channels, *kernel)`` for a convolution, so
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``. A weight
used as ``x @ W`` (CS231n's NumPy layers, shape ``(in, out)``) has its fans the
other way round: pass ``W.T.shape``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from lecture7._checks import check_int, check_real

__all__ = [
    "FAN_MODES",
    "calculate_gain",
    "correct_fan",
    "fan_in_and_fan_out",
    "kaiming_bound",
    "kaiming_gain",
    "kaiming_std",
    "xavier_bound",
    "xavier_std",
]

FAN_MODES = ("fan_in", "fan_out")
_LINEAR_NAMES = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
_SQRT3 = math.sqrt(3.0)


def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    r"""``(fan_in, fan_out)`` of a weight of the given shape, as ``torch.nn.init`` counts them.

    For ``shape = (out, in, k_1, ..., k_d)`` with receptive field
    :math:`r = \prod_i k_i` (1 for a linear layer),
    ``fan_in = in * r`` and ``fan_out = out * r``.

    Raises:
        ValueError: fewer than two dimensions, or a dimension that is not a positive integer.
    """
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(
            f"Invalid weight shape {shape}: fans need at least 2 dimensions (out, in, *kernel)"
        )
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"Invalid weight shape {shape}: dimension {size!r} is not a positive int")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def correct_fan(shape: Sequence[int], mode: str) -> int:
    """``fan_in`` or ``fan_out`` of ``shape``, chosen by ``mode`` (``"fan_in"`` or ``"fan_out"``).

    ``"fan_in"`` keeps the variance of the activations constant in the forward
    pass, ``"fan_out"`` that of the gradients in the backward pass (He et al., 2015).
    """
    if mode not in FAN_MODES:
        raise ValueError(f"Invalid mode {mode!r}: expected one of {FAN_MODES}")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The gain that keeps the variance of signals through ``nonlinearity``; as ``torch.nn.init``.

    ======================  =========================================
    ``nonlinearity``        gain
    ======================  =========================================
    linear, conv, sigmoid   1
    tanh                    5/3
    relu                    :math:`\sqrt{2}`
    leaky_relu              :math:`\sqrt{2 / (1 + a^2)}`, ``a = param``
    selu                    3/4
    ======================  =========================================

    ``param`` is the leaky ReLU's negative slope ``a``; PyTorch's default 0.01
    is used when it is ``None``. The other nonlinearities ignore it.
    """
    if nonlinearity in _LINEAR_NAMES:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_real("param", param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def kaiming_gain(nonlinearity: str, a: float) -> float:
    """The Kaiming gain: ``calculate_gain(nonlinearity, a)``, with ``a`` the leaky ReLU slope.

    Unlike ``torch.nn.init``, a nonzero ``a`` with any nonlinearity other than
    ``"leaky_relu"`` is an error rather than silently ignored.
    """
    if nonlinearity == "leaky_relu":
        return calculate_gain(nonlinearity, a)
    if a != 0:
        raise ValueError(f"Invalid a={a!r}: the negative slope only applies to 'leaky_relu', "
                         f"not {nonlinearity!r}")
    return calculate_gain(nonlinearity)


def xavier_std(fan_in: int, fan_out: int, *, gain: float = 1.0) -> float:
    r"""Glorot & Bengio (2010): :math:`\sigma = \text{gain}\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.

    The compromise between keeping forward variance (``1/fan_in``) and backward
    variance (``1/fan_out``). For a square layer it is the lecture's
    ``randn(fan_in, fan_out) / sqrt(fan_in)``.
    """
    fan_in, fan_out = check_int("fan_in", fan_in, minimum=1), check_int("fan_out", fan_out, minimum=1)
    return check_real("gain", gain, minimum=0.0, strict=True) * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_bound(fan_in: int, fan_out: int, *, gain: float = 1.0) -> float:
    r"""The bound ``b`` of Glorot's uniform :math:`U(-b, b)`: :math:`b = \sqrt{3}\,` :func:`xavier_std`."""
    return _SQRT3 * xavier_std(fan_in, fan_out, gain=gain)


def kaiming_std(fan: int, *, gain: float) -> float:
    r"""He et al. (2015): :math:`\sigma = \text{gain} / \sqrt{\text{fan}}`.

    With ``gain = sqrt(2)`` (ReLU, which zeroes half of its inputs) this is the
    lecture's ``randn(fan_in, fan_out) / sqrt(fan_in / 2)``.
    """
    fan = check_int("fan", fan, minimum=1)
    return check_real("gain", gain, minimum=0.0, strict=True) / math.sqrt(fan)


def kaiming_bound(fan: int, *, gain: float) -> float:
    r"""The bound ``b`` of He's uniform :math:`U(-b, b)`: :math:`b = \sqrt{3}\,` :func:`kaiming_std`."""
    return _SQRT3 * kaiming_std(fan, gain=gain)
