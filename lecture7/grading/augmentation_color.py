"""Checks of assignment 7 (data augmentation), part 2: color jitter and PCA color.

Test cells call them with the student's code::

    from lecture7.grading.augmentation_color import check_color_jitter
    check_color_jitter(color_jitter)                          # visible: by hand, a batch
    check_color_jitter(color_jitter, hidden=True, points=2)   # hidden: vs lecture7.augment

As in :mod:`lecture7.grading.augmentation`: images are float tensors in [0, 1] on
:func:`lecture7.default_device`, compared output for output with :mod:`lecture7.augment`.
**What is graded**: the returned image (on the image's device) and, as a sub-check of
its own, that the input is left as it was; for ``fit_pca_color``, the eigenvalues and the
eigenvectors (columns, each up to its sign). **Accepted without loss**: any torch
operations giving the same numbers (``torch.linalg.eigh`` or ``svd``, ``torch.cov`` or
the covariance written out, ``clamp`` or ``clip``), eigenvectors of either sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lecture7.augment import adjust_brightness, adjust_contrast, adjust_saturation, pca_color_shift
from lecture7.grading.augmentation import hand_image, image_expected, image_function, tinted
from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array, pair, tensor

__all__ = ["check_color_jitter", "check_fit_pca_color", "check_pca_color_shift"]

LUMA = (0.2989, 0.587, 0.114)

# -- the references, with the students' signatures -------------------------------------


def reference_color_jitter(img, brightness, contrast, saturation):
    """Brightness, then contrast, then saturation, each clamped to [0, 1]."""
    return adjust_saturation(adjust_contrast(adjust_brightness(img, brightness), contrast),
                             saturation)


def reference_pca_color_shift(img, eigvals, eigvecs, alphas):
    """Add ``eigvecs @ (alphas * eigvals)`` to every pixel, clamp to [0, 1]."""
    return pca_color_shift(img, eigvals=eigvals, eigvecs=eigvecs, alphas=alphas)



def run_fit_pca_color(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Fit on the images; eigenvector signs are normalized (largest entry positive)."""
    result = objects["fit_pca_color"](tensor(inputs["images"]))
    eigvals, eigvecs = pair(result, "fit_pca_color", ("eigvals", "eigvecs"))
    eigvals, eigvecs = array(eigvals, "eigvals"), array(eigvecs, "eigvecs")
    if eigvecs.shape == (3, 3):
        largest = eigvecs[np.abs(eigvecs).argmax(axis=0), np.arange(3)]
        eigvecs = eigvecs * np.where(largest < 0, -1.0, 1.0)
    return {"eigvals": eigvals, "eigvecs (columns, signs normalized)": eigvecs}



# color_jitter ------------------------------------------------------------------------

# The hand case: 2 pixels (R, G, B) = (0.2, 0.4, 0.1) and (0.8, 0.6, 0.5); brightness 1.5
# gives (0.3, 0.6, 0.15) and (1.2 -> 1.0, 0.9, 0.75); contrast 0.5 blends halfway with
# the mean luma m of those two pixels; saturation 1 changes nothing.
_M = ((LUMA[0] * 0.3 + LUMA[1] * 0.6 + LUMA[2] * 0.15)
      + (LUMA[0] * 1.0 + LUMA[1] * 0.9 + LUMA[2] * 0.75)) / 2
_JITTER_HAND = [[[0.5 * 0.3 + 0.5 * _M, 0.5 * 1.0 + 0.5 * _M]],
                [[0.5 * 0.6 + 0.5 * _M, 0.5 * 0.9 + 0.5 * _M]],
                [[0.5 * 0.15 + 0.5 * _M, 0.5 * 0.75 + 0.5 * _M]]]


def _jitter(rng: np.random.Generator, shape: tuple, b: float | None = None,
            c: float | None = None, s: float | None = None) -> dict:
    def factor(value: float | None) -> float:
        return float(rng.uniform(0.2, 1.8)) if value is None else value

    return {"img": tinted(rng, shape), "brightness": factor(b), "contrast": factor(c),
            "saturation": factor(s)}


