"""Evaluating a trained classifier: :func:`evaluate`, :func:`predict_proba`, :func:`accuracy`.

All three run the model in eval mode without gradients and restore its mode;
batches go to the device of the model's first parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from lecture7.data import Split, make_loader

__all__ = ["LossFn", "accuracies_tie", "accuracy", "evaluate", "predict_proba"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _model_device(model: nn.Module) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:
        raise ValueError(f"The model {type(model).__name__} has no parameters") from None


def _batches(data, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Yield (x, y) from a loader, a Split, a pair (x, y), or (x, None) from a tensor."""
    if isinstance(data, torch.Tensor):
        for start in range(0, data.shape[0], batch_size):
            yield data[start : start + batch_size], None
        return
    if isinstance(data, (Split, tuple, list)):
        data = make_loader(data, batch_size=batch_size)
    yield from data


def _hard_labels(y: torch.Tensor) -> torch.Tensor:
    return y.argmax(-1) if y.ndim > 1 else y


def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows of ``scores`` (N, K) whose argmax equals ``labels`` (N,)."""
    if scores.ndim != 2 or labels.shape != scores.shape[:1]:
        raise ValueError(
            f"Expected scores (N, K) and labels (N,); got {tuple(scores.shape)} and "
            f"{tuple(labels.shape)}"
        )
    return (scores.argmax(1) == labels.to(scores.device)).float().mean().item()


@torch.no_grad()
def evaluate(
    model: nn.Module, data, *, loss_fn: LossFn = F.cross_entropy, batch_size: int = 1024
) -> tuple[float, float]:
    """``(mean loss, accuracy)`` of ``model`` on ``data`` in eval mode, without gradients.

    ``data`` is a loader of ``(x, y)`` batches, a :class:`~lecture7.data.Split`, or a
    pair ``(x, y)``. ``loss_fn`` must return the batch *mean*. The model's
    train/eval mode is restored afterwards.
    """
    device = _model_device(model)
    was_training = model.training
    model.eval()
    try:
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        count = 0
        for x, y in _batches(data, batch_size):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            logits = model(x)
            loss_sum += loss_fn(logits, y) * y.shape[0]
            correct += (logits.argmax(1) == _hard_labels(y)).sum()
            count += y.shape[0]
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate() got no examples: the loader yielded no batches")
    return loss_sum.item() / count, correct.item() / count


@torch.no_grad()
def predict_proba(model: nn.Module, data, *, batch_size: int = 1024) -> torch.Tensor:
    """Softmax class probabilities (N, K), in eval mode, on the device the inputs came from.

    ``data`` is a tensor of inputs (N, ...), a :class:`~lecture7.data.Split`, a pair
    ``(x, y)``, or a loader of ``(x, y)`` batches (in order; don't shuffle it).
    """
    device = _model_device(model)
    was_training = model.training
    model.eval()
    try:
        chunks = []
        for x, _ in _batches(data, batch_size):
            chunks.append(F.softmax(model(x.to(device)), dim=-1).to(x.device))
    finally:
        model.train(was_training)
    if not chunks:
        raise ValueError("predict_proba() got no examples")
    return torch.cat(chunks)


def accuracies_tie(a: float, b: float, n: int, *, z: float = 2.0) -> bool:
    r"""Whether two accuracies measured on the same ``n`` test examples are too close to
    tell apart: they differ by less than ``z`` standard errors of the difference,

    .. math:: |a - b| < z \sqrt{\left(a (1 - a) + b (1 - b)\right) / n}

    (the binomial standard errors of the two, added as if independent). Equal accuracies
    always tie, even at 0 or 1, where the standard error is 0.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"Invalid n: {n!r} (expected the number of test examples, >= 1)")
    for name, value in (("a", a), ("b", b)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"Invalid accuracy {name}: {value!r} (expected a number in [0, 1])")
    standard_error = ((a * (1 - a) + b * (1 - b)) / n) ** 0.5
    return a == b or abs(a - b) < z * standard_error
