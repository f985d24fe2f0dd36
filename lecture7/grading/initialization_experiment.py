"""Checks of assignment 1 (weight initialization), part 2: the activation experiment.

Test cells call it with the student's code::

    from lecture7.grading.initialization_experiment import check_layer_stds
    check_layer_stds(layer_stds)                           # visible: zero weights by hand
    check_layer_stds(layer_stds, hidden=True, points=3)    # hidden: vs lecture7.init

``check_layer_stds`` runs the student's forward pass of the lecture's deep network on
weights drawn by a given initializer and compares the per-layer standard deviations with
:func:`lecture7.init.activation_statistics` (CPU, float32, as the library's experiment).
**What is graded**: the list of standard deviations, one per layer, within ``rtol`` 2e-5.
**Accepted without loss**: the forward pass in NumPy or in float64, ``x @ w.T`` or
``F.linear``, ``std(correction=0)`` or ``np.std``, a list, an array or a tensor. torch's
default ``std()`` (unbiased, ``N - 1``) is the named mistake ``layer-stds-unbiased-std``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array
from lecture7.init import activation_statistics

__all__ = ["check_layer_stds", "reference_layer_stds"]


def _initializer(spec: dict) -> Callable[..., torch.Tensor]:
    """An in-place initializer ``init_(w, generator=g)`` drawing what ``spec`` says."""
    kind, scale = spec["kind"], float(spec["scale"])

    @torch.no_grad()
    def init_(w: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if kind == "zeros":
            return w.zero_()
        if kind == "uniform":
            return w.uniform_(-scale, scale, generator=generator)
        return w.normal_(0.0, scale, generator=generator)

    return init_


def reference_layer_stds(init_: Callable[..., torch.Tensor], *, activation: str, depth: int,
                         width: int, n_samples: int, seed: int) -> np.ndarray:
    """The reference of ``layer_stds``: the stds of :func:`lecture7.init.activation_statistics`."""
    return activation_statistics(init=init_, activation=activation, depth=depth, width=width,
                                 n_samples=n_samples, bins=1, seed=seed).stds


def run_layer_stds(objects: Mapping[str, Any], inputs: dict) -> dict:
    """``layer_stds(init_, ...)`` with an initializer built from the case."""
    stds = objects["layer_stds"](_initializer(inputs["init"]), activation=inputs["activation"],
                                 depth=inputs["depth"], width=inputs["width"],
                                 n_samples=inputs["n_samples"], seed=inputs["seed"])
    return {"stds": array(stds, "the returned stds")}


def _net(activation: str, init: str, scale: float, *, depth: int, width: int, n_samples: int,
         seed: int) -> dict:
    return {"init": {"kind": init, "scale": scale}, "activation": activation, "depth": depth,
            "width": width, "n_samples": n_samples, "seed": seed}


def layer_stds_visible(rng: np.random.Generator) -> list[Case]:
    return [
        Case("all weights zero, by hand: every layer's activations are 0 (tanh(0) = relu(0) = 0)",
             _net("tanh", "zeros", 0.0, depth=4, width=8, n_samples=5, seed=0),
             {"stds": np.zeros(4)}),
        Case("a (16, 10)-unit tanh net of 5 layers with N(0, 0.3^2) weights",
             _net("tanh", "normal", 0.3, depth=5, width=10, n_samples=16, seed=1)),
    ]


def layer_stds_hidden(rng: np.random.Generator) -> list[Case]:
    def net(activation: str, init: str, scale: Callable[[int], float]) -> dict:
        depth, width = int(rng.integers(4, 11)), int(rng.integers(8, 33))
        return _net(activation, init, scale(width), depth=depth, width=width,
                    n_samples=int(rng.integers(8, 49)), seed=int(rng.integers(2**31)))

    return [
        Case("tanh with the lecture's small N(0, 0.01^2) weights", net("tanh", "normal",
                                                                     lambda d: 0.01)),
        Case("tanh with the lecture's large N(0, 1) weights", net("tanh", "normal", lambda d: 1.0)),
        Case("tanh with Xavier weights", net("tanh", "normal", lambda d: 1 / math.sqrt(d))),
        Case("ReLU with Kaiming weights", net("relu", "normal", lambda d: math.sqrt(2 / d))),
        Case("ReLU with uniform weights", net("relu", "uniform", lambda d: math.sqrt(6 / d))),
    ]



# float32 activations: a forward pass written differently (F.linear, float64) differs by
# about 1e-6; torch's default unbiased std differs by 1 / (2 N D) >= 3e-4 on these sizes.
check_layer_stds = Check(
    "layer_stds", reference="lecture7.grading.initialization_experiment:reference_layer_stds",
    run=run_layer_stds, visible=layer_stds_visible, hidden=layer_stds_hidden,
    mistakes="initialization", forbidden=("lecture7.init", "torch.nn.init"), rtol=2e-5, atol=0.0)
