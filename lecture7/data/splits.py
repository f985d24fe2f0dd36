"""Labelled tensors, named splits, stratified subsets and fast mini-batch loaders.

A :class:`Split` holds inputs ``x`` and labels ``y`` (a ``torch.utils.data.Dataset``,
so it also works with ``DataLoader``). :class:`Splits` names the ``train`` / ``val`` /
``test`` parts of a data set. :func:`make_loader` turns a split (or a pair of tensors)
into an iterable of mini-batches; with ``shuffle=True`` the order comes from a
``torch.Generator`` seeded by the caller, so a fresh loader replays the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, Dataset, TensorDataset

__all__ = ["Split", "Splits", "TensorLoader", "make_loader", "stratified_splits", "subset"]


@dataclass(frozen=True, eq=False)
class Split(Dataset):
    """Inputs ``x`` (N, ...) and integer labels ``y`` (N,), plus optional class names.

    ``len(split)`` is N and ``split[i]`` is ``(x[i], y[i])``.
    """

    x: torch.Tensor
    y: torch.Tensor
    classes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.x.ndim < 1 or self.y.ndim != 1 or self.x.shape[0] != self.y.shape[0]:
            raise ValueError(
                f"Split needs x of shape (N, ...) and y of shape (N,); got x {tuple(self.x.shape)}"
                f" and y {tuple(self.y.shape)}"
            )

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    @property
    def num_classes(self) -> int:
        """The number of class names if given, else ``max(y) + 1``."""
        if self.classes:
            return len(self.classes)
        return int(self.y.max()) + 1 if len(self) else 0

    def to(self, device: torch.device | str) -> Split:
        """The same split with ``x`` and ``y`` on ``device``."""
        return Split(self.x.to(device), self.y.to(device), self.classes)


@dataclass(frozen=True)
class Splits:
    """The named parts of a data set; ``val`` / ``test`` are ``None`` when not made."""

    train: Split
    val: Split | None = None
    test: Split | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        return self.train.classes

    @property
    def num_classes(self) -> int:
        return self.train.num_classes


def _check_fraction(name: str, value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name}: {value} (expected 0 <= {name} < 1)")
    return float(value)


def stratified_splits(
    data: Split, *, val_fraction: float, test_fraction: float, seed: int
) -> Splits:
    """Split ``data`` into train / val / test with the class proportions kept in each.

    The test part is cut first (``test_fraction`` of all examples), then the
    validation part (``val_fraction`` of all examples) from the rest, with
    ``sklearn.model_selection.train_test_split(stratify=...)``. A fraction of 0
    leaves that part ``None``.
    """
    val_fraction = _check_fraction("val_fraction", val_fraction)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"Invalid fractions: val_fraction + test_fraction = {val_fraction + test_fraction}"
            " leaves no training data"
        )
    labels = data.y.cpu().numpy()
    rest = np.arange(len(data))
    parts: dict[str, np.ndarray | None] = {"val": None, "test": None}
    for name, fraction, of_rest in (
        ("test", test_fraction, 1.0),
        ("val", val_fraction, 1.0 - test_fraction),
    ):
        if fraction > 0:
            rest, parts[name] = train_test_split(
                rest, test_size=fraction / of_rest, stratify=labels[rest], random_state=seed
            )

    def take(index: np.ndarray | None) -> Split | None:
        if index is None:
            return None
        index_t = torch.from_numpy(np.sort(index))
        return Split(data.x[index_t], data.y[index_t], data.classes)

    return Splits(train=take(rest), val=take(parts["val"]), test=take(parts["test"]))


def _as_split(data: Split | Sequence[torch.Tensor] | TensorDataset) -> Split:
    if isinstance(data, Split):
        return data
    if isinstance(data, TensorDataset):
        data = data.tensors
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return Split(torch.as_tensor(data[0]), torch.as_tensor(data[1]))
    raise ValueError(f"Expected a Split, a TensorDataset or a pair (x, y); got {type(data).__name__}")


def subset(data: Split | Sequence[torch.Tensor], *, n_per_class: int, seed: int) -> Split:
    """A random stratified subset: ``n_per_class`` examples of every class.

    For the "small data" experiments. The examples keep their original order.

    Raises:
        ValueError: ``n_per_class < 1``, or a class has fewer examples than asked for.
    """
    data = _as_split(data)
    if n_per_class < 1:
        raise ValueError(f"Invalid n_per_class: {n_per_class} (expected >= 1)")
    rng = np.random.default_rng(seed)
    labels = data.y.cpu().numpy()
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if members.size < n_per_class:
            raise ValueError(
                f"Invalid n_per_class: {n_per_class}; class {label} has only {members.size} examples"
            )
        chosen.append(rng.choice(members, size=n_per_class, replace=False))
    index = torch.from_numpy(np.sort(np.concatenate(chosen)))
    return Split(data.x[index], data.y[index], data.classes)


class TensorLoader:
    """Mini-batches ``(x[idx], y[idx])`` cut straight from in-memory tensors.

    Much faster than a ``DataLoader`` over a ``TensorDataset`` (one indexing op
    per batch instead of one per example plus a collate). Each pass over the
    loader draws a new permutation from ``generator`` when ``shuffle`` is true.
    """

    def __init__(
        self,
        tensors: Sequence[torch.Tensor],
        *,
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        drop_last: bool = False,
    ) -> None:
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError(f"Tensors differ in length: {[t.shape[0] for t in tensors]}")
        if shuffle and generator is None:
            raise ValueError("shuffle=True needs a generator (pass seed= to make_loader)")
        self.tensors = tuple(tensors)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last

    @property
    def dataset(self) -> TensorDataset:
        return TensorDataset(*self.tensors)

    def __len__(self) -> int:
        n = self.tensors[0].shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n = self.tensors[0].shape[0]
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for batch in range(len(self)):
            lo, hi = batch * self.batch_size, min((batch + 1) * self.batch_size, n)
            if order is None:
                yield tuple(t[lo:hi] for t in self.tensors)
            else:
                index = order[lo:hi]
                yield tuple(t[index.to(t.device)] for t in self.tensors)


def make_loader(
    data: Split | Dataset | Sequence[torch.Tensor],
    *,
    batch_size: int,
    shuffle: bool = False,
    seed: int | torch.Generator | None = None,
    drop_last: bool = False,
) -> TensorLoader | DataLoader:
    """An iterable of mini-batches ``(x, y)``; ``len(loader)`` is the number of batches.

    Args:
        data: a :class:`Split`, a pair of tensors ``(x, y)``, a ``TensorDataset``
            (these give a fast :class:`TensorLoader`), or any other ``Dataset``
            (this gives a ``torch.utils.data.DataLoader`` in the same process).
        batch_size: examples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: draw a new order every pass.
        seed: an int or a ``torch.Generator``; required when ``shuffle`` is true.
            Two loaders made with the same int seed yield the same batches.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (expected an integer >= 1)")
    if shuffle and seed is None:
        raise ValueError("shuffle=True needs a seed (an int or a torch.Generator), got seed=None")
    generator = seed
    if seed is not None and not isinstance(seed, torch.Generator):
        generator = torch.Generator().manual_seed(int(seed))
    if isinstance(data, (Split, TensorDataset, tuple, list)):
        if isinstance(data, TensorDataset):
            tensors = data.tensors
        else:
            split = _as_split(data)
            tensors = (split.x, split.y)
        return TensorLoader(
            tensors, batch_size=batch_size, shuffle=shuffle, generator=generator, drop_last=drop_last
        )
    return DataLoader(
        data, batch_size=batch_size, shuffle=shuffle, generator=generator, drop_last=drop_last
    )
