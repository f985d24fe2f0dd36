"""Checks of assignment 5 (ensembles), part 1: prediction averaging and weight averaging.

Test cells call them with the student's code::

    from lecture7.grading.ensembles import check_ema_update
    check_ema_update(ema_update)                          # visible: by hand, a tensor
    check_ema_update(ema_update, hidden=True, points=2)   # hidden: vs lecture7.ensembles

* ``check_ensemble_predict`` builds small networks with batch normalization
  (so that train and eval mode give different outputs) on
  :func:`lecture7.default_device` and compares the ensemble's probabilities, and
  the models' train/eval flags afterwards, with
  :func:`lecture7.ensembles.ensemble_predict`;
* ``check_ema_update`` and ``check_polyak_update`` run one update, or a chain of
  updates, on NumPy arrays and on torch tensors on the default device, against
  :func:`lecture7.ensembles.ema_update` and :func:`~lecture7.ensembles.polyak_update`;
Snapshot ensembles: :mod:`lecture7.grading.snapshots`.

**What is graded**: the ensemble's probabilities, and each model's train/eval flag
afterwards (restored); the new average (chained over several updates), returned as the
kind of array it was given (a NumPy array, or a tensor on the inputs' device) and, as a
sub-check of its own, the value left as it was. **Accepted without loss**: a stable
softmax written out or ``torch.softmax``, ``torch.no_grad()``; the average updated in
place and returned (``torch.optim.swa_utils`` does it); ``torch.lerp`` or the formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import (
    MODIFIED,
    NONE,
    array,
    modified,
    note,
    returned,
    snapshot,
    tensor,
)

__all__ = ["check_ema_update", "check_ensemble_predict", "check_polyak_update"]

#: Students must not run the reference (nor the schedule helpers it uses).
FORBIDDEN = ("lecture7.ensembles", "lecture7.schedules")
PROBS = "probabilities"
MODES = "each model's training flag afterwards"
RETURNS = "returns"


# -- ensemble prediction --------------------------------------------------------------------------


class Member(nn.Module):
    """A tiny classifier: linear, batch norm, ReLU, linear. Its outputs are its logits."""

    def __init__(self, arrays: Mapping[str, np.ndarray], training: bool) -> None:
        super().__init__()
        for name in ("w1", "b1", "gamma", "beta", "w2", "b2"):
            setattr(self, name, nn.Parameter(tensor(arrays[name])))
        self.register_buffer("running_mean", tensor(arrays["running_mean"]))
        self.register_buffer("running_var", tensor(arrays["running_var"]))
        self.train(training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.batch_norm(F.linear(x, self.w1, self.b1), self.running_mean, self.running_var,
                         self.gamma, self.beta, training=self.training)
        return F.linear(F.relu(h), self.w2, self.b2)


def _member(rng: np.random.Generator, d: int, h: int, k: int, scale: float = 1.0) -> dict:
    n = rng.standard_normal
    return {"w1": n((h, d)) / np.sqrt(d), "b1": 0.1 * n(h), "gamma": 1 + 0.2 * n(h),
            "beta": 0.1 * n(h), "running_mean": 0.3 * n(h),
            "running_var": rng.uniform(0.5, 2.0, h), "w2": scale * 2 * n((k, h)) / np.sqrt(h),
            "b2": scale * 0.5 * n(k)}


def run_ensemble_predict(objects: Mapping[str, Any], inputs: dict) -> dict:
    """ensemble_predict(models, x) on tensors; the probabilities, or the models' modes."""
    models = [Member(arrays, training) for arrays, training in
              zip(inputs["members"], inputs["training"], strict=True)]
    x = tensor(inputs["x"])
    probs = objects["ensemble_predict"](list(models), x)
    if inputs["observe"] == MODES:
        return {MODES: [bool(m.training) for m in models]}
    return {PROBS: array(probs, "the result")}


def _ensemble_case(group: str, rng: np.random.Generator, *, m: int, k: int, n: int = 6,
                   scale: float = 1.0, training: list | None = None,
                   observe: str = PROBS) -> Case:
    d, h = 4, 8
    inputs = {"members": [_member(rng, d, h, k, scale) for _ in range(m)],
              "training": training if training is not None else [True] * m,
              "x": rng.standard_normal((n, d)), "observe": observe}
    return Case(group, inputs)


