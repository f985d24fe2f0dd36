"""Checks of assignment 6 (regularization): dropout in NumPy and torch, DropConnect, stochastic depth.

Test cells call them with the student's code::

    from lecture7.grading.regularization import check_dropout_forward
    check_dropout_forward(dropout_forward)                          # visible: by hand
    check_dropout_forward(dropout_forward, hidden=True, points=2)   # hidden: vs lecture7

Randomness is passed in, so the student's code and the reference draw the same
masks: a ``np.random.Generator`` for the NumPy layer (``mask = rng.random(x.shape)
< keep_prob``), a ``torch.Generator`` on :func:`lecture7.default_device` for the
torch code (``torch.rand(shape, generator=..., device=..., dtype=...) < keep_prob``).
Outputs and gradients are then compared exactly with
:mod:`lecture7.regularization`; some sub-checks also measure properties that do
not depend on the draws (the scale of the kept units, the fraction dropped, the
gradient through the mask), so that the feedback says *what* is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from lecture7.device import default_device
from lecture7.grading.convert import number
from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for

__all__ = ["check_drop_connect_linear", "check_dropout_backward", "check_dropout_forward",
           "check_dropout_module", "check_stochastic_depth"]

#: Students must not run the reference, nor torch's dropout layers and kernels.
FORBIDDEN = ("lecture7.regularization", "torch.nn.modules.dropout")
DROPOUT_KERNELS = r"^(native_|feature_|alpha_|feature_alpha_)?dropout_?$"

NOT_MODIFIED = False
IN_PLACE = "modified in place"
SCALE = "kept units are scaled by (smallest, largest)"
FRACTION = "the fraction dropped is within 4 standard errors of p_drop"
GRADIENT = "the input gradient is (output / input) * upstream gradient"
ON_DEVICE = "the output is on the input's device"
WEIGHT_SCALE = "kept weights are scaled by (smallest, largest)"
WEIGHT_FRACTION = "the fraction of weights dropped is within 4 standard errors of p_drop"
BRANCH_CALLS = "number of times the branch was computed"


def _array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if not isinstance(x, np.ndarray | list | tuple | float | int):
        raise TypeError(f"{what} is a {type(x).__name__}; expected an array")
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


def _dtype(inputs: dict, device: torch.device) -> torch.dtype:
    return torch.float32 if inputs.get("float32") or device.type == "mps" else torch.float64


def _tensor(a: Any, device: torch.device, dtype: torch.dtype, grad: bool = False) -> torch.Tensor:
    t = torch.tensor(np.asarray(a), dtype=dtype, device=device)
    return t.requires_grad_() if grad else t


def _grad(t: torch.Tensor, like: torch.Tensor | None = None) -> np.ndarray:
    """``t.grad`` as NumPy; zeros when autograd left it empty (the tensor was not used)."""
    if t.grad is None:
        return np.zeros(tuple(t.shape))
    return t.grad.detach().cpu().numpy().astype(np.float64)


def _output(out: Any, name: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{name} returned a {type(out).__name__}; expected a torch.Tensor")
    return out


def _backward(out: torch.Tensor, upstream: torch.Tensor) -> None:
    if out.shape != upstream.shape:
        raise ValueError(f"the output has shape {tuple(out.shape)}; expected the input's "
                         f"shape {tuple(upstream.shape)}")
    if out.requires_grad:
        out.backward(upstream)


def _scale(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    kept = out != 0
    if not kept.any():
        return np.array([np.nan, np.nan])
    ratio = out[kept] / x[kept]
    return np.array([ratio.min(), ratio.max()])


def _fraction_ok(dropped: np.ndarray, p_drop: float) -> bool:
    n = dropped.size
    return bool(abs(dropped.mean() - p_drop) <= 4 * math.sqrt(p_drop * (1 - p_drop) / n) + 1e-12)


def _nonzero(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random values away from 0 (so that a zero output means a dropped unit)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)


# -- 1. the NumPy layer: dropout_forward(x, p_drop, mode, rng, inverted) -> (out, cache) ------


def _cache(cache: Any) -> dict:
    if not isinstance(cache, tuple | list) or len(cache) != 4:
        raise TypeError(f"the cache is a {type(cache).__name__}; expected the tuple "
                        "(mask, keep_prob, mode, inverted)")
    mask, keep_prob, mode, inverted = cache
    return {"mask": None if mask is None else _array(mask, "the cache's mask"),
            "keep_prob": number(keep_prob, "the cache's keep_prob"),
            "mode": str(mode), "inverted": bool(inverted)}


def run_dropout_forward(objects: Mapping[str, Any], inputs: dict) -> dict:
    """One or more forward passes, all drawing from one generator seeded by the case."""
    forward = objects["dropout_forward"]
    rng = None if inputs["seed"] is None else np.random.default_rng(inputs["seed"])
    calls, observation = inputs["calls"], {}
    for k, call in enumerate(calls, 1):
        x = np.array(call["x"], dtype=np.float64)
        before = x.copy()
        options = {} if call["inverted"] is None else {"inverted": call["inverted"]}
        result = forward(x, p_drop=call["p_drop"], mode=call["mode"], rng=rng, **options)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise TypeError(f"dropout_forward returned {type(result).__name__}; "
                            "expected a pair (out, cache)")
        prefix = f"pass {k}: " if len(calls) > 1 else ""
        observation[prefix + "out"] = _array(result[0], "out")
        observation[prefix + "cache"] = _cache(result[1])
        observation[prefix + f"x {IN_PLACE}"] = not np.array_equal(before, x)
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
        return {"out": np.array(out), "cache": {"mask": None if mask is None else np.array(mask),
                                                "keep_prob": keep, "mode": mode,
                                                "inverted": inverted},
                f"x {IN_PLACE}": NOT_MODIFIED}

    return [
        Case(HAND_GROUP, {"seed": 0, "calls": [_forward_call(HAND_X, 0.5, "train")]},
             expected([0.0, 4.0, 6.0, 8.0], HAND_MASK, 0.5, "train", True)),  # mask * x / 0.5
        Case(HAND_GROUP, {"seed": 0, "calls": [_forward_call(HAND_X, 0.5, "train", False)]},
             expected([0.0, 2.0, 3.0, 4.0], HAND_MASK, 0.5, "train", False)),  # vanilla: mask * x
        Case(HAND_GROUP, {"seed": None, "calls": [_forward_call(HAND_X, 0.25, "test")]},
             expected(HAND_X, None, 0.75, "test", True)),  # inverted test time: x
        Case(HAND_GROUP, {"seed": None, "calls": [_forward_call(HAND_X, 0.25, "test", False)]},
             expected([0.75, 1.5, 2.25, 3.0], None, 0.75, "test", False)),  # vanilla: 0.75 x
        Case("a (4, 5) input in train mode with p_drop = 0.3",
             {"seed": 1, "calls": [_forward_call(rng.standard_normal((4, 5)), 0.3, "train")]}),
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


# -- 2. dropout_backward(dout, cache) -> dx ---------------------------------------------------------


def run_dropout_backward(objects: Mapping[str, Any], inputs: dict) -> dict:
    """``dropout_backward(dout, (mask, keep_prob, mode, inverted))``."""
    # np.random's global state is reset, so that a backward pass that wrongly draws a new
    # mask (np.random.rand) draws the same one in the student's run and in the mistake's.
    np.random.seed(inputs["global_seed"])  # noqa: NPY002
    dout = np.array(inputs["dout"], dtype=np.float64)
    before = dout.copy()
    mask = None if inputs["mask"] is None else np.array(inputs["mask"], dtype=bool)
    cache = (mask, inputs["keep_prob"], inputs["mode"], inputs["inverted"])
    dx = objects["dropout_backward"](dout, cache)
    return {"dx": _array(dx, "dx"), f"dout {IN_PLACE}": not np.array_equal(before, dout)}


def _backward_case(group: str, dout: Any, mask: Any, keep_prob: float, mode: str,
                   inverted: bool, expected_dx: Any = None, seed: int = 0) -> Case:
    inputs = {"dout": np.asarray(dout, dtype=np.float64),
              "mask": None if mask is None else np.asarray(mask, dtype=bool),
              "keep_prob": keep_prob, "mode": mode, "inverted": inverted, "global_seed": seed}
    expected = None if expected_dx is None else {"dx": np.array(expected_dx),
                                                 f"dout {IN_PLACE}": NOT_MODIFIED}
    return Case(group, inputs, expected)


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


# -- 3. the Dropout module ---------------------------------------------------------------------------


def run_dropout_module(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Construct ``Dropout(p_drop=..., generator=...)`` and run its steps (train or eval)."""
    device = default_device()
    dtype = _dtype(inputs, device)
    generator = torch.Generator(device=device).manual_seed(inputs["seed"])
    module = objects["Dropout"](p_drop=inputs["p_drop"], generator=generator)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"Dropout(...) is a {type(module).__name__}, not a torch.nn.Module")
    steps, observation = inputs["steps"], {}
    for k, step in enumerate(steps, 1):
        module.train(step["mode"] == "train")
        x = _tensor(step["x"], device, dtype, grad=True)
        upstream = _tensor(step["upstream"], device, dtype)
        out = _output(module(x), "Dropout.forward")
        _backward(out, upstream)
        prefix = f"step {k} ({step['mode']}): " if len(steps) > 1 else ""
        out_np, x_np = out.detach().cpu().numpy().astype(np.float64), np.asarray(step["x"])
        if inputs["observe"] == "values":
            observation[prefix + "output"] = out_np
            observation[prefix + "input gradient"] = _grad(x)
        else:
            grad = _grad(x)
            with np.errstate(all="ignore"):
                consistent = np.allclose(grad, out_np / x_np * np.asarray(step["upstream"]),
                                         rtol=1e-5, atol=1e-7)
            observation[prefix + SCALE] = _scale(out_np, x_np)
            observation[prefix + FRACTION] = _fraction_ok(out_np == 0, inputs["p_drop"])
            observation[prefix + GRADIENT] = bool(consistent)
        observation[prefix + ON_DEVICE] = out.device == x.device
    return observation


