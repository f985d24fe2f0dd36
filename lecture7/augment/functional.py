"""Deterministic augmentation kernels: every parameter is explicit.

The random transforms in :mod:`lecture7.augment.transforms` draw parameters and
then call these kernels, in the style of ``torchvision.transforms.v2.functional``.
Every kernel takes a float image in [0, 1], a single image ``(C, H, W)`` or a
batch ``(N, C, H, W)``, applies *one* set of parameters to all of it, returns a
new tensor on the input's device and never modifies its input.

This module holds the geometric kernels that move pixels without interpolating
(flips, padding, crops, multi-crop), resizing, cutout and mixup, and re-exports
the color kernels (:mod:`.color`) and the resampling kernels (:mod:`.geometry`),
so that ``from lecture7.augment import functional as F`` gives all of them.

Pixel coordinates: row ``i`` runs down from the top (``top``), column ``j`` runs
right from the left edge (``left``); ``size`` is ``(height, width)`` and an int
``s`` means ``(s, s)``.

References:
    Krizhevsky, Sutskever, Hinton, 2012, "ImageNet Classification with Deep
    Convolutional Neural Networks" (flips, random 224x224 crops of 256x256
    images, 10-crop test-time averaging).
    DeVries & Taylor, 2017: https://arxiv.org/abs/1708.04552 (cutout).
    Zhang, Cisse, Dauphin, Lopez-Paz, 2018: https://arxiv.org/abs/1710.09412 (mixup).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from lecture7.augment._checks import as_padding, as_pair, check_image, image_size
from lecture7.augment.color import (
    adjust_brightness,
    adjust_contrast,
    adjust_saturation,
    fit_pca_color,
    pca_color_shift,
    to_grayscale,
)
from lecture7.augment.geometry import affine, lens_distortion

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "affine",
    "center_crop",
    "crop",
    "cutout",
    "fit_pca_color",
    "five_crop",
    "five_crop_boxes",
    "hflip",
    "lens_distortion",
    "mixup",
    "pad",
    "pca_color_shift",
    "resize",
    "resized_crop",
    "ten_crop",
    "to_grayscale",
]

PAD_MODES = ("constant", "reflect")


def hflip(img: torch.Tensor) -> torch.Tensor:
    """Mirror left-right: ``out[..., i, j] = img[..., i, W - 1 - j]``."""
    return check_image(img).flip(-1)


def pad(
    img: torch.Tensor,
    padding: int | Sequence[int],
    *,
    mode: str = "constant",
    value: float = 0.0,
) -> torch.Tensor:
    """Pad the borders.

    ``padding`` follows torchvision: an int pads all four sides, ``(lr, tb)`` pads
    left/right by ``lr`` and top/bottom by ``tb``, ``(left, top, right, bottom)``
    pads each side. (``torch.nn.functional.pad`` orders them left, right, top,
    bottom instead.)

    Modes: ``"constant"`` fills with ``value``; ``"reflect"`` mirrors the image
    without repeating the edge pixel (``[a b c] -> b [a b c] b``), which needs
    each padding smaller than the image side.
    """
    check_image(img)
    left, top, right, bottom = as_padding(padding)
    if mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {PAD_MODES}, got {mode!r}")
    if mode == "constant":
        return F.pad(img, (left, right, top, bottom), mode="constant", value=float(value))
    height, width = image_size(img)
    if max(left, right) >= width or max(top, bottom) >= height:
        raise ValueError(
            f"reflect padding {padding!r} must be smaller than the image size {(height, width)}"
        )
    return F.pad(img, (left, right, top, bottom), mode="reflect")


def crop(img: torch.Tensor, *, top: int, left: int, height: int, width: int) -> torch.Tensor:
    """``img[..., top:top + height, left:left + width]``; the box must lie inside the image.

    (torchvision pads a box that sticks out; here that is an error, so that a
    wrong offset cannot pass silently. Pad first with :func:`pad`.)
    """
    check_image(img)
    for name, v in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an int, got {v!r}")
    img_h, img_w = image_size(img)
    if height <= 0 or width <= 0:
        raise ValueError(f"crop height and width must be positive, got {(height, width)}")
    if top < 0 or left < 0 or top + height > img_h or left + width > img_w:
        raise ValueError(
            f"crop box (top={top}, left={left}, height={height}, width={width}) "
            f"does not fit inside the image of size {(img_h, img_w)}"
        )
    return img[..., top : top + height, left : left + width]


def center_crop(img: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
    """The central ``size`` crop; an odd margin puts the extra pixel as torchvision does.

    ``top = round((H - h) / 2)``, ``left = round((W - w) / 2)``, with Python's
    round-half-to-even, exactly as ``torchvision.transforms.v2.functional.center_crop``.
    """
    check_image(img)
    height, width = as_pair(size, name="size")
    img_h, img_w = image_size(img)
    if height > img_h or width > img_w:
        raise ValueError(f"center_crop size {size!r} is larger than the image {(img_h, img_w)}")
    top = round((img_h - height) / 2.0)
    left = round((img_w - width) / 2.0)
    return crop(img, top=top, left=left, height=height, width=width)


def resize(img: torch.Tensor, size: int | Sequence[int], *, antialias: bool = True) -> torch.Tensor:
    """Bilinear resize to ``size`` (``(height, width)``; an int is a square).

    Convention: unlike torchvision, an int ``s`` means an ``s x s`` output, not
    "shorter side = s". Pixel centers are aligned as in ``align_corners=False``;
    with ``antialias=True`` a downscale averages over the whole footprint of
    each output pixel (a triangle filter widened by the scale factor) instead of
    sampling 4 neighbours, which would alias.
    """
    check_image(img)
    height, width = as_pair(size, name="size")
    batch = img if img.ndim == 4 else img.unsqueeze(0)
    out = F.interpolate(
        batch, size=(height, width), mode="bilinear", align_corners=False, antialias=antialias
    )
    return out if img.ndim == 4 else out.squeeze(0)


def resized_crop(
    img: torch.Tensor,
    *,
    top: int,
    left: int,
    height: int,
    width: int,
    size: int | Sequence[int],
    antialias: bool = True,
) -> torch.Tensor:
    """:func:`crop` the box, then :func:`resize` it to ``size``."""
    box = crop(img, top=top, left=left, height=height, width=width)
    return resize(box, size, antialias=antialias)


def five_crop_boxes(
    image_size: Sequence[int], size: int | Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """The ``(top, left, height, width)`` boxes of :func:`five_crop` in an image of
    ``image_size = (H, W)``: the four corners, then the center (as :func:`center_crop`)."""
    img_h, img_w = image_size
    h, w = as_pair(size, name="size")
    if h > img_h or w > img_w:
        raise ValueError(f"five_crop size {size!r} is larger than the image {(img_h, img_w)}")
    corners = [(0, 0), (0, img_w - w), (img_h - h, 0), (img_h - h, img_w - w)]
    center = (round((img_h - h) / 2.0), round((img_w - w) / 2.0))
    return [(top, left, h, w) for top, left in [*corners, center]]


def five_crop(img: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
    """The four corner crops and the center crop, stacked along a new leading axis.

    Order (torchvision's): top-left, top-right, bottom-left, bottom-right, center
    (:func:`five_crop_boxes`). Shape: ``(5, C, h, w)`` for an image, ``(5, N, C, h, w)``
    for a batch.
    """
    check_image(img)
    boxes = five_crop_boxes(image_size(img), size)
    return torch.stack([crop(img, top=t, left=lft, height=h, width=w) for t, lft, h, w in boxes])


def ten_crop(img: torch.Tensor, size: int | Sequence[int]) -> torch.Tensor:
    """The AlexNet test-time crops: :func:`five_crop` of the image, then of its mirror.

    ``out[5 + k] = five_crop(hflip(img))[k]``, so ``out[5]`` (the mirror's
    top-left) is the mirror of ``out[1]`` (the top-right): torchvision's order.
    Shape: ``(10, C, h, w)`` or ``(10, N, C, h, w)``.
    """
    return torch.cat([five_crop(img, size), five_crop(hflip(img), size)])


def cutout(img: torch.Tensor, *, top: int, left: int, size: int, value: float = 0.0) -> torch.Tensor:
    """Set a ``size x size`` square with corner ``(top, left)`` to ``value``.

    The square may stick out of the image (negative ``top``/``left`` too): only
    its part inside is erased, as in DeVries & Taylor (2017), whose square
    center is drawn anywhere in the image. They erase to 0 after normalizing,
    i.e. to the data set mean; here images are in [0, 1] and ``value`` is yours.
    """
    check_image(img)
    for name, v in (("top", top), ("left", left), ("size", size)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an int, got {v!r}")
    if size <= 0:
        raise ValueError(f"cutout size must be positive, got {size}")
    img_h, img_w = image_size(img)
    out = img.clone()
    rows = slice(min(max(top, 0), img_h), min(max(top + size, 0), img_h))
    cols = slice(min(max(left, 0), img_w), min(max(left + size, 0), img_w))
    out[..., rows, cols] = value
    return out


def mixup(
    x: torch.Tensor, y_onehot: torch.Tensor, *, lam: float, perm: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix each example with a partner: Zhang et al. (2018).

    .. math::
        \\tilde x_n = \\lambda x_n + (1 - \\lambda) x_{\\pi(n)}, \\qquad
        \\tilde y_n = \\lambda y_n + (1 - \\lambda) y_{\\pi(n)}

    with :math:`\\lambda` = ``lam`` in [0, 1] and :math:`\\pi` = ``perm``, a
    permutation of ``range(N)``. ``x`` is any batch ``(N, ...)`` (images or
    features); ``y_onehot`` is ``(N, K)`` probabilities (one-hot labels), so the
    mixed labels stay probability vectors. Train with the soft-label cross
    entropy ``-(y_tilde * log_softmax(logits)).sum(1).mean()``.
    """
    perm = _check_mixup(x, y_onehot, lam, perm)
    x_mix = lam * x + (1.0 - lam) * x[perm]
    y_mix = lam * y_onehot + (1.0 - lam) * y_onehot[perm.to(y_onehot.device)]
    return x_mix, y_mix


def _check_mixup(x: torch.Tensor, y_onehot: torch.Tensor, lam: float, perm: torch.Tensor):
    """Checked arguments of :func:`mixup`; returns ``perm`` on ``x``'s device."""
    if not isinstance(x, torch.Tensor) or not isinstance(y_onehot, torch.Tensor):
        raise TypeError("x and y_onehot must be tensors")
    if not x.is_floating_point() or not y_onehot.is_floating_point():
        raise TypeError(
            f"x and y_onehot must be floating point (one-hot labels as floats), "
            f"got {x.dtype} and {y_onehot.dtype}"
        )
    if y_onehot.ndim != 2 or x.ndim == 0 or x.shape[0] != y_onehot.shape[0]:
        raise ValueError(
            f"x must be (N, ...) and y_onehot (N, K), got {tuple(x.shape)} and "
            f"{tuple(y_onehot.shape)}"
        )
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be a number in [0, 1], got {lam!r}")
    n = x.shape[0]
    if not isinstance(perm, torch.Tensor) or perm.dtype != torch.int64 or perm.shape != (n,):
        raise TypeError(f"perm must be an int64 tensor of shape ({n},), got {perm!r}")
    if not torch.equal(perm.sort().values.cpu(), torch.arange(n)):
        raise ValueError(f"perm must be a permutation of range({n}), got {perm.tolist()}")
    return perm.to(x.device)