def _ensemble_visible(rng: np.random.Generator) -> list[Case]:
    # Two "models" whose logits, by hand: an eval-mode Member with w1 = I, b1 = 0, gamma = 1,
    # beta = 0, running mean 0 and variance 1 - eps passes relu(x) through; w2 = I, b2 = 0.
    eps = 1e-5
    eye = np.eye(2)
    base = {"w1": eye, "b1": np.zeros(2), "gamma": np.ones(2), "beta": np.zeros(2),
            "running_mean": np.zeros(2), "running_var": np.full(2, 1 - eps), "b2": np.zeros(2)}
    members = [{**base, "w2": eye}, {**base, "w2": 3 * eye}]
    # x = [ln 3, 0]: member 1 logits [ln 3, 0] -> [3/4, 1/4]; member 2 logits [3 ln 3, 0]
    # -> [27/28, 1/28]. Mean: [(3/4 + 27/28) / 2, (1/4 + 1/28) / 2] = [6/7, 1/7].
    hand = Case("two models in eval mode, by hand (mean of the softmaxes: [6/7, 1/7])",
                {"members": members, "training": [False, False],
                 "x": np.array([[np.log(3.0), 0.0], [np.log(3.0), 0.0]]), "observe": PROBS},
                {PROBS: np.array([[6 / 7, 1 / 7], [6 / 7, 1 / 7]])})
    return [hand, _ensemble_case("three random models in training mode, 5 classes", rng,
                                 m=3, k=5)]


def _ensemble_hidden(rng: np.random.Generator) -> list[Case]:
    random = "random models (in training mode, as after training) and inputs"
    mixed = [True, False, True, False]
    return [
        _ensemble_case(random, rng, m=3, k=5),
        _ensemble_case(random, rng, m=5, k=10, n=12),
        _ensemble_case("one model: the ensemble is its softmax", rng, m=1, k=4),
        _ensemble_case("very confident models (logits in the thousands): use a stable softmax",
                       rng, m=3, k=6, scale=1000.0),
        _ensemble_case("each model's train/eval mode is restored afterwards", rng, m=4, k=3,
                       training=mixed, observe=MODES),
        _ensemble_case("each model's train/eval mode is restored afterwards", rng, m=4, k=3,
                       training=mixed, observe=PROBS),
    ]


# -- EMA and Polyak updates ------------------------------------------------------------------------


def _averaging_runner(name: str, hyper: str) -> Callable[[Mapping[str, Any], dict], dict]:
    """Run ``name(average, value, <hyper>=...)`` over the case's values, chaining averages.

    The average updated in place and returned is accepted (the caller takes the result,
    as ``torch.optim.swa_utils`` does); the value must be left as it was."""

    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        update = objects[name]
        as_tensor = inputs["kind"] == "torch"

        def make(a: np.ndarray) -> Any:
            return tensor(a) if as_tensor else np.array(a, dtype=np.float64)

        average, results, kinds, changed = make(inputs["average"]), [], [], NONE
        observation: dict[str, Any] = {}
        for k, value in enumerate(inputs["values"]):
            value = make(value)
            before = [snapshot(average), snapshot(value)]
            argument = inputs[hyper] + k if hyper == "n" else inputs[hyper]
            result = update(average, value, **{hyper: argument})
            if modified(("average",), before[:1], (average,)) != NONE:
                note(observation, "the average was updated in place and returned: accepted")
            if changed == NONE:
                changed = modified(("value",), before[1:], (value,))
            kinds.append(returned(result, value))
            results.append(array(result, f"{name}'s result"))
            average = make(results[-1])
        key = "new average" if len(results) == 1 else "average after each update"
        observation.update({key: results[0] if len(results) == 1 else np.stack(results),
                            RETURNS: ", ".join(sorted(set(kinds))), MODIFIED: changed})
        return observation

    return run


def _averaging_case(group: str, kind: str, average: Any, values: list, hyper: str,
                    hyper_value: Any, expected: Any = None) -> Case:
    inputs = {"kind": kind, "average": np.asarray(average, dtype=np.float64),
              "values": [np.asarray(v, dtype=np.float64) for v in values], hyper: hyper_value}
    exp = None
    if expected is not None:
        exp = {"new average": np.array(expected),
               RETURNS: "a NumPy array" if kind == "numpy" else "a torch tensor on the input's device",
               MODIFIED: NONE}
    return Case(group, inputs, exp)


