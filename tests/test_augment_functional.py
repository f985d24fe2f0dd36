"""Kernels of lecture7.augment.functional: flips, padding, crops, multi-crop, cutout, mixup."""

from __future__ import annotations

import pytest
import torch

from lecture7.augment import functional as F


def _image(*shape: int, seed: int = 0, device="cpu") -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)).to(device)


def _numbered(c: int, h: int, w: int) -> torch.Tensor:
    """Every pixel holds a distinct value, so a crop reveals where it came from."""
    return torch.arange(c * h * w, dtype=torch.float32).reshape(c, h, w) / (c * h * w)


def test_hflip_twice_is_identity_and_mirrors_columns(device):
    img = _image(2, 3, 5, 7, device=device)
    flipped = F.hflip(img)
    assert torch.equal(F.hflip(flipped), img)
    for j in range(7):
        assert torch.equal(flipped[..., j], img[..., 6 - j])


def test_pad_constant_places_the_image_and_fills_the_border():
    img = _image(3, 4, 5)
    out = F.pad(img, (1, 2, 3, 4), value=0.5)  # left, top, right, bottom
    assert out.shape == (3, 4 + 2 + 4, 5 + 1 + 3)
    assert torch.equal(out[:, 2:6, 1:6], img)
    border = torch.ones_like(out, dtype=torch.bool)
    border[:, 2:6, 1:6] = False
    assert torch.all(out[border] == 0.5)
    assert F.pad(img, 2).shape == (3, 8, 9)
    assert F.pad(img, (1, 2)).shape == (3, 8, 7)  # (left/right, top/bottom)


def test_pad_reflect_mirrors_without_repeating_the_edge():
    img = torch.tensor([[[1.0, 2.0, 3.0]]])
    out = F.pad(img, (2, 0, 1, 0), mode="reflect")
    assert torch.equal(out[0, 0], torch.tensor([3.0, 2.0, 1.0, 2.0, 3.0, 2.0]))
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(img, (0, 1, 0, 0), mode="reflect")  # height 1 cannot reflect by 1


@pytest.mark.parametrize("bad", [-1, (1, 2, 3), 1.5, True])
def test_pad_rejects_bad_padding(bad):
    with pytest.raises((ValueError, TypeError), match="padding"):
        F.pad(_image(1, 4, 4), bad)
    with pytest.raises(ValueError, match="'edge'"):
        F.pad(_image(1, 4, 4), 1, mode="edge")


def test_crop_equals_the_slice_on_images_and_batches(device):
    img = _image(4, 3, 9, 11, device=device)
    out = F.crop(img, top=2, left=5, height=4, width=6)
    assert torch.equal(out, img[:, :, 2:6, 5:11])
    assert torch.equal(F.crop(img[1], top=5, left=0, height=4, width=3), img[1, :, 5:9, 0:3])


@pytest.mark.parametrize(
    "box", [dict(top=-1, left=0, height=2, width=2), dict(top=0, left=10, height=2, width=2),
            dict(top=8, left=0, height=2, width=2), dict(top=0, left=0, height=0, width=2)]
)
def test_crop_outside_the_image_is_an_error(box):
    with pytest.raises(ValueError, match="crop"):
        F.crop(_image(3, 9, 11), **box)


def test_center_crop_uses_round_half_to_even_like_torchvision():
    img = _numbered(1, 7, 8)
    # (7 - 4) / 2 = 1.5 -> 2 and (8 - 3) / 2 = 2.5 -> 2 (half to even)
    assert torch.equal(F.center_crop(img, (4, 3)), img[:, 2:6, 2:5])
    assert torch.equal(F.center_crop(img, 5), img[:, 1:6, 2:7])  # 1.0 and 1.5 -> 2
    with pytest.raises(ValueError, match="larger"):
        F.center_crop(img, 9)


def test_resize_matches_interpolate_and_keeps_constants():
    img = _image(2, 3, 10, 12)
    out = F.resize(img, (5, 7))
    expected = torch.nn.functional.interpolate(
        img, size=(5, 7), mode="bilinear", align_corners=False, antialias=True
    )
    torch.testing.assert_close(out, expected)
    assert F.resize(img[0], 6).shape == (3, 6, 6)
    flat = torch.full((3, 9, 9), 0.25)
    torch.testing.assert_close(F.resize(flat, (4, 13)), torch.full((3, 4, 13), 0.25))


def test_resize_with_antialias_averages_blocks_on_an_exact_halving():
    img = _image(1, 8, 8)
    out = F.resize(img, 4)
    # bilinear with antialias at scale 2 is a triangle filter of radius 2 pixels:
    # weights 1/8, 3/8, 3/8, 1/8 along each axis (clamped and renormalized at the border)
    w = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 8
    interior = (w[:, None] * w[None, :] * img[0, 1:5, 1:5]).sum()
    torch.testing.assert_close(out[0, 1, 1], interior)


