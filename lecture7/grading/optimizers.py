"""Checks of assignment 2 (optimizers): the CS231n update rules, and Adam as a class.

Test cells call them with the student's code::

    from lecture7.grading.optimizers import check_adam
    check_adam(adam)                           # visible: one step by hand, three steps...
    check_adam(adam, hidden=True, points=3)    # hidden: random inputs vs lecture7.optim

**What is graded** for a rule ``rule(w, dw, config=None) -> (next_w, config)``: the
``next_w`` it returns, step after step, when a training loop feeds its returned
config back (``w, config = rule(w, dw, config)``), from a fresh config (``None``),
from hyperparameters given in the config, and from the state of earlier steps
(``velocity``, ``cache``, ``m``/``v``/``t`` under the docstring's keys). **Accepted
without loss** (at most a note): ``config`` updated in place and returned (CS231n's
template does it), ``w`` (or ``dw``) updated in place (torch.optim does), a copy or the
same dict, ``x**2`` or ``x * x``, any other arithmetic that gives the same numbers
(within ``rtol`` 1e-6), PyTorch's form of the momentum buffer; the returned state itself
is not compared (it is graded by what it does to the next steps).

The rules are compared with :mod:`lecture7.optim.rules` in NumPy; ``check_adam_class``
compares a ``torch.optim.Optimizer`` subclass with :class:`lecture7.optim.Adam` (equal
to ``torch.optim.Adam``) on :func:`lecture7.default_device`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lecture7.grading.core import Case, Check, diagnosis
from lecture7.grading.observe import array, changed, note, pair, snapshot
from lecture7.grading.optimizer_class import adam_class_hidden, adam_class_visible, run_optimizer

__all__ = ["check_adagrad", "check_adam", "check_adam_class", "check_nesterov_momentum",
           "check_rmsprop", "check_sgd_momentum"]

#: Students must not run the reference (lecture7.optim) nor torch.optim's algorithms;
#: subclassing torch.optim.Optimizer (torch/optim/optimizer.py) is the point.
GUARD = {"forbidden": ("lecture7.optim", "torch.optim"), "allowed": ("torch.optim.optimizer",),
         "forbidden_builtins": r"^_fused_(adam|adamw|sgd|adagrad)"}

#: Each rule's hyperparameters with their defaults, and the state it keeps in config.
DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
IN_PLACE = {"config": "config was updated in place and returned (as CS231n's template does)",
            "w": "w was updated in place (as torch.optim does)",
            "dw": "dw was modified in place (the caller does not use it again)"}

# -- the hand-checked step: w = [1, -2, 3], dw = [0.5, -1, 2] ----------------------------
W, DW = [1.0, -2.0, 3.0], [0.5, -1.0, 2.0]
HAND: dict[str, tuple[dict, list]] = {
    # v = 0.9 v - 0.1 dw = [0.13, 0.1, -0.29]; next_w = w + v
    "sgd_momentum": ({"learning_rate": 0.1, "momentum": 0.9, "velocity": [0.2, 0.0, -0.1]},
                     [1.13, -1.9, 2.71]),
    # same v; next_w = w - 0.9 v_prev + 1.9 v
    "nesterov_momentum": ({"learning_rate": 0.1, "momentum": 0.9, "velocity": [0.2, 0.0, -0.1]},
                          [1.067, -1.81, 2.539]),
    # cache = [0.75, 3, 5] + dw**2 = [1, 4, 9]; next_w = w - 0.1 dw / [1, 2, 3]
    "adagrad": ({"learning_rate": 0.1, "cache": [0.75, 3.0, 5.0]}, [0.95, -1.95, 3 - 0.2 / 3]),
    # cache = 0.5 [1.75, 7, 14] + 0.5 dw**2 = [1, 4, 9]; next_w as for AdaGrad
    "rmsprop": ({"learning_rate": 0.1, "decay_rate": 0.5, "cache": [1.75, 7.0, 14.0]},
                [0.95, -1.95, 3 - 0.2 / 3]),
    # t = 1: m_hat = dw, v_hat = dw**2, so each weight moves by 0.1 against sign(dw)
    "adam": ({"learning_rate": 0.1}, [0.9, -1.9, 2.9]),
}


def _rule_runner(rule: str) -> Callable[[Mapping[str, Any], dict], dict]:
    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        """Call the rule once per gradient, feeding back its own next_w and config."""
        update, w, config = objects[rule], inputs["w"], inputs["config"]
        dws = inputs["dws"]
        observation: dict[str, Any] = {}
        for k, dw in enumerate(dws, 1):
            args = (np.array(w, dtype=np.float64), np.array(dw, dtype=np.float64),
                    copy.deepcopy(config))
            before = snapshot(args)
            next_w, config = pair(update(*args), rule, ("next_w", "config"))
            if not isinstance(config, dict):
                raise TypeError(f"{rule} returned a config of type {type(config).__name__}; "
                                "expected a dict")
            key = f"step {k}: next_w" if len(dws) > 1 else "next_w"
            observation[key] = array(next_w, "next_w")
            for name in changed(("w", "dw", "config"), before, args):
                note(observation, IN_PLACE[name.split("[")[0]] + ": accepted.")
            w = observation[key]
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


def _steps(rng: np.random.Generator, shape: tuple, n: int, config: dict | None) -> dict:
    return {"w": rng.standard_normal(shape), "dws": [rng.standard_normal(shape) for _ in range(n)],
            "config": config}


def _diagnoses(rule: str, rng: np.random.Generator) -> list[Case]:
    """Ungraded probes that say where a bug is when no catalogued mistake matches."""
    start = _steps(rng, (5,), 4, _hyperparameters(rule, rng))
    out = diagnosis("step 1 is right, later steps are not: check how the state carries over "
                    "(what you store in config, and read back at the next call)",
                    {**start, "dws": start["dws"][:1]}, start)
    fresh = _steps(rng, (5,), 2, None)
    given = {**_hyperparameters(rule, rng), **_state(rule, (5,), rng)}
    out += diagnosis("right from a fresh config, wrong from the state of earlier steps: read "
                     "the state from config under the docstring's keys",
                     fresh, {**fresh, "config": given})
    hyper = {**fresh, "config": _hyperparameters(rule, rng)}
    defaults = ", ".join(f"{k}={v:g}" for k, v in DEFAULTS[rule].items())
    out += diagnosis("right when config gives the hyperparameters, wrong with config=None: "
                     f"check the defaults ({defaults})", hyper, fresh)
    if "epsilon" in DEFAULTS[rule]:
        out += diagnosis("right with the default epsilon, wrong when epsilon is large (0.1): "
                         "where does epsilon enter the update (and is it read from config)?",
                         fresh, {**fresh, "config": {"epsilon": 0.1}})
    for key, value in [("learning_rate", 0.05), ("momentum", 0.5), ("decay_rate", 0.5),
                       ("beta1", 0.5), ("beta2", 0.9)]:
        if key in DEFAULTS[rule]:
            out += diagnosis(f"right with the default config, wrong with {key}={value}: is "
                             f"{key} hard-coded instead of read from config?",
                             fresh, {**fresh, "config": {key: value}})
    return out


def _rule_visible(rule: str) -> Callable[[np.random.Generator], list[Case]]:
    config, next_w = HAND[rule]

    def cases(rng: np.random.Generator) -> list[Case]:
        hand = {k: np.array(v) if isinstance(v, list) else v for k, v in config.items()}
        return [
            Case("one step worked out by hand",
                 {"w": np.array(W), "dws": [np.array(DW)], "config": hand},
                 {"next_w": np.array(next_w)}),
            Case("three steps on a (4, 5) array from the default config (state carried in "
                 "config)", _steps(rng, (4, 5), 3, None)),
            Case("two steps from the state of earlier steps, with other hyperparameters",
                 _steps(rng, (6,), 2, {**_hyperparameters(rule, rng), **_state(rule, (6,), rng)})),
            *_diagnoses(rule, rng),
        ]

    return cases


def _rule_hidden(rule: str) -> Callable[[np.random.Generator], list[Case]]:
    def cases(rng: np.random.Generator) -> list[Case]:
        out = [Case("random inputs, default config, two steps", _steps(rng, s, 2, None))
               for s in [(7,), (3, 4), (2, 3, 4)]]
        out.append(Case("five steps with random hyperparameters, state carried in config",
                        _steps(rng, (4, 3), 5, _hyperparameters(rule, rng))))
        n = rng.standard_normal
        edge = "edge cases: zero, tiny (1e-7) and huge (1e4) gradients"
        out += [Case(edge, {"w": n((3, 3)), "dws": [np.zeros((3, 3))] * 2, "config": None}),
                Case(edge, {"w": n(5), "dws": [1e-7 * n(5) for _ in range(3)], "config": None}),
                Case(edge, {"w": n((2, 2)), "dws": [1e4 * n((2, 2)) for _ in range(2)],
                            "config": None})]
        config = {**_hyperparameters(rule, rng), **_state(rule, (6,), rng)}
        out.append(Case("state passed in from earlier steps", _steps(rng, (6,), 3, config)))
        return out + _diagnoses(rule, rng)

    return cases


def _rule_check(rule: str) -> Check:
    return Check(rule, reference=f"lecture7.optim:{rule}", run=_rule_runner(rule),
                 visible=_rule_visible(rule), hidden=_rule_hidden(rule), mistakes="optimizers",
                 **GUARD)


check_sgd_momentum = _rule_check("sgd_momentum")
check_nesterov_momentum = _rule_check("nesterov_momentum")
check_adagrad = _rule_check("adagrad")
check_rmsprop = _rule_check("rmsprop")
check_adam = _rule_check("adam")
check_adam_class = Check(
    "adam_class", targets=("Adam",), reference="lecture7.optim:Adam",
    run=run_optimizer, visible=adam_class_visible, hidden=adam_class_hidden,
    rtol=1e-5, atol=1e-9, mistakes="optimizer_classes", **GUARD)