def color_jitter_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"img": hand_image([[[0.2, 0.8]], [[0.4, 0.6]], [[0.1, 0.5]]]), "brightness": 1.5,
            "contrast": 0.5, "saturation": 1.0}
    return [Case("a 3x1x2 image, brightness 1.5, contrast 0.5, by hand", hand,
                 image_expected(_JITTER_HAND)),
            Case("a batch (2, 3, 4, 4), random factors", _jitter(rng, (2, 3, 4, 4)))]


def color_jitter_hidden(rng: np.random.Generator) -> list[Case]:
    def shape(batch: bool) -> tuple:
        hw = (int(rng.integers(3, 8)), int(rng.integers(3, 8)))
        return ((int(rng.integers(2, 5)),) if batch else ()) + (3, *hw)

    bright = float(rng.uniform(1.2, 1.8))
    return [
        Case("brightness only (contrast = saturation = 1)", _jitter(rng, shape(False), c=1, s=1)),
        Case("brightness only (contrast = saturation = 1)",
             _jitter(rng, shape(True), b=bright, c=1, s=1)),
        Case("contrast only: blend with the mean luma of each image",
             _jitter(rng, shape(False), b=1, s=1)),
        Case("contrast only: blend with the mean luma of each image",
             _jitter(rng, shape(True), b=1, c=float(rng.uniform(1.2, 1.8)), s=1)),
        Case("saturation only: blend with each pixel's luma", _jitter(rng, shape(False), b=1, c=1)),
        Case("saturation only: blend with each pixel's luma",
             _jitter(rng, shape(True), b=1, c=1, s=float(rng.uniform(1.2, 1.8)))),
        *[Case("all three, in the order brightness, contrast, saturation",
               _jitter(rng, shape(batch))) for batch in (False, True)],
        Case("edge cases: factors 0 (black, uniform gray, grayscale) and 1 (unchanged)",
             _jitter(rng, shape(True), b=1, c=0, s=0)),
        Case("edge cases: factors 0 (black, uniform gray, grayscale) and 1 (unchanged)",
             _jitter(rng, shape(False), b=0, c=1, s=1)),
    ]


# fit_pca_color -----------------------------------------------------------------------


def _colored(rng: np.random.Generator, shape: tuple, *, mean: float = 0.5,
             spread: tuple = (0.04, 0.01, 0.0025)) -> np.ndarray:
    """Images whose RGB values vary along random orthogonal directions with variances
    about ``spread`` (well separated, so the eigenvectors are well defined)."""
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    std = np.sqrt(np.asarray(spread) * rng.uniform(0.7, 1.3, 3))
    n = int(np.prod(shape)) // 3
    pixels = mean + rng.uniform(-0.05, 0.05, 3) + (rng.standard_normal((n, 3)) * std) @ q.T
    pixels = np.clip(pixels, 0.0, 1.0)
    batch = shape[:-3]
    return pixels.reshape(*batch, shape[-2], shape[-1], 3).transpose(
        *range(len(batch)), -1, -3, -2).copy()


def fit_pca_color_visible(rng: np.random.Generator) -> list[Case]:
    # 4 pixels 0.5 + (0.3 s1, 0.2 s2, 0.1 s3), with orthogonal zero-mean sign patterns
    # s1 = (1, 1, -1, -1), s2 = (1, -1, 1, -1), s3 = (1, -1, -1, 1): the covariance is
    # diag(0.09, 0.04, 0.01) * 4 / 3 (4 pixels, divided by P - 1 = 3); eigenvectors: the axes.
    s = np.array([[1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]], dtype=np.float64)
    img = (0.5 + np.array([0.3, 0.2, 0.1])[:, None] * s).reshape(3, 2, 2)
    expected = {"eigvals": np.array([0.09, 0.04, 0.01]) * 4 / 3,
                "eigvecs (columns, signs normalized)": np.eye(3)}
    return [Case("a 3x2x2 image whose covariance is diagonal, by hand", {"images": img}, expected),
            Case("a batch (4, 3, 5, 5) of random images", {"images": _colored(rng, (4, 3, 5, 5))})]


