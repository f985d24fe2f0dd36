"""Random augmentations: each draws its parameters, then calls a kernel of :mod:`.functional`.

Every transform is a callable ``t(img) -> img`` on a float image in [0, 1],
``(C, H, W)`` or ``(N, C, H, W)``. For a batch, **each image draws its own
parameters** (its own flip, crop offset, jitter factors...), as a data loader
that augments image by image would; the batch is processed one image at a time.
(:class:`Mixup` is the exception: it mixes pairs *across* a batch, and takes
the labels too.)

Randomness: pass ``generator=`` a ``torch.Generator`` (or an int seed, which
makes a new generator) to make the draws reproducible; ``None`` draws from
torch's global generator as ``torch.rand`` does. Parameters are drawn on the
generator's device (the CPU by default) as Python numbers, so the same seed
gives the same augmentation whatever device the images are on.

This module holds the base class, :class:`Compose`, flips, crops, cutout and
mixup; color jitter and warps are in :mod:`.distortions`. Random transforms at
training time regularize like dropout: randomness added when training,
averaged out when testing (:func:`lecture7.augment.ten_crop_predict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from lecture7.augment import functional as F
from lecture7.augment._checks import (
    as_padding,
    as_pair,
    check_image,
    check_nonnegative,
    check_range,
    check_unit,
)

__all__ = [
    "Compose",
    "Cutout",
    "GeneratorLike",
    "Mixup",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomTransform",
]

GeneratorLike = torch.Generator | int | None


class RandomTransform:
    """Base class: ``make_params(img)`` draws a dict, ``transform(img, params)`` applies it.

    The drawing helpers (:meth:`uniform`, :meth:`randint`, :meth:`normal`,
    :meth:`permutation`) all use ``self.generator``.
    """

    def __init__(self, *, generator: GeneratorLike = None) -> None:
        if isinstance(generator, int) and not isinstance(generator, bool):
            generator = torch.Generator().manual_seed(generator)
        elif generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator, an int seed or None, got {generator!r}"
            )
        self.generator = generator

    def _draw(self, sampler: Callable[..., torch.Tensor], *args: Any) -> torch.Tensor:
        device = "cpu" if self.generator is None else self.generator.device
        return sampler(*args, generator=self.generator, device=device).cpu()

    def uniform(self, low: float, high: float) -> float:
        """One draw from U[low, high)."""
        return low + (high - low) * float(self._draw(torch.rand, ()))

    def randint(self, low: int, high: int) -> int:
        """One integer uniform on ``{low, ..., high}``, both ends included."""
        return int(self._draw(torch.randint, low, high + 1, ()))

    def normal(self, n: int) -> torch.Tensor:
        """``n`` draws from N(0, 1), on the CPU."""
        return self._draw(torch.randn, (n,))

    def permutation(self, n: int) -> torch.Tensor:
        """A random permutation of ``range(n)``, on the CPU."""
        return self._draw(torch.randperm, n)

    def make_params(self, img: torch.Tensor) -> dict[str, Any]:
        raise NotImplementedError

    def transform(self, img: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        check_image(img)
        if img.ndim == 3:
            return self.transform(img, self.make_params(img))
        return torch.stack([self.transform(one, self.make_params(one)) for one in img])

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "generator")
        return f"{type(self).__name__}({fields})"


class Compose:
    """Apply ``transforms`` in order: ``Compose([t1, t2])(img) == t2(t1(img))``."""

    def __init__(self, transforms: Sequence[Callable[[torch.Tensor], torch.Tensor]]) -> None:
        for t in transforms:
            if not callable(t):
                raise TypeError(f"Compose needs callables, got {t!r}")
        self.transforms = list(transforms)

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class RandomHorizontalFlip(RandomTransform):
    """Mirror left-right with probability ``p_flip`` (Krizhevsky et al., 2012)."""

    def __init__(self, *, p_flip: float = 0.5, generator: GeneratorLike = None) -> None:
        super().__init__(generator=generator)
        self.p_flip = check_unit(p_flip, name="p_flip")

    def make_params(self, img):
        return {"flip": self.uniform(0.0, 1.0) < self.p_flip}

    def transform(self, img, params):
        return F.hflip(img) if params["flip"] else img.clone()


class RandomCrop(RandomTransform):
    """Pad by ``padding``, then crop ``size`` at an offset uniform over *all* valid offsets.

    With padded size ``(H', W')`` the top-left corner is uniform on
    ``{0, ..., H' - h} x {0, ..., W' - w}``, both ends included. Random 224x224
    crops of 256x256 images are AlexNet's; pad 4 and crop 32 is the CIFAR-10 recipe.
    ``padding``/``padding_mode``/``fill`` are those of :func:`~.functional.pad`.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        *,
        padding: int | Sequence[int] = 0,
        padding_mode: str = "constant",
        fill: float = 0.0,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(generator=generator)
        self.size = as_pair(size, name="size")
        self.padding = as_padding(padding)
        if padding_mode not in F.PAD_MODES:
            raise ValueError(f"padding_mode must be one of {F.PAD_MODES}, got {padding_mode!r}")
        self.padding_mode, self.fill = padding_mode, fill

    def make_params(self, img):
        left, top, right, bottom = self.padding
        padded_h, padded_w = img.shape[-2] + top + bottom, img.shape[-1] + left + right
        h, w = self.size
        if h > padded_h or w > padded_w:
            raise ValueError(
                f"crop size {self.size} is larger than the padded image {(padded_h, padded_w)}"
            )
        return {"top": self.randint(0, padded_h - h), "left": self.randint(0, padded_w - w)}

    def transform(self, img, params):
        padded = F.pad(img, self.padding, mode=self.padding_mode, value=self.fill)
        return F.crop(padded, **params, height=self.size[0], width=self.size[1])


