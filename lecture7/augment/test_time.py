"""Test-time augmentation: average the predictions over a fixed set of crops.

At training time every image is seen under random flips and crops; at test
time AlexNet (Krizhevsky et al., 2012) instead evaluated ten fixed views, the
four corner crops and the center crop and their mirror images
(:func:`~.functional.ten_crop`), and averaged the ten softmax outputs:

.. math::
    p(y \\mid x) = \\frac{1}{10} \\sum_{v=1}^{10} \\operatorname{softmax}(f(\\text{crop}_v(x)))_y.

The same pattern as dropout at test time: the randomness of training is
averaged out (here over a deterministic sample of it).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lecture7.augment import functional as F
from lecture7.augment._checks import check_image
from lecture7.transfer.features import evaluating

__all__ = ["ten_crop_predict"]


def ten_crop_predict(
    model: nn.Module, images: torch.Tensor, *, crop_size: int | Sequence[int]
) -> torch.Tensor:
    """Class probabilities ``(N, K)`` averaged over the 10 crops of each image.

    Args:
        model: maps a batch ``(B, C, h, w)`` of crops to logits ``(B, K)``; run in
            eval mode under ``torch.no_grad()``, its train/eval mode restored after.
        images: ``(N, C, H, W)`` (or one image ``(C, H, W)``, giving ``(1, K)``).
        crop_size: the ``(h, w)`` the model expects (an int is a square).
    """
    check_image(images, name="images")
    batch = images if images.ndim == 4 else images.unsqueeze(0)
    crops = F.ten_crop(batch, crop_size)  # (10, N, C, h, w)
    views, n = crops.shape[:2]
    with evaluating(model):
        logits = model(crops.reshape(views * n, *crops.shape[2:]))  # (10 N, K)
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[0] != views * n:
        raise ValueError(f"model must return logits of shape ({views * n}, K), got {logits!r:.80}")
    return logits.softmax(dim=1).reshape(views, n, -1).mean(dim=0)
