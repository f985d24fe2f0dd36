"""lecture7.data: checked against scikit-learn's own arrays and hand-built files."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn import datasets as sk_datasets
from sklearn.neighbors import KNeighborsClassifier

from lecture7.data import (
    CIFAR10_CLASSES,
    SHAPE_CLASSES,
    Split,
    TensorLoader,
    load_cifar10,
    load_digits,
    make_loader,
    photo_patches,
    resize,
    sample_photos,
    stratified_splits,
    subset,
    synthetic_shapes,
)

# --- digits -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sk_digits():
    return sk_datasets.load_digits()


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a.T[::-1])]


def test_digits_splits_partition_the_data_and_are_stratified(sk_digits):
    d = load_digits(val_fraction=0.2, test_fraction=0.25, seed=3)
    parts = [d.train, d.val, d.test]
    n = len(sk_digits.target)
    assert sum(len(p) for p in parts) == n == 1797
    assert abs(len(d.test) - 0.25 * n) <= 1 and abs(len(d.val) - 0.2 * n) <= 1
    for p in parts:
        assert p.x.dtype == torch.float32 and p.y.dtype == torch.int64
        assert p.x.shape[1:] == (1, 8, 8)
    # the union, with labels attached, is exactly sklearn's (pixel / 16, label) multiset
    ours = np.concatenate([np.c_[p.x.flatten(1).numpy() * 16, p.y.numpy()] for p in parts])
    theirs = np.c_[sk_digits.data, sk_digits.target]
    np.testing.assert_array_equal(_sorted_rows(ours), _sorted_rows(theirs))
    # stratified: each class's share in every split is within one example of the whole's
    whole = np.bincount(sk_digits.target, minlength=10)
    for p in parts:
        expected = whole * len(p) / n
        assert np.all(np.abs(np.bincount(p.y.numpy(), minlength=10) - expected) <= 1.0)
    assert d.classes == tuple("0123456789") and d.num_classes == 10


def test_digits_are_deterministic_and_seed_dependent():
    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.y, c.train.y)


def test_digits_options(sk_digits):
    flat = load_digits(flatten=True, val_fraction=0.0, test_fraction=0.1)
    assert flat.val is None and flat.train.x.shape[1] == 64
    big = load_digits(image_size=32, channels=3, seed=0)
    small = load_digits(seed=0)
    assert big.train.x.shape[1:] == (3, 32, 32)
    assert torch.equal(big.train.y, small.train.y)
    assert torch.equal(big.train.x[:, 0], big.train.x[:, 2])
    assert 0.0 <= big.train.x.min() and big.train.x.max() <= 1.0
    # upsampling keeps the picture: 4x4 average pooling brings back (a blurred) 8x8 digit
    pooled = F.avg_pool2d(big.train.x[:, :1], 4).flatten()
    assert np.corrcoef(pooled.numpy(), small.train.x.flatten().numpy())[0, 1] > 0.95


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"val_fraction": 1.2}, "1.2"),
        ({"test_fraction": -0.1}, "-0.1"),
        ({"val_fraction": 0.6, "test_fraction": 0.5}, "1.1"),
        ({"channels": 2}, "2"),
    ],
)
def test_digits_bad_arguments(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        load_digits(**kwargs)


# --- photos -------------------------------------------------------------------------


def test_sample_photos_match_sklearn():
    photos = sample_photos()
    bunch = sk_datasets.load_sample_images()
    assert set(photos) == {"china", "flower"}
    for name, image in zip(["china", "flower"], bunch.images, strict=True):
        assert photos[name].shape == (3, 427, 640) and photos[name].dtype == torch.float32
        np.testing.assert_allclose(photos[name].permute(1, 2, 0).numpy(), image / 255.0, atol=1e-7)
    small = sample_photos(size=64)
    assert small["china"].shape == (3, 64, 96)
    assert sample_photos(size=(20, 30))["flower"].shape == (3, 20, 30)
    # a resized photo keeps its mean color
    np.testing.assert_allclose(
        small["china"].mean((1, 2)).numpy(), photos["china"].mean((1, 2)).numpy(), atol=0.01
    )


def test_resize_keeps_constant_images_and_validates():
    image = torch.full((3, 10, 20), 0.3)
    np.testing.assert_allclose(resize(image, 5).numpy(), 0.3, atol=1e-6)
    assert resize(image, 5).shape == (3, 5, 10)
    with pytest.raises(ValueError, match="0"):
        resize(image, 0)


def test_photo_patches_are_real_crops():
    height, width = 40, 50
    rows = torch.arange(height, dtype=torch.float32)[:, None].expand(height, width)
    cols = torch.arange(width, dtype=torch.float32)[None, :].expand(height, width)
    # each pixel encodes its own position (and which photo it is in)
    photos = {k: torch.stack([rows, cols, torch.full_like(rows, k)]) for k in (0, 1)}
    patches = photo_patches(n=200, patch_size=8, seed=0, photos=photos)
    assert patches.shape == (200, 3, 8, 8)
    top, left = patches[:, 0, 0, 0], patches[:, 1, 0, 0]
    step = torch.arange(8, dtype=torch.float32)
    assert torch.equal(patches[:, 0], (top[:, None, None] + step[None, :, None]).expand(-1, 8, 8))
    assert torch.equal(patches[:, 1], (left[:, None, None] + step[None, None, :]).expand(-1, 8, 8))
    assert top.max() <= height - 8 and left.max() <= width - 8
    which = patches[:, 2, 0, 0]
    assert torch.all(patches[:, 2] == which[:, None, None])
    assert 0 < which.sum() < 200  # both photos are used
    assert torch.equal(patches, photo_patches(n=200, patch_size=8, seed=0, photos=photos))
    with pytest.raises(ValueError, match="41"):
        photo_patches(n=1, patch_size=41, seed=0, photos=photos)
    with pytest.raises(ValueError, match="0"):
        photo_patches(n=0, seed=0, photos=photos)


def test_photo_patches_default_photos():
    patches = photo_patches(n=16, seed=1)
    assert patches.shape == (16, 3, 32, 32) and 0 <= patches.min() and patches.max() <= 1


# --- synthetic shapes ----------------------------------------------------------------


def test_synthetic_shapes_contract():
    data = synthetic_shapes(n=303, num_classes=10, seed=0)
    assert data.x.shape == (303, 3, 32, 32) and data.x.dtype == torch.float32
    assert data.y.dtype == torch.int64 and 0.0 <= data.x.min() and data.x.max() <= 1.0
    counts = torch.bincount(data.y, minlength=10)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 303
    assert data.classes == SHAPE_CLASSES[:10] and data.num_classes == 10
    again = synthetic_shapes(n=303, num_classes=10, seed=0)
    assert torch.equal(data.x, again.x) and torch.equal(data.y, again.y)
    assert not torch.equal(data.x, synthetic_shapes(n=303, num_classes=10, seed=1).x)
    held_out = synthetic_shapes(n=40, num_classes=10, seed=0, class_offset=10, channels=1, size=16)
    assert held_out.x.shape == (40, 1, 16, 16) and held_out.classes == SHAPE_CLASSES[10:20]
    assert len(SHAPE_CLASSES) == len(set(SHAPE_CLASSES)) == 20


def test_synthetic_shapes_without_noise_show_two_colors():
    data = synthetic_shapes(n=60, seed=2, noise_std=0.0, channels=1)
    for image in data.x[:, 0]:
        values = image.flatten()
        low, high = values.min(), values.max()
        assert high - low >= 0.2  # the shape stands out from its background
        # every pixel is a blend of the two colors (antialiased edges in between)
        assert torch.all((values >= low - 1e-6) & (values <= high + 1e-6))


def test_synthetic_shapes_are_learnable():
    train = synthetic_shapes(n=1200, num_classes=10, seed=0, channels=1)
    test = synthetic_shapes(n=400, num_classes=10, seed=1, channels=1)
    knn = KNeighborsClassifier(n_neighbors=1).fit(train.x.flatten(1).numpy(), train.y.numpy())
    assert knn.score(test.x.flatten(1).numpy(), test.y.numpy()) > 0.3  # chance is 0.1


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"n": 0}, "n: 0"),
        ({"num_classes": 21}, "num_classes=21"),
        ({"class_offset": 15}, "class_offset=15"),
        ({"size": 4}, "size: 4"),
        ({"channels": 2}, "channels: 2"),
        ({"noise_std": -1.0}, "noise_std: -1.0"),
    ],
)
def test_synthetic_shapes_bad_arguments(kwargs, bad):
    args = {"n": 10, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=bad):
        synthetic_shapes(**args)


# --- splits, subsets, loaders --------------------------------------------------------


def _toy(n: int = 30, classes: int = 3) -> Split:
    return Split(torch.arange(n, dtype=torch.float32)[:, None], torch.arange(n) % classes)


def test_split_basics():
    data = _toy()
    assert len(data) == 30 and data.num_classes == 3
    x, y = data[4]
    assert x.item() == 4.0 and y.item() == 1
    moved = data.to("cpu")
    assert torch.equal(moved.x, data.x) and torch.equal(moved.y, data.y)
    assert Split(data.x, data.y, ("a", "b", "c", "d")).num_classes == 4
    with pytest.raises(ValueError, match=r"\(5,\)"):
        Split(torch.zeros(4, 2), torch.zeros(5, dtype=torch.long))


def test_stratified_splits_on_toy_data():
    parts = stratified_splits(_toy(60), val_fraction=0.25, test_fraction=0.25, seed=0)
    assert [len(parts.train), len(parts.val), len(parts.test)] == [30, 15, 15]
    for p in (parts.train, parts.val, parts.test):
        assert torch.bincount(p.y).tolist() == [len(p) // 3] * 3
        assert torch.equal(p.y, p.x[:, 0].long() % 3)  # rows stay paired
    ids = torch.cat([p.x[:, 0] for p in (parts.train, parts.val, parts.test)])
    assert sorted(ids.tolist()) == list(range(60))


def test_subset_is_stratified_and_deterministic():
    data = _toy(90)
    small = subset(data, n_per_class=4, seed=0)
    assert torch.bincount(small.y).tolist() == [4, 4, 4]
    assert torch.equal(small.y, small.x[:, 0].long() % 3)
    assert torch.equal(small.x, subset(data, n_per_class=4, seed=0).x)
    assert not torch.equal(small.x, subset(data, n_per_class=4, seed=1).x)
    assert len(subset((data.x, data.y), n_per_class=30, seed=0)) == 90
    with pytest.raises(ValueError, match="31"):
        subset(data, n_per_class=31, seed=0)
    with pytest.raises(ValueError, match="0"):
        subset(data, n_per_class=0, seed=0)


def test_make_loader_covers_each_example_once_per_pass():
    data = _toy(23)
    loader = make_loader(data, batch_size=5, shuffle=True, seed=7)
    assert isinstance(loader, TensorLoader) and len(loader) == 5
    passes = []
    for _ in range(2):
        batches = list(loader)
        assert [len(y) for _, y in batches] == [5, 5, 5, 5, 3]
        ids = torch.cat([x[:, 0] for x, _ in batches])
        assert sorted(ids.tolist()) == list(range(23))
        assert all(torch.equal(y, x[:, 0].long() % 3) for x, y in batches)
        passes.append(ids)
    assert not torch.equal(passes[0], passes[1])  # a new order every pass
    replay = torch.cat([x[:, 0] for x, _ in make_loader(data, batch_size=5, shuffle=True, seed=7)])
    assert torch.equal(replay, passes[0])


def test_make_loader_options():
    data = _toy(23)
    ordered = torch.cat([x[:, 0] for x, _ in make_loader(data, batch_size=4)])
    assert torch.equal(ordered, data.x[:, 0])
    dropped = make_loader((data.x, data.y), batch_size=5, drop_last=True)
    assert len(dropped) == 4 and [len(y) for _, y in dropped] == [5] * 4
    g = torch.Generator().manual_seed(0)
    assert len(list(make_loader(data, batch_size=10, shuffle=True, seed=g))) == 3

    class Squares(torch.utils.data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return torch.tensor([float(i)]), i * i

    batches = list(make_loader(Squares(), batch_size=4))
    assert batches[0][1].tolist() == [0, 1, 4, 9] and batches[1][1].tolist() == [16, 25]


@pytest.mark.parametrize(
    "kwargs, bad",
    [({"batch_size": 0}, "batch_size: 0"), ({"batch_size": 2, "shuffle": True}, "seed=None")],
)
def test_make_loader_bad_arguments(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        make_loader(_toy(), **kwargs)


# --- CIFAR-10 ---------------------------------------------------------------------------


def _write_cifar(root, rng, per_batch=(4, 4, 4, 4, 4), test=3):
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    written = {}
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name, n in zip(names, [*per_batch, test], strict=True):
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.permutation(np.arange(n) % 2).tolist()  # two classes, both in each batch
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"data": data, b"labels": labels}, f, 2)
        written[name] = (data, labels)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [c.encode() for c in CIFAR10_CLASSES]}, f, 2)
    return folder, written


def test_load_cifar10_reads_the_python_pickles(tmp_path):
    folder, written = _write_cifar(tmp_path, np.random.default_rng(0))
    for root in (folder, tmp_path):  # the batches folder or its parent
        data = load_cifar10(root)
        assert data.train.x.shape == (20, 3, 32, 32) and data.test.x.shape == (3, 3, 32, 32)
        assert data.val is None and data.classes == CIFAR10_CLASSES
    raw, labels = written["data_batch_2"]
    i, c, r, col = 1, 2, 5, 7  # row-major: channel, then row, then column
    assert data.train.x[4 + i, c, r, col].item() == pytest.approx(raw[i, c * 1024 + r * 32 + col] / 255)
    assert data.train.y[4:8].tolist() == labels
    expected_test = written["test_batch"][0].reshape(3, 3, 32, 32) / 255.0
    np.testing.assert_allclose(data.test.x.numpy(), expected_test, atol=1e-7)
    split = load_cifar10(folder, val_fraction=0.25, seed=0)
    assert len(split.train) == 15 and len(split.val) == 5


def test_load_cifar10_names_the_missing_file(tmp_path):
    folder, _ = _write_cifar(tmp_path, np.random.default_rng(1))
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        load_cifar10(folder)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_cifar10(tmp_path / "nowhere")


def test_load_cifar10_rejects_bad_files(tmp_path):
    folder, _ = _write_cifar(tmp_path, np.random.default_rng(2))
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(ValueError, match=r"\(2, 100\)"):
        load_cifar10(folder)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": pickle.loads}, f)  # a pickle that names a function
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        load_cifar10(folder)
