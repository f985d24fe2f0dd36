"""Small real and synthetic image data sets, splits and mini-batch loaders.

Nothing here downloads anything: the digits and the two sample photos ship
with scikit-learn, the shapes are generated from a seed, and CIFAR-10 is read
from files the reader already has.
"""

from __future__ import annotations

from lecture7.data.real import (
    CIFAR10_CLASSES,
    load_cifar10,
    load_digits,
    photo_patches,
    resize,
    sample_photos,
)
from lecture7.data.splits import (
    Split,
    Splits,
    TensorLoader,
    make_loader,
    stratified_splits,
    subset,
)
from lecture7.data.synthetic import SHAPE_CLASSES, synthetic_shapes

__all__ = [
    "CIFAR10_CLASSES",
    "SHAPE_CLASSES",
    "Split",
    "Splits",
    "TensorLoader",
    "load_cifar10",
    "load_digits",
    "make_loader",
    "photo_patches",
    "resize",
    "sample_photos",
    "stratified_splits",
    "subset",
    "synthetic_shapes",
]
