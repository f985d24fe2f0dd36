"""lecture7.augment kernels against torchvision.transforms.v2.functional (where installed)."""

from __future__ import annotations

import pytest
import torch

TF = pytest.importorskip("torchvision.transforms.v2.functional")
from torchvision.transforms import InterpolationMode  # noqa: E402

from lecture7.augment import functional as F  # noqa: E402


def _image(*shape: int, seed: int = 0, device="cpu") -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)).to(device)


def test_flip_and_crops_match_torchvision(device):
    img = _image(2, 3, 9, 12, device=device)
    assert torch.equal(F.hflip(img), TF.horizontal_flip(img))
    assert torch.equal(F.crop(img, top=2, left=3, height=5, width=7), TF.crop(img, 2, 3, 5, 7))
    for size in [(4, 5), (5, 4), (9, 12), (8, 11), (3, 3)]:
        assert torch.equal(F.center_crop(img, size), TF.center_crop(img, list(size))), size
    assert torch.equal(F.five_crop(img, (4, 5)), torch.stack(TF.five_crop(img, [4, 5])))
    assert torch.equal(F.ten_crop(img, (4, 5)), torch.stack(TF.ten_crop(img, [4, 5])))


def test_pad_matches_torchvision(device):
    img = _image(3, 6, 7, device=device)
    for padding in (2, [1, 3], [1, 2, 3, 4]):
        assert torch.equal(F.pad(img, padding, value=0.5), TF.pad(img, padding, fill=0.5))
        assert torch.equal(F.pad(img, padding, mode="reflect"),
                           TF.pad(img, padding, padding_mode="reflect"))


def test_resize_matches_torchvision(device):
    img = _image(2, 3, 16, 20, device=device)
    for size in [(8, 10), (5, 7), (24, 30)]:
        expected = TF.resize(img, list(size), interpolation=InterpolationMode.BILINEAR, antialias=True)
        torch.testing.assert_close(F.resize(img, size), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("factor", [0.0, 0.3, 1.0, 1.7])
def test_color_kernels_match_torchvision(device, factor):
    img = _image(2, 3, 8, 9, device=device)
    torch.testing.assert_close(F.adjust_brightness(img, factor), TF.adjust_brightness(img, factor))
    torch.testing.assert_close(F.adjust_contrast(img, factor), TF.adjust_contrast(img, factor))
    torch.testing.assert_close(F.adjust_saturation(img, factor), TF.adjust_saturation(img, factor))
    torch.testing.assert_close(F.to_grayscale(img), TF.rgb_to_grayscale(img))
    single = _image(1, 8, 9, device=device)
    torch.testing.assert_close(F.adjust_contrast(single, factor), TF.adjust_contrast(single, factor))


@pytest.mark.parametrize("angle", [90.0, 180.0, 37.0, -45.0, 137.0])
def test_rotation_at_nearest_matches_torchvision(device, angle):
    img = _image(2, 3, 11, 11, device=device)
    ours = F.affine(img, angle=angle, interpolation="nearest")
    # torchvision's affine turns clockwise for a positive angle, its rotate counter-clockwise
    affine = TF.affine(img, angle=-angle, translate=[0.0, 0.0], scale=1.0, shear=[0.0, 0.0],
                       interpolation=InterpolationMode.NEAREST)
    rotate = TF.rotate(img, angle, interpolation=InterpolationMode.NEAREST)
    for theirs in (affine, rotate):
        if angle % 90 == 0:
            assert torch.equal(ours, theirs)
        else:  # a sampling point on a rounding boundary may go either way
            assert (ours != theirs).float().mean() < 0.01


def test_full_affine_at_bilinear_matches_torchvision(device):
    img = _image(2, 3, 12, 15, device=device)
    for angle, translate, scale, shear in [(25.0, (2.0, -1.0), 1.2, (10.0, 0.0)),
                                           (-60.0, (-3.0, 2.5), 0.8, (-5.0, 7.0))]:
        ours = F.affine(img, angle=angle, translate=translate, scale=scale, shear=shear)
        theirs = TF.affine(img, angle=-angle, translate=list(translate), scale=scale,
                           shear=list(shear), interpolation=InterpolationMode.BILINEAR)
        torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)
