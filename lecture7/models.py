"""The small networks the chapters train: an MLP and a small CNN.

Both models have the same two named parts, as torchvision's ResNet does:

* ``model.features``: everything up to the last hidden representation;
* ``model.fc``: the final ``nn.Linear`` (the "head"), the layer the transfer-
  learning chapter re-initializes or replaces (``model.fc = nn.Linear(d, k)``).

``model.embed(x)`` gives the representation that ``fc`` reads (for the CNN, the
globally average-pooled "CNN codes" of the transfer-learning chapter).

Weights use PyTorch's default initialization; pass ``seed=`` to make it
reproducible without touching the global random state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "MLP", "SmallCNN", "count_parameters"]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def _activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ValueError(f"Invalid activation: {name!r} (expected one of {sorted(ACTIVATIONS)})")
    return ACTIVATIONS[name]()


def _check(in_features: int, num_classes: int, p_drop: float) -> None:
    if in_features < 1:
        raise ValueError(f"Invalid input size: {in_features} (expected >= 1)")
    if num_classes < 1:
        raise ValueError(f"Invalid num_classes: {num_classes} (expected >= 1)")
    if not 0.0 <= p_drop < 1.0:
        raise ValueError(f"Invalid dropout_p_drop: {p_drop} (expected 0 <= p_drop < 1)")


def _dropout(p_drop: float) -> nn.Module:
    return nn.Dropout(p=p_drop) if p_drop > 0 else nn.Identity()


class _Classifier(nn.Module):
    """``features`` -> ``dropout`` -> ``fc``; built under ``fork_rng`` when a seed is given."""

    def _build(self, seed: int | None, build: Callable[[], None]) -> None:
        if seed is None:
            build()
            return
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            build()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The (B, D) representation the head ``fc`` reads."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits), (B, num_classes)."""
        return self.fc(self.dropout(self.embed(x)))


class MLP(_Classifier):
    """Flatten, then ``[Linear -> (BatchNorm1d) -> activation -> (Dropout)]`` per hidden size, then ``fc``.

    Args:
        in_features: size of a flattened input (e.g. 64 for 8x8 digits).
        hidden_sizes: widths of the hidden layers (may be empty: softmax regression).
        num_classes: outputs of ``fc``.
        activation: one of :data:`ACTIVATIONS`.
        batchnorm: add ``BatchNorm1d`` after each hidden ``Linear``.
        dropout_p_drop: probability of *dropping* a hidden unit (torch ``nn.Dropout``,
            inverted: scaled by 1/(1-p_drop) at training time), after each hidden layer.
        seed: seed of the initialization (``None``: torch's global generator).

    ``model.features`` is the ``nn.Sequential`` up to the last hidden activation;
    ``model.hidden_linears`` lists the hidden ``nn.Linear`` layers in order.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        num_classes: int,
        *,
        activation: str = "relu",
        batchnorm: bool = False,
        dropout_p_drop: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        _check(in_features, num_classes, dropout_p_drop)
        if any(h < 1 for h in hidden_sizes):
            raise ValueError(f"Invalid hidden_sizes: {list(hidden_sizes)} (expected sizes >= 1)")
        _activation(activation)

        def build() -> None:
            layers: list[nn.Module] = [nn.Flatten(1)]
            width = in_features
            for i, hidden in enumerate(hidden_sizes):
                layers.append(nn.Linear(width, hidden))
                if batchnorm:
                    layers.append(nn.BatchNorm1d(hidden))
                layers.append(_activation(activation))
                if dropout_p_drop > 0 and i < len(hidden_sizes) - 1:  # the last: self.dropout
                    layers.append(_dropout(dropout_p_drop))
                width = hidden
            self.features = nn.Sequential(*layers)
            self.dropout = _dropout(dropout_p_drop if hidden_sizes else 0.0)
            self.fc = nn.Linear(width, num_classes)

        self._build(seed, build)

    @property
    def hidden_linears(self) -> list[nn.Linear]:
        return [m for m in self.features if isinstance(m, nn.Linear)]


class SmallCNN(_Classifier):
    """``[Conv3x3 -> (BatchNorm2d) -> ReLU -> MaxPool2]`` per width, global average pool, ``fc``.

    Args:
        in_channels: 1 (grayscale) or 3 (RGB), or any other count.
        num_classes: outputs of ``fc``.
        widths: output channels of the conv blocks; each block halves H and W,
            so images need H, W >= 2 ** len(widths) (8x8 digits work with 3 blocks).
        batchnorm: add ``BatchNorm2d`` after each convolution.
        dropout_p_drop: probability of dropping a unit of the pooled features
            before ``fc`` (torch ``nn.Dropout``).
        seed: seed of the initialization (``None``: torch's global generator).

    Parts: ``features`` (the conv blocks, (B, C, H, W) -> (B, widths[-1], H', W')),
    ``avgpool`` (-> (B, widths[-1])), ``dropout``, ``fc``. Global average pooling
    makes the model work for any image size; ``model.num_features`` is ``widths[-1]``.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        *,
        widths: Sequence[int] = (16, 32, 64),
        batchnorm: bool = False,
        dropout_p_drop: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        _check(in_channels, num_classes, dropout_p_drop)
        if not widths or any(w < 1 for w in widths):
            raise ValueError(f"Invalid widths: {list(widths)} (expected one or more sizes >= 1)")
        self.num_features = int(widths[-1])

        def build() -> None:
            blocks: list[nn.Module] = []
            channels = in_channels
            for width in widths:
                block = [nn.Conv2d(channels, width, 3, padding=1, bias=not batchnorm)]
                if batchnorm:
                    block.append(nn.BatchNorm2d(width))
                block += [nn.ReLU(), nn.MaxPool2d(2)]
                blocks.append(nn.Sequential(*block))
                channels = width
            self.features = nn.Sequential(*blocks)
            self.avgpool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
            self.dropout = _dropout(dropout_p_drop)
            self.fc = nn.Linear(channels, num_classes)

        self._build(seed, build)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled "CNN codes", (B, num_features)."""
        return self.avgpool(self.features(x))


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of scalar parameters; with ``trainable_only``, only those with ``requires_grad``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