def fit_pca_color_hidden(rng: np.random.Generator) -> list[Case]:
    def hw() -> tuple:
        return int(rng.integers(6, 12)), int(rng.integers(6, 12))

    return [
        *[Case("a single image (3, H, W)", {"images": _colored(rng, (3, *hw()))}) for _ in range(2)],
        *[Case("batches (N, 3, H, W)", {"images": _colored(rng, (int(rng.integers(2, 6)), 3, *hw()))})
          for _ in range(2)],
        Case("dark and bright images: the mean must be subtracted",
             {"images": _colored(rng, (3, 3, *hw()), mean=0.2, spread=(0.01, 0.003, 0.001))}),
        Case("dark and bright images: the mean must be subtracted",
             {"images": _colored(rng, (3, *hw()), mean=0.8, spread=(0.01, 0.003, 0.001))}),
        Case("one dominant component (nearly gray variations)",
             {"images": _colored(rng, (2, 3, *hw()), spread=(0.05, 0.002, 0.0005))}),
    ]


# pca_color_shift ---------------------------------------------------------------------


def _basis(rng: np.random.Generator) -> dict:
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    eigvals = np.sort(rng.uniform(0.001, 0.05, 3))[::-1].copy()
    return {"eigvals": eigvals, "eigvecs": q}


def _shift(rng: np.random.Generator, shape: tuple, std: float = 0.1) -> dict:
    return {"img": tinted(rng, shape), **_basis(rng), "alphas": std * rng.standard_normal(3)}


def pca_color_shift_visible(rng: np.random.Generator) -> list[Case]:
    # alphas * eigvals = (0.1, -0.1, 0.1); shift = 0.1 p1 - 0.1 p2 + 0.1 p3 = (0.14, 0.02, 0.1)
    hand = {"img": hand_image([[[0.5, 0.9]], [[0.2, 0.0]], [[0.95, 0.3]]]),
            "eigvals": np.array([0.5, 0.2, 0.1]),
            "eigvecs": np.array([[0.6, -0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]]),
            "alphas": np.array([0.2, -0.5, 1.0])}
    expected = image_expected([[[0.64, 1.0]], [[0.22, 0.02]], [[1.0, 0.4]]])
    return [Case("a 3x1x2 image, by hand (two values clamped to 1)", hand, expected),
            Case("a batch (2, 3, 4, 4), random basis and alphas", _shift(rng, (2, 3, 4, 4)))]


def pca_color_shift_hidden(rng: np.random.Generator) -> list[Case]:
    def hw() -> tuple:
        return int(rng.integers(2, 7)), int(rng.integers(2, 7))

    return [
        *[Case("single images, alphas ~ N(0, 0.1^2)", _shift(rng, (3, *hw()))) for _ in range(2)],
        *[Case("batches: the same shift for every pixel of every image",
               _shift(rng, (int(rng.integers(2, 5)), 3, *hw()))) for _ in range(2)],
        *[Case("large shifts: clamp to [0, 1]", _shift(rng, (3, *hw()), std=20.0))
          for _ in range(2)],
    ]



check_color_jitter = Check(
    "color_jitter", reference="lecture7.grading.augmentation_color:reference_color_jitter",
    run=image_function("color_jitter", ("brightness", "contrast", "saturation")),
    visible=color_jitter_visible, hidden=color_jitter_hidden, forbidden=("lecture7.augment",),
    mistakes="augmentation")
check_fit_pca_color = Check(
    "fit_pca_color", reference="lecture7.augment:fit_pca_color", run=run_fit_pca_color,
    visible=fit_pca_color_visible, hidden=fit_pca_color_hidden, rtol=1e-6, atol=1e-9,
    mistakes="augmentation")
check_pca_color_shift = Check(
    "pca_color_shift", reference="lecture7.grading.augmentation_color:reference_pca_color_shift",
    run=image_function("pca_color_shift", ("eigvals", "eigvecs", "alphas")),
    visible=pca_color_shift_visible, hidden=pca_color_shift_hidden,
    forbidden=("lecture7.augment",), mistakes="augmentation")
