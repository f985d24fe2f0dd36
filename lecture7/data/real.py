"""Real images that need no download, and a CIFAR-10 reader for those who have it.

* :func:`load_digits`: scikit-learn's handwritten digits, 1797 grayscale 8x8 images
  (UCI ML hand-written digits, Alpaydin & Kaynak 1998), ten classes.
* :func:`sample_photos`: the two color photographs scikit-learn ships
  (``china.jpg`` and ``flower.jpg``, 427x640), for augmentation figures;
  :func:`photo_patches` cuts many small random crops from them.
* :func:`load_cifar10`: CIFAR-10 (Krizhevsky, 2009) from the "python version"
  pickles at https://www.cs.toronto.edu/~kriz/cifar.html.

Images are float32 tensors (N, C, H, W) with values in [0, 1]; labels are int64 (N,).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn import datasets as sk_datasets

from lecture7.data.splits import Split, Splits, stratified_splits

__all__ = [
    "CIFAR10_CLASSES",
    "load_cifar10",
    "load_digits",
    "photo_patches",
    "resize",
    "sample_photos",
]

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
CIFAR10_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")


def resize(images: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Resize (C, H, W) or (N, C, H, W) images with antialiased bilinear interpolation.

    An int ``size`` sets the shorter side (the aspect ratio is kept, as in
    torchvision's ``Resize``); a pair sets ``(height, width)``.
    """
    height, width = images.shape[-2:]
    if isinstance(size, int):
        if size < 1:
            raise ValueError(f"Invalid size: {size} (expected >= 1)")
        short = min(height, width)
        out = (round(height * size / short), round(width * size / short))
    else:
        out = (int(size[0]), int(size[1]))
        if min(out) < 1:
            raise ValueError(f"Invalid size: {size} (expected positive sizes)")
    batch = images if images.ndim == 4 else images.unsqueeze(0)
    resized = F.interpolate(batch, size=out, mode="bilinear", antialias=True, align_corners=False)
    resized = resized.clamp(0.0, 1.0)
    return resized if images.ndim == 4 else resized.squeeze(0)


def load_digits(
    *,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    flatten: bool = False,
    image_size: int | None = None,
    channels: int = 1,
) -> Splits:
    """scikit-learn's digits as stratified train / val / test splits.

    Args:
        val_fraction, test_fraction: shares of all 1797 images (0 leaves that part ``None``).
        seed: the split's random state.
        flatten: give x as (N, C*H*W) vectors instead of (N, C, H, W) images.
        image_size: upsample the 8x8 images to this size (e.g. 32, to feed a
            network pretrained on 32x32 images); ``None`` keeps 8x8.
        channels: 1 (grayscale) or 3 (the gray value repeated, for RGB networks).

    Returns:
        :class:`Splits` whose x are float32 in [0, 1] (pixel / 16) and y int64 in 0..9.
    """
    if channels not in (1, 3):
        raise ValueError(f"Invalid channels: {channels} (expected 1 or 3)")
    digits = sk_datasets.load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)  # (N, 1, 8, 8)
    if image_size is not None:
        x = resize(x, (image_size, image_size))
    x = x.expand(-1, channels, -1, -1).contiguous()
    if flatten:
        x = x.flatten(1)
    data = Split(x, torch.from_numpy(digits.target.astype(np.int64)), tuple(map(str, range(10))))
    return stratified_splits(data, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)


def sample_photos(*, size: int | tuple[int, int] | None = None) -> dict[str, torch.Tensor]:
    """The photos that ship with scikit-learn: ``{"china": (3, H, W), "flower": (3, H, W)}``.

    Float32 in [0, 1]; 427x640 unless ``size`` is given (see :func:`resize`).
    """
    bunch = sk_datasets.load_sample_images()
    photos = {}
    for path, image in zip(bunch.filenames, bunch.images, strict=True):
        tensor = torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1).contiguous()
        photos[Path(path).stem] = tensor if size is None else resize(tensor, size)
    return photos


