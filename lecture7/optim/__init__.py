"""Optimizers of the lecture: kernels, CS231n rules, torch.optim classes, 2-D landscapes.

* :mod:`~lecture7.optim.kernels` and :mod:`~lecture7.optim.adaptive`: one short
  function per algorithm, one line per line of math, out of place, on NumPy arrays
  and torch tensors alike.
* :mod:`~lecture7.optim.rules`: the CS231n ``rule(w, dw, config) -> (next_w, config)``
  functions ``sgd``, ``sgd_momentum``, ``nesterov_momentum``, ``adagrad``,
  ``rmsprop``, ``adam``.
* :mod:`~lecture7.optim.optimizers`: ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``,
  ``torch.optim.Optimizer`` classes equal to torch's classes of the same name. They
  run the kernels' in-place fast path, :mod:`~lecture7.optim.fused`.
* :mod:`~lecture7.optim.landscapes` and :mod:`~lecture7.optim.trajectory`: 2-D loss
  surfaces (taco shell, saddle, local minimum, Rosenbrock, noise) and a runner
  that records an optimizer's path over one.
"""

from lecture7.optim.adaptive import (
    AdagradState,
    AdamState,
    RMSpropState,
    adagrad_update,
    adam_update,
    amsgrad_update,
    centered_rmsprop_update,
    rmsprop_update,
)
from lecture7.optim.kernels import (
    MomentumState,
    add_weight_decay,
    momentum_buffer_update,
    momentum_update,
    nesterov_update,
    sgd_update,
)
from lecture7.optim.landscapes import (
    Landscape,
    double_well,
    noisy,
    rosenbrock,
    rotated_taco_shell,
    saddle,
    taco_shell,
)
from lecture7.optim.optimizers import SGD, Adagrad, Adam, RMSprop
from lecture7.optim.rules import (
    RULES,
    adagrad,
    adam,
    nesterov_momentum,
    rmsprop,
    sgd,
    sgd_momentum,
)
from lecture7.optim.trajectory import Trajectory, best_trajectory, distance_to, run_trajectory

__all__ = [
    "RULES",
    "SGD",
    "Adagrad",
    "AdagradState",
    "Adam",
    "AdamState",
    "Landscape",
    "MomentumState",
    "RMSprop",
    "RMSpropState",
    "Trajectory",
    "adagrad",
    "adagrad_update",
    "adam",
    "adam_update",
    "add_weight_decay",
    "amsgrad_update",
    "best_trajectory",
    "centered_rmsprop_update",
    "distance_to",
    "double_well",
    "momentum_buffer_update",
    "momentum_update",
    "nesterov_momentum",
    "nesterov_update",
    "noisy",
    "rmsprop",
    "rmsprop_update",
    "rosenbrock",
    "rotated_taco_shell",
    "run_trajectory",
    "saddle",
    "sgd",
    "sgd_momentum",
    "sgd_update",
    "taco_shell",
]
