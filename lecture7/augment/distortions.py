"""Random photometric and geometric distortions: color jitter, PCA color, affine, lens.

The lecture's "get creative" augmentations: random mixes of brightness,
contrast and saturation, AlexNet's PCA color shift, and random combinations of
translation, rotation, stretching, shearing and lens distortion. Each class
draws its parameters per image and calls a kernel of :mod:`.functional`; see
:mod:`.transforms` for the batch and randomness conventions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from lecture7.augment import functional as F
from lecture7.augment._checks import check_nonnegative, check_range, check_unit
from lecture7.augment.geometry import INTERPOLATIONS
from lecture7.augment.transforms import GeneratorLike, RandomTransform

__all__ = ["ColorJitter", "PCAColor", "RandomAffine", "RandomLensDistortion"]


def _jitter_range(value: float | Sequence[float], *, name: str) -> tuple[float, float]:
    """A number ``b`` means factors in ``[max(0, 1 - b), 1 + b]``; a pair is the range itself."""
    if isinstance(value, Sequence):
        return check_range(value, name=name, low=0.0)
    b = check_nonnegative(value, name=name)
    return max(0.0, 1.0 - b), 1.0 + b


class ColorJitter(RandomTransform):
    """Random brightness, contrast and saturation factors, applied in a random order.

    Each factor is uniform on ``[max(0, 1 - b), 1 + b]`` for a number ``b`` (0
    leaves it at 1), or on a given ``(min, max)``; the kernels are
    :func:`~.functional.adjust_brightness`, ``adjust_contrast``, ``adjust_saturation``.
    """

    def __init__(
        self,
        *,
        brightness: float | Sequence[float] = 0.0,
        contrast: float | Sequence[float] = 0.0,
        saturation: float | Sequence[float] = 0.0,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(generator=generator)
        self.brightness = _jitter_range(brightness, name="brightness")
        self.contrast = _jitter_range(contrast, name="contrast")
        self.saturation = _jitter_range(saturation, name="saturation")

    def make_params(self, img):
        ranges = (self.brightness, self.contrast, self.saturation)
        return {"order": self.permutation(3).tolist(),
                "factors": [self.uniform(*r) for r in ranges]}

    def transform(self, img, params):
        kernels = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation)
        for i in params["order"]:
            img = kernels[i](img, params["factors"][i])
        return img


class PCAColor(RandomTransform):
    """AlexNet's "fancy PCA": add :math:`\\sum_i \\alpha_i \\lambda_i p_i`, :math:`\\alpha_i \\sim N(0, \\sigma^2)`.

    ``eigvals``/``eigvecs`` come from :func:`~.functional.fit_pca_color` on the
    training images; ``std`` is :math:`\\sigma` (0.1 in Krizhevsky et al., 2012).
    """

    def __init__(
        self,
        *,
        eigvals: torch.Tensor,
        eigvecs: torch.Tensor,
        std: float = 0.1,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(generator=generator)
        self.eigvals, self.eigvecs = eigvals, eigvecs
        self.std = check_nonnegative(std, name="std")

    def make_params(self, img):
        return {"alphas": self.std * self.normal(3)}

    def transform(self, img, params):
        return F.pca_color_shift(img, eigvals=self.eigvals, eigvecs=self.eigvecs, **params)


class RandomAffine(RandomTransform):
    """Random rotation, translation, scale, stretch and shear, in one :func:`~.functional.affine`.

    Args:
        degrees: angle ~ U(-d, d) for a number ``d``, or U(min, max) for a pair;
            counter-clockwise positive.
        translate: ``(a, b)``: shift ~ U(-a W, a W) right and U(-b H, b H) down.
        scale: ``(min, max)``: an isotropic scale ``s`` ~ U(min, max).
        stretch: ``(min, max)``: an aspect change ``r``, log-uniform in the range,
            giving per-axis scales ``(s sqrt(r), s / sqrt(r))``.
        shear: x-shear ~ U(-a, a) degrees for a number ``a``; a 4-sequence gives
            ``(x_min, x_max, y_min, y_max)``.
        interpolation, fill: as in :func:`~.functional.affine`.
    """

    def __init__(
        self,
        *,
        degrees: float | Sequence[float] = 0.0,
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
        stretch: Sequence[float] | None = None,
        shear: float | Sequence[float] | None = None,
        interpolation: str = "bilinear",
        fill: float = 0.0,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(generator=generator)
        if isinstance(degrees, Sequence):
            self.degrees = check_range(degrees, name="degrees")
        else:
            d = check_nonnegative(degrees, name="degrees")
            self.degrees = (-d, d)
        if translate is None:
            translate = (0.0, 0.0)
        if not isinstance(translate, Sequence) or len(translate) != 2:
            raise TypeError(f"translate must be a pair of fractions (a, b), got {translate!r}")
        self.translate = tuple(check_unit(v, name="translate") for v in translate)
        self.scale = (1.0, 1.0) if scale is None else check_range(scale, name="scale", low=1e-12)
        self.stretch = (1.0, 1.0) if stretch is None else check_range(
            stretch, name="stretch", low=1e-12)
        if shear is None or not isinstance(shear, Sequence):
            a = check_nonnegative(0.0 if shear is None else shear, name="shear")
            self.shear = (-a, a, 0.0, 0.0)
        elif len(shear) == 4:
            self.shear = (*check_range(shear[:2], name="shear"), *check_range(shear[2:], name="shear"))
        else:
            raise TypeError(f"shear must be a number or a 4-sequence, got {shear!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
        self.interpolation, self.fill = interpolation, fill

    def make_params(self, img):
        img_h, img_w = img.shape[-2:]
        a, b = self.translate
        s = self.uniform(*self.scale)
        r = math.exp(self.uniform(math.log(self.stretch[0]), math.log(self.stretch[1])))
        return {
            "angle": self.uniform(*self.degrees),
            "translate": (self.uniform(-a * img_w, a * img_w), self.uniform(-b * img_h, b * img_h)),
            "scale": (s * math.sqrt(r), s / math.sqrt(r)),
            "shear": (self.uniform(*self.shear[:2]), self.uniform(*self.shear[2:])),
        }

    def transform(self, img, params):
        return F.affine(img, **params, interpolation=self.interpolation, fill=self.fill)


class RandomLensDistortion(RandomTransform):
    """Radial distortion with ``k ~ U(k_range)``: barrel for k > 0, pincushion for k < 0."""

    def __init__(
        self, *, k_range: Sequence[float], fill: float = 0.0, generator: GeneratorLike = None
    ) -> None:
        super().__init__(generator=generator)
        self.k_range, self.fill = check_range(k_range, name="k_range"), fill

    def make_params(self, img):
        return {"k": self.uniform(*self.k_range)}

    def transform(self, img, params):
        return F.lens_distortion(img, k=params["k"], fill=self.fill)
