"""Checks of assignment 6, part 1: dropout as a NumPy layer (forward and backward).

Test cells call them with the student's code::

    from lecture7.grading.regularization import check_dropout_forward
    check_dropout_forward(dropout_forward)                          # visible: by hand
    check_dropout_forward(dropout_forward, hidden=True, points=2)   # hidden: vs lecture7

The signature is ``dropout_forward(x, p_drop, mode="train", rng=None, inverted=True)
-> (out, cache)`` and ``dropout_backward(dout, cache) -> dx``, with the cache
``(mask, keep_prob, mode, inverted)``. (CS231n's is ``dropout_forward(x, dropout_param)``
with ``dropout_param["p"]`` the probability of *keeping* a unit; ours names the
probability of dropping one, ``p_drop``.) Randomness is passed in: the grader gives the
reference a generator in the same state, so masks are compared exactly.

**What is graded.** Forward: ``out`` on every case (train and test mode, inverted and
vanilla, several passes drawing fresh masks from one generator); the cache, as a
sub-check of its own (which units were kept, ``keep_prob``, ``mode``, ``inverted``).
Backward: ``dx``. **Accepted without loss** (at most a note): the mask drawn as
``rng.random(x.shape) < keep_prob`` (the docstring's), ``>= p_drop`` or ``> p_drop``
(other units, the same distribution), or ``rng.binomial(1, keep_prob, x.shape)``; a
mask of booleans, of 0/1 or scaled by ``1 / keep_prob`` in the cache; ``x`` or ``dout``
modified in place; a list instead of a tuple. Reading ``p_drop`` as the probability of
keeping (CS231n's ``p``) is the named mistake ``dropout-p-drop-as-keep-prob``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array, device_dtype, gradient, note, number, pair, tensor
from lecture7.grading.regularization_blocks import fraction_ok, nonzero, output, run_backward, scale

__all__ = ["check_dropout_backward", "check_dropout_forward", "check_dropout_module"]

CACHE = "cache"
SCALE = "kept units are scaled by (smallest, largest)"
FRACTION = "the fraction dropped is within 4 standard errors of p_drop"
GRADIENT = "the input gradient is (output / input) * upstream gradient"
ON_DEVICE = "the output is on the input's device"
#: The cache is a sub-check of its own (one share of the points, not every case).
APART = {CACHE: "the cache holds (mask, keep_prob, mode, inverted) for dropout_backward"}
GUARD = {"forbidden": ("lecture7.regularization", "torch.nn.modules.dropout"),
         "forbidden_builtins": r"^(native_|feature_|alpha_|feature_alpha_)?dropout_?$"}


def _cache(cache: Any, observation: dict) -> dict:
    if not isinstance(cache, tuple | list) or len(cache) != 4:
        raise TypeError(f"the cache is a {type(cache).__name__}; expected the tuple "
                        "(mask, keep_prob, mode, inverted)")
    mask, keep_prob, mode, inverted = cache
    if mask is not None:
        mask = array(mask, "the cache's mask")
        if np.asarray(cache[0]).dtype != bool:
            note(observation, "the cache's mask holds numbers, not booleans: fine here, but "
                              "dropout_backward is tested with the boolean mask")
    return {"kept units": None if mask is None else mask != 0,
            "keep_prob": number(keep_prob, "the cache's keep_prob"),
            "mode": str(mode), "inverted": bool(inverted)}


def run_dropout_forward(objects: Mapping[str, Any], inputs: dict) -> dict:
    """One or more forward passes, all drawing from one generator seeded by the case."""
    forward = objects["dropout_forward"]
    rng = None if inputs["seed"] is None else np.random.default_rng(inputs["seed"])
    calls, observation = inputs["calls"], {CACHE: []}
    for k, call in enumerate(calls, 1):
        x = np.array(call["x"], dtype=np.float64)
        options = {} if call["inverted"] is None else {"inverted": call["inverted"]}
        out, cache = pair(forward(x, p_drop=call["p_drop"], mode=call["mode"], rng=rng,
                                  **options), "dropout_forward", ("out", "cache"))
        observation[f"pass {k}: out" if len(calls) > 1 else "out"] = array(out, "out")
        observation[CACHE].append(_cache(cache, observation))
        if not np.array_equal(x, call["x"]):
            note(observation, "x was modified in place: accepted (the caller keeps no copy)")
    return observation


def _forward_call(x: Any, p_drop: float, mode: str, inverted: bool | None = None) -> dict:
    return {"x": np.asarray(x, dtype=np.float64), "p_drop": p_drop, "mode": mode,
            "inverted": inverted}


HAND_X = [1.0, 2.0, 3.0, 4.0]
#: default_rng(0).random(4) = [0.637, 0.270, 0.041, 0.017]: with keep_prob 0.5 the mask
#: (u < keep_prob) drops the first unit only.
HAND_MASK = [0.0, 1.0, 1.0, 1.0]
HAND_GROUP = ("worked out by hand: x = [1, 2, 3, 4], rng = default_rng(0) "
              "(rng.random(4) = [0.637, 0.270, 0.041, 0.017])")


def dropout_forward_visible(rng: np.random.Generator) -> list[Case]:
    def expected(out: list, mask: list | None, keep: float, mode: str, inverted: bool) -> dict:
        return {"out": np.array(out), CACHE: [{
            "kept units": None if mask is None else np.array(mask) != 0, "keep_prob": keep,
            "mode": mode, "inverted": inverted}]}

    return [
        Case(HAND_GROUP, {"seed": 0, "calls": [_forward_call(HAND_X, 0.5, "train")]},
             expected([0.0, 4.0, 6.0, 8.0], HAND_MASK, 0.5, "train", True)),  # mask * x / 0.5
        Case(HAND_GROUP, {"seed": 0, "calls": [_forward_call(HAND_X, 0.5, "train", False)]},
             expected([0.0, 2.0, 3.0, 4.0], HAND_MASK, 0.5, "train", False)),  # vanilla: mask * x
        Case(HAND_GROUP, {"seed": None, "calls": [_forward_call(HAND_X, 0.25, "test")]},
             expected(HAND_X, None, 0.75, "test", True)),  # inverted test time: x
        Case(HAND_GROUP, {"seed": None, "calls": [_forward_call(HAND_X, 0.25, "test", False)]},
             expected([0.75, 1.5, 2.25, 3.0], None, 0.75, "test", False)),  # vanilla: 0.75 x
        *[Case("a (4, 5) input in train mode with p_drop = 0.3, and a (2, 3, 4) one with 0.6",
               {"seed": 1, "calls": [_forward_call(rng.standard_normal(shape), p, "train")]})
          for shape, p in (((4, 5), 0.3), ((2, 3, 4), 0.6))],
    ]


def dropout_forward_hidden(rng: np.random.Generator) -> list[Case]:
    def seed() -> int:
        return int(rng.integers(2**31))

    def p() -> float:
        return float(rng.uniform(0.1, 0.8))

    n = rng.standard_normal
    return [
        Case("train mode, inverted (the default): random inputs and p_drop",
             {"seed": seed(), "calls": [_forward_call(n((8, 10)), p(), "train")]}),
        Case("train mode, inverted (the default): random inputs and p_drop",
             {"seed": seed(), "calls": [_forward_call(n((2, 3, 4, 4)), p(), "train", True)]}),
        Case("train mode, vanilla: no scaling at training time",
             {"seed": seed(), "calls": [_forward_call(n((6, 7)), p(), "train", False)]}),
        Case("test mode, inverted: the identity",
             {"seed": None, "calls": [_forward_call(n((5, 6)), p(), "test")]}),
        Case("test mode, vanilla: scaled by keep_prob",
             {"seed": None, "calls": [_forward_call(n((5, 6)), p(), "test", False)]}),
        Case("three train passes draw fresh masks from the same rng",
             {"seed": seed(), "calls": [_forward_call(n((4, 6)), p(), "train") for _ in range(3)]}),
        Case("edge case: p_drop = 0 keeps every unit",
             {"seed": seed(), "calls": [_forward_call(n((3, 5)), 0.0, "train")]}),
    ]


# -- dropout_backward(dout, cache) -> dx ---------------------------------------------------------


def run_dropout_backward(objects: Mapping[str, Any], inputs: dict) -> dict:
    """``dropout_backward(dout, (mask, keep_prob, mode, inverted))``."""
    # np.random's global state is reset, so that a backward pass that wrongly draws a new
    # mask (np.random.rand) draws the same one in the student's run and in the mistake's.
    np.random.seed(inputs["global_seed"])  # noqa: NPY002
    dout = np.array(inputs["dout"], dtype=np.float64)
    mask = None if inputs["mask"] is None else np.array(inputs["mask"], dtype=bool)
    cache = (mask, inputs["keep_prob"], inputs["mode"], inputs["inverted"])
    observation = {"dx": array(objects["dropout_backward"](dout, cache), "dx")}
    if not np.array_equal(dout, inputs["dout"]):
        note(observation, "dout was modified in place: accepted (the caller keeps no copy)")
    return observation


def _backward_case(group: str, dout: Any, mask: Any, keep_prob: float, mode: str,
                   inverted: bool, expected_dx: Any = None, seed: int = 0) -> Case:
    inputs = {"dout": np.asarray(dout, dtype=np.float64),
              "mask": None if mask is None else np.asarray(mask, dtype=bool),
              "keep_prob": keep_prob, "mode": mode, "inverted": inverted, "global_seed": seed}
    return Case(group, inputs, None if expected_dx is None else {"dx": np.array(expected_dx)})


def dropout_backward_visible(rng: np.random.Generator) -> list[Case]:
    hand = "worked out by hand: dout = [1, 2, 3, 4], mask = [0, 1, 1, 1]"
    return [
        _backward_case(hand, HAND_X, HAND_MASK, 0.5, "train", True, [0.0, 4.0, 6.0, 8.0]),
        _backward_case(hand, HAND_X, HAND_MASK, 0.5, "train", False, [0.0, 2.0, 3.0, 4.0]),
        _backward_case(hand, HAND_X, None, 0.75, "test", True, HAND_X),
        _backward_case(hand, HAND_X, None, 0.75, "test", False, [0.75, 1.5, 2.25, 3.0]),
        _backward_case("a (4, 5) gradient in train mode, keep_prob = 0.7",
                       rng.standard_normal((4, 5)), rng.random((4, 5)) < 0.7, 0.7, "train",
                       True),
    ]


def dropout_backward_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, shape: tuple, mode: str, inverted: bool) -> Case:
        keep = float(rng.uniform(0.2, 0.9))
        mask = rng.random(shape) < keep if mode == "train" else None
        return _backward_case(group, rng.standard_normal(shape), mask, keep, mode, inverted,
                              seed=int(rng.integers(2**31)))

    return [
        case("train mode, inverted: random gradients and masks", (8, 10), "train", True),
        case("train mode, inverted: random gradients and masks", (2, 3, 4, 4), "train", True),
        case("train mode, vanilla", (6, 7), "train", False),
        case("test mode, inverted: the identity", (5, 6), "test", True),
        case("test mode, vanilla: scaled by keep_prob", (5, 6), "test", False),
    ]


# -- the Dropout module ---------------------------------------------------------------------------


def run_dropout_module(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Construct ``Dropout(p_drop=..., generator=...)`` and run its steps (train or eval)."""
    float32 = bool(inputs.get("float32"))
    generator = torch.Generator(device=device_dtype()[0]).manual_seed(inputs["seed"])
    module = objects["Dropout"](p_drop=inputs["p_drop"], generator=generator)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"Dropout(...) is a {type(module).__name__}, not a torch.nn.Module")
    steps, observation = inputs["steps"], {}
    for k, step in enumerate(steps, 1):
        module.train(step["mode"] == "train")
        x = tensor(step["x"], float32=float32, grad=True)
        upstream = tensor(step["upstream"], float32=float32)
        out = output(module(x), "Dropout.forward")
        run_backward(out, upstream)
        prefix = f"step {k} ({step['mode']}): " if len(steps) > 1 else ""
        out_np, x_np = array(out, "the output"), np.asarray(step["x"])
        if inputs["observe"] == "values":
            observation[prefix + "output"] = out_np
            observation[prefix + "input gradient"] = gradient(x)
        else:
            grad = gradient(x)
            with np.errstate(all="ignore"):
                consistent = np.allclose(grad, out_np / x_np * np.asarray(step["upstream"]),
                                         rtol=1e-5, atol=1e-7)
            observation[prefix + SCALE] = scale(out_np, x_np)
            observation[prefix + FRACTION] = fraction_ok(out_np == 0, inputs["p_drop"])
            observation[prefix + GRADIENT] = bool(consistent)
        observation[prefix + ON_DEVICE] = out.device == x.device
    return observation


