"""Checks of assignment 1 (weight initialization), part 1: fans, Xavier and Kaiming.

Test cells call them with the student's code::

    from lecture7.grading.initialization import check_xavier_std
    check_xavier_std(xavier_std)                           # visible: values by hand
    check_xavier_std(xavier_std, hidden=True, points=2)    # hidden: random fans vs lecture7.init

The formulas (``check_fan_in_and_fan_out``, ``check_xavier_std``,
``check_xavier_bound``) are compared with :mod:`lecture7.init.formulas`; the
NumPy samplers (``check_xavier_normal``, ``check_kaiming_normal``) draw from a
``np.random.Generator`` in the same state as the reference's, so their weights
are compared exactly. The activation experiment: :mod:`lecture7.grading.initialization_experiment`.

**What is graded**: the returned numbers (``fan_in``, ``fan_out``, the std, the bound)
and the sampled weights. **Accepted without loss**: Python or NumPy numbers, a 0-d
tensor, a list instead of a tuple, ``math`` or ``np``; for the samplers, any call that
draws the same numbers from the generator (``rng.normal(0, std, shape)`` or
``std * rng.standard_normal(shape)``), a float32 or float64 array.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array, number, pair

__all__ = ["check_fan_in_and_fan_out", "check_kaiming_normal", "check_xavier_bound",
           "check_xavier_normal", "check_xavier_std"]

#: Students must not run the reference (lecture7.init) nor torch's initializers.
FORBIDDEN = ("lecture7.init", "torch.nn.init")


# -- fans ---------------------------------------------------------------------------------


def run_fans(objects: Mapping[str, Any], inputs: dict) -> dict:
    """``fan_in_and_fan_out(shape)`` on every shape of the case."""
    fans = objects["fan_in_and_fan_out"]
    fan_in, fan_out = [], []
    for shape in inputs["shapes"]:
        fi, fo = pair(fans(tuple(shape)), "fan_in_and_fan_out", ("fan_in", "fan_out"))
        fan_in.append(number(fi, "fan_in"))
        fan_out.append(number(fo, "fan_out"))
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
            weights = array(sampler(tuple(shape), rng=rng, **options), "the weights")
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


# -- the checks --------------------------------------------------------------------------------------


check_fan_in_and_fan_out = Check(
    "fan_in_and_fan_out", reference="lecture7.init:fan_in_and_fan_out", run=run_fans,
    visible=fans_visible, hidden=fans_hidden, mistakes="initialization", forbidden=FORBIDDEN)
check_xavier_std = Check(
    "xavier_std", reference="lecture7.init:xavier_std", run=_formula_runner("xavier_std"),
    visible=_formula_visible("xavier_std"), hidden=formula_hidden, mistakes="initialization",
    forbidden=FORBIDDEN)
check_xavier_bound = Check(
    "xavier_bound", reference="lecture7.init:xavier_bound", run=_formula_runner("xavier_bound"),
    visible=_formula_visible("xavier_bound"), hidden=formula_hidden, mistakes="initialization",
    forbidden=FORBIDDEN)
check_xavier_normal = Check(
    "xavier_normal", reference="lecture7.init:xavier_normal",
    run=_sampler_runner("xavier_normal"), visible=xavier_sampler_visible,
    hidden=xavier_sampler_hidden, mistakes="initialization", forbidden=FORBIDDEN)
check_kaiming_normal = Check(
    "kaiming_normal", reference="lecture7.init:kaiming_normal",
    run=_sampler_runner("kaiming_normal"), visible=kaiming_sampler_visible,
    hidden=kaiming_sampler_hidden, mistakes="initialization", forbidden=FORBIDDEN)
# float32 activations: a forward pass written differently (F.linear, float64) differs by
# about 1e-6; torch's default unbiased std differs by 1 / (2 N D) >= 3e-4 on these sizes.
