"""Regularization (lecture section 6): dropout and the "randomness at training time" family.

* :mod:`~lecture7.regularization.kernels`: the dropout kernel, vanilla and inverted;
* :mod:`~lecture7.regularization.numpy_dropout`: CS231n-style NumPy layer
  (``dropout_forward`` / ``dropout_backward``);
* :mod:`~lecture7.regularization.dropout`: torch layers :class:`Dropout`,
  :class:`ChannelDropout`, :class:`DropConnectLinear` and their functional forms;
* :mod:`~lecture7.regularization.stochastic_depth`: :class:`StochasticDepth`;
* :mod:`~lecture7.regularization.pooling`: fractional max pooling with seeded regions;
* :mod:`~lecture7.regularization.penalty`: the L2 penalty and ``weight_decay``.

Probabilities are named: ``p_drop`` (drop a unit), ``keep_prob`` = 1 - ``p_drop``,
``survival_prob`` (keep a residual branch). References: Srivastava et al., 2014;
Wan et al., 2013; Huang et al., 2016: https://arxiv.org/abs/1603.09382;
Graham, 2014: https://arxiv.org/abs/1412.6071.
"""

from __future__ import annotations

from lecture7.regularization.dropout import (
    ChannelDropout,
    DropConnectLinear,
    Dropout,
    channel_dropout,
    draw_keep_mask,
    drop_connect_linear,
    dropout,
)
from lecture7.regularization.kernels import check_p_drop, dropout_kernel
from lecture7.regularization.numpy_dropout import (
    DROPOUT_MODES,
    DropoutCache,
    dropout_backward,
    dropout_forward,
)
from lecture7.regularization.penalty import decay_parameters, l2_penalty, weight_decay_param_groups
from lecture7.regularization.pooling import FractionalMaxPool, fractional_max_pool2d
from lecture7.regularization.stochastic_depth import (
    STOCHASTIC_DEPTH_MODES,
    StochasticDepth,
    linear_decay_survival,
    stochastic_depth,
)

__all__ = [
    "DROPOUT_MODES",
    "STOCHASTIC_DEPTH_MODES",
    "ChannelDropout",
    "DropConnectLinear",
    "Dropout",
    "DropoutCache",
    "FractionalMaxPool",
    "StochasticDepth",
    "channel_dropout",
    "check_p_drop",
    "decay_parameters",
    "draw_keep_mask",
    "drop_connect_linear",
    "dropout",
    "dropout_backward",
    "dropout_forward",
    "dropout_kernel",
    "fractional_max_pool2d",
    "l2_penalty",
    "linear_decay_survival",
    "stochastic_depth",
    "weight_decay_param_groups",
]
