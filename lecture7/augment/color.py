"""Color kernels: brightness, contrast, saturation jitter and AlexNet's PCA color shift.

Each kernel takes a float image in [0, 1], ``(C, H, W)`` or ``(N, C, H, W)``,
with 1 or 3 channels (RGB), and clamps its result back to [0, 1]. The jitter
kernels are all one operation, a blend with a reference image ``r``:

.. math::
    \\text{out} = \\operatorname{clamp}_{[0, 1]}\\bigl(f \\cdot \\text{img} + (1 - f)\\, r\\bigr)

with :math:`f` the factor argument (``f = 1`` is the identity): brightness
blends with black (``r = 0``), contrast with the mean gray level of the image,
saturation with the image's own grayscale. The formulas (and the ITU-R 601
luma weights 0.2989, 0.587, 0.114) are torchvision's.

PCA color ("fancy PCA", Krizhevsky et al., 2012, section 4.1): with
:math:`p_i, \\lambda_i` the eigenvectors and eigenvalues of the 3x3 covariance
of the training set's RGB pixel values, every pixel of an image gets the same
shift

.. math::
    I_{xy} \\leftarrow I_{xy} + [p_1, p_2, p_3]\\,[\\alpha_1 \\lambda_1,
    \\alpha_2 \\lambda_2, \\alpha_3 \\lambda_3]^T,
    \\qquad \\alpha_i \\sim \\mathcal N(0, 0.1^2) \\text{ drawn once per image.}

Colors move along the directions in which natural colors vary (mostly
brightness, then a blue-yellow axis), "approximately capturing an important
property of natural images, namely, that object identity is invariant to
changes in the intensity and color of the illumination".
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from lecture7.augment._checks import check_image, check_nonnegative

__all__ = [
    "PCAColorBasis",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "fit_pca_color",
    "pca_color_shift",
    "to_grayscale",
]

LUMA_WEIGHTS = (0.2989, 0.587, 0.114)


def _check_channels(img: torch.Tensor, allowed: tuple[int, ...]) -> int:
    channels = int(img.shape[-3])
    if channels not in allowed:
        expected = " or ".join(str(c) for c in allowed)
        raise ValueError(f"expected {expected} channels, got an image with {channels} channel(s)")
    return channels


def _blend(img: torch.Tensor, reference: torch.Tensor | float, factor: float) -> torch.Tensor:
    """``clamp(factor * img + (1 - factor) * reference, 0, 1)``."""
    return (img * factor + reference * (1.0 - factor)).clamp(0.0, 1.0)


def to_grayscale(img: torch.Tensor, *, num_output_channels: int = 1) -> torch.Tensor:
    """Luma ``Y = 0.2989 R + 0.587 G + 0.114 B``, repeated to ``num_output_channels`` (1 or 3).

    A 1-channel image is already gray and is returned as (a copy of) itself.
    """
    check_image(img)
    channels = _check_channels(img, (1, 3))
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels!r}")
    if channels == 1:
        gray = img.clone()
    else:
        r, g, b = img.unbind(dim=-3)
        gray = (LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b).unsqueeze(-3)
    return gray.expand(*img.shape[:-3], num_output_channels, *img.shape[-2:]).clone()


def adjust_brightness(img: torch.Tensor, factor: float) -> torch.Tensor:
    """Scale intensities: blend with black, ``clamp(factor * img)``; ``factor >= 0``."""
    check_image(img)
    factor = check_nonnegative(factor, name="brightness factor")
    return _blend(img, 0.0, factor)


def adjust_contrast(img: torch.Tensor, factor: float) -> torch.Tensor:
    """Blend with the image's mean gray level ``m``: ``clamp(factor * img + (1 - factor) m)``.

    ``m`` is the mean of :func:`to_grayscale` over each image (one ``m`` per
    image of a batch); ``factor = 0`` gives the uniform image ``m``.
    """
    check_image(img)
    _check_channels(img, (1, 3))
    factor = check_nonnegative(factor, name="contrast factor")
    mean = to_grayscale(img).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, factor)


def adjust_saturation(img: torch.Tensor, factor: float) -> torch.Tensor:
    """Blend with the image's own grayscale; ``factor = 0`` gives the gray image.

    A 1-channel image has no saturation and is returned unchanged (like torchvision).
    """
    check_image(img)
    channels = _check_channels(img, (1, 3))
    factor = check_nonnegative(factor, name="saturation factor")
    if channels == 1:
        return img.clone()
    return _blend(img, to_grayscale(img), factor)


class PCAColorBasis(NamedTuple):
    """Principal components of RGB pixel values: ``eigvals[i]`` belongs to ``eigvecs[:, i]``.

    Sorted by decreasing eigenvalue (``torch.linalg.eigh`` sorts increasing);
    each eigenvector is signed so that its largest-magnitude entry is positive.
    """

    eigvals: torch.Tensor  # (3,), variances along the components
    eigvecs: torch.Tensor  # (3, 3), orthonormal columns


def fit_pca_color(images: torch.Tensor) -> PCAColorBasis:
    """Eigen-decompose the 3x3 covariance of all RGB pixel values in ``images``.

    With the pixels as rows of :math:`X \\in \\mathbb R^{P \\times 3}` and mean
    :math:`\\bar x`, the covariance is
    :math:`\\Sigma = (X - \\bar x)^T (X - \\bar x) / (P - 1)` (NumPy's ``np.cov``)
    and :math:`\\Sigma = \\sum_i \\lambda_i p_i p_i^T`.

    Args:
        images: ``(3, H, W)`` or ``(N, 3, H, W)``, the training images.
    """
    check_image(images, name="images")
    _check_channels(images, (3,))
    pixels = images.movedim(-3, -1).reshape(-1, 3)  # (P, 3)
    if pixels.shape[0] < 2:
        raise ValueError(f"need at least 2 pixels to fit a covariance, got {pixels.shape[0]}")
    centered = pixels - pixels.mean(dim=0)
    covariance = centered.T @ centered / (pixels.shape[0] - 1)  # (3, 3)
    eigvals, eigvecs = torch.linalg.eigh(covariance)  # increasing
    eigvals, eigvecs = eigvals.flip(0).clamp(min=0.0), eigvecs.flip(1)
    largest = eigvecs.gather(0, eigvecs.abs().argmax(dim=0, keepdim=True))  # (1, 3)
    return PCAColorBasis(eigvals=eigvals, eigvecs=eigvecs * largest.sign())


def pca_color_shift(
    img: torch.Tensor, *, eigvals: torch.Tensor, eigvecs: torch.Tensor, alphas: torch.Tensor
) -> torch.Tensor:
    """Add :math:`\\sum_i \\alpha_i \\lambda_i p_i` to every pixel, then clamp to [0, 1].

    Args:
        img: RGB image(s); the same shift is added to every pixel (and image).
        eigvals: :math:`\\lambda`, shape ``(3,)``, e.g. from :func:`fit_pca_color`.
        eigvecs: :math:`[p_1, p_2, p_3]` as columns, shape ``(3, 3)``.
        alphas: :math:`\\alpha`, shape ``(3,)``.

    Convention: the paper's formula is not scale-free (:math:`\\lambda` is a
    variance, in squared pixel units): fit the basis on images in the same
    [0, 1] range that you shift, and pick the std of :math:`\\alpha` for that range.
    """
    eigvals, eigvecs, alphas = _check_pca(img, eigvals, eigvecs, alphas)
    shift = eigvecs @ (alphas * eigvals)  # (3,): one color shift for every pixel
    return (img + shift[:, None, None]).clamp(0.0, 1.0)


def _check_pca(img: torch.Tensor, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``eigvals`` (3,), ``eigvecs`` (3, 3) and ``alphas`` (3,) checked, on ``img``'s device."""
    check_image(img)
    _check_channels(img, (3,))
    names, shapes = ("eigvals", "eigvecs", "alphas"), ((3,), (3, 3), (3,))
    for name, t, shape in zip(names, tensors, shapes, strict=True):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a tensor, got {type(t).__name__}")
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
    return tuple(t.to(img) for t in tensors)
