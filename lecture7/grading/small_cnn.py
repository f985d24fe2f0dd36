"""SmallCNNs described as plain data, built in the student's kernel; what changed in them.

The checks of assignment 8 (:mod:`lecture7.grading.transfer`,
:mod:`lecture7.grading.transfer_features`) describe each case's model as plain data
(seed, widths, batch normalization, frozen parameters, modes, values to set);
:func:`build_model` builds it on :func:`lecture7.default_device`, and the helpers below
describe what a student's function did to it, as text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from lecture7.device import default_device
from lecture7.grading.observe import NONE
from lecture7.models import SmallCNN

__all__ = ["IMAGE_SIZE", "build_model", "mode_changes", "model_spec", "modes",
           "parameter_names"]

IMAGE_SIZE = 8


def build_model(spec: dict) -> nn.Module:
    """A SmallCNN on the default device, as ``spec`` describes it.

    Keys: ``seed``, ``widths``, ``classes``, ``batchnorm``; optional ``warm`` (train-mode
    forward passes so that BatchNorm's running statistics move away from 0 and 1),
    ``set`` (name -> values of parameters and buffers), ``frozen`` (``"all"``,
    ``"backbone"`` or a list of name prefixes), ``mode`` (``"train"``, ``"eval"`` or
    ``"bn-eval"``: BatchNorm layers in eval mode, the rest in train mode).
    """
    device = default_device()
    model = SmallCNN(3, spec["classes"], widths=tuple(spec["widths"]),
                     batchnorm=spec["batchnorm"], seed=spec["seed"]).to(device)
    if spec.get("warm"):
        generator = torch.Generator().manual_seed(spec["seed"])
        with torch.no_grad():
            for _ in range(3):
                x = 0.5 + 2 * torch.rand(16, 3, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
                model(x.to(device))
    state = dict(model.named_parameters()) | dict(model.named_buffers())
    with torch.no_grad():
        for name, values in spec.get("set", {}).items():
            state[name].copy_(torch.as_tensor(np.asarray(values), dtype=state[name].dtype))
    frozen = spec.get("frozen")
    for name, p in model.named_parameters():
        if frozen == "all" or (frozen == "backbone" and not name.startswith("fc.")) or (
                isinstance(frozen, list) and any(name.startswith(f + ".") for f in frozen)):
            p.requires_grad_(False)
    mode = spec.get("mode", "train")
    model.train(mode != "eval")
    if mode == "bn-eval":
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
    return model


def model_spec(rng: np.random.Generator, *, batchnorm: bool = True, **extra: Any) -> dict:
    depth = int(rng.integers(1, 4))
    widths = [int(w) for w in rng.integers(2, 7, size=depth)]
    return {"seed": int(rng.integers(2**31)), "widths": widths,
            "classes": int(rng.integers(2, 8)), "batchnorm": batchnorm, **extra}


def parameter_names(names: list[str], model: nn.Module) -> str:
    every = [n for n, _ in model.named_parameters()]
    if not names:
        return NONE
    if len(names) > 2 and set(names) == set(every):
        return f"all {len(every)} parameters"
    return ", ".join(n for n in every if n in set(names)) or ", ".join(names)


def modes(model: nn.Module) -> dict[str, bool]:
    return {name or "(the model)": m.training for name, m in model.named_modules()}


def mode_changes(before: dict[str, bool], model: nn.Module) -> str:
    after = modes(model)
    changed = [f"{name} ({'train' if before[name] else 'eval'} -> "
               f"{'train' if after[name] else 'eval'})"
               for name in before if name in after and after[name] != before[name]]
    if len(changed) > 3:
        return f"{len(changed)} modules, e.g. " + ", ".join(changed[:3])
    return ", ".join(changed) or NONE
