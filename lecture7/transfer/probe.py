"""Linear classifiers on fixed features ("linear probes"): softmax, logistic regression, SVM.

Every probe is a linear map of standardized features,

.. math::
    s(x) = W \\frac{x - \\mu}{\\sigma} + b, \\qquad \\hat y = \\arg\\max_k s_k(x),

with :math:`\\mu, \\sigma` the per-feature mean and (population) std of the
training features (:math:`\\sigma = 1` where a feature is constant). Methods:

- ``"softmax"``: softmax regression in torch, minimizing
  :math:`\\frac1N \\sum_n -\\log \\operatorname{softmax}(s(x_n))_{y_n} + \\frac{\\lambda}{2}\\|W\\|_F^2`
  (bias not penalized) by full-batch L-BFGS (the lecture's choice for a
  full-batch, low-noise problem) or Adam; starts from zeros, so it is
  deterministic.
- ``"logreg"``: scikit-learn's ``LogisticRegression``: the same objective (the
  softmax loss for several classes), solved by scikit-learn.
- ``"svm"``: scikit-learn's ``LinearSVC``: one-vs-rest, squared hinge loss;
  liblinear also penalizes the bias.

:math:`\\lambda` is ``l2`` for all three: scikit-learn's objective
:math:`C \\sum_n \\ell_n + \\frac12 \\|W\\|^2` is the one above times :math:`CN`, so
``C = 1 / (l2 * N)``. (With two classes scikit-learn fits a single vector
:math:`w` with scores :math:`[0, w^T z + b]`, where the softmax fits two rows
:math:`w_0, w_1`; the same decisions, but :math:`\\|w_0\\|^2 + \\|w_1\\|^2` penalizes
:math:`w = w_1 - w_0` half as much.) The fitted ``coef_`` and ``intercept_`` are copied into
the same :class:`LinearProbe`, so every method predicts the same way.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["METHODS", "LinearProbe", "fit_linear_probe"]

METHODS = ("softmax", "logreg", "svm")


class LinearProbe:
    """Scores ``s(x) = W (x - mean) / scale + b``; predicts ``classes[argmax s]``."""

    def __init__(
        self,
        *,
        weight: torch.Tensor,
        bias: torch.Tensor,
        classes: torch.Tensor,
        mean: torch.Tensor,
        scale: torch.Tensor,
        method: str,
    ) -> None:
        self.weight, self.bias, self.classes = weight, bias, classes  # (K, D), (K,), (K,)
        self.mean, self.scale, self.method = mean, scale, method  # (D,), (D,)

    def decision_function(self, features: torch.Tensor) -> torch.Tensor:
        """Class scores ``(N, K)``, on the features' device."""
        x = _check_features(features)
        if x.shape[1] != self.weight.shape[1]:
            raise ValueError(
                f"features have {x.shape[1]} dimensions, the probe was fit on {self.weight.shape[1]}"
            )
        z = (x - self.mean.to(x)) / self.scale.to(x)
        return z @ self.weight.to(x).T + self.bias.to(x)

    def predict(self, features: torch.Tensor) -> torch.Tensor:
        """Predicted labels ``(N,)`` (the original label values)."""
        scores = self.decision_function(features)
        return self.classes.to(scores.device)[scores.argmax(dim=1)]

    def predict_proba(self, features: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``softmax(s(x))``; not defined for the SVM."""
        if self.method == "svm":
            raise ValueError("an SVM gives scores, not probabilities; use decision_function")
        return self.decision_function(features).softmax(dim=1)

    def score(self, features: torch.Tensor, labels: torch.Tensor | np.ndarray) -> float:
        """Accuracy: the fraction of ``labels`` predicted right."""
        predicted = self.predict(features)
        labels = torch.as_tensor(labels, device=predicted.device)
        if labels.shape != predicted.shape:
            raise ValueError(f"labels must have shape {tuple(predicted.shape)}, got {tuple(labels.shape)}")
        return float((predicted == labels).float().mean())

    def __repr__(self) -> str:
        k, d = self.weight.shape
        return f"LinearProbe(method={self.method!r}, classes={k}, features={d})"


def _check_features(features: object) -> torch.Tensor:
    if not isinstance(features, torch.Tensor) or not features.is_floating_point():
        raise TypeError(f"features must be a floating-point tensor, got {features!r:.80}")
    if features.ndim != 2 or features.shape[0] == 0:
        raise ValueError(f"features must have shape (N, D) with N > 0, got {tuple(features.shape)}")
    return features


def _fit_softmax(z, y, num_classes, *, l2, solver, max_iter, lr):
    weight = torch.zeros(num_classes, z.shape[1], dtype=z.dtype, device=z.device, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=z.dtype, device=z.device, requires_grad=True)

    def objective():
        return F.cross_entropy(z @ weight.T + bias, y) + 0.5 * l2 * weight.pow(2).sum()

    with torch.enable_grad():
        if solver == "lbfgs":
            opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=max_iter, history_size=20,
                                    tolerance_grad=1e-9, tolerance_change=1e-12,
                                    line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                loss = objective()
                loss.backward()
                return loss

            opt.step(closure)
        else:
            opt = torch.optim.Adam([weight, bias], lr=lr)
            for _ in range(max_iter):
                opt.zero_grad()
                objective().backward()
                opt.step()
    return weight.detach(), bias.detach()


def _fit_sklearn(z, y, num_classes, *, method, l2, max_iter):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    c = 1.0 / (l2 * z.shape[0])
    estimator = (LogisticRegression(C=c, max_iter=max_iter) if method == "logreg"
                 else LinearSVC(C=c, max_iter=max_iter))
    estimator.fit(z.cpu().double().numpy(), y.cpu().numpy())
    weight = torch.as_tensor(estimator.coef_, dtype=z.dtype, device=z.device)
    bias = torch.as_tensor(estimator.intercept_, dtype=z.dtype, device=z.device)
    if num_classes == 2:  # scikit-learn keeps one score s for class 1; use [0, s]
        weight = torch.cat([torch.zeros_like(weight), weight])
        bias = torch.cat([torch.zeros_like(bias), bias])
    return weight, bias


def fit_linear_probe(
    features: torch.Tensor,
    labels: torch.Tensor | np.ndarray,
    *,
    method: str = "softmax",
    l2: float = 1e-3,
    standardize: bool = True,
    solver: str = "lbfgs",
    max_iter: int = 500,
    lr: float = 0.05,
) -> LinearProbe:
    """Fit a linear classifier to ``(features, labels)``; see the module docstring for the math.

    Args:
        features: ``(N, D)`` float tensor, e.g. from :func:`~lecture7.transfer.extract_features`.
        labels: ``(N,)`` integer labels, any values (at least two distinct).
        method: ``"softmax"`` (torch), ``"logreg"`` or ``"svm"`` (scikit-learn).
        l2: :math:`\\lambda > 0`, the weight penalty (``C = 1 / (l2 * N)`` for scikit-learn).
        standardize: scale each feature to zero mean and unit variance first.
        solver: ``"lbfgs"`` or ``"adam"``, for ``"softmax"`` only.
        max_iter: iterations (L-BFGS or Adam steps; scikit-learn's ``max_iter``).
        lr: Adam's learning rate.
    """
    x = _check_features(features)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if solver not in ("lbfgs", "adam"):
        raise ValueError(f"solver must be 'lbfgs' or 'adam', got {solver!r}")
    for name, v in (("l2", l2), ("lr", lr)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int, got {max_iter!r}")
    labels = torch.as_tensor(labels, device=x.device)
    if labels.shape != (x.shape[0],) or labels.is_floating_point():
        raise ValueError(f"labels must be {x.shape[0]} integers, got {labels.dtype} {tuple(labels.shape)}")
    classes, y = torch.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes, got labels {classes.tolist()}")
    mean = x.mean(dim=0) if standardize else torch.zeros_like(x[0])
    scale = x.std(dim=0, correction=0) if standardize else torch.ones_like(x[0])
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    z = (x - mean) / scale
    if method == "softmax":
        weight, bias = _fit_softmax(z, y, len(classes), l2=l2, solver=solver, max_iter=max_iter, lr=lr)
    else:
        weight, bias = _fit_sklearn(z, y, len(classes), method=method, l2=l2, max_iter=max_iter)
    return LinearProbe(weight=weight, bias=bias, classes=classes, mean=mean, scale=scale, method=method)
