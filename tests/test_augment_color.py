"""Color kernels: brightness, contrast, saturation, grayscale and AlexNet's PCA color shift."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecture7.augment import functional as F


def _image(*shape: int, seed: int = 0, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(*shape, generator=g)


def test_factor_one_is_identity_for_every_jitter(device):
    img = _image(2, 3, 5, 6).to(device)
    for kernel in (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation):
        torch.testing.assert_close(kernel(img, 1.0), img)


def test_brightness_scales_and_clamps():
    img = _image(3, 4, 4)
    torch.testing.assert_close(F.adjust_brightness(img, 0.5), img * 0.5)
    assert torch.equal(F.adjust_brightness(img, 0.0), torch.zeros_like(img))
    torch.testing.assert_close(F.adjust_brightness(img, 3.0), (img * 3).clamp(max=1.0))


def test_grayscale_uses_the_luma_weights():
    img = _image(2, 3, 4, 5)
    gray = F.to_grayscale(img)
    expected = 0.2989 * img[:, 0] + 0.587 * img[:, 1] + 0.114 * img[:, 2]
    torch.testing.assert_close(gray, expected.unsqueeze(1))
    three = F.to_grayscale(img, num_output_channels=3)
    assert three.shape == img.shape and torch.equal(three[:, 0], three[:, 2])
    single = _image(1, 4, 4)
    assert torch.equal(F.to_grayscale(single), single)


def test_contrast_zero_gives_the_uniform_mean_gray_image_per_image():
    batch = _image(3, 3, 6, 7)
    out = F.adjust_contrast(batch, 0.0)
    for n in range(3):
        mean = (0.2989 * batch[n, 0] + 0.587 * batch[n, 1] + 0.114 * batch[n, 2]).mean()
        torch.testing.assert_close(out[n], torch.full_like(batch[n], float(mean)))


def test_contrast_is_a_blend_with_the_mean():
    img = _image(3, 5, 5, low=0.3, high=0.7)
    mean = F.to_grayscale(img).mean()
    torch.testing.assert_close(F.adjust_contrast(img, 1.5), 1.5 * img - 0.5 * mean)


def test_saturation_zero_gives_grayscale_and_two_extrapolates():
    img = _image(2, 3, 4, 4, low=0.4, high=0.6)
    torch.testing.assert_close(F.adjust_saturation(img, 0.0), F.to_grayscale(img, num_output_channels=3))
    gray = F.to_grayscale(img)
    torch.testing.assert_close(F.adjust_saturation(img, 2.0), 2 * img - gray)
    single = _image(1, 4, 4)
    assert torch.equal(F.adjust_saturation(single, 0.0), single)


@pytest.mark.parametrize("kernel", [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation])
def test_negative_factor_is_rejected_by_value(kernel):
    with pytest.raises(ValueError, match=r"-0\.5"):
        kernel(_image(3, 2, 2), -0.5)


def test_color_kernels_reject_four_channels():
    with pytest.raises(ValueError, match="with 4 channel"):
        F.adjust_saturation(_image(4, 2, 2), 0.5)


def _sign_aligned(vecs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return vecs * np.sign(np.sum(vecs * reference, axis=0, keepdims=True))


def test_fit_pca_color_equals_numpy_eigh_of_the_pixel_covariance():
    g = torch.Generator().manual_seed(3)
    mixing = torch.tensor([[0.2, 0.05, 0.0], [0.15, 0.1, 0.02], [0.1, -0.08, 0.04]])
    pixels = torch.randn(4 * 6 * 5, 3, generator=g) @ mixing.T + 0.5
    images = pixels.reshape(4, 6, 5, 3).permute(0, 3, 1, 2).contiguous()  # (N, 3, H, W)
    basis = F.fit_pca_color(images)
    cov = np.cov(pixels.double().numpy(), rowvar=False)
    vals, vecs = np.linalg.eigh(cov)
    vals, vecs = vals[::-1], vecs[:, ::-1]  # largest first
    np.testing.assert_allclose(basis.eigvals.numpy(), vals, rtol=1e-4, atol=1e-7)
    ours = basis.eigvecs.double().numpy()
    np.testing.assert_allclose(ours, _sign_aligned(vecs, ours), atol=1e-4)
    np.testing.assert_allclose(ours.T @ ours, np.eye(3), atol=1e-5)
    largest = np.abs(ours).argmax(axis=0)
    assert np.all(ours[largest, [0, 1, 2]] > 0)  # documented sign convention


def test_pca_color_shift_moves_every_pixel_by_the_same_vector_along_the_components(device):
    images = _image(5, 3, 6, 6, seed=4)
    basis = F.fit_pca_color(images)
    img = _image(3, 6, 6, seed=5, low=0.3, high=0.7).to(device)
    alphas = torch.tensor([0.7, -1.2, 2.0])
    out = F.pca_color_shift(img, eigvals=basis.eigvals, eigvecs=basis.eigvecs, alphas=alphas)
    delta = (out - img).reshape(3, -1)  # the change of each pixel, (3, P)
    torch.testing.assert_close(delta, delta[:, :1].expand_as(delta))  # the same for every pixel
    expected = sum(alphas[i] * basis.eigvals[i] * basis.eigvecs[:, i] for i in range(3))
    torch.testing.assert_close(delta[:, 0].cpu(), expected, atol=1e-6, rtol=1e-5)
    # in the span of the components, with coordinates alpha_i * lambda_i
    coords = basis.eigvecs.T @ delta[:, 0].cpu()
    torch.testing.assert_close(coords, alphas * basis.eigvals, atol=1e-6, rtol=1e-5)


def test_pca_color_shift_along_one_component_only():
    images = _image(2, 3, 4, 4, seed=6)
    basis = F.fit_pca_color(images)
    img = _image(3, 4, 4, seed=7, low=0.3, high=0.7)
    out = F.pca_color_shift(img, eigvals=basis.eigvals, eigvecs=basis.eigvecs,
                            alphas=torch.tensor([0.0, 3.0, 0.0]))
    delta = (out - img)[:, 0, 0]
    cross = torch.linalg.cross(delta, basis.eigvecs[:, 1])
    torch.testing.assert_close(cross, torch.zeros(3), atol=1e-7, rtol=0)  # parallel to p_2


def test_pca_color_rejects_bad_shapes():
    img = _image(3, 4, 4)
    with pytest.raises(ValueError, match=r"alphas must have shape \(3,\)"):
        F.pca_color_shift(img, eigvals=torch.ones(3), eigvecs=torch.eye(3), alphas=torch.ones(2))
    with pytest.raises(ValueError, match="with 1 channel"):
        F.fit_pca_color(_image(1, 4, 4))