def _ema_visible(rng: np.random.Generator) -> list[Case]:
    # 0.75 * [1, 2] + 0.25 * [3, 6] = [1.5, 3]
    return [_averaging_case("average [1, 2], value [3, 6], decay 0.75, by hand", "numpy",
                            [1.0, 2.0], [[3.0, 6.0]], "decay", 0.75, [1.5, 3.0]),
            _averaging_case("a (4, 5) torch tensor, decay 0.9", "torch",
                            rng.standard_normal((4, 5)), [rng.standard_normal((4, 5))],
                            "decay", 0.9)]


def _ema_hidden(rng: np.random.Generator) -> list[Case]:
    n = rng.standard_normal

    def decay() -> float:
        return float(rng.uniform(0.5, 0.999))

    return [
        _averaging_case("NumPy arrays, random decay", "numpy", n(7), [n(7)], "decay", decay()),
        _averaging_case("NumPy arrays, random decay", "numpy", n((3, 4)), [n((3, 4))], "decay",
                        decay()),
        _averaging_case("torch tensors on the default device", "torch", n((2, 3, 4)),
                        [n((2, 3, 4))], "decay", decay()),
        _averaging_case("twenty updates in a row, from the first value", "torch", n(6),
                        [n(6) for _ in range(20)], "decay", float(rng.uniform(0.7, 0.95))),
        _averaging_case("edge cases: decay 0 (the new value), decay 0.9999", "numpy", n(5),
                        [n(5)], "decay", 0.0),
        _averaging_case("edge cases: decay 0 (the new value), decay 0.9999", "torch", n(5),
                        [n(5)], "decay", 0.9999),
    ]


def _polyak_visible(rng: np.random.Generator) -> list[Case]:
    # the mean [2, 4] of n = 3 values and a 4th value [6, 0]: [2, 4] + ([6, 0] - [2, 4]) / 4
    return [_averaging_case("mean [2, 4] of 3 values, next value [6, 0], by hand", "numpy",
                            [2.0, 4.0], [[6.0, 0.0]], "n", 3, [3.0, 3.0]),
            _averaging_case("a (4, 5) torch tensor, n = 10", "torch",
                            rng.standard_normal((4, 5)), [rng.standard_normal((4, 5))], "n", 10)]


def _polyak_hidden(rng: np.random.Generator) -> list[Case]:
    n = rng.standard_normal
    values = [n(5) for _ in range(10)]
    return [
        _averaging_case("NumPy arrays, random n", "numpy", n(7), [n(7)], "n",
                        int(rng.integers(1, 50))),
        _averaging_case("NumPy arrays, random n", "numpy", n((3, 4)), [n((3, 4))], "n",
                        int(rng.integers(1, 50))),
        _averaging_case("torch tensors on the default device", "torch", n((2, 3, 4)),
                        [n((2, 3, 4))], "n", int(rng.integers(1, 50))),
        _averaging_case("ten values in a row: the running mean of all of them", "torch",
                        values[0], values[1:], "n", 1),
        _averaging_case("edge cases: n = 0 (the mean of one value), n = 10**6", "numpy",
                        n(4), [n(4)], "n", 0),
        _averaging_case("edge cases: n = 0 (the mean of one value), n = 10**6", "torch",
                        n(4), [n(4)], "n", 10**6),
    ]


check_ensemble_predict = Check(
    "ensemble_predict", reference="lecture7.ensembles:ensemble_predict",
    run=run_ensemble_predict, visible=_ensemble_visible, hidden=_ensemble_hidden,
    rtol=1e-6, atol=1e-10, forbidden=FORBIDDEN, mistakes="ensembles")
check_ema_update = Check(
    "ema_update", reference="lecture7.ensembles:ema_update",
    run=_averaging_runner("ema_update", "decay"), visible=_ema_visible, hidden=_ema_hidden,
    forbidden=FORBIDDEN, mistakes="ensembles")
check_polyak_update = Check(
    "polyak_update", reference="lecture7.ensembles:polyak_update",
    run=_averaging_runner("polyak_update", "n"), visible=_polyak_visible, hidden=_polyak_hidden,
    forbidden=FORBIDDEN, mistakes="ensembles")
