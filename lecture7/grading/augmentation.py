"""Checks of assignment 7 (data augmentation): crops, flips, color jitter, PCA color.

Test cells call them with the student's code::

    from lecture7.grading.augmentation import check_hflip
    check_hflip(hflip)                            # visible: a flip by hand, a batch
    check_hflip(hflip, hidden=True, points=1)     # hidden: random images vs lecture7.augment

Images are float tensors in [0, 1], ``(C, H, W)`` or ``(N, C, H, W)``, made on
:func:`lecture7.default_device` (float64; float32 on Apple's MPS). The
deterministic kernels (``pad_and_crop``, ``hflip``, ``color_jitter``,
``fit_pca_color``, ``pca_color_shift``) are compared with
:mod:`lecture7.augment` output for output. The random part, ``crop_offsets``,
draws with the ``torch.Generator`` it is given and is graded by properties of
many draws (range, coverage, uniformity, reproducibility), since two correct
implementations may consume the generator differently.

The student's signatures differ a little from the library's (positional
arguments, a square crop), so the references are thin adapters below; each
runs :mod:`lecture7.augment` code, so a submission that calls them is caught
like one that calls :mod:`lecture7.augment` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.augment import (
    RandomCrop,
    adjust_brightness,
    adjust_contrast,
    adjust_saturation,
    crop,
    pad,
    pca_color_shift,
)
from lecture7.device import default_device
from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for

__all__ = ["check_color_jitter", "check_crop_offsets", "check_fit_pca_color", "check_hflip",
           "check_pad_and_crop", "check_pca_color_shift"]

#: Students must not run the reference implementations.
FORBIDDEN = ("lecture7.augment",)
LUMA = (0.2989, 0.587, 0.114)

ON_DEVICE = "a tensor on the image's device"
UNCHANGED = "no"
RETURNED, MODIFIED = "returned", "input modified in place"


# -- the references, with the students' signatures -------------------------------------


def reference_pad_and_crop(img, padding, top, left, size):
    """Zero-pad every side by ``padding``, then crop ``size x size`` at ``(top, left)``."""
    return crop(pad(img, padding), top=top, left=left, height=size, width=size)


def reference_crop_offsets(height, width, size, padding, generator):
    """``(top, left)`` uniform over all valid offsets of a padded ``height x width`` image."""
    params = RandomCrop(size, padding=padding, generator=generator).make_params(
        torch.empty(1, height, width))
    return params["top"], params["left"]


def reference_color_jitter(img, brightness, contrast, saturation):
    """Brightness, then contrast, then saturation, each clamped to [0, 1]."""
    return adjust_saturation(adjust_contrast(adjust_brightness(img, brightness), contrast),
                             saturation)


def reference_pca_color_shift(img, eigvals, eigvecs, alphas):
    """Add ``eigvecs @ (alphas * eigvals)`` to every pixel, clamp to [0, 1]."""
    return pca_color_shift(img, eigvals=eigvals, eigvecs=eigvecs, alphas=alphas)


# -- running student code -------------------------------------------------------------


def _dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64


def _image(a: Any) -> torch.Tensor:
    device = default_device()
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=_dtype(device), device=device)


def _numbers(x: Any, what: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


def _returned(out: Any, img: torch.Tensor) -> str:
    if not isinstance(out, torch.Tensor):
        return f"a {type(out).__name__}, not a torch tensor"
    if out.device != img.device:
        return f"a tensor on {out.device}, not on the image's device {img.device}"
    return ON_DEVICE


def _image_function(name: str, arguments: tuple[str, ...]):
    """A ``run`` for ``name(img, *arguments)`` that returns an image."""

    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        img = _image(inputs["img"])
        before = img.clone()
        extra = [_image(inputs[a]) if isinstance(inputs[a], np.ndarray) else inputs[a]
                 for a in arguments]
        out = objects[name](img, *extra)
        return {"output": _numbers(out, f"the output of {name}"),
                RETURNED: _returned(out, img),
                MODIFIED: UNCHANGED if torch.equal(img, before) else "yes: return a new tensor"}

    return run


def _offsets(result: Any) -> tuple[int, int]:
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"crop_offsets returned {type(result).__name__}; "
                        "expected a pair (top, left)")
    pair = []
    for what, value in zip(("top", "left"), result, strict=True):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{what} is a {type(value).__name__}, not a number") from None
        if not number.is_integer():
            raise TypeError(f"{what} = {number} is not a whole number of pixels")
        pair.append(int(number))
    return pair[0], pair[1]


def _about_uniform(values: list[int]) -> bool:
    """Whether every value between the smallest and the largest drawn appears about
    equally often: no count more than 6 standard deviations from n / k."""
    low, high = min(values), max(values)
    k, n = high - low + 1, len(values)
    if k == 1:
        return True
    counts = np.bincount(np.asarray(values) - low, minlength=k)
    sd = np.sqrt(n * (1 / k) * (1 - 1 / k))
    return bool(np.all(np.abs(counts - n / k) <= 6 * sd + 1))


def run_crop_offsets(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Draw ``draws`` offsets with one generator; then the first 10 again from the same seed."""
    draw = objects["crop_offsets"]
    args = (inputs["height"], inputs["width"], inputs["size"], inputs["padding"])
    generator = torch.Generator().manual_seed(inputs["seed"])
    pairs = [_offsets(draw(*args, generator)) for _ in range(inputs["draws"])]
    again = torch.Generator().manual_seed(inputs["seed"])
    repeated = [_offsets(draw(*args, again)) for _ in range(10)]
    tops, lefts = [p[0] for p in pairs], [p[1] for p in pairs]
    return {
        "smallest top": min(tops), "largest top": max(tops),
        "smallest left": min(lefts), "largest left": max(lefts),
        "every offset between the smallest and the largest drawn":
            len(set(tops)) == max(tops) - min(tops) + 1
            and len(set(lefts)) == max(lefts) - min(lefts) + 1,
        "offsets drawn about equally often": _about_uniform(tops) and _about_uniform(lefts),
        "the same generator seed gives the same offsets": repeated == pairs[:10],
    }


