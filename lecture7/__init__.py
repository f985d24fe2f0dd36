"""lecture7: reference implementations for "Training Neural Networks II".

The companion library of the course book (CS231n Lecture 7): weight
initialization, optimizers, learning-rate schedules, second-order methods,
ensembles, regularization, data augmentation and transfer learning, plus the
helpers that nbgrader test cells call (:mod:`lecture7.grading`).

Submodules are imported on demand (``from lecture7 import optim``) so that
``import lecture7`` stays cheap.
"""

from lecture7.device import default_device, seed_everything

__all__ = ["__version__", "default_device", "seed_everything"]
__version__ = "0.1.0"
