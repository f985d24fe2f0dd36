"""The training loop every chapter uses, and evaluation helpers.

* :func:`fit` trains a model and returns a :class:`History`
  (see :mod:`lecture7.train.loop` for the hooks and their order);
* :func:`evaluate`, :func:`predict_proba`, :func:`accuracy` measure it
  (:mod:`lecture7.train.evaluation`).
"""

from __future__ import annotations

from lecture7.train.evaluation import accuracies_tie, accuracy, evaluate, predict_proba
from lecture7.train.loop import Callback, FitState, History, LambdaCallback, fit

__all__ = [
    "Callback",
    "FitState",
    "History",
    "LambdaCallback",
    "accuracies_tie",
    "accuracy",
    "evaluate",
    "fit",
    "predict_proba",
]