def run_fit_pca_color(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Fit on the images; eigenvector signs are normalized (largest entry positive)."""
    result = objects["fit_pca_color"](_image(inputs["images"]))
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"fit_pca_color returned {type(result).__name__}; "
                        "expected a pair (eigvals, eigvecs)")
    eigvals = _numbers(result[0], "eigvals")
    eigvecs = _numbers(result[1], "eigvecs")
    if eigvecs.shape == (3, 3):
        largest = eigvecs[np.abs(eigvecs).argmax(axis=0), np.arange(3)]
        eigvecs = eigvecs * np.where(largest < 0, -1.0, 1.0)
    return {"eigvals": eigvals, "eigvecs (columns, signs normalized)": eigvecs}


def run_pca_color_shift(objects: Mapping[str, Any], inputs: dict) -> dict:
    img = _image(inputs["img"])
    before = img.clone()
    basis = [_image(inputs[k]) for k in ("eigvals", "eigvecs", "alphas")]
    out = objects["pca_color_shift"](img, *basis)
    return {"output": _numbers(out, "the output of pca_color_shift"),
            RETURNED: _returned(out, img),
            MODIFIED: UNCHANGED if torch.equal(img, before) else "yes: return a new tensor"}


# -- random inputs --------------------------------------------------------------------


def _tinted(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random images in [0, 1] whose channels have different means and spreads."""
    channels = shape[-3]
    scale = rng.uniform(0.3, 1.0, channels).reshape(channels, 1, 1)
    offset = rng.uniform(0.0, 0.5, channels).reshape(channels, 1, 1)
    return np.clip(rng.uniform(0.0, 1.0, shape) * scale + offset * (1 - scale), 0.0, 1.0)


def _hand(img: list) -> np.ndarray:
    return np.array(img, dtype=np.float64)


def _image_expected(output: Any) -> dict:
    return {"output": np.array(output, dtype=np.float64), RETURNED: ON_DEVICE,
            MODIFIED: UNCHANGED}


# pad_and_crop ------------------------------------------------------------------------


def _crop_case(rng: np.random.Generator, shape: tuple, *, padding: int | None = None,
               size: int | None = None, where: str = "random") -> dict:
    height, width = shape[-2:]
    padding = int(rng.integers(1, 4)) if padding is None else padding
    largest = min(height, width) + 2 * padding
    size = int(rng.integers(2, largest + 1)) if size is None else size
    max_top, max_left = height + 2 * padding - size, width + 2 * padding - size
    if where == "random":
        top, left = int(rng.integers(0, max_top + 1)), int(rng.integers(0, max_left + 1))
    else:
        top, left = {"first": (0, max_left), "last": (max_top, 0), "corner": (max_top, max_left)}[where]
    return {"img": _tinted(rng, shape), "padding": padding, "top": top, "left": left, "size": size}


def pad_and_crop_visible(rng: np.random.Generator) -> list[Case]:
    # [[.1 .2 .3] [.4 .5 .6]] padded by 1 is 4x5; rows 1..3 and columns 2..4 of it
    # hold the right column of the image and the padding below and to the right.
    hand = {"img": _hand([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]]), "padding": 1, "top": 1,
            "left": 2, "size": 3}
    expected = _image_expected([[[0.2, 0.3, 0.0], [0.5, 0.6, 0.0], [0.0, 0.0, 0.0]]])
    return [Case("a 1x2x3 image padded by 1, a 3x3 crop at (1, 2), by hand", hand, expected),
            Case("a batch (4, 3, 8, 6), padding 2", _crop_case(rng, (4, 3, 8, 6), padding=2))]


