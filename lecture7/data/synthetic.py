"""A synthetic image data set of shapes and textures, generated from a seed.

Twenty classes of shapes (disk, square, triangles, ring, ...) and textures
(stripes at four angles, checkerboard, dots), each drawn at a random position,
scale and small rotation, in a random foreground color on a random background,
with pixel noise. The first ten classes serve as a "large" pretraining set for
the transfer-learning chapter; the last ten are a held-out task
(``class_offset=10``).

Every shape is a signed distance ``d(u, v)`` in the shape's own frame
(``u, v`` = pixel coordinates shifted to the shape's center, rotated and divided
by its scale); ``d > 0`` inside. The mask is ``sigmoid(d_pixels / 0.5)``: about
one pixel of antialiased edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from lecture7.data.splits import Split

__all__ = ["SHAPE_CLASSES", "synthetic_shapes"]

Tensor = torch.Tensor


def _box(u: Tensor, v: Tensor, half: float) -> Tensor:
    return half - torch.maximum(u.abs(), v.abs())


def _disk(u: Tensor, v: Tensor, radius: float = 1.0) -> Tensor:
    return radius - torch.hypot(u, v)


def _triangle(u: Tensor, v: Tensor) -> Tensor:
    # equilateral, apex up (image rows grow downward): inradius 0.5, circumradius 1
    s = math.sqrt(3) / 2
    edges = torch.stack([v, -s * u - 0.5 * v, s * u - 0.5 * v])
    return 0.5 - edges.amax(0)


def _plus(u: Tensor, v: Tensor) -> Tensor:
    arm = lambda a, b: torch.minimum(0.3 - a.abs(), 0.9 - b.abs())  # noqa: E731
    return torch.maximum(arm(u, v), arm(v, u))


def _diag(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    return (u + v) / math.sqrt(2), (u - v) / math.sqrt(2)


def _stripes(angle_deg: float) -> Callable[[Tensor, Tensor], Tensor]:
    # stripes run at angle_deg (0: horizontal), so the wave runs across them
    c, s = -math.sin(math.radians(angle_deg)), math.cos(math.radians(angle_deg))

    def shape(u: Tensor, v: Tensor) -> Tensor:
        wave = 0.12 * torch.sin(2 * math.pi * 1.5 * (c * u + s * v))  # 3 stripes per width
        return torch.minimum(_box(u, v, 0.9), wave)

    return shape


def _checkerboard(u: Tensor, v: Tensor) -> Tensor:
    wave = 0.25 * torch.sin(2 * math.pi * u) * torch.sin(2 * math.pi * v)
    return torch.minimum(_box(u, v, 0.9), wave)


def _dots(u: Tensor, v: Tensor) -> Tensor:
    du = u - 0.6 * torch.round(u / 0.6).clamp(-1, 1)
    dv = v - 0.6 * torch.round(v / 0.6).clamp(-1, 1)
    return 0.2 - torch.hypot(du, dv)


def _ellipse(u: Tensor, v: Tensor, ratio: float) -> Tensor:
    return ratio * (1 - torch.hypot(u, v / ratio))


# name -> signed distance (None: the Gaussian blob, a soft mask of its own)
_SHAPES: dict[str, Callable[[Tensor, Tensor], Tensor] | None] = {
    "disk": _disk,
    "square": lambda u, v: _box(u, v, 0.8),
    "triangle": _triangle,
    "ring": lambda u, v: 0.2 - (torch.hypot(u, v) - 0.75).abs(),
    "plus": _plus,
    "stripes_0": _stripes(0),
    "stripes_90": _stripes(90),
    "blob": None,
    "diamond": lambda u, v: 0.9 - (u.abs() + v.abs()),
    "checkerboard": _checkerboard,
    # the held-out half
    "triangle_down": lambda u, v: _triangle(u, -v),
    "frame": lambda u, v: torch.minimum(_box(u, v, 0.85), -_box(u, v, 0.55)),
    "x_cross": lambda u, v: _plus(*_diag(u, v)),
    "ellipse_wide": lambda u, v: _ellipse(u, v, 0.45),
    "ellipse_tall": lambda u, v: _ellipse(v, u, 0.45),
    "half_disk": lambda u, v: torch.minimum(_disk(u, v), -v),
    "stripes_45": _stripes(45),
    "stripes_135": _stripes(135),
    "dots": _dots,
    "bullseye": lambda u, v: torch.minimum(_disk(u, v), 0.15 * torch.cos(3 * math.pi * torch.hypot(u, v))),
}
SHAPE_CLASSES: tuple[str, ...] = tuple(_SHAPES)


def synthetic_shapes(
    *,
    n: int,
    num_classes: int = 10,
    size: int = 32,
    seed: int,
    channels: int = 3,
    class_offset: int = 0,
    noise_std: float = 0.05,
) -> Split:
    """``n`` random images of shapes, balanced over ``num_classes`` classes.

    Args:
        n: number of images.
        num_classes: how many classes, taken in order from :data:`SHAPE_CLASSES`
            starting at ``class_offset`` (labels are 0..num_classes-1).
        size: images are ``size`` x ``size``.
        seed: everything (labels, placement, colors, noise) follows from it.
        channels: 3 (random RGB colors) or 1 (random gray levels).
        class_offset: index of the first class used; ``class_offset=10`` gives
            the ten classes held out from the default pretraining set.
        noise_std: the largest per-image pixel-noise standard deviation.

    Returns:
        A :class:`Split` with x float32 (n, channels, size, size) in [0, 1],
        y int64 (n,), and the class names.
    """
    if n < 1:
        raise ValueError(f"Invalid n: {n} (expected >= 1)")
    if not 1 <= num_classes or class_offset < 0 or class_offset + num_classes > len(SHAPE_CLASSES):
        raise ValueError(
            f"Invalid num_classes={num_classes}, class_offset={class_offset}: "
            f"classes must lie within the {len(SHAPE_CLASSES)} of SHAPE_CLASSES"
        )
    if size < 8:
        raise ValueError(f"Invalid size: {size} (expected >= 8)")
    if channels not in (1, 3):
        raise ValueError(f"Invalid channels: {channels} (expected 1 or 3)")
    if noise_std < 0:
        raise ValueError(f"Invalid noise_std: {noise_std} (expected >= 0)")
    g = torch.Generator().manual_seed(int(seed))
    uniform = lambda *shape, lo=0.0, hi=1.0: lo + (hi - lo) * torch.rand(*shape, generator=g)  # noqa: E731

    labels = (torch.arange(n) % num_classes)[torch.randperm(n, generator=g)]
    center = uniform(n, 2, 1, 1, lo=-0.35, hi=0.35)  # (n, 2, 1, 1) in [-1, 1] image coords
    scale = uniform(n, 1, 1, lo=0.4, hi=0.65)
    angle = uniform(n, 1, 1, lo=-math.pi / 12, hi=math.pi / 12)  # +-15 degrees
    # foreground and background on opposite sides of mid-gray, either way round
    dark, light = uniform(n, channels, 1, 1, hi=0.4), uniform(n, channels, 1, 1, lo=0.6, hi=1.0)
    swap = torch.rand(n, 1, 1, 1, generator=g) < 0.5
    foreground, background = torch.where(swap, dark, light), torch.where(swap, light, dark)
    sigma = uniform(n, 1, 1, 1, hi=noise_std)
    noise = torch.randn(n, channels, size, size, generator=g) * sigma

    coords = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1  # pixel centers
    y_grid, x_grid = torch.meshgrid(coords, coords, indexing="ij")  # (size, size)
    dx, dy = x_grid - center[:, 0], y_grid - center[:, 1]  # (n, size, size)
    cos, sin = torch.cos(angle), torch.sin(angle)
    u, v = (cos * dx + sin * dy) / scale, (-sin * dx + cos * dy) / scale

    mask = torch.empty(n, size, size)
    for label in range(num_classes):
        index = (labels == label).nonzero().squeeze(1)
        shape = _SHAPES[SHAPE_CLASSES[class_offset + label]]
        uu, vv = u[index], v[index]
        if shape is None:
            mask[index] = torch.exp(-(uu**2 + vv**2) / 0.35)
        else:
            distance_px = shape(uu, vv) * scale[index] * (size / 2)
            mask[index] = torch.sigmoid(distance_px / 0.5)
    mask = mask.unsqueeze(1)  # (n, 1, size, size)
    images = (background + (foreground - background) * mask + noise).clamp(0.0, 1.0)
    names = SHAPE_CLASSES[class_offset : class_offset + num_classes]
    return Split(images, labels, names)
