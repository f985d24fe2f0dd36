"""The checks of assignment 7 on correct code written differently, and on odd outputs."""

import numpy as np
import pytest
import torch

from lecture7.grading.augmentation import _about_uniform, check_crop_offsets, check_hflip
from lecture7.grading.augmentation_color import check_color_jitter, check_fit_pca_color


def test_offsets_drawn_another_way_pass_and_tensors_are_accepted():
    def crop_offsets(height, width, size, padding, generator):  # left first, 0-d tensors
        left = torch.randint(width + 2 * padding - size + 1, (1,), generator=generator)[0]
        top = torch.randint(height + 2 * padding - size + 1, (1,), generator=generator)[0]
        return top, left

    assert check_crop_offsets(crop_offsets, hidden=True, points=2) == 2


def test_offsets_that_are_not_a_pair_of_whole_numbers_are_reported():
    with pytest.raises(AssertionError, match="expected a pair"):
        check_crop_offsets(lambda height, width, size, padding, generator: 0)
    with pytest.raises(AssertionError, match="not a whole number"):
        check_crop_offsets(lambda height, width, size, padding, generator: (0.5, 0))


def test_uniformity_is_judged_over_the_range_drawn():
    rng = np.random.default_rng(0)
    assert _about_uniform(list(rng.integers(0, 5, 4000)))
    assert _about_uniform([3] * 10)
    rounded = np.round(rng.uniform(0, 1, 4000) * 4).astype(int)  # ends half as likely
    assert not _about_uniform(list(rounded))


def test_a_numpy_result_and_an_in_place_change_are_named(capsys):
    with pytest.raises(AssertionError, match=r"returned: expected .*got 'a NumPy array'"):
        check_hflip(lambda img: np.flip(img.cpu().numpy(), -1).copy())

    def jitter_in_place(img, brightness, contrast, saturation):
        weights = torch.tensor([0.2989, 0.587, 0.114], dtype=img.dtype, device=img.device)
        out = img.mul_(brightness).clamp_(0, 1)
        mean = (weights.view(3, 1, 1) * out).sum(-3, keepdim=True).mean((-3, -2, -1), keepdim=True)
        out = (contrast * out + (1 - contrast) * mean).clamp(0, 1)
        gray = (weights.view(3, 1, 1) * out).sum(-3, keepdim=True)
        return (saturation * out + (1 - saturation) * gray).clamp(0, 1)

    with pytest.raises(AssertionError, match="inputs modified in place: expected 'none', got 'img'"):
        check_color_jitter(jitter_in_place)
    # the image the caller passed changed: one sub-check of its own, not the whole part
    assert 0 < check_color_jitter(jitter_in_place, hidden=True, points=2) < 2
    assert "FAILED leaves the caller's inputs as they were" in capsys.readouterr().out


def test_eigenvectors_of_either_sign_and_numpy_results_pass():
    def fit_pca_color(images):
        pixels = images.movedim(-3, -1).reshape(-1, 3).cpu().numpy()
        eigvals, eigvecs = np.linalg.eigh(np.cov(pixels, rowvar=False))
        return eigvals[::-1], -eigvecs[:, ::-1]

    assert check_fit_pca_color(fit_pca_color, hidden=True, points=3) == 3
