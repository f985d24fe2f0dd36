"""Beyond training error (lecture section 5): ensembles of models and of weights.

* :mod:`lecture7.ensembles.prediction`: average the probabilities of independent
  models (:func:`ensemble_predict`), and train them from different seeds
  (:func:`train_ensemble`);
* :mod:`lecture7.ensembles.snapshot`: snapshot ensembles from one run with a
  cyclic learning rate (Huang et al., 2017: https://arxiv.org/abs/1704.00109);
* :mod:`lecture7.ensembles.averaging`: Polyak averaging and the EMA of the
  weights (:class:`ParameterAverage`), with their one-line kernels.
"""

from __future__ import annotations

from lecture7.ensembles.averaging import (
    AVERAGING_MODES,
    ParameterAverage,
    ema_update,
    polyak_update,
)
from lecture7.ensembles.prediction import (
    average_probabilities,
    ensemble_accuracy,
    ensemble_predict,
    train_ensemble,
)
from lecture7.ensembles.snapshot import SnapshotCollector, snapshot_ensemble, snapshot_models

__all__ = [
    "AVERAGING_MODES",
    "ParameterAverage",
    "SnapshotCollector",
    "average_probabilities",
    "ema_update",
    "ensemble_accuracy",
    "ensemble_predict",
    "polyak_update",
    "snapshot_ensemble",
    "snapshot_models",
    "train_ensemble",
]
