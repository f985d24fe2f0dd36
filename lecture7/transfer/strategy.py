"""The lecture's transfer-learning table: what to train, given data size and similarity.

The cells follow the lecture notes. Lowering the pretrained layers' learning rate is the
lecture's advice for fine-tuning weights that are "already good", i.e. for data similar
to the pretraining data; for lots of *different* data the lecture says only to fine-tune
many layers or all of them, so that cell keeps the full rate (``backbone_lr_mult=1``).
Chapter 8 of the book measures every cell.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Strategy", "recommend_strategy"]


class Strategy(NamedTuple):
    """A row of the lecture's transfer-learning table."""

    data_size: str  # "small" or "large"
    similarity: str  # "similar" or "different"
    strategy: str  # what to do, in words
    train: str  # "head", "top layers + head" or "all layers"
    feature_layer: str  # where the classifier's features come from: "last" or "earlier"
    backbone_lr_mult: float  # learning-rate multiplier of the pretrained layers (0 = frozen)


_TABLE = {
    ("small", "similar"): (
        "Use the pretrained network as a fixed feature extractor: reinitialize the last "
        "fully-connected layer and train only it (a linear classifier on the top-layer CNN codes).",
        "head", "last", 0.0),
    ("large", "similar"): (
        "Fine-tune a few of the top layers (or all of them), with a learning rate lower than "
        "the original one, since the pretrained weights are already good.",
        "top layers + head", "last", 0.1),
    ("small", "different"): (
        "You are in trouble: try a linear classifier on features from an earlier layer, whose "
        "generic features (edges, curves) transfer better than the task-specific top layers.",
        "head", "earlier", 0.0),
    ("large", "different"): (
        "Fine-tune many layers, or all of them: initializing from the pretrained weights "
        "still helps, but they are not yet good for the new data, so they train at the full "
        "learning rate (a small multiplier would hold them near the old task).",
        "all layers", "last", 1.0),
}


def recommend_strategy(
    *, data_size: str | int, similarity: str, large_threshold: int = 10_000
) -> Strategy:
    """The lecture's table: what to train, given how much data and how similar it is.

    Args:
        data_size: ``"small"``/``"large"``, or the number of labelled training
            examples, called large from ``large_threshold`` up (a rule of thumb,
            not from the lecture: what counts as "lots" depends on the task).
        similarity: ``"similar"`` or ``"different"``: the new data versus the
            pretraining data (ImageNet).
    """
    if isinstance(data_size, str):
        if data_size not in ("small", "large"):
            raise ValueError(f"data_size must be 'small', 'large' or a count, got {data_size!r}")
        size = data_size
    elif isinstance(data_size, int) and not isinstance(data_size, bool):
        if data_size < 0:
            raise ValueError(f"data_size must be >= 0, got {data_size!r}")
        if isinstance(large_threshold, bool) or not isinstance(large_threshold, int) or large_threshold < 1:
            raise ValueError(f"large_threshold must be a positive int, got {large_threshold!r}")
        size = "large" if data_size >= large_threshold else "small"
    else:
        raise TypeError(f"data_size must be 'small', 'large' or an int, got {data_size!r}")
    if similarity not in ("similar", "different"):
        raise ValueError(f"similarity must be 'similar' or 'different', got {similarity!r}")
    return Strategy(size, similarity, *_TABLE[(size, similarity)])