def _steps(rng: np.random.Generator, modes: list[str], shape: tuple) -> list[dict]:
    return [{"mode": mode, "x": nonzero(rng, shape), "upstream": rng.standard_normal(shape)}
            for mode in modes]


def dropout_module_visible(rng: np.random.Generator) -> list[Case]:
    ones = {"mode": "train", "x": np.ones(4000), "upstream": np.ones(4000)}
    hand_x = {"mode": "eval", "x": np.array([1.0, -2.0, 3.0]), "upstream": np.ones(3)}
    return [
        Case("worked out by hand: p_drop = 0.2 on 4000 ones, training mode: every kept unit "
             "is 1 / 0.8 = 1.25, about 800 are dropped",
             {"p_drop": 0.2, "seed": 0, "steps": [ones], "observe": "properties"},
             {SCALE: np.array([1.25, 1.25]), FRACTION: True, GRADIENT: True, ON_DEVICE: True}),
        Case("worked out by hand: evaluation mode returns x = [1, -2, 3] unchanged",
             {"p_drop": 0.5, "seed": 0, "steps": [hand_x], "observe": "values"},
             {"output": np.array([1.0, -2.0, 3.0]), "input gradient": np.ones(3),
              ON_DEVICE: True}),
        Case("a (4, 5) input, two passes in training mode (the generator's masks)",
             {"p_drop": 0.3, "seed": 1, "steps": _steps(rng, ["train", "train"], (4, 5)),
              "observe": "values"}),
    ]


