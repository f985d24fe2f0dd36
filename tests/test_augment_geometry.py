"""Resampling kernels: affine (translation, rotation, scale/stretch, shear) and lens distortion."""

from __future__ import annotations

import math

import pytest
import torch

from lecture7.augment import functional as F


def _image(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_identity_affine_is_identity(device, interpolation):
    img = _image(2, 3, 7, 10).to(device)
    out = F.affine(img, angle=0.0, translate=(0, 0), scale=1.0, shear=0.0,
                   interpolation=interpolation)
    torch.testing.assert_close(out, img, atol=1e-6, rtol=0)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_by_multiples_of_90_degrees_equals_rot90(device, k):
    img = _image(2, 3, 6, 6).to(device)
    expected = torch.rot90(img, k, dims=(-2, -1))  # counter-clockwise as displayed
    assert torch.equal(F.affine(img, angle=90.0 * k, interpolation="nearest"), expected)
    torch.testing.assert_close(F.affine(img, angle=90.0 * k), expected, atol=1e-5, rtol=0)


def test_rotation_of_a_non_square_image_by_180_degrees_is_a_double_flip():
    img = _image(3, 5, 8)
    out = F.affine(img, angle=180.0, interpolation="nearest")
    assert torch.equal(out, img.flip(-1).flip(-2))


def test_rotation_direction_moves_the_right_edge_to_the_top():
    img = torch.zeros(1, 5, 5)
    img[0, 2, 4] = 1.0  # a dot at the middle of the right edge
    out = F.affine(img, angle=90.0, interpolation="nearest")
    assert out[0, 0, 2] == 1.0 and out.sum() == 1.0  # now at the middle of the top edge


def test_integer_translation_shifts_pixels_right_and_down_and_fills():
    img = _image(3, 6, 7)
    out = F.affine(img, translate=(2, 1), interpolation="nearest", fill=0.25)
    assert torch.equal(out[:, 1:, 2:], img[:, :-1, :-2])
    assert torch.all(out[:, 0, :] == 0.25) and torch.all(out[:, :, :2] == 0.25)


def test_scale_two_magnifies_about_the_center():
    # output pixel center x maps to input x / 2: on an 8x8 image, output column 2
    # (x = -1.5) reads input x = -0.75, between columns 3 and 4 (x = -0.5, -1.5)
    img = _image(1, 8, 8)
    out = F.affine(img, scale=2.0)
    expected = (0.75 * (0.75 * img[0, 3, 3] + 0.25 * img[0, 3, 2])
                + 0.25 * (0.75 * img[0, 2, 3] + 0.25 * img[0, 2, 2]))
    torch.testing.assert_close(out[0, 2, 2], expected)


def test_per_axis_scale_stretches_only_one_axis():
    img = torch.arange(8.0).repeat(8, 1).unsqueeze(0) / 8  # value = column / 8
    out = F.affine(img, scale=(1.0, 2.0))  # stretch vertically only
    torch.testing.assert_close(out, img, atol=1e-6, rtol=0)  # rows all equal: invisible
    out_x = F.affine(img, scale=(2.0, 1.0))
    # column j at x = j - 3.5 reads x / 2: value (3.5 + (j - 3.5) / 2) / 8
    expected = (3.5 + (torch.arange(8.0) - 3.5) / 2) / 8
    torch.testing.assert_close(out_x[0, 4], expected, atol=1e-6, rtol=0)


def test_x_shear_leaves_the_center_row_and_shifts_other_rows():
    img = _image(1, 9, 9)
    out = F.affine(img, shear=math.degrees(math.atan(1.0)), interpolation="nearest")  # tan = 1
    # forward map x' = x - tan(phi) * y: a row at y moves left by y pixels
    assert torch.equal(out[0, 4], img[0, 4])
    assert torch.equal(out[0, 6, :7], img[0, 6, 2:])  # y = +2 shifted left by 2


def test_affine_on_a_batch_equals_affine_per_image():
    batch = _image(3, 2, 7, 9)
    kwargs = dict(angle=17.0, translate=(1.5, -0.5), scale=(1.1, 0.9), shear=(5.0, -3.0))
    out = F.affine(batch, **kwargs)
    for n in range(3):
        torch.testing.assert_close(out[n], F.affine(batch[n], **kwargs))


@pytest.mark.parametrize(
    "kwargs, words",
    [(dict(scale=0.0), "scale"), (dict(shear=90.0), "shear"), (dict(translate=(1,)), "translate"),
     (dict(interpolation="bicubic"), "bicubic"), (dict(angle=float("nan")), "angle")],
)
def test_affine_rejects_bad_arguments(kwargs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        F.affine(_image(1, 4, 4), **kwargs)


def test_lens_distortion_with_k_zero_is_identity(device):
    img = _image(2, 3, 6, 9).to(device)
    torch.testing.assert_close(F.lens_distortion(img, k=0.0), img, atol=1e-6, rtol=0)
    assert torch.equal(F.lens_distortion(img, k=0.0, interpolation="nearest"), img)


def test_lens_distortion_is_radial_and_follows_r_times_one_plus_k_r_squared():
    # an image whose value is the pixel's x coordinate reads back x_in directly
    h = w = 8
    x = (torch.arange(w) + 0.5 - w / 2).repeat(h, 1)
    y = (torch.arange(h) + 0.5 - h / 2)[:, None].expand(h, w)
    img = (x / 100 + 0.5).unsqueeze(0)  # linear in x, inside [0, 1]
    k = 0.3
    out = F.lens_distortion(img, k=k, fill=0.5)
    r2 = (x**2 + y**2) / (math.hypot(w, h) / 2) ** 2
    x_in = x * (1 + k * r2)
    y_in = y * (1 + k * r2)
    # where the read point lies between pixel centers, bilinear is exact on a linear image
    inside = (x_in.abs() <= w / 2 - 0.5) & (y_in.abs() <= h / 2 - 0.5)
    assert inside.sum() > 30
    torch.testing.assert_close(out[0][inside], (x_in / 100 + 0.5)[inside], atol=1e-5, rtol=0)
    # barrel (k > 0): a corner pixel reads further out, beyond the image: the fill
    assert F.lens_distortion(img, k=3.0, fill=0.25)[0, 0, 0] == 0.25


def test_lens_distortion_center_stays_and_symmetry_holds():
    img = _image(1, 7, 7)
    img = (img + img.flip(-1) + img.flip(-2) + img.flip(-1).flip(-2)) / 4  # mirror-symmetric
    out = F.lens_distortion(img, k=-0.4)
    torch.testing.assert_close(out[0, 3, 3], img[0, 3, 3])
    torch.testing.assert_close(out, out.flip(-1), atol=1e-6, rtol=0)
    torch.testing.assert_close(out, out.flip(-2), atol=1e-6, rtol=0)
