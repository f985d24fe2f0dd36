"""Data augmentation: random transforms at training time, averaged views at test time.

Transform every training image at random (flips, crops and scales, color
jitter, PCA color shifts, affine warps, lens distortion, cutout, mixup): the
label does not change, so the network must learn what does not depend on the
transform; like dropout, the randomness regularizes, and at test time it is
averaged out (10-crop evaluation).

- :mod:`.functional`: deterministic kernels with explicit parameters
  (``hflip``, ``crop``, ``ten_crop``, ``adjust_contrast``, ``affine``, ...).
- :mod:`.transforms`, :mod:`.distortions`: random transforms that draw the
  parameters and call the kernels; :mod:`.recipes`: ready pipelines;
  :mod:`.test_time`: 10-crop prediction.

Images are float tensors in [0, 1], ``(C, H, W)`` or ``(N, C, H, W)``, on any device.
"""

from __future__ import annotations

from lecture7.augment import functional
from lecture7.augment.color import PCAColorBasis
from lecture7.augment.distortions import ColorJitter, PCAColor, RandomAffine, RandomLensDistortion
from lecture7.augment.functional import (
    adjust_brightness,
    adjust_contrast,
    adjust_saturation,
    affine,
    center_crop,
    crop,
    cutout,
    fit_pca_color,
    five_crop,
    five_crop_boxes,
    hflip,
    lens_distortion,
    mixup,
    pad,
    pca_color_shift,
    resize,
    resized_crop,
    ten_crop,
    to_grayscale,
)
from lecture7.augment.recipes import alexnet_train_augmentation, standard_train_augmentation
from lecture7.augment.test_time import ten_crop_predict
from lecture7.augment.transforms import (
    Compose,
    Cutout,
    Mixup,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomTransform,
)

__all__ = [
    "ColorJitter",
    "Compose",
    "Cutout",
    "Mixup",
    "PCAColor",
    "PCAColorBasis",
    "RandomAffine",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomLensDistortion",
    "RandomResizedCrop",
    "RandomTransform",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "affine",
    "alexnet_train_augmentation",
    "center_crop",
    "crop",
    "cutout",
    "fit_pca_color",
    "five_crop",
    "five_crop_boxes",
    "functional",
    "hflip",
    "lens_distortion",
    "mixup",
    "pad",
    "pca_color_shift",
    "resize",
    "resized_crop",
    "standard_train_augmentation",
    "ten_crop",
    "ten_crop_predict",
    "to_grayscale",
]
