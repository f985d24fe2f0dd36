"""Training recipes: functions that return a :class:`~.transforms.Compose` (timm's style).

One ``generator`` is shared by every transform of a recipe, so a seed fixes the
whole pipeline.
"""

from __future__ import annotations

import torch

from lecture7.augment.distortions import ColorJitter, PCAColor
from lecture7.augment.transforms import (
    Compose,
    Cutout,
    GeneratorLike,
    RandomCrop,
    RandomHorizontalFlip,
    RandomTransform,
)

__all__ = ["alexnet_train_augmentation", "standard_train_augmentation"]


def _shared(generator: GeneratorLike) -> torch.Generator | None:
    return RandomTransform(generator=generator).generator  # validates, turns a seed into one


def standard_train_augmentation(
    *,
    crop_size: int,
    padding: int = 4,
    padding_mode: str = "reflect",
    flip: bool = True,
    jitter: float = 0.0,
    cutout_size: int | None = None,
    generator: GeneratorLike = None,
) -> Compose:
    """The small-image (CIFAR-10) recipe: pad-and-crop, mirror, optional jitter and cutout.

    ``RandomCrop(crop_size, padding=padding)`` then ``RandomHorizontalFlip()``;
    ``jitter > 0`` adds ``ColorJitter(brightness=jitter, contrast=jitter,
    saturation=jitter)``; ``cutout_size`` adds ``Cutout(size=cutout_size)``
    (DeVries & Taylor use 16 on CIFAR-10), last, as in the paper.
    """
    g = _shared(generator)
    steps: list[RandomTransform] = [
        RandomCrop(crop_size, padding=padding, padding_mode=padding_mode, generator=g)
    ]
    if flip:
        steps.append(RandomHorizontalFlip(generator=g))
    if jitter:
        steps.append(ColorJitter(brightness=jitter, contrast=jitter, saturation=jitter, generator=g))
    if cutout_size is not None:
        steps.append(Cutout(size=cutout_size, generator=g))
    return Compose(steps)


def alexnet_train_augmentation(
    *,
    crop_size: int,
    eigvals: torch.Tensor,
    eigvecs: torch.Tensor,
    pca_std: float = 0.1,
    generator: GeneratorLike = None,
) -> Compose:
    """AlexNet's recipe (Krizhevsky et al., 2012): random crops, mirrors, PCA color shifts.

    The paper crops 224x224 from 256x256 images; pair it with
    :func:`~.test_time.ten_crop_predict` at test time. ``eigvals``/``eigvecs``
    come from :func:`~.functional.fit_pca_color` on the training set.
    """
    g = _shared(generator)
    return Compose([
        RandomCrop(crop_size, generator=g),
        RandomHorizontalFlip(generator=g),
        PCAColor(eigvals=eigvals, eigvecs=eigvecs, std=pca_std, generator=g),
    ])
