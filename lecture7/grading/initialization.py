"""Checks of assignment 1 (weight initialization): fans, Xavier and Kaiming, the experiment.

Test cells call them with the student's code::

    from lecture7.grading.initialization import check_xavier_std
    check_xavier_std(xavier_std)                           # visible: values by hand
    check_xavier_std(xavier_std, hidden=True, points=2)    # hidden: random fans vs lecture7.init

The formulas (``check_fan_in_and_fan_out``, ``check_xavier_std``,
``check_xavier_bound``) are compared with :mod:`lecture7.init.formulas`; the
NumPy samplers (``check_xavier_normal``, ``check_kaiming_normal``) draw from a
``np.random.Generator`` in the same state as the reference's, so their weights
are compared exactly; ``check_layer_stds`` runs the student's forward pass of the
lecture's deep network on weights drawn by a given initializer and compares the
per-layer standard deviations with :func:`lecture7.init.activation_statistics`
(CPU, float32, as the library's experiment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.convert import number
from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for
from lecture7.init import activation_statistics

__all__ = ["check_fan_in_and_fan_out", "check_kaiming_normal", "check_layer_stds",
           "check_xavier_bound", "check_xavier_normal", "check_xavier_std",
           "reference_layer_stds"]

#: Students must not run the reference (lecture7.init) nor torch's initializers.
FORBIDDEN = ("lecture7.init", "torch.nn.init")


def _array(x: Any, what: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    if not isinstance(x, np.ndarray | list | tuple):
        raise TypeError(f"{what} is a {type(x).__name__}; expected a NumPy array")
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


# -- fans ---------------------------------------------------------------------------------


def run_fans(objects: Mapping[str, Any], inputs: dict) -> dict:
    """``fan_in_and_fan_out(shape)`` on every shape of the case."""
    fans = objects["fan_in_and_fan_out"]
    fan_in, fan_out = [], []
    for shape in inputs["shapes"]:
        result = fans(tuple(shape))
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise TypeError(f"fan_in_and_fan_out returned {type(result).__name__}; "
                            "expected a pair (fan_in, fan_out)")
        fan_in.append(number(result[0], "fan_in"))
        fan_out.append(number(result[1], "fan_out"))
    return {"fan_in": np.array(fan_in), "fan_out": np.array(fan_out)}


def fans_visible(rng: np.random.Generator) -> list[Case]:
    # (out, in) -> in, out; (out, in, k1, ...) -> in * prod(k), out * prod(k)
    hand = [(3, 5), (16, 3, 5, 5), (8, 4, 3)]
    return [
        Case("shapes worked out by hand: a linear, a conv2d and a conv1d weight",
             {"shapes": hand},
             {"fan_in": np.array([5.0, 75.0, 12.0]), "fan_out": np.array([3.0, 400.0, 24.0])}),
        Case("a (10, 784) linear weight and a (64, 32, 3, 3) conv weight",
             {"shapes": [(10, 784), (64, 32, 3, 3)]}),
    ]


def fans_hidden(rng: np.random.Generator) -> list[Case]:
    def size(lo: int = 2, hi: int = 300) -> int:
        return int(rng.integers(lo, hi))

    def rectangular() -> tuple[int, int]:
        out, inp = size(), size()
        return (out, inp) if out != inp else (out, inp + 1)

    return [
        Case("linear weights (out, in)", {"shapes": [rectangular() for _ in range(4)]}),
        Case("conv2d weights (out, in, kh, kw), square and non-square kernels",
             {"shapes": [(size(2, 128), size(1, 64), k, k) for k in (3, 5)]
              + [(size(2, 128), size(1, 64), size(2, 7), size(2, 7)) for _ in range(2)]}),
        Case("conv1d and conv3d weights",
             {"shapes": [(size(2, 64), size(1, 32), size(2, 9)),
                         (size(2, 32), size(1, 16), size(2, 5), size(2, 5), size(2, 5))]}),
        Case("edge cases: 1x1 convolutions, a single unit, a large layer",
             {"shapes": [(size(2, 64), size(2, 64), 1, 1), (1, 1), (1, size(2, 9)),
                         (4096, 25088)]}),
    ]


# -- Xavier and Kaiming: the formulas ---------------------------------------------------------


def _formula_runner(target: str) -> Callable[[Mapping[str, Any], dict], dict]:
    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        """``target(fan_in, fan_out, gain=gain)`` for every layer of the case."""
        formula, values = objects[target], []
        for fan_in, fan_out, gain in inputs["layers"]:
            result = (formula(fan_in, fan_out) if gain is None
                      else formula(fan_in, fan_out, gain=gain))
            values.append(number(result, f"{target}({fan_in}, {fan_out})"))
        return {target.removeprefix("xavier_"): np.array(values)}

    return run


#: The hand-checked layers: (fan_in, fan_out, gain) -> std = gain * sqrt(2 / (fan_in + fan_out)).
XAVIER_HAND = [(3, 5, 1.0), (10, 40, 3.0), (1, 1, 1.0)]
XAVIER_HAND_STD = [0.5, 0.6, 1.0]  # sqrt(2/8); 3 sqrt(2/50) = 3 * 0.2; sqrt(2/2)
SQRT3 = math.sqrt(3.0)


def _formula_visible(target: str) -> Callable[[np.random.Generator], list[Case]]:
    key = target.removeprefix("xavier_")
    factor = 1.0 if key == "std" else SQRT3  # the bound of U(-b, b) is sqrt(3) std

    def cases(rng: np.random.Generator) -> list[Case]:
        return [
            Case("values worked out by hand: (fan_in, fan_out, gain) = (3, 5, 1), (10, 40, 3), "
                 "(1, 1, 1)", {"layers": XAVIER_HAND},
                 {key: factor * np.array(XAVIER_HAND_STD)}),
            Case("a (784, 100) layer with the default gain, and a conv layer with gain 5/3",
                 {"layers": [(784, 100, None), (3 * 9, 64 * 9, 5 / 3)]}),
        ]

    return cases


def _layers(rng: np.random.Generator, n: int, *, square: bool = False, gain: Any = 1.0,
            lo: int = 2, hi: int = 1000) -> list:
    out = []
    for _ in range(n):
        fan_in = int(rng.integers(lo, hi))
        fan_out = fan_in if square else int(rng.integers(lo, hi))
        if not square and fan_out == fan_in:
            fan_out += 1
        g = float(rng.uniform(0.5, 3.0)) if gain == "random" else gain
        out.append((fan_in, fan_out, g))
    return out


def formula_hidden(rng: np.random.Generator) -> list[Case]:
    """Random layers: square, rectangular, with a gain, conv-sized fans, the default gain."""
    return [
        Case("square layers, gain 1 (the lecture's 1/sqrt(fan_in))",
             {"layers": _layers(rng, 4, square=True)}),
        Case("rectangular layers, gain 1", {"layers": _layers(rng, 4)}),
        Case("layers with a gain",
             {"layers": [*_layers(rng, 4, gain="random"), (100, 300, 5 / 3)]}),
        Case("conv-sized fans (channels x kernel area)",
             {"layers": [(int(rng.integers(3, 512)) * k * k, int(rng.integers(16, 512)) * k * k,
                          1.0) for k in (3, 5, 7)]}),
        Case("the default gain is 1", {"layers": _layers(rng, 3, gain=None)}),
    ]


# -- Xavier and Kaiming: the samplers -----------------------------------------------------------

#: default_rng(0).standard_normal(6), the draws of the hand-checked samples
Z0 = [0.125730221093, -0.132104863291, 0.640422650443]
Z1 = [0.104900117153, -0.535669373161, 0.361595054909]


def _sampler_runner(target: str) -> Callable[[Mapping[str, Any], dict], dict]:
    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        """``target(shape, rng=rng, **options)`` for each draw, all from one generator."""
        sampler, rng = objects[target], np.random.default_rng(inputs["seed"])
        draws = inputs["draws"]
        observation = {}
        for k, (shape, options) in enumerate(draws, 1):
            weights = _array(sampler(tuple(shape), rng=rng, **options), "the weights")
            observation[f"draw {k}: weights" if len(draws) > 1 else "weights"] = weights
        return observation

    return run


def xavier_sampler_visible(rng: np.random.Generator) -> list[Case]:
    # shape (1, 3): fan_in = 3, fan_out = 1, std = sqrt(2 / 4) = 1 / sqrt(2); weights = std * z
    return [
        Case("a (1, 3) weight from default_rng(0) (draws z = [0.1257, -0.1321, 0.6404]), by hand",
             {"seed": 0, "draws": [((1, 3), {})]},
             {"weights": np.array([Z0]) / math.sqrt(2.0)}),
        Case("a (20, 30) linear weight and a (8, 4, 3, 3) conv weight with gain 2",
             {"seed": 1, "draws": [((20, 30), {}), ((8, 4, 3, 3), {"gain": 2.0})]}),
    ]


def xavier_sampler_hidden(rng: np.random.Generator) -> list[Case]:
    def seed() -> int:
        return int(rng.integers(2**31))

    def linear() -> tuple[int, int]:
        return int(rng.integers(2, 60)), int(rng.integers(2, 60))

    def conv() -> tuple[int, ...]:
        k = int(rng.integers(2, 6))
        return int(rng.integers(2, 16)), int(rng.integers(1, 8)), k, k

    return [
        Case("linear weights (out, in), gain 1", {"seed": seed(), "draws": [(linear(), {})]}),
        Case("linear weights with a gain",
             {"seed": seed(), "draws": [(linear(), {"gain": float(rng.uniform(0.5, 3))})]}),
        Case("conv weights: the fans include the receptive field",
             {"seed": seed(), "draws": [(conv(), {}),
                                        ((int(rng.integers(2, 9)), int(rng.integers(1, 5)),
                                          int(rng.integers(2, 6))), {"gain": 5 / 3})]}),
        Case("three draws from the same generator (use the rng you are given)",
             {"seed": seed(), "draws": [(linear(), {}) for _ in range(3)]}),
    ]


def kaiming_sampler_visible(rng: np.random.Generator) -> list[Case]:
    # each std is 1 by construction, so the weights are the draws z themselves
    hand = "worked out by hand: std = gain / sqrt(fan) = 1 (draws of default_rng(0))"
    return [
        Case(hand, {"seed": 0, "draws": [((1, 2), {})]},  # relu, fan_in = 2: sqrt(2)/sqrt(2)
             {"weights": np.array([Z0[:2]])}),
        Case(hand, {"seed": 0, "draws": [((2, 3), {"mode": "fan_out"})]},  # fan_out = 2
             {"weights": np.array([Z0, Z1])}),
        Case(hand, {"seed": 0, "draws": [((3, 1), {"nonlinearity": "leaky_relu", "a": 1.0})]},
             {"weights": np.array(Z0)[:, None]}),  # gain sqrt(2 / (1 + 1)) = 1, fan_in = 1
        Case("a (20, 30) linear weight and a (8, 4, 3, 3) conv weight, mode fan_out",
             {"seed": 1, "draws": [((20, 30), {}), ((8, 4, 3, 3), {"mode": "fan_out"})]}),
    ]


def kaiming_sampler_hidden(rng: np.random.Generator) -> list[Case]:
    def seed() -> int:
        return int(rng.integers(2**31))

    def linear() -> tuple[int, int]:
        out, inp = int(rng.integers(2, 60)), int(rng.integers(2, 60))
        return (out, inp) if out != inp else (out, inp + 1)

    def conv() -> tuple[int, ...]:
        return (int(rng.integers(2, 16)), int(rng.integers(1, 8)),
                int(rng.integers(2, 6)), int(rng.integers(2, 6)))

    slope = float(rng.uniform(0.05, 0.5))
    return [
        Case("ReLU, mode fan_in (the defaults), linear weights",
             {"seed": seed(), "draws": [(linear(), {})]}),
        Case("ReLU, mode fan_out", {"seed": seed(), "draws": [(linear(), {"mode": "fan_out"})]}),
        Case("leaky ReLU with a negative slope a",
             {"seed": seed(), "draws": [(linear(), {"nonlinearity": "leaky_relu", "a": slope}),
                                        (linear(), {"nonlinearity": "leaky_relu", "a": 0.01,
                                                    "mode": "fan_out"})]}),
        Case("conv weights, both modes",
             {"seed": seed(), "draws": [(conv(), {}), (conv(), {"mode": "fan_out"})]}),
        Case("nonlinearity 'linear' (gain 1)",
             {"seed": seed(), "draws": [(linear(), {"nonlinearity": "linear"})]}),
        Case("three draws from the same generator (use the rng you are given)",
             {"seed": seed(), "draws": [(linear(), {}) for _ in range(3)]}),
    ]


# -- the activation experiment -------------------------------------------------------------------


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
    return {"stds": _array(stds, "the returned stds")}


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


# -- the checks --------------------------------------------------------------------------------------


def _check(name: str, target: str, reference: str, run: Callable, visible: Callable,
           hidden: Callable, **options: Any) -> Check:
    return Check(name, targets=(target,), references={target: reference}, run=run,
                 visible=visible, hidden=hidden, forbidden=FORBIDDEN,
                 mistakes=mistakes_for("initialization", target), **options)


check_fan_in_and_fan_out = _check(
    "fan_in_and_fan_out", "fan_in_and_fan_out", "lecture7.init:fan_in_and_fan_out",
    run_fans, fans_visible, fans_hidden)
check_xavier_std = _check(
    "xavier_std", "xavier_std", "lecture7.init:xavier_std",
    _formula_runner("xavier_std"), _formula_visible("xavier_std"), formula_hidden)
check_xavier_bound = _check(
    "xavier_bound", "xavier_bound", "lecture7.init:xavier_bound",
    _formula_runner("xavier_bound"), _formula_visible("xavier_bound"), formula_hidden)
check_xavier_normal = _check(
    "xavier_normal", "xavier_normal", "lecture7.init:xavier_normal",
    _sampler_runner("xavier_normal"), xavier_sampler_visible, xavier_sampler_hidden)
check_kaiming_normal = _check(
    "kaiming_normal", "kaiming_normal", "lecture7.init:kaiming_normal",
    _sampler_runner("kaiming_normal"), kaiming_sampler_visible, kaiming_sampler_hidden)
# float32 activations: a forward pass written differently (F.linear, float64) differs by
# about 1e-6; torch's default unbiased std differs by 1 / (2 N D) >= 3e-4 on these sizes.
check_layer_stds = _check(
    "layer_stds", "layer_stds", "lecture7.grading.initialization:reference_layer_stds",
    run_layer_stds, layer_stds_visible, layer_stds_hidden, rtol=2e-5, atol=0.0)
