"""Checks of assignment 2 (optimizers): the CS231n update rules, and Adam as a class.

Test cells call them with the student's code::

    from lecture7.grading.optimizers import check_adam
    check_adam(adam)                           # visible: one step by hand, shapes
    check_adam(adam, hidden=True, points=3)    # hidden: random inputs vs lecture7.optim

The update rules (``check_sgd_momentum``, ``check_nesterov_momentum``,
``check_adagrad``, ``check_rmsprop``, ``check_adam``) are compared with
:mod:`lecture7.optim.rules` in NumPy; ``check_adam_class`` compares a
``torch.optim.Optimizer`` subclass with :class:`lecture7.optim.Adam` (equal to
``torch.optim.Adam``) on :func:`lecture7.default_device`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for
from lecture7.grading.optimizer_class import adam_class_hidden, adam_class_visible, run_optimizer

__all__ = ["check_adagrad", "check_adam", "check_adam_class", "check_nesterov_momentum",
           "check_rmsprop", "check_sgd_momentum"]

#: Students must not run the reference (lecture7.optim) nor torch.optim's algorithms;
#: subclassing torch.optim.Optimizer (torch/optim/optimizer.py) is the point.
FORBIDDEN = ("lecture7.optim", "torch.optim")
ALLOWED = ("torch.optim.optimizer",)
FUSED_KERNELS = r"^_fused_(adam|adamw|sgd|adagrad)"

#: The state each rule keeps in its config (hyperparameters are not compared).
STATE_KEYS = {
    "sgd_momentum": ("velocity",),
    "nesterov_momentum": ("velocity",),
    "adagrad": ("cache",),
    "rmsprop": ("cache",),
    "adam": ("m", "v", "t"),
}
NO_CHANGE = "none"
CHANGED = "inputs modified in place"

# -- the hand-checked step: w = [1, -2, 3], dw = [0.5, -1, 2] ----------------------------
W, DW = [1.0, -2.0, 3.0], [0.5, -1.0, 2.0]
HAND: dict[str, tuple[dict, list, dict]] = {
    # v = 0.9 v - 0.1 dw = [0.13, 0.1, -0.29]; next_w = w + v
    "sgd_momentum": ({"learning_rate": 0.1, "momentum": 0.9, "velocity": [0.2, 0.0, -0.1]},
                     [1.13, -1.9, 2.71], {"velocity": [0.13, 0.1, -0.29]}),
    # same v; next_w = w - 0.9 v_prev + 1.9 v
    "nesterov_momentum": ({"learning_rate": 0.1, "momentum": 0.9, "velocity": [0.2, 0.0, -0.1]},
                          [1.067, -1.81, 2.539], {"velocity": [0.13, 0.1, -0.29]}),
    # cache = [0.75, 3, 5] + dw**2 = [1, 4, 9]; next_w = w - 0.1 dw / [1, 2, 3]
    "adagrad": ({"learning_rate": 0.1, "cache": [0.75, 3.0, 5.0]},
                [0.95, -1.95, 3 - 0.2 / 3], {"cache": [1.0, 4.0, 9.0]}),
    # cache = 0.5 [1.75, 7, 14] + 0.5 dw**2 = [1, 4, 9]; next_w as for AdaGrad
    "rmsprop": ({"learning_rate": 0.1, "decay_rate": 0.5, "cache": [1.75, 7.0, 14.0]},
                [0.95, -1.95, 3 - 0.2 / 3], {"cache": [1.0, 4.0, 9.0]}),
    # t = 1: m_hat = dw, v_hat = dw**2, so each weight moves by 0.1 against sign(dw)
    "adam": ({"learning_rate": 0.1}, [0.9, -1.9, 2.9],
             {"m": [0.05, -0.1, 0.2], "v": [0.00025, 0.001, 0.004], "t": 1}),
}


def _array(x: Any, what: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")))
    try:
        return bool(a == b)
    except Exception:
        return False


def _changes(before: tuple, after: tuple) -> str:
    """Which of (w, dw, config) the rule modified, as text (``"none"`` when nothing)."""
    changed = [name for name, b, a in zip(("w", "dw"), before[:2], after[:2], strict=True)
               if not _same(b, a)]
    old, new = before[2], after[2]
    if isinstance(old, dict):
        for key in sorted(set(old) | set(new), key=str):
            if key not in new:
                changed.append(f"config[{key!r}] (removed)")
            elif key not in old:
                changed.append(f"config[{key!r}] (added)")
            elif not _same(old[key], new[key]):
                changed.append(f"config[{key!r}]")
    return ", ".join(changed) or NO_CHANGE


def _rule_runner(rule: str) -> Callable[[Mapping[str, Any], dict], dict]:
    keys = STATE_KEYS[rule]

    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        """Call the rule once per gradient, feeding back its own next_w and config."""
        update, w, config = objects[rule], inputs["w"], inputs["config"]
        dws = inputs["dws"]
        observation: dict[str, Any] = {}
        for k, dw in enumerate(dws, 1):
            args = (np.array(w, dtype=np.float64), np.array(dw, dtype=np.float64),
                    copy.deepcopy(config))
            before = copy.deepcopy(args)
            result = update(*args)
            if not isinstance(result, tuple | list) or len(result) != 2:
                raise TypeError(f"{rule} returned {type(result).__name__}; "
                                "expected a pair (next_w, config)")
            next_w, config = _array(result[0], "next_w"), result[1]
            if not isinstance(config, dict):
                raise TypeError(f"{rule} returned a config of type {type(config).__name__}; "
                                "expected a dict")
            prefix = f"step {k}: " if len(dws) > 1 else ""
            observation[prefix + "next_w"] = next_w
            observation[prefix + "config"] = {
                key: _array(config[key], f"config[{key!r}]") for key in keys if key in config
            }
            observation[prefix + CHANGED] = _changes(before, args)
            w = next_w
        return observation

    return run


def _hyperparameters(rule: str, rng: np.random.Generator) -> dict:
    lr = float(rng.uniform(0.005, 0.1))
    if rule in ("sgd_momentum", "nesterov_momentum"):
        return {"learning_rate": lr, "momentum": float(rng.uniform(0.5, 0.95))}
    epsilon = float(10 ** rng.uniform(-3, -1))
    if rule == "adagrad":
        return {"learning_rate": lr, "epsilon": epsilon}
    if rule == "rmsprop":
        return {"learning_rate": lr, "decay_rate": float(rng.uniform(0.8, 0.99)), "epsilon": epsilon}
    return {"learning_rate": lr, "beta1": float(rng.uniform(0.7, 0.95)),
            "beta2": float(rng.uniform(0.9, 0.999)), "epsilon": epsilon}


def _state(rule: str, shape: tuple, rng: np.random.Generator) -> dict:
    if rule in ("sgd_momentum", "nesterov_momentum"):
        return {"velocity": 0.1 * rng.standard_normal(shape)}
    if rule in ("adagrad", "rmsprop"):
        return {"cache": np.abs(rng.standard_normal(shape))}
    return {"m": 0.1 * rng.standard_normal(shape), "v": 0.01 * rng.standard_normal(shape) ** 2,
            "t": int(rng.integers(1, 20))}


def _rule_visible(rule: str) -> Callable[[np.random.Generator], list[Case]]:
    config, next_w, state = HAND[rule]

    def cases(rng: np.random.Generator) -> list[Case]:
        hand = {k: np.array(v) if isinstance(v, list) else v for k, v in config.items()}
        expected = {"next_w": np.array(next_w),
                    "config": {k: np.array(v, dtype=np.float64) for k, v in state.items()},
                    CHANGED: NO_CHANGE}
        return [
            Case("one step worked out by hand",
                 {"w": np.array(W), "dws": [np.array(DW)], "config": hand}, expected),
            Case("a (4, 5) array with the default config",
                 {"w": rng.standard_normal((4, 5)), "dws": [rng.standard_normal((4, 5))],
                  "config": None}),
        ]

    return cases


def _rule_hidden(rule: str) -> Callable[[np.random.Generator], list[Case]]:
    def cases(rng: np.random.Generator) -> list[Case]:
        n = rng.standard_normal
        out = [Case("random inputs, default config", {"w": n(s), "dws": [n(s)], "config": None})
               for s in [(7,), (3, 4), (2, 3, 4)]]
        out.append(Case("five steps with random hyperparameters, state carried in config",
                        {"w": n((4, 3)), "dws": [n((4, 3)) for _ in range(5)],
                         "config": _hyperparameters(rule, rng)}))
        edge = "edge cases: zero, tiny (1e-7) and huge (1e4) gradients"
        out += [Case(edge, {"w": n((3, 3)), "dws": [np.zeros((3, 3))] * 2, "config": None}),
                Case(edge, {"w": n(5), "dws": [1e-7 * n(5) for _ in range(3)], "config": None}),
                Case(edge, {"w": n((2, 2)), "dws": [1e4 * n((2, 2)) for _ in range(2)],
                            "config": None})]
        config = {**_hyperparameters(rule, rng), **_state(rule, (6,), rng)}
        out.append(Case("state passed in from earlier steps",
                        {"w": n(6), "dws": [n(6), n(6)], "config": config}))
        return out

    return cases


def _rule_check(rule: str) -> Check:
    return Check(rule, targets=(rule,), references={rule: f"lecture7.optim:{rule}"},
                 run=_rule_runner(rule), visible=_rule_visible(rule), hidden=_rule_hidden(rule),
                 forbidden=FORBIDDEN, allowed=ALLOWED, forbidden_builtins=FUSED_KERNELS,
                 mistakes=mistakes_for("optimizers", rule))


check_sgd_momentum = _rule_check("sgd_momentum")
check_nesterov_momentum = _rule_check("nesterov_momentum")
check_adagrad = _rule_check("adagrad")
check_rmsprop = _rule_check("rmsprop")
check_adam = _rule_check("adam")
check_adam_class = Check(
    "adam_class", targets=("Adam",), references={"Adam": "lecture7.optim:Adam"},
    run=run_optimizer, visible=adam_class_visible, hidden=adam_class_hidden,
    rtol=1e-5, atol=1e-9, forbidden=FORBIDDEN, allowed=ALLOWED, forbidden_builtins=FUSED_KERNELS,
    mistakes=mistakes_for("optimizer_classes", "Adam"))