def pad_and_crop_hidden(rng: np.random.Generator) -> list[Case]:
    def shape(batch: bool) -> tuple:
        hw = (int(rng.integers(4, 10)), int(rng.integers(4, 10)))
        return ((int(rng.integers(2, 5)),) if batch else ()) + (int(rng.choice([1, 3])),) + hw

    extremes = "offsets at the extremes: 0 and the last valid offset H + 2p - size"
    return [
        *[Case("single images (C, H, W), random offsets", _crop_case(rng, shape(False)))
          for _ in range(3)],
        *[Case("batches (N, C, H, W), random offsets", _crop_case(rng, shape(True)))
          for _ in range(2)],
        *[Case(extremes, _crop_case(rng, shape(b), where=w))
          for b, w in ((False, "first"), (True, "last"), (False, "corner"))],
        Case("no padding", _crop_case(rng, shape(True), padding=0)),
        Case("the crop as large as the padded image", _crop_case(rng, (3, 6, 6), size=10,
                                                                  padding=2)),
    ]


# crop_offsets ------------------------------------------------------------------------


def _offset_case(rng: np.random.Generator, height: int, width: int, size: int, padding: int,
                 draws: int = 300) -> dict:
    return {"height": height, "width": width, "size": size, "padding": padding,
            "seed": int(rng.integers(2**31)), "draws": draws}


def _offsets_expected(max_top: int, max_left: int) -> dict:
    return {"smallest top": 0, "largest top": max_top, "smallest left": 0,
            "largest left": max_left,
            "every offset between the smallest and the largest drawn": True,
            "offsets drawn about equally often": True,
            "the same generator seed gives the same offsets": True}


def crop_offsets_visible(rng: np.random.Generator) -> list[Case]:
    return [
        Case("CIFAR-10's recipe, 32x32 images padded by 4, 32x32 crops: offsets 0..8",
             _offset_case(rng, 32, 32, 32, 4), _offsets_expected(8, 8)),
        Case("a 10x6 image padded by 1, 5x5 crops: top 0..7, left 0..3 (4000 draws)",
             _offset_case(rng, 10, 6, 5, 1, draws=4000), _offsets_expected(7, 3)),
    ]


def crop_offsets_hidden(rng: np.random.Generator) -> list[Case]:
    def some(pad_low: int = 1) -> dict:
        height, width = int(rng.integers(5, 12)), int(rng.integers(5, 12))
        padding = int(rng.integers(pad_low, 4))
        size = int(rng.integers(2, min(height, width) + 1))
        return _offset_case(rng, height, width, size, padding)

    return [
        Case("random image sizes, paddings and crop sizes", some()),
        Case("random image sizes, paddings and crop sizes", some()),
        Case("non-square images: top and left have their own ranges",
             _offset_case(rng, 12, 5, 4, int(rng.integers(1, 3)))),
        Case("no padding: crops of a larger image (AlexNet's 224 of 256)", some(pad_low=0)
             | {"padding": 0}),
        Case("crops as large as the image, padding 1: offsets 0, 1 and 2",
             _offset_case(rng, 6, 6, 6, 1)),
        Case("each offset drawn about equally often (4000 draws of offsets 0..4)",
             _offset_case(rng, 8, 8, 8, 2, draws=4000)),
    ]