class RandomResizedCrop(RandomTransform):
    """Crop a random area fraction and aspect ratio, resize it to ``size`` (Inception / timm).

    Tries 10 times: area fraction ~ U(``scale``), aspect ratio w/h log-uniform
    in ``ratio``; the first box that fits is placed uniformly. If none fits,
    it falls back to the largest central box with the ratio clamped to
    ``ratio`` (torchvision's algorithm).
    """

    def __init__(
        self,
        size: int | Sequence[int],
        *,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(generator=generator)
        self.size = as_pair(size, name="size")
        self.scale = check_range(scale, name="scale", low=0.0, high=1.0)
        self.ratio = check_range(ratio, name="ratio", low=1e-12)
        if self.scale[1] == 0.0:
            raise ValueError(f"scale must allow a positive area, got {scale!r}")

    def make_params(self, img):
        img_h, img_w = img.shape[-2:]
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = img_h * img_w * self.uniform(*self.scale)
            aspect = math.exp(self.uniform(*log_ratio))
            w, h = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if 0 < w <= img_w and 0 < h <= img_h:
                top, left = self.randint(0, img_h - h), self.randint(0, img_w - w)
                return {"top": top, "left": left, "height": h, "width": w}
        w, h = img_w, img_h  # fallback: central box, ratio clamped into range
        if img_w / img_h < self.ratio[0]:
            h = round(img_w / self.ratio[0])
        elif img_w / img_h > self.ratio[1]:
            w = round(img_h * self.ratio[1])
        return {"top": (img_h - h) // 2, "left": (img_w - w) // 2, "height": h, "width": w}

    def transform(self, img, params):
        return F.resized_crop(img, **params, size=self.size)


class Cutout(RandomTransform):
    """Erase a ``size x size`` square centered uniformly in the image (DeVries & Taylor, 2017).

    The center is uniform over all pixels, so the square may be cut off by the
    border, as in the paper.
    """

    def __init__(self, *, size: int, value: float = 0.0, generator: GeneratorLike = None) -> None:
        super().__init__(generator=generator)
        self.size, self.value = as_pair(size, name="size")[0], value

    def make_params(self, img):
        half = self.size // 2
        return {"top": self.randint(0, img.shape[-2] - 1) - half,
                "left": self.randint(0, img.shape[-1] - 1) - half}

    def transform(self, img, params):
        return F.cutout(img, **params, size=self.size, value=self.value)


class Mixup(RandomTransform):
    """Mix a batch with a shuffled copy of itself, :math:`\\lambda \\sim \\mathrm{Beta}(\\alpha, \\alpha)`.

    ``Mixup(alpha=a)(x, y_onehot) -> (x_mixed, y_mixed)`` with one
    :math:`\\lambda` and one permutation per batch, as in Zhang et al. (2018);
    see :func:`~.functional.mixup`. torch's Beta sampler takes no generator,
    so :math:`\\lambda` comes from NumPy's Beta sampler seeded from ``generator``.
    """

    def __init__(self, *, alpha: float, generator: GeneratorLike = None) -> None:
        super().__init__(generator=generator)
        self.alpha = check_nonnegative(alpha, name="alpha")
        if self.alpha == 0.0:
            raise ValueError("alpha must be > 0 (alpha -> 0 means no mixing)")

    def make_params(self, x):
        rng = np.random.default_rng(self.randint(0, 2**62))
        return {"lam": float(rng.beta(self.alpha, self.alpha)),
                "perm": self.permutation(x.shape[0])}

    def __call__(self, x: torch.Tensor, y_onehot: torch.Tensor):  # type: ignore[override]
        if not isinstance(x, torch.Tensor) or x.ndim == 0:
            raise TypeError(f"x must be a batch tensor (N, ...), got {x!r}")
        return F.mixup(x, y_onehot, **self.make_params(x))
