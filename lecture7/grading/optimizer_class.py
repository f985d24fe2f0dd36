"""Run a ``torch.optim.Optimizer`` class on given gradients; the cases of ``check_adam_class``.

:func:`run_optimizer` builds the parameters on :func:`lecture7.default_device`
(float64; float32 on Apple's MPS, which has no float64), constructs the class,
sets each step's gradients, calls ``step()`` and records the parameters after
every step, as NumPy arrays. It also records state tensors that are not on
their parameter's device (state must follow the parameter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case
from lecture7.grading.observe import device_dtype, tensor

__all__ = ["adam_class_hidden", "adam_class_visible", "run_optimizer"]

OFF_DEVICE = "state tensors not on their parameter's device"
CLOSURE_LOSS = 1.5


def _validation(cls: type, bad: list, device: torch.device, dtype: torch.dtype) -> dict:
    raised = {}
    for label, kwargs in bad:
        param = torch.zeros(3, device=device, dtype=dtype, requires_grad=True)
        try:
            cls([param], **kwargs)
            raised[label] = False
        except ValueError:
            raised[label] = True
        except Exception as err:
            raised[label] = f"{type(err).__name__} instead of ValueError"
    return {"ValueError raised for": raised}


def run_optimizer(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Construct ``objects["Adam"]`` on the inputs' parameters and take the inputs' steps."""
    cls = objects["Adam"]
    device, dtype = device_dtype()
    if "bad" in inputs:
        return _validation(cls, inputs["bad"], device, dtype)
    params = [tensor(a, grad=True) for a in inputs["params"]]
    groups = inputs.get("groups")
    if groups:
        arg: Any = [{"params": [params[i] for i in g["indices"]], **g["options"]} for g in groups]
    else:
        arg = params
    optimizer = cls(arg, **inputs["options"])
    observation: dict[str, Any] = {}
    steps = inputs["grads"]
    for k, grads in enumerate(steps, 1):
        for p, g in zip(params, grads, strict=True):
            p.grad = None if g is None else tensor(g)
        if inputs.get("closure"):
            loss = optimizer.step(lambda: CLOSURE_LOSS)
            if not (loss is None or isinstance(loss, int | float)):
                loss = f"a {type(loss).__name__}"
            observation["step(closure) returned"] = loss
        else:
            optimizer.step()
        key = f"after step {k}: parameters" if len(steps) > 1 else "parameters after the step"
        observation[key] = [p.detach().cpu().numpy().astype(np.float64) for p in params]
    wrong = []
    for i, p in enumerate(params):
        for name, value in getattr(optimizer, "state", {}).get(p, {}).items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.device != p.device:
                wrong.append(f"parameter {i}: {name!r} on {value.device}")
    observation[OFF_DEVICE] = ", ".join(wrong) or "none"
    return observation


def _params(rng: np.random.Generator, shapes: list, scale: float = 1.0) -> list:
    return [scale * rng.standard_normal(s) for s in shapes]


def adam_class_visible(rng: np.random.Generator) -> list[Case]:
    """One step worked out by hand (as for the NumPy rule), random 4x5 parameters."""
    hand = {"params": [np.array([1.0, -2.0, 3.0])], "grads": [[np.array([0.5, -1.0, 2.0])]],
            "options": {"lr": 0.1}}
    # t = 1: m_hat = g and v_hat = g**2, so each weight moves by lr against sign(g)
    expected = {"parameters after the step": [np.array([0.9, -1.9, 2.9])], OFF_DEVICE: "none"}
    shapes = [(4, 5)]
    return [
        Case("one step worked out by hand", hand, expected),
        Case("a (4, 5) parameter with the default hyperparameters, two steps",
             {"params": _params(rng, shapes), "grads": [_params(rng, shapes) for _ in range(2)],
              "options": {}}),
        Case("three steps with eps = 0.1 and weight_decay = 0.1",
             {"params": _params(rng, shapes), "grads": [_params(rng, shapes) for _ in range(3)],
              "options": {"lr": 0.01, "eps": 0.1, "weight_decay": 0.1}}),
    ]


def adam_class_hidden(rng: np.random.Generator) -> list[Case]:
    """Random parameters and gradients: defaults, custom hyperparameters, weight decay,
    parameter groups, missing gradients, closures, and invalid arguments."""
    shapes = [(3, 4), (5,)]

    def grads(steps: int, scale: float = 1.0) -> list:
        return [_params(rng, shapes, scale) for _ in range(steps)]

    betas = (float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.999)))
    custom = {"lr": float(rng.uniform(1e-3, 0.05)), "betas": betas,
              "eps": float(10 ** rng.uniform(-2, -1))}
    groups = [{"indices": [0], "options": {"lr": float(rng.uniform(0.02, 0.1))}},
              {"indices": [1], "options": {"lr": float(rng.uniform(1e-3, 0.01)),
                                           "betas": (0.8, 0.99)}}]
    three = [(2, 3), (4,), (3,)]
    sparse = [[rng.standard_normal(s) if (i != 1 or k == 2) else None
               for i, s in enumerate(three)] for k in range(3)]
    bad = [("lr=-0.001", {"lr": -1e-3}), ("betas=(1.0, 0.999)", {"betas": (1.0, 0.999)}),
           ("betas=(0.9, -0.1)", {"betas": (0.9, -0.1)}), ("eps=-1e-08", {"eps": -1e-8}),
           ("weight_decay=-0.1", {"weight_decay": -0.1})]
    return [
        Case("one step from a fresh state, default hyperparameters",
             {"params": _params(rng, shapes), "grads": grads(1), "options": {}}),
        Case("five steps with random lr, betas and eps",
             {"params": _params(rng, shapes), "grads": grads(5, 0.1), "options": custom}),
        Case("weight decay, added to the gradient as in torch.optim.Adam",
             {"params": _params(rng, shapes), "grads": grads(4),
              "options": {"lr": 0.01, "weight_decay": float(rng.uniform(0.05, 0.5))}}),
        Case("two parameter groups with their own hyperparameters",
             {"params": _params(rng, shapes), "grads": grads(3), "groups": groups,
              "options": {"lr": 0.01}}),
        Case("a parameter without a gradient is left alone (and keeps its own step count)",
             {"params": _params(rng, three), "grads": sparse, "options": {"lr": 0.05}}),
        Case("step(closure) returns the closure's loss",
             {"params": _params(rng, shapes), "grads": grads(1), "options": {}, "closure": True}),
        Case("invalid hyperparameters raise ValueError", {"bad": bad}),
    ]