def _steps(rng: np.random.Generator, modes: list[str], shape: tuple) -> list[dict]:
    return [{"mode": mode, "x": _nonzero(rng, shape), "upstream": rng.standard_normal(shape)}
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


# -- 4. DropConnect: drop_connect_linear(x, weight, bias, p_drop, training, generator) ---------------


def run_drop_connect(objects: Mapping[str, Any], inputs: dict) -> dict:
    """One or more calls on the same weight and bias, drawing from one generator."""
    device = default_device()
    dtype = _dtype(inputs, device)
    generator = torch.Generator(device=device).manual_seed(inputs["seed"])
    weight = _tensor(inputs["weight"], device, dtype, grad=True)
    bias = None if inputs["bias"] is None else _tensor(inputs["bias"], device, dtype, grad=True)
    calls, observation = inputs["calls"], {}
    for k, call in enumerate(calls, 1):
        weight.grad = None
        if bias is not None:
            bias.grad = None
        x = _tensor(call["x"], device, dtype, grad=True)
        out = _output(objects["drop_connect_linear"](x, weight, bias, p_drop=inputs["p_drop"],
                                                     training=call["training"],
                                                     generator=generator),
                      "drop_connect_linear")
        out_np = out.detach().cpu().numpy().astype(np.float64)
        prefix = f"call {k}: " if len(calls) > 1 else ""
        if inputs["observe"] == "properties":  # x is the identity: out = (mask * W / q).T
            used = out_np.T
            w = np.asarray(inputs["weight"])
            if used.shape != w.shape:
                raise ValueError(f"the output has shape {out_np.shape}; expected "
                                 f"{w.T.shape}")
            observation[prefix + WEIGHT_SCALE] = _scale(used, w)
            observation[prefix + WEIGHT_FRACTION] = _fraction_ok(used == 0, inputs["p_drop"])
            continue
        _backward(out, _tensor(call["upstream"], device, dtype))
        observation[prefix + "output"] = out_np
        observation[prefix + "gradient of x"] = _grad(x)
        observation[prefix + "gradient of the weight"] = _grad(weight)
        if bias is not None:
            observation[prefix + "gradient of the bias"] = _grad(bias)
    return observation


def _drop_connect_case(group: str, rng: np.random.Generator, *, n: int, d_in: int, d_out: int,
                       p_drop: float, training: list[bool], bias: bool = True,
                       observe: str = "values") -> Case:
    return Case(group, {
        "seed": int(rng.integers(2**31)), "p_drop": p_drop, "observe": observe,
        "weight": _nonzero(rng, (d_out, d_in)),
        "bias": rng.standard_normal(d_out) if bias else None,
        # properties: x is the identity, so that the output is the weights used, transposed
        "calls": [{"x": np.eye(d_in) if observe == "properties" else rng.standard_normal((n, d_in)),
                   "training": t, "upstream": rng.standard_normal((n, d_out))}
                  for t in training]})


def drop_connect_visible(rng: np.random.Generator) -> list[Case]:
    # y = x W^T + b = [1, 2, 1 + 2 + 1] when no weight is dropped; with upstream g = [1, 1, 1]:
    # dx = g W = [2, 2], dW = g^T x (every row is x), db = g
    hand = {"weight": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
            "bias": np.array([0.0, 0.0, 1.0]), "seed": 0, "observe": "values"}
    call = {"x": np.array([[1.0, 2.0]]), "upstream": np.ones((1, 3))}
    expected = {"output": np.array([[1.0, 2.0, 4.0]]), "gradient of x": np.array([[2.0, 2.0]]),
                "gradient of the weight": np.array([[1.0, 2.0]] * 3),
                "gradient of the bias": np.ones(3)}
    group = ("worked out by hand: x = [[1, 2]], W = [[1, 0], [0, 1], [1, 1]], b = [0, 0, 1], "
             "with p_drop = 0 in training mode, and in evaluation mode")
    return [
        Case(group, {**hand, "p_drop": 0.0, "calls": [{**call, "training": True}]}, expected),
        Case(group, {**hand, "p_drop": 0.5, "calls": [{**call, "training": False}]}, expected),
        _drop_connect_case("a (3, 4) input, a (5, 4) weight, training mode, p_drop = 0.4", rng,
                           n=3, d_in=4, d_out=5, p_drop=0.4, training=[True]),
    ]


def drop_connect_hidden(rng: np.random.Generator) -> list[Case]:
    def p() -> float:
        return float(rng.uniform(0.1, 0.7))

    return [
        _drop_connect_case("training: random x, weight, bias and p_drop, the generator's mask "
                           "(outputs and gradients)", rng, n=6, d_in=8, d_out=5, p_drop=p(),
                           training=[True]),
        _drop_connect_case("training: about p_drop of the WEIGHTS dropped, the kept ones scaled "
                           "by 1 / keep_prob", rng, n=60, d_in=60, d_out=50, p_drop=p(),
                           training=[True], bias=False, observe="properties"),
        _drop_connect_case("evaluation: the plain linear layer x W^T + b", rng, n=5, d_in=7,
                           d_out=4, p_drop=p(), training=[False, False]),
        _drop_connect_case("no bias (bias=None)", rng, n=4, d_in=6, d_out=3, p_drop=p(),
                           training=[True], bias=False),
        _drop_connect_case("one mask per pass, shared by the mini-batch; a fresh mask at every "
                           "call", rng, n=8, d_in=5, d_out=6, p_drop=p(),
                           training=[True, True, False, True]),
    ]


# -- 5. stochastic depth: stochastic_depth(x, branch, survival_prob, training, generator) ------------


def run_stochastic_depth(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Calls of the student's block on a residual branch t -> tanh(t @ W) (or t @ W)."""
    device = default_device()
    dtype = _dtype(inputs, device)
    generator = torch.Generator(device=device).manual_seed(inputs["seed"])
    w = _tensor(inputs["branch_weight"], device, dtype, grad=True)
    computed = [0]

    def branch(t: torch.Tensor) -> torch.Tensor:
        computed[0] += 1
        z = t @ w
        return z if inputs["branch"] == "linear" else torch.tanh(z)

    calls, observation = inputs["calls"], {}
    for k, call in enumerate(calls, 1):
        w.grad = None
        x = _tensor(call["x"], device, dtype, grad=True)
        out = _output(objects["stochastic_depth"](x, branch, survival_prob=inputs["survival_prob"],
                                                  training=call["training"], generator=generator),
                      "stochastic_depth")
        _backward(out, _tensor(call["upstream"], device, dtype))
        prefix = f"call {k}: " if len(calls) > 1 else ""
        observation[prefix + "output"] = out.detach().cpu().numpy().astype(np.float64)
        observation[prefix + "gradient of x"] = _grad(x)
        observation[prefix + "gradient of the branch's weight"] = _grad(w)
    if inputs.get("count"):
        observation[BRANCH_CALLS] = computed[0]
    return observation


def _depth_case(group: str, rng: np.random.Generator, *, training: list[bool],
                survival: float | None = None, shape: tuple = (6, 8), count: bool = False,
                branch: str = "tanh") -> Case:
    d = shape[-1]
    return Case(group, {
        "seed": int(rng.integers(2**31)), "branch": branch, "count": count,
        "survival_prob": float(rng.uniform(0.3, 0.7)) if survival is None else survival,
        "branch_weight": rng.standard_normal((d, d)) / math.sqrt(d),
        "calls": [{"x": rng.standard_normal(shape), "training": t,
                   "upstream": rng.standard_normal(shape)} for t in training]})


def stochastic_depth_visible(rng: np.random.Generator) -> list[Case]:
    # branch(x) = x W = [1, -4]; out = x + branch(x) = [2, -6]; with upstream g = [1, 1]:
    # dx = g + g W^T = [2, 3], dW = x^T g = [[1, 1], [-2, -2]]
    hand = {"branch": "linear", "branch_weight": np.array([[1.0, 0.0], [0.0, 2.0]]), "seed": 0,
            "count": False}
    call = {"x": np.array([[1.0, -2.0]]), "upstream": np.ones((1, 2))}
    expected = {"output": np.array([[2.0, -6.0]]), "gradient of x": np.array([[2.0, 3.0]]),
                "gradient of the branch's weight": np.array([[1.0, 1.0], [-2.0, -2.0]])}
    group = ("worked out by hand: x = [[1, -2]], branch(x) = x @ [[1, 0], [0, 2]], "
             "survival_prob = 1 in training, and evaluation mode")
    return [
        Case(group, {**hand, "survival_prob": 1.0, "calls": [{**call, "training": True}]},
             expected),
        Case(group, {**hand, "survival_prob": 0.5, "calls": [{**call, "training": False}]},
             expected),
        _depth_case("six training calls with survival_prob = 0.5 (the generator's draws)", rng,
                    training=[True] * 6, survival=0.5),
    ]


def stochastic_depth_hidden(rng: np.random.Generator) -> list[Case]:
    return [
        _depth_case("training: blocks kept (scaled by 1 / survival_prob) or skipped with the "
                    "generator's draws (outputs and gradients)", rng, training=[True] * 8),
        _depth_case("a skipped block is the identity, and its branch is not computed", rng,
                    training=[True] * 12, survival=float(rng.uniform(0.2, 0.5)), count=True),
        _depth_case("evaluation mode: x + branch(x), unscaled", rng, training=[False, False]),
        _depth_case("survival_prob = 1: never skipped", rng, training=[True] * 3, survival=1.0),
        _depth_case("one draw for the whole mini-batch of an (N, C, H, W) input", rng,
                    training=[True] * 6, shape=(4, 2, 3, 5)),
    ]


# -- the checks --------------------------------------------------------------------------------------


def _check(name: str, target: str, reference: str, run: Callable, visible: Callable,
           hidden: Callable) -> Check:
    return Check(name, targets=(target,), references={target: reference}, run=run,
                 visible=visible, hidden=hidden, forbidden=FORBIDDEN,
                 forbidden_builtins=DROPOUT_KERNELS,
                 mistakes=mistakes_for("regularization", target))


check_dropout_forward = _check(
    "dropout_forward", "dropout_forward", "lecture7.regularization:dropout_forward",
    run_dropout_forward, dropout_forward_visible, dropout_forward_hidden)
check_dropout_backward = _check(
    "dropout_backward", "dropout_backward", "lecture7.regularization:dropout_backward",
    run_dropout_backward, dropout_backward_visible, dropout_backward_hidden)
check_dropout_module = _check(
    "dropout_module", "Dropout", "lecture7.regularization:Dropout",
    run_dropout_module, dropout_module_visible, dropout_module_hidden)
check_drop_connect_linear = _check(
    "drop_connect_linear", "drop_connect_linear", "lecture7.regularization:drop_connect_linear",
    run_drop_connect, drop_connect_visible, drop_connect_hidden)
check_stochastic_depth = _check(
    "stochastic_depth", "stochastic_depth", "lecture7.regularization:stochastic_depth",
    run_stochastic_depth, stochastic_depth_visible, stochastic_depth_hidden)
