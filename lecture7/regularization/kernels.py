r"""The dropout kernel shared by every dropout flavour, NumPy and torch alike.

Let :math:`p` = ``p_drop`` be the probability of dropping a unit and
:math:`q = 1 - p` = ``keep_prob`` the probability of keeping it; a mask
:math:`m \sim \text{Bernoulli}(q)` (1 = keep). Both conventions make the test-time
output equal the expectation of the training-time output:

=================  ==========================  =========================
convention         training                    test
=================  ==========================  =========================
vanilla            :math:`m \odot x`           :math:`q\,x`
inverted           :math:`m \odot x / q`       :math:`x`
=================  ==========================  =========================

(Srivastava et al., 2014, scale the weights by :math:`q` at test time: vanilla.
Inverted dropout, what ``torch.nn.Dropout`` does, moves the scaling to
training so that the test-time network is untouched.)

The map is linear and diagonal in :math:`x`, so its backward pass is the same map
applied to the upstream gradient.
"""

from __future__ import annotations

from typing import Any

from lecture7._checks import check_real

__all__ = ["check_p_drop", "dropout_kernel"]


def check_p_drop(p_drop: float) -> float:
    """Validate ``0 <= p_drop < 1`` and return ``keep_prob = 1 - p_drop``."""
    if check_real("p_drop", p_drop, minimum=0.0) >= 1.0:
        raise ValueError(f"Invalid p_drop: {p_drop!r} (expected 0 <= p_drop < 1)")
    return 1.0 - float(p_drop)


def dropout_kernel(x: Any, mask: Any, *, keep_prob: float, training: bool, inverted: bool) -> Any:
    """Apply dropout to ``x`` with a given keep ``mask`` (see the module's table).

    ``mask`` broadcasts against ``x`` (``1`` = keep) and is ignored at test time
    (``training=False``; pass ``None``). Plain arithmetic: NumPy arrays or torch
    tensors on any device.
    """
    if training:
        # vanilla: m * x;  inverted: m * x / q
        return x * mask / keep_prob if inverted else x * mask
    # vanilla: q * x;  inverted: x
    return x if inverted else x * keep_prob