def photo_patches(
    *,
    n: int,
    patch_size: int = 32,
    seed: int | np.random.Generator,
    photos: dict[str, torch.Tensor] | None = None,
) -> torch.Tensor:
    """``n`` random ``patch_size`` x ``patch_size`` crops of the sample photos: (n, 3, p, p).

    Each patch picks a photo uniformly, then a position uniformly. Real color
    statistics for e.g. PCA color augmentation.
    """
    if n < 1:
        raise ValueError(f"Invalid n: {n} (expected >= 1)")
    photos = sample_photos() if photos is None else photos
    images = list(photos.values())
    if patch_size < 1 or any(patch_size > min(im.shape[-2:]) for im in images):
        raise ValueError(f"Invalid patch_size: {patch_size} (must fit inside every photo)")
    rng = np.random.default_rng(seed)
    which = rng.integers(len(images), size=n)
    patches = torch.empty(n, images[0].shape[0], patch_size, patch_size)
    offsets = torch.arange(patch_size)
    for k, image in enumerate(images):
        (chosen,) = np.nonzero(which == k)
        height, width = image.shape[-2:]
        top = torch.from_numpy(rng.integers(height - patch_size + 1, size=chosen.size))
        left = torch.from_numpy(rng.integers(width - patch_size + 1, size=chosen.size))
        rows = (top[:, None] + offsets)[:, :, None]  # (m, p, 1)
        cols = (left[:, None] + offsets)[:, None, :]  # (m, 1, p)
        patches[torch.from_numpy(chosen)] = image[:, rows, cols].permute(1, 0, 2, 3)
    return patches


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays, refusing every other global."""

    _ALLOWED = frozenset({
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("_codecs", "encode"),
    })

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR-10 file refers to {module}.{name}; refused")
        if module == "numpy.core.multiarray":  # pickles written with NumPy 1
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def _read_pickle(path: Path) -> dict:
    with path.open("rb") as handle:
        return _NumpyOnlyUnpickler(handle, encoding="bytes").load()


def _read_batch(path: Path) -> Split:
    batch = _read_pickle(path)
    if b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch (no b'data' / b'labels' entries)")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{path}: expected data (N, 3072) and N labels; got {data.shape} and {labels.shape}"
        )
    images = torch.from_numpy(data.reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
    return Split(images, torch.from_numpy(labels))


def load_cifar10(
    root: str | Path, *, val_fraction: float = 0.0, seed: int = 0
) -> Splits:
    """CIFAR-10 from the python pickles: 50000 training and 10000 test images, 32x32 RGB.

    Args:
        root: the ``cifar-10-batches-py`` folder, or the folder that holds it.
        val_fraction: share of the training batches held out (stratified) as ``val``.
        seed: the random state of that split.

    Raises:
        FileNotFoundError: naming the missing folder or the first missing file.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"CIFAR-10 folder {root} does not exist")
    if not (root / "batches.meta").exists() and (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    for name in CIFAR10_FILES:
        if not (root / name).is_file():
            raise FileNotFoundError(
                f"CIFAR-10 file {root / name} is missing; download and unpack the python "
                "version from https://www.cs.toronto.edu/~kriz/cifar.html"
            )
    meta = _read_pickle(root / "batches.meta")
    classes = tuple(name.decode() for name in meta.get(b"label_names", [])) or CIFAR10_CLASSES
    parts = [_read_batch(root / name) for name in CIFAR10_FILES[:5]]
    train = Split(torch.cat([p.x for p in parts]), torch.cat([p.y for p in parts]), classes)
    test_part = _read_batch(root / "test_batch")
    test = Split(test_part.x, test_part.y, classes)
    if val_fraction == 0:
        return Splits(train=train, test=test)
    split = stratified_splits(train, val_fraction=val_fraction, test_fraction=0.0, seed=seed)
    return Splits(train=split.train, val=split.val, test=test)
