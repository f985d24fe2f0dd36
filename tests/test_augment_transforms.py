"""Random transforms, recipes and 10-crop test-time prediction."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import lecture7.augment as A
from lecture7.augment import functional as F


def _image(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def _offset(out: torch.Tensor, padded: torch.Tensor, size: tuple[int, int]) -> tuple[int, int]:
    """The (top, left) whose slice of ``padded`` equals ``out`` (exactly one must match)."""
    h, w = size
    hits = [(t, lft) for t in range(padded.shape[-2] - h + 1) for lft in range(padded.shape[-1] - w + 1)
            if torch.equal(padded[..., t:t + h, lft:lft + w], out)]
    assert len(hits) == 1, hits
    return hits[0]


def test_random_crop_covers_every_offset_including_the_last():
    img = _image(1, 6, 7)
    crop = A.RandomCrop((4, 5), generator=0)
    seen = {_offset(crop(img), img, (4, 5)) for _ in range(150)}
    assert seen == set(itertools.product(range(3), range(3)))


@pytest.mark.parametrize("mode", ["constant", "reflect"])
def test_random_crop_with_padding_is_a_slice_of_the_padded_image(mode):
    img = _image(3, 5, 5, seed=1)
    padded = F.pad(img, 2, mode=mode, value=0.0)
    crop = A.RandomCrop(5, padding=2, padding_mode=mode, generator=1)
    seen = {_offset(crop(img), padded, (5, 5)) for _ in range(200)}
    assert seen == set(itertools.product(range(5), range(5)))


def test_random_crop_on_a_batch_draws_an_offset_per_image():
    batch = _image(1, 1, 8, 8).expand(16, 1, 8, 8)  # 16 copies of one image
    out = A.RandomCrop(4, generator=2)(batch)
    assert out.shape == (16, 1, 4, 4)
    offsets = {_offset(out[n], batch[0], (4, 4)) for n in range(16)}
    assert len(offsets) > 4


def test_random_horizontal_flip_probability_and_batches():
    img = _image(3, 4, 5)
    assert torch.equal(A.RandomHorizontalFlip(p_flip=1.0)(img), img.flip(-1))
    assert torch.equal(A.RandomHorizontalFlip(p_flip=0.0)(img), img)
    flip = A.RandomHorizontalFlip(generator=3)
    out = flip(img.expand(400, 3, 4, 5))
    flipped = torch.tensor([torch.equal(o, img.flip(-1)) for o in out])
    kept = torch.tensor([torch.equal(o, img) for o in out])
    assert torch.all(flipped ^ kept)
    assert 150 < int(flipped.sum()) < 250  # Binomial(400, 0.5): mean 200, sd 10


def test_same_seed_same_augmentation_and_different_seed_different(device):
    batch = _image(6, 3, 10, 10).to(device)

    def pipeline(seed):
        return A.Compose([
            A.RandomCrop(8, padding=1, generator=seed), A.RandomHorizontalFlip(generator=seed),
            A.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, generator=seed),
            A.RandomAffine(degrees=20, translate=(0.1, 0.1), generator=seed),
            A.Cutout(size=3, generator=seed),
        ])

    a, b = pipeline(7)(batch), pipeline(7)(batch)
    assert torch.equal(a, b)
    assert not torch.equal(a, pipeline(8)(batch))
    g = torch.Generator().manual_seed(7)
    assert torch.equal(A.RandomCrop(8, padding=1, generator=g)(batch),
                       A.RandomCrop(8, padding=1, generator=7)(batch))
    # the draws do not depend on the device of the images
    torch.testing.assert_close(pipeline(7)(batch.cpu()), a.cpu(), atol=1e-5, rtol=0)


def test_random_resized_crop_boxes_respect_scale_and_ratio():
    img = _image(3, 40, 50)
    rrc = A.RandomResizedCrop(16, scale=(0.2, 0.6), ratio=(0.5, 2.0), generator=4)
    for _ in range(100):
        p = rrc.make_params(img)
        assert 0 <= p["top"] <= 40 - p["height"] and 0 <= p["left"] <= 50 - p["width"]
        area = p["height"] * p["width"] / (40 * 50)
        assert 0.2 - 0.03 <= area <= 0.6 + 0.03  # rounding of h and w
        assert 0.5 * 0.85 <= p["width"] / p["height"] <= 2.0 / 0.85
    out = rrc(img)
    assert out.shape == (3, 16, 16)
    whole = A.RandomResizedCrop(40, scale=(1.0, 1.0), ratio=(1.0, 1.0), generator=4)
    square = img[:, :, :40]
    torch.testing.assert_close(whole(square), square)


def test_random_resized_crop_falls_back_to_a_central_box():
    img = _image(1, 10, 40)  # ratio 4, far outside (1, 1) at full area
    rrc = A.RandomResizedCrop(5, scale=(1.0, 1.0), ratio=(1.0, 1.0), generator=0)
    assert rrc.make_params(img) == {"top": 0, "left": 15, "height": 10, "width": 10}


def test_color_jitter_draws_factors_in_range_and_applies_them():
    img = _image(3, 6, 6)
    assert torch.equal(A.ColorJitter(generator=0)(img), img)
    torch.testing.assert_close(A.ColorJitter(brightness=(0.5, 0.5), generator=0)(img), img * 0.5)
    jitter = A.ColorJitter(brightness=0.2, contrast=(0.5, 0.7), saturation=2.0, generator=5)
    for _ in range(50):
        p = jitter.make_params(img)
        b, c, s = p["factors"]
        assert 0.8 <= b <= 1.2 and 0.5 <= c <= 0.7 and 0.0 <= s <= 3.0
        assert sorted(p["order"]) == [0, 1, 2]
        out = jitter.transform(img, p)
        expected = img
        for i in p["order"]:
            expected = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation)[i](
                expected, p["factors"][i])
        assert torch.equal(out, expected)


def test_pca_color_shifts_each_image_by_its_own_vector_in_the_eigen_span():
    basis = F.fit_pca_color(_image(4, 3, 8, 8, seed=9))
    batch = 0.3 + 0.4 * _image(5, 3, 4, 4, seed=10)
    out = A.PCAColor(eigvals=basis.eigvals, eigvecs=basis.eigvecs, std=1.0, generator=6)(batch)
    shifts = []
    for n in range(5):
        delta = (out[n] - batch[n]).reshape(3, -1)
        torch.testing.assert_close(delta, delta[:, :1].expand_as(delta))
        coords = basis.eigvecs.T @ delta[:, 0]
        shifts.append(coords / basis.eigvals)  # the drawn alphas
    alphas = torch.stack(shifts)
    assert len({tuple(a.round(decimals=3).tolist()) for a in alphas}) == 5  # one draw per image
    pca = A.PCAColor(eigvals=basis.eigvals, eigvecs=basis.eigvecs, std=0.1, generator=6)
    draws = torch.stack([pca.make_params(batch[0])["alphas"] for _ in range(2000)])
    assert torch.all((draws.std(dim=0) - 0.1).abs() < 0.01)  # N(0, 0.1^2)


def test_random_affine_and_lens_with_degenerate_ranges_are_exact():
    img = _image(2, 3, 6, 6)
    rot = A.RandomAffine(degrees=(90, 90), interpolation="nearest", generator=0)
    assert torch.equal(rot(img), torch.rot90(img, 1, dims=(-2, -1)))
    torch.testing.assert_close(A.RandomLensDistortion(k_range=(0, 0))(img), img, atol=1e-6, rtol=0)
    affine = A.RandomAffine(degrees=10, translate=(0.2, 0.1), scale=(0.8, 1.2),
                            stretch=(0.5, 2.0), shear=(-5, 5, -2, 2), generator=1)
    for _ in range(50):
        p = affine.make_params(img[0])
        assert -10 <= p["angle"] <= 10
        assert abs(p["translate"][0]) <= 1.2 and abs(p["translate"][1]) <= 0.6
        sx, sy = p["scale"]
        assert 0.8 <= (sx * sy) ** 0.5 <= 1.2 and 0.5 <= sx / sy <= 2.0
        assert -5 <= p["shear"][0] <= 5 and -2 <= p["shear"][1] <= 2


def test_cutout_erases_a_square_centered_anywhere():
    img = 0.5 + 0.5 * _image(1, 7, 7)  # no zeros
    cut = A.Cutout(size=3, generator=2)
    centers = set()
    for _ in range(400):
        erased = (cut(img)[0] == 0).nonzero()
        rows, cols = erased[:, 0], erased[:, 1]
        assert 4 <= len(erased) <= 9  # a 3x3 square, clipped at worst to 2x2 in a corner
        assert rows.max() - rows.min() <= 2 and cols.max() - cols.min() <= 2
        # the center is the middle of the square; a square clipped at the top/left ends
        # one pixel past its center
        centers.add(tuple(int(v.max() - 1 if v.min() == 0 else v.min() + 1) for v in (rows, cols)))
    assert len(centers) == 7 * 7


def test_mixup_transform_mixes_inputs_and_labels_with_one_lambda():
    x = _image(8, 3, 4, 4)
    y = nn.functional.one_hot(torch.arange(8), 8).float()  # distinct labels reveal the pairs
    x_mix, y_mix = A.Mixup(alpha=0.4, generator=3)(x, y)
    lam = y_mix.max(dim=1).values.min()
    assert 0.5 <= lam <= 1.0
    for n in range(8):
        nonzero = (y_mix[n] > 0).nonzero().flatten().tolist()
        partner = next((k for k in nonzero if k != n), n)
        weight = float(y_mix[n, n])
        torch.testing.assert_close(x_mix[n], weight * x[n] + (1 - weight) * x[partner])
    torch.testing.assert_close(y_mix.sum(dim=1), torch.ones(8))
    lams = [A.Mixup(alpha=1.0, generator=s).make_params(x)["lam"] for s in range(300)]
    assert abs(sum(lams) / 300 - 0.5) < 0.05  # Beta(1, 1) = U(0, 1), mean 1/2


@pytest.mark.parametrize(
    "make, words",
    [(lambda: A.RandomHorizontalFlip(p_flip=1.5), "p_flip"),
     (lambda: A.RandomCrop(0), "size"),
     (lambda: A.RandomCrop(4, padding_mode="wrap"), "wrap"),
     (lambda: A.RandomResizedCrop(4, scale=(0.5, 0.1)), "scale"),
     (lambda: A.ColorJitter(brightness=-1), "brightness"),
     (lambda: A.RandomAffine(translate=(0.1, 2.0)), "translate"),
     (lambda: A.RandomAffine(interpolation="bicubic"), "bicubic"),
     (lambda: A.Mixup(alpha=0.0), "alpha"),
     (lambda: A.RandomCrop(4, generator="seed"), "generator")],
)
def test_transforms_validate_their_arguments(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()


def test_random_crop_larger_than_the_padded_image_is_an_error():
    with pytest.raises(ValueError, match="larger"):
        A.RandomCrop(6, padding=0)(_image(1, 5, 5))


def test_standard_recipe_composes_crop_flip_jitter_cutout():
    recipe = A.standard_train_augmentation(crop_size=8, padding=2, jitter=0.2, cutout_size=4,
                                           generator=0)
    kinds = [type(t) for t in recipe.transforms]
    assert kinds == [A.RandomCrop, A.RandomHorizontalFlip, A.ColorJitter, A.Cutout]
    assert len({id(t.generator) for t in recipe.transforms}) == 1  # one shared generator
    assert recipe(_image(5, 3, 8, 8)).shape == (5, 3, 8, 8)
    basis = F.fit_pca_color(_image(2, 3, 8, 8))
    alexnet = A.alexnet_train_augmentation(crop_size=6, eigvals=basis.eigvals,
                                           eigvecs=basis.eigvecs, generator=1)
    assert alexnet(_image(3, 8, 8)).shape == (3, 6, 6)


def test_ten_crop_predict_averages_softmax_over_the_ten_crops():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5), nn.Dropout(0.5))
    model.train()
    images = _image(2, 3, 6, 6)
    probs = A.ten_crop_predict(model, images, crop_size=4)
    assert model.training  # mode restored
    model.eval()
    crops = [images[:, :, :4, :4], images[:, :, :4, 2:], images[:, :, 2:, :4], images[:, :, 2:, 2:],
             images[:, :, 1:5, 1:5]]
    crops += [c.flip(-1) for c in (images[:, :, :4, 2:], images[:, :, :4, :4], images[:, :, 2:, 2:],
                                   images[:, :, 2:, :4], images[:, :, 1:5, 1:5])]
    with torch.no_grad():
        expected = torch.stack([model(c).softmax(dim=1) for c in crops]).mean(dim=0)
    torch.testing.assert_close(probs, expected)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))
    assert A.ten_crop_predict(model, images[0], crop_size=4).shape == (1, 5)