def dropout_module_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, modes: list[str], shape: tuple, *, p: float | None = None,
             observe: str = "values", float32: bool = False) -> Case:
        p_drop = float(rng.uniform(0.1, 0.7)) if p is None else p
        return Case(group, {"p_drop": p_drop, "seed": int(rng.integers(2**31)),
                            "steps": _steps(rng, modes, shape), "observe": observe,
                            "float32": float32})

    return [
        case("training mode: the generator's masks, as the reference (outputs and gradients)",
             ["train", "train"], (8, 16)),
        case("training mode: kept units scaled by 1 / keep_prob, about p_drop of them dropped, "
             "the gradient through the mask", ["train"], (50, 200), observe="properties"),
        case("evaluation mode: the identity (outputs and gradients)", ["eval", "eval"], (6, 9)),
        case("switching modes: train(), eval(), train() again", ["train", "eval", "train"],
             (5, 8)),
        case("a float32 input of shape (N, C, H, W)", ["train"], (2, 3, 4, 4), float32=True),
        case("p_drop = 0 keeps every unit", ["train"], (4, 6), p=0.0),
    ]



check_dropout_forward = Check(
    "dropout_forward", reference="lecture7.regularization:dropout_forward",
    run=run_dropout_forward, visible=dropout_forward_visible, hidden=dropout_forward_hidden,
    mistakes="regularization", apart=APART, **GUARD)
check_dropout_backward = Check(
    "dropout_backward", reference="lecture7.regularization:dropout_backward",
    run=run_dropout_backward, visible=dropout_backward_visible, hidden=dropout_backward_hidden,
    mistakes="regularization", **GUARD)
check_dropout_module = Check(
    "dropout_module", targets=("Dropout",), reference="lecture7.regularization:Dropout",
    run=run_dropout_module, visible=dropout_module_visible, hidden=dropout_module_hidden,
    mistakes="regularization", **GUARD)