# hflip -------------------------------------------------------------------------------


def hflip_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"img": _hand([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]])}
    return [Case("a 1x2x3 image, by hand", hand,
                 _image_expected([[[0.3, 0.2, 0.1], [0.6, 0.5, 0.4]]])),
            Case("a batch (2, 3, 4, 5)", {"img": _tinted(rng, (2, 3, 4, 5))})]


def hflip_hidden(rng: np.random.Generator) -> list[Case]:
    def hw() -> tuple:
        return int(rng.integers(2, 9)), int(rng.integers(2, 9))

    return [
        *[Case("single RGB images (3, H, W)", {"img": _tinted(rng, (3, *hw()))}) for _ in range(2)],
        *[Case("batches (N, C, H, W)", {"img": _tinted(rng, (int(rng.integers(2, 5)), c, *hw()))})
          for c in (3, 1)],
        Case("edge cases: one row, one column", {"img": _tinted(rng, (3, 1, 6))}),
        Case("edge cases: one row, one column", {"img": _tinted(rng, (2, 3, 5, 1))}),
    ]


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

    return {"img": _tinted(rng, shape), "brightness": factor(b), "contrast": factor(c),
            "saturation": factor(s)}


def color_jitter_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"img": _hand([[[0.2, 0.8]], [[0.4, 0.6]], [[0.1, 0.5]]]), "brightness": 1.5,
            "contrast": 0.5, "saturation": 1.0}
    return [Case("a 3x1x2 image, brightness 1.5, contrast 0.5, by hand", hand,
                 _image_expected(_JITTER_HAND)),
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
    return {"img": _tinted(rng, shape), **_basis(rng), "alphas": std * rng.standard_normal(3)}


def pca_color_shift_visible(rng: np.random.Generator) -> list[Case]:
    # alphas * eigvals = (0.1, -0.1, 0.1); shift = 0.1 p1 - 0.1 p2 + 0.1 p3 = (0.14, 0.02, 0.1)
    hand = {"img": _hand([[[0.5, 0.9]], [[0.2, 0.0]], [[0.95, 0.3]]]),
            "eigvals": np.array([0.5, 0.2, 0.1]),
            "eigvecs": np.array([[0.6, -0.8, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0]]),
            "alphas": np.array([0.2, -0.5, 1.0])}
    expected = _image_expected([[[0.64, 1.0]], [[0.22, 0.02]], [[1.0, 0.4]]])
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


# -- the checks -----------------------------------------------------------------------


def _check(name: str, run, visible, hidden, **options: Any) -> Check:
    reference = (f"lecture7.augment:{name}" if name in ("hflip", "fit_pca_color")
                 else f"lecture7.grading.augmentation:reference_{name}")
    return Check(name, targets=(name,), references={name: reference}, run=run,
                 visible=visible, hidden=hidden, forbidden=FORBIDDEN,
                 mistakes=mistakes_for("augmentation", name), **options)


check_pad_and_crop = _check(
    "pad_and_crop", _image_function("pad_and_crop", ("padding", "top", "left", "size")),
    pad_and_crop_visible, pad_and_crop_hidden)
check_crop_offsets = _check("crop_offsets", run_crop_offsets, crop_offsets_visible,
                            crop_offsets_hidden)
check_hflip = _check("hflip", _image_function("hflip", ()), hflip_visible, hflip_hidden)
check_color_jitter = _check(
    "color_jitter", _image_function("color_jitter", ("brightness", "contrast", "saturation")),
    color_jitter_visible, color_jitter_hidden)
check_fit_pca_color = _check("fit_pca_color", run_fit_pca_color, fit_pca_color_visible,
                             fit_pca_color_hidden, rtol=1e-6, atol=1e-9)
check_pca_color_shift = _check("pca_color_shift", run_pca_color_shift, pca_color_shift_visible,
                               pca_color_shift_hidden)