def test_resized_crop_is_crop_then_resize():
    img = _image(3, 12, 12)
    out = F.resized_crop(img, top=1, left=2, height=6, width=8, size=(3, 4))
    torch.testing.assert_close(out, F.resize(img[:, 1:7, 2:10], (3, 4)))


def test_five_crop_and_ten_crop_equal_explicit_slices_and_flips():
    img = _numbered(2, 7, 9)
    h, w = 3, 4
    five = F.five_crop(img, (h, w))
    expected = [img[:, :h, :w], img[:, :h, -w:], img[:, -h:, :w], img[:, -h:, -w:],
                img[:, 2:5, 2:6]]
    assert five.shape == (5, 2, h, w)
    for k in range(5):
        assert torch.equal(five[k], expected[k]), k
    ten = F.ten_crop(img, (h, w))
    assert ten.shape == (10, 2, h, w)
    assert torch.equal(ten[:5], five)
    mirror = img.flip(-1)
    mirrored = [mirror[:, :h, :w], mirror[:, :h, -w:], mirror[:, -h:, :w], mirror[:, -h:, -w:]]
    for k in range(4):
        assert torch.equal(ten[5 + k], mirrored[k])
    # the mirror's top-left crop is the mirror image of the original's top-right crop
    assert torch.equal(ten[5], five[1].flip(-1))
    assert torch.equal(ten[9], F.center_crop(mirror, (h, w)))


def test_ten_crop_on_a_batch_crops_every_image():
    batch = _image(3, 1, 6, 6)
    ten = F.ten_crop(batch, 4)
    assert ten.shape == (10, 3, 1, 4, 4)
    for n in range(3):
        assert torch.equal(ten[:, n], F.ten_crop(batch[n], 4))


def test_cutout_erases_the_square_clipped_at_the_border(device):
    img = _image(2, 3, 6, 8, device=device)
    out = F.cutout(img, top=-1, left=5, size=4, value=0.5)
    mask = torch.zeros(6, 8, dtype=torch.bool, device=device)
    mask[0:3, 5:8] = True
    assert torch.all(out[..., mask] == 0.5)
    assert torch.equal(out[..., ~mask], img[..., ~mask])
    assert torch.equal(F.cutout(img, top=6, left=0, size=3), img)  # entirely outside
    assert not torch.equal(img[..., 0:3, 5:8], out[..., 0:3, 5:8])  # input untouched


def test_mixup_gives_convex_combinations(device):
    g = torch.Generator().manual_seed(1)
    x = torch.rand(6, 3, 4, 4, generator=g).to(device)
    y = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 0, 1, 2]), 3).float().to(device)
    perm = torch.tensor([3, 0, 5, 1, 2, 4])
    x_mix, y_mix = F.mixup(x, y, lam=0.3, perm=perm)
    for n in range(6):
        torch.testing.assert_close(x_mix[n], 0.3 * x[n] + 0.7 * x[perm[n]])
        torch.testing.assert_close(y_mix[n], 0.3 * y[n] + 0.7 * y[perm[n]])
    torch.testing.assert_close(y_mix.sum(dim=1), torch.ones(6, device=device))
    assert torch.all(y_mix >= 0)
    same_x, same_y = F.mixup(x, y, lam=1.0, perm=perm)
    assert torch.equal(same_x, x) and torch.equal(same_y, y)


def test_mixup_rejects_bad_arguments():
    x, y = torch.rand(3, 2), torch.eye(3)
    with pytest.raises(ValueError, match=r"1\.5"):
        F.mixup(x, y, lam=1.5, perm=torch.arange(3))
    with pytest.raises(ValueError, match="permutation"):
        F.mixup(x, y, lam=0.5, perm=torch.tensor([0, 0, 1]))
    with pytest.raises(TypeError, match="perm"):
        F.mixup(x, y, lam=0.5, perm=torch.arange(4))
    with pytest.raises(TypeError, match="int64"):
        F.mixup(x, torch.eye(3, dtype=torch.int64), lam=0.5, perm=torch.arange(3))


@pytest.mark.parametrize(
    "bad, error, words",
    [(torch.zeros(3, 4, dtype=torch.float32), ValueError, r"\(3, 4\)"),
     (torch.zeros(1, 3, 4, 4, dtype=torch.uint8), TypeError, "uint8"),
     ([[0.0]], TypeError, "list")],
)
def test_kernels_reject_non_images(bad, error, words):
    for kernel in (F.hflip, lambda im: F.center_crop(im, 1), lambda im: F.adjust_brightness(im, 1.0),
                   lambda im: F.affine(im, angle=3.0)):
        with pytest.raises(error, match=words):
            kernel(bad)
