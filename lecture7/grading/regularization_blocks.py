"""Checks of assignment 6, parts 4 and 5: DropConnect and stochastic depth (torch).

Test cells call them with the student's code::

    from lecture7.grading.regularization_blocks import check_stochastic_depth
    check_stochastic_depth(stochastic_depth)                          # visible: by hand
    check_stochastic_depth(stochastic_depth, hidden=True, points=3)   # hidden: vs lecture7

Randomness is passed in as a ``torch.Generator`` on :func:`lecture7.default_device`
(``torch.rand(shape, generator=..., device=..., dtype=...) < keep_prob``), so the
student's code and the reference draw the same masks; outputs and gradients are then
compared exactly with :mod:`lecture7.regularization`. Some sub-checks also measure
properties that do not depend on the draws (the scale of the kept units, the fraction
dropped, the gradient through the mask), so that the feedback says *what* is wrong.

**What is graded**: the outputs and the gradients autograd computes through them (of
the input, the weight, the bias, the branch's weight), on every call. **Accepted
without loss**: any torch operations giving the same numbers (``torch.where``,
``F.linear``, ``torch.bernoulli`` where it draws what ``torch.rand(...) < keep_prob``
draws, a mask kept as ``u >= p_drop``), masks as booleans or floats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array, device_dtype, gradient, tensor

__all__ = ["check_drop_connect_linear", "check_stochastic_depth", "fraction_ok", "nonzero",
           "output", "run_backward", "scale"]

#: Students must not run the reference, nor torch's dropout layers and kernels.
GUARD = {"forbidden": ("lecture7.regularization", "torch.nn.modules.dropout"),
         "forbidden_builtins": r"^(native_|feature_|alpha_|feature_alpha_)?dropout_?$"}

WEIGHT_SCALE = "kept weights are scaled by (smallest, largest)"
WEIGHT_FRACTION = "the fraction of weights dropped is within 4 standard errors of p_drop"
BRANCH_CALLS = "number of times the branch was computed"


def output(out: Any, name: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{name} returned a {type(out).__name__}; expected a torch.Tensor")
    return out


def run_backward(out: torch.Tensor, upstream: torch.Tensor) -> None:
    if out.shape != upstream.shape:
        raise ValueError(f"the output has shape {tuple(out.shape)}; expected the input's "
                         f"shape {tuple(upstream.shape)}")
    if out.requires_grad:
        out.backward(upstream)


def scale(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    kept = out != 0
    if not kept.any():
        return np.array([np.nan, np.nan])
    ratio = out[kept] / x[kept]
    return np.array([ratio.min(), ratio.max()])


def fraction_ok(dropped: np.ndarray, p_drop: float) -> bool:
    n = dropped.size
    return bool(abs(dropped.mean() - p_drop) <= 4 * math.sqrt(p_drop * (1 - p_drop) / n) + 1e-12)


def nonzero(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random values away from 0 (so that a zero output means a dropped unit)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)


# -- 4. DropConnect: drop_connect_linear(x, weight, bias, p_drop, training, generator) ---------------


def run_drop_connect(objects: Mapping[str, Any], inputs: dict) -> dict:
    """One or more calls on the same weight and bias, drawing from one generator."""
    float32 = bool(inputs.get("float32"))
    generator = torch.Generator(device=device_dtype()[0]).manual_seed(inputs["seed"])
    weight = tensor(inputs["weight"], float32=float32, grad=True)
    bias = None if inputs["bias"] is None else tensor(inputs["bias"], float32=float32, grad=True)
    calls, observation = inputs["calls"], {}
    for k, call in enumerate(calls, 1):
        weight.grad = None
        if bias is not None:
            bias.grad = None
        x = tensor(call["x"], float32=float32, grad=True)
        out = output(objects["drop_connect_linear"](x, weight, bias, p_drop=inputs["p_drop"],
                                                     training=call["training"],
                                                     generator=generator),
                      "drop_connect_linear")
        out_np = array(out, "the output")
        prefix = f"call {k}: " if len(calls) > 1 else ""
        if inputs["observe"] == "properties":  # x is the identity: out = (mask * W / q).T
            used = out_np.T
            w = np.asarray(inputs["weight"])
            if used.shape != w.shape:
                raise ValueError(f"the output has shape {out_np.shape}; expected "
                                 f"{w.T.shape}")
            observation[prefix + WEIGHT_SCALE] = scale(used, w)
            observation[prefix + WEIGHT_FRACTION] = fraction_ok(used == 0, inputs["p_drop"])
            continue
        run_backward(out, tensor(call["upstream"], float32=float32))
        observation[prefix + "output"] = out_np
        observation[prefix + "gradient of x"] = gradient(x)
        observation[prefix + "gradient of the weight"] = gradient(weight)
        if bias is not None:
            observation[prefix + "gradient of the bias"] = gradient(bias)
    return observation


def _drop_connect_case(group: str, rng: np.random.Generator, *, n: int, d_in: int, d_out: int,
                       p_drop: float, training: list[bool], bias: bool = True,
                       observe: str = "values") -> Case:
    return Case(group, {
        "seed": int(rng.integers(2**31)), "p_drop": p_drop, "observe": observe,
        "weight": nonzero(rng, (d_out, d_in)),
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
    float32 = bool(inputs.get("float32"))
    generator = torch.Generator(device=device_dtype()[0]).manual_seed(inputs["seed"])
    w = tensor(inputs["branch_weight"], float32=float32, grad=True)
    computed = [0]

    def branch(t: torch.Tensor) -> torch.Tensor:
        computed[0] += 1
        z = t @ w
        return z if inputs["branch"] == "linear" else torch.tanh(z)

    calls, observation = inputs["calls"], {}
    for k, call in enumerate(calls, 1):
        w.grad = None
        x = tensor(call["x"], float32=float32, grad=True)
        out = output(objects["stochastic_depth"](x, branch, survival_prob=inputs["survival_prob"],
                                                  training=call["training"], generator=generator),
                      "stochastic_depth")
        run_backward(out, tensor(call["upstream"], float32=float32))
        prefix = f"call {k}: " if len(calls) > 1 else ""
        observation[prefix + "output"] = array(out, "the output")
        observation[prefix + "gradient of x"] = gradient(x)
        observation[prefix + "gradient of the branch's weight"] = gradient(w)
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



check_drop_connect_linear = Check(
    "drop_connect_linear", reference="lecture7.regularization:drop_connect_linear",
    run=run_drop_connect, visible=drop_connect_visible, hidden=drop_connect_hidden,
    mistakes="regularization_blocks", **GUARD)
check_stochastic_depth = Check(
    "stochastic_depth", reference="lecture7.regularization:stochastic_depth",
    run=run_stochastic_depth, visible=stochastic_depth_visible, hidden=stochastic_depth_hidden,
    mistakes="regularization_blocks", **GUARD)
