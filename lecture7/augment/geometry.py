"""Resampling kernels: affine warps and lens distortion, both through ``grid_sample``.

A warp is written as the map from each *output* pixel to the point of the
*input* that it shows; ``F.grid_sample`` then reads the input there
(bilinear or nearest), and points outside the image read ``fill``.

Coordinates. Pixel ``(i, j)`` (row, column) has its center at
``x = j + 1/2 - W/2`` (right) and ``y = i + 1/2 - H/2`` (down), measured in
pixels from the image center. ``grid_sample`` wants normalized coordinates
``x / (W/2)``, ``y / (H/2)`` with ``align_corners=False`` (then -1 and 1 are the
outer edges of the border pixels, not their centers); this is the convention
under which a 90 degree turn maps pixel centers exactly onto pixel centers and
equals ``torch.rot90``. Geometry is done in pixel units, then converted, so a
rotation of a non-square image stays a rotation.

Affine map (torchvision's composition, with the angle sign flipped, see
:func:`affine`), with :math:`\\theta` = ``angle``, :math:`(s_x, s_y)` = ``scale``,
:math:`(\\phi_x, \\phi_y)` = ``shear`` and :math:`t` = ``translate``:

.. math::
    p_\\text{out} = A\\, p_\\text{in} + t, \\qquad
    A = R(\\theta)\\, \\operatorname{diag}(s_x, s_y)\\, \\operatorname{Sh}_y(\\phi_y)\\,
        \\operatorname{Sh}_x(\\phi_x),

    R(\\theta) = \\begin{bmatrix} \\cos\\theta & \\sin\\theta \\\\ -\\sin\\theta & \\cos\\theta
    \\end{bmatrix},\\;
    \\operatorname{Sh}_x(\\phi) = \\begin{bmatrix} 1 & -\\tan\\phi \\\\ 0 & 1 \\end{bmatrix},\\;
    \\operatorname{Sh}_y(\\phi) = \\begin{bmatrix} 1 & 0 \\\\ -\\tan\\phi & 1 \\end{bmatrix}

(in x-right, y-down coordinates :math:`R(\\theta)` turns counter-clockwise on
screen), sampled through the inverse :math:`p_\\text{in} = A^{-1}(p_\\text{out} - t)`.

Lens distortion: a radial map :math:`p_\\text{in} = p_\\text{out}(1 + k r^2)`,
with :math:`r = |p_\\text{out}|` in units of half the image diagonal (so
``r = 1`` at the corners).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from lecture7.augment._checks import check_image, image_size

__all__ = ["affine", "lens_distortion"]

INTERPOLATIONS = ("bilinear", "nearest")


def _number(value: object, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def _pair(value: float | Sequence[float], *, name: str, single: tuple[float, float] | None):
    """A number means ``single`` (with the number in place of 1.0 / 0.0), else a 2-sequence."""
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise TypeError(f"{name} must be a number or a pair, got {value!r}")
        return _number(value[0], name=name), _number(value[1], name=name)
    v = _number(value, name=name)
    return (v, v) if single is None else (v * single[0], v * single[1])


def _sample(img: torch.Tensor, grid: torch.Tensor, interpolation: str, fill: float) -> torch.Tensor:
    """Read ``img`` at normalized ``grid`` points (N, H, W, 2); outside reads ``fill``.

    ``grid_sample`` pads with zeros, so sample ``img - fill`` and add ``fill``
    back: a bilinear sample that straddles the border blends with ``fill``.
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    fill = _number(fill, name="fill")
    batch = img if img.ndim == 4 else img.unsqueeze(0)
    grid = grid.expand(batch.shape[0], -1, -1, -1)
    out = F.grid_sample(
        batch - fill, grid, mode=interpolation, padding_mode="zeros", align_corners=False
    )
    out = out + fill
    return out if img.ndim == 4 else out.squeeze(0)


def _identity_grid(img: torch.Tensor) -> torch.Tensor:
    """Normalized centers of the output pixels, (1, H, W, 2) as (x, y)."""
    identity = torch.eye(2, 3, dtype=img.dtype, device=img.device).unsqueeze(0)
    return F.affine_grid(identity, [1, 1, *image_size(img)], align_corners=False)


