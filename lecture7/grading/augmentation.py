"""Checks of assignment 7 (data augmentation), part 1: crops and flips.

Test cells call them with the student's code::

    from lecture7.grading.augmentation import check_hflip
    check_hflip(hflip)                            # visible: a flip by hand, a batch
    check_hflip(hflip, hidden=True, points=1)     # hidden: random images vs lecture7.augment

Images are float tensors in [0, 1], ``(C, H, W)`` or ``(N, C, H, W)``, made on
:func:`lecture7.default_device` (float64; float32 on Apple's MPS). The deterministic
kernels (``pad_and_crop``, ``hflip``) are compared with :mod:`lecture7.augment` output
for output. The random part, ``crop_offsets``, draws with the ``torch.Generator`` it is
given and is graded by properties of many draws (range, coverage, uniformity,
reproducibility), since two correct implementations may consume the generator
differently. Color jitter and PCA color: :mod:`lecture7.grading.augmentation_color`.

**What is graded**: the returned image, that it is a tensor on the image's device, and,
as a sub-check of its own, that the input image is left as it was (it belongs to the
data set: augmenting it in place would change the data for every later epoch).
**Accepted without loss**: any tensor operations giving the same numbers (``torch.flip``,
slicing, ``F.pad``, indexing a zero tensor), any dtype the image had; for
``crop_offsets``, any way of drawing from the generator (``torch.randint``, ``torch.rand``
scaled), as long as the offsets are uniform and reproducible from the seed.

The student's signatures differ a little from the library's (positional arguments, a
square crop), so the references are thin adapters below; each runs
:mod:`lecture7.augment` code, so a submission that calls them is caught like one that
calls :mod:`lecture7.augment` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.augment import RandomCrop, crop, pad
from lecture7.grading.core import Case, Check
from lecture7.grading.observe import (
    MODIFIED,
    NONE,
    array,
    modified,
    pair,
    returned,
    snapshot,
    tensor,
)

__all__ = [
    "check_crop_offsets",
    "check_hflip",
    "check_pad_and_crop",
    "hand_image",
    "image_expected",
    "image_function",
    "tinted",
]

RETURNED = "returned"
ON_DEVICE = "a torch tensor on the input's device"

# -- the references, with the students' signatures -------------------------------------


def reference_pad_and_crop(img, padding, top, left, size):
    """Zero-pad every side by ``padding``, then crop ``size x size`` at ``(top, left)``."""
    return crop(pad(img, padding), top=top, left=left, height=size, width=size)


def reference_crop_offsets(height, width, size, padding, generator):
    """``(top, left)`` uniform over all valid offsets of a padded ``height x width`` image."""
    params = RandomCrop(size, padding=padding, generator=generator).make_params(
        torch.empty(1, height, width))
    return params["top"], params["left"]




# -- running student code -------------------------------------------------------------


def image_function(name: str, arguments: tuple[str, ...]):
    """A ``run`` for ``name(img, *arguments)`` that returns an image; array arguments
    become tensors on the image's device."""

    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        img = tensor(inputs["img"])
        before = snapshot(img)
        extra = [tensor(inputs[a]) if isinstance(inputs[a], np.ndarray) else inputs[a]
                 for a in arguments]
        out = objects[name](img, *extra)
        return {"output": array(out, f"the output of {name}"), RETURNED: returned(out, img),
                MODIFIED: modified(("img",), (before,), (img,))}

    return run


def _offsets(result: Any) -> tuple[int, int]:
    values = []
    for what, value in zip(("top", "left"), pair(result, "crop_offsets", ("top", "left")),
                           strict=True):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{what} is a {type(value).__name__}, not a number") from None
        if not number.is_integer():
            raise TypeError(f"{what} = {number} is not a whole number of pixels")
        values.append(int(number))
    return values[0], values[1]


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



# -- random inputs --------------------------------------------------------------------


def tinted(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random images in [0, 1] whose channels have different means and spreads."""
    channels = shape[-3]
    scale = rng.uniform(0.3, 1.0, channels).reshape(channels, 1, 1)
    offset = rng.uniform(0.0, 0.5, channels).reshape(channels, 1, 1)
    return np.clip(rng.uniform(0.0, 1.0, shape) * scale + offset * (1 - scale), 0.0, 1.0)


def hand_image(img: list) -> np.ndarray:
    return np.array(img, dtype=np.float64)


def image_expected(output: Any) -> dict:
    return {"output": np.array(output, dtype=np.float64), RETURNED: ON_DEVICE, MODIFIED: NONE}


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
    return {"img": tinted(rng, shape), "padding": padding, "top": top, "left": left, "size": size}


def pad_and_crop_visible(rng: np.random.Generator) -> list[Case]:
    # [[.1 .2 .3] [.4 .5 .6]] padded by 1 is 4x5; rows 1..3 and columns 2..4 of it
    # hold the right column of the image and the padding below and to the right.
    hand = {"img": hand_image([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]]), "padding": 1, "top": 1,
            "left": 2, "size": 3}
    expected = image_expected([[[0.2, 0.3, 0.0], [0.5, 0.6, 0.0], [0.0, 0.0, 0.0]]])
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
    hand = {"img": hand_image([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]])}
    return [Case("a 1x2x3 image, by hand", hand,
                 image_expected([[[0.3, 0.2, 0.1], [0.6, 0.5, 0.4]]])),
            Case("a batch (2, 3, 4, 5)", {"img": tinted(rng, (2, 3, 4, 5))})]


def hflip_hidden(rng: np.random.Generator) -> list[Case]:
    def hw() -> tuple:
        return int(rng.integers(2, 9)), int(rng.integers(2, 9))

    return [
        *[Case("single RGB images (3, H, W)", {"img": tinted(rng, (3, *hw()))}) for _ in range(2)],
        *[Case("batches (N, C, H, W)", {"img": tinted(rng, (int(rng.integers(2, 5)), c, *hw()))})
          for c in (3, 1)],
        Case("edge cases: one row, one column", {"img": tinted(rng, (3, 1, 6))}),
        Case("edge cases: one row, one column", {"img": tinted(rng, (2, 3, 5, 1))}),
    ]



check_pad_and_crop = Check(
    "pad_and_crop", reference="lecture7.grading.augmentation:reference_pad_and_crop",
    run=image_function("pad_and_crop", ("padding", "top", "left", "size")),
    visible=pad_and_crop_visible, hidden=pad_and_crop_hidden, forbidden=("lecture7.augment",),
    mistakes="augmentation")
check_crop_offsets = Check(
    "crop_offsets", reference="lecture7.grading.augmentation:reference_crop_offsets",
    run=run_crop_offsets, visible=crop_offsets_visible, hidden=crop_offsets_hidden,
    forbidden=("lecture7.augment",), mistakes="augmentation")
check_hflip = Check(
    "hflip", reference="lecture7.augment:hflip", run=image_function("hflip", ()),
    visible=hflip_visible, hidden=hflip_hidden, mistakes="augmentation")
