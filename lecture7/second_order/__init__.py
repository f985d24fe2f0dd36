r"""Second-order optimization (chapter 4): Newton's method, BFGS and L-BFGS.

First-order methods follow a linear model of the loss; second-order methods
minimize a quadratic one. Newton's method uses the exact Hessian
(:math:`N \times N`, see :func:`hessian_memory_bytes`); BFGS builds an
approximation of its inverse from gradient differences; L-BFGS keeps only the
last few of those differences. All work on a function ``f(x) -> scalar tensor``
of a 1-D tensor ``x`` (flatten a model's parameters, e.g. with
``torch.nn.utils.parameters_to_vector``), on ``x``'s device, with gradients by
autograd, and return a :class:`MinimizeResult`. They need full-batch, low-noise
gradients: with minibatch noise the curvature pairs are meaningless.
"""

from lecture7.second_order._common import MinimizeResult
from lecture7.second_order.bfgs import bfgs, bfgs_inverse_update
from lecture7.second_order.lbfgs import lbfgs, lbfgs_direction
from lecture7.second_order.line_search import LineSearchResult, wolfe_line_search
from lecture7.second_order.newton import hessian, hessian_memory_bytes, newton, newton_step

__all__ = [
    "LineSearchResult",
    "MinimizeResult",
    "bfgs",
    "bfgs_inverse_update",
    "hessian",
    "hessian_memory_bytes",
    "lbfgs",
    "lbfgs_direction",
    "newton",
    "newton_step",
    "wolfe_line_search",
]
