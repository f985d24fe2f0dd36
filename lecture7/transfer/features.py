"""The pretrained network as a fixed feature extractor: "CNN codes" from any layer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["evaluating", "extract_features"]


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Run ``model`` in eval mode under ``torch.no_grad()``, then restore every submodule's mode."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        for m, mode in modes:
            m.training = mode


def _batches(inputs: torch.Tensor | Iterable, batch_size: int) -> Iterator[torch.Tensor]:
    if isinstance(inputs, torch.Tensor):
        yield from inputs.split(batch_size)
        return
    for batch in inputs:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"batches must be tensors or (inputs, ...) tuples, got {type(x).__name__}")
        yield x


def extract_features(
    model: nn.Module,
    inputs: torch.Tensor | Iterable,
    *,
    layer: str | None = None,
    batch_size: int = 256,
    flatten: bool = True,
) -> torch.Tensor:
    """The "CNN codes": the output of submodule ``layer`` for every input, ``(N, D)``.

    Args:
        inputs: a tensor ``(N, ...)`` (split into ``batch_size`` chunks), or an
            iterable of batches (a ``DataLoader``), each a tensor or a tuple whose
            first item is the input.
        layer: a name from ``model.named_modules()``, e.g. ``"features.3"``; its
            output is captured by a forward hook. ``None``: the model's output.
        flatten: reshape each feature map to a vector (``(N, C, H, W) -> (N, CHW)``).

    Runs in eval mode (dropout off, BatchNorm using running statistics) under
    ``torch.no_grad()`` and restores each submodule's train/eval mode afterwards.
    Batches are moved to the device of the model's parameters.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    target = model
    if layer is not None:
        try:
            target = model.get_submodule(layer)
        except AttributeError:
            known = [n for n, _ in model.named_modules() if n]
            raise ValueError(f"no layer named {layer!r}; layers are {known}") from None
    device = next((p.device for p in model.parameters()), None)
    captured: list[torch.Tensor] = []
    handle = target.register_forward_hook(lambda _m, _i, out: captured.append(out))
    features = []
    try:
        with evaluating(model):
            for x in _batches(inputs, batch_size):
                captured.clear()
                model(x if device is None else x.to(device))
                if not captured or not isinstance(captured[-1], torch.Tensor):
                    raise ValueError(f"layer {layer!r} did not output a tensor in the forward pass")
                features.append(captured[-1])
    finally:
        handle.remove()
    if not features:
        raise ValueError("inputs held no batches")
    out = torch.cat(features)
    return out.flatten(1) if flatten else out
