"""Weight initialization (lecture section 1): the scales, the initializers, the experiment.

* :mod:`lecture7.init.formulas`: fans, gains, and the Xavier/Kaiming std and bounds
  as pure functions (the kernel the assignment grades against);
* :mod:`lecture7.init.initializers`: in-place torch initializers (small/large
  Gaussian, Xavier, Kaiming), NumPy samplers, and the :data:`INITIALIZERS` registry;
* :mod:`lecture7.init.experiment`: per-layer activation and gradient statistics of
  a deep MLP under each initialization.

References: Glorot & Bengio, 2010; He et al., 2015: https://arxiv.org/abs/1502.01852.
"""

from __future__ import annotations

from lecture7.init.experiment import ACTIVATIONS, ActivationStats, activation_statistics
from lecture7.init.formulas import (
    FAN_MODES,
    calculate_gain,
    correct_fan,
    fan_in_and_fan_out,
    kaiming_bound,
    kaiming_gain,
    kaiming_std,
    xavier_bound,
    xavier_std,
)
from lecture7.init.initializers import (
    INITIALIZERS,
    LARGE_STD,
    SMALL_STD,
    gaussian_,
    kaiming_normal,
    kaiming_normal_,
    kaiming_uniform_,
    large_gaussian_,
    small_gaussian_,
    xavier_normal,
    xavier_normal_,
    xavier_uniform_,
)

__all__ = [
    "ACTIVATIONS",
    "FAN_MODES",
    "INITIALIZERS",
    "LARGE_STD",
    "SMALL_STD",
    "ActivationStats",
    "activation_statistics",
    "calculate_gain",
    "correct_fan",
    "fan_in_and_fan_out",
    "gaussian_",
    "kaiming_bound",
    "kaiming_gain",
    "kaiming_normal",
    "kaiming_normal_",
    "kaiming_std",
    "kaiming_uniform_",
    "large_gaussian_",
    "small_gaussian_",
    "xavier_bound",
    "xavier_normal",
    "xavier_normal_",
    "xavier_std",
    "xavier_uniform_",
]