def affine(
    img: torch.Tensor,
    *,
    angle: float = 0.0,
    translate: Sequence[float] = (0.0, 0.0),
    scale: float | Sequence[float] = 1.0,
    shear: float | Sequence[float] = 0.0,
    interpolation: str = "bilinear",
    fill: float = 0.0,
) -> torch.Tensor:
    """Translate, rotate, scale/stretch and shear about the image center, in one resampling.

    Args:
        img: ``(C, H, W)`` or ``(N, C, H, W)``.
        angle: :math:`\\theta` in degrees, **counter-clockwise** as displayed
            (row 0 at the top): ``angle=90`` equals ``torch.rot90(img, 1, dims=(-2, -1))``
            on a square image. torchvision's ``affine`` turns clockwise
            (its ``rotate`` counter-clockwise): ``affine(img, angle=a, ...)``
            here equals ``torchvision...functional.affine(img, angle=-a, ...)``.
        translate: :math:`t = (t_x, t_y)` in pixels, right and down.
        scale: :math:`s` or per-axis :math:`(s_x, s_y)`, > 0; unequal values stretch.
        shear: degrees; a number :math:`\\phi_x` shears along x (torchvision's
            convention), a pair is :math:`(\\phi_x, \\phi_y)`.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill: the value shown where the output maps outside the input.
    """
    check_image(img)
    theta = math.radians(_number(angle, name="angle"))
    if not isinstance(translate, Sequence) or len(translate) != 2:
        raise TypeError(f"translate must be a (tx, ty) pair of numbers, got {translate!r}")
    tx, ty = (_number(v, name="translate") for v in translate)
    sx, sy = _pair(scale, name="scale", single=None)
    if sx <= 0 or sy <= 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    shx, shy = (math.radians(v) for v in _pair(shear, name="shear", single=(1.0, 0.0)))
    if max(abs(shx), abs(shy)) >= math.pi / 2:
        raise ValueError(f"shear must lie strictly between -90 and 90 degrees, got {shear!r}")
    height, width = image_size(img)
    # The 2x3 matrix is a handful of numbers: build it in float64 on the CPU, then move it.
    c, s = math.cos(theta), math.sin(theta)
    rotation = torch.tensor([[c, s], [-s, c]], dtype=torch.float64)
    stretch = torch.diag(torch.tensor([sx, sy], dtype=torch.float64))
    shear_y = torch.tensor([[1.0, 0.0], [-math.tan(shy), 1.0]], dtype=torch.float64)
    shear_x = torch.tensor([[1.0, -math.tan(shx)], [0.0, 1.0]], dtype=torch.float64)
    forward = rotation @ stretch @ shear_y @ shear_x  # A, in pixel units
    inverse = torch.linalg.inv(forward)  # p_in = A^-1 (p_out - t)
    offset = -inverse @ torch.tensor([tx, ty], dtype=torch.float64)
    # normalized q = D^-1 p, D = diag(W/2, H/2):  q_in = (D^-1 A^-1 D) q_out + D^-1 (-A^-1 t)
    half = torch.tensor([width / 2.0, height / 2.0], dtype=torch.float64)
    linear = inverse * half[None, :] / half[:, None]
    theta_matrix = torch.cat([linear, (offset / half)[:, None]], dim=1)  # (2, 3)
    theta_matrix = theta_matrix.to(device=img.device, dtype=img.dtype).unsqueeze(0)
    grid = F.affine_grid(theta_matrix, [1, 1, height, width], align_corners=False)
    return _sample(img, grid, interpolation, fill)


def lens_distortion(
    img: torch.Tensor, *, k: float, interpolation: str = "bilinear", fill: float = 0.0
) -> torch.Tensor:
    """Radial distortion :math:`r_\\text{in} = r_\\text{out}(1 + k\\, r_\\text{out}^2)` about the center.

    ``k`` is the distortion coefficient: ``k > 0`` reads the input further out
    the further a pixel is from the center, so the borders are squeezed toward
    the middle: *barrel* distortion (straight lines bow outward, like a wide-angle
    lens); ``k < 0`` gives *pincushion*; ``k = 0`` is the identity. ``r`` is
    measured in units of half the image diagonal, the same for both axes.
    """
    check_image(img)
    k = _number(k, name="k")
    height, width = image_size(img)
    grid = _identity_grid(img)  # (1, H, W, 2) normalized (x, y)
    half_diagonal = math.hypot(width, height) / 2.0
    to_radius = grid.new_tensor([width / 2.0, height / 2.0]) / half_diagonal
    r2 = ((grid * to_radius) ** 2).sum(dim=-1, keepdim=True)  # (1, H, W, 1)
    return _sample(img, grid * (1.0 + k * r2), interpolation, fill)
