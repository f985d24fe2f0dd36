"""Checks of assignment 5 (ensembles): prediction averaging, weight averaging, snapshots.

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
* ``check_snapshot_collector`` "trains" a small model (in-place updates of its
  parameters and buffers, as an optimizer does), calls ``collector.step(model)``
  after every update and compares the snapshots with
  :class:`lecture7.ensembles.SnapshotCollector`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lecture7.device import default_device
from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for

__all__ = ["check_ema_update", "check_ensemble_predict", "check_polyak_update",
           "check_snapshot_collector"]

#: Students must not run the reference (nor the schedule helpers it uses).
FORBIDDEN = ("lecture7.ensembles", "lecture7.schedules")
CHANGED = "inputs modified in place"
NO_CHANGE = "none"
PROBS = "probabilities"
MODES = "each model's training flag afterwards"
RETURNS = "returns"
SAVED = "step(model) returned True after the updates"


def _device_dtype() -> tuple[torch.device, torch.dtype]:
    device = default_device()
    return device, torch.float32 if device.type == "mps" else torch.float64


def _array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


# -- ensemble prediction --------------------------------------------------------------------------


class Member(nn.Module):
    """A tiny classifier: linear, batch norm, ReLU, linear. Its outputs are its logits."""

    def __init__(self, arrays: Mapping[str, np.ndarray], training: bool) -> None:
        super().__init__()
        device, dtype = _device_dtype()

        def tensor(name: str) -> torch.Tensor:
            return torch.tensor(np.asarray(arrays[name]), dtype=dtype, device=device)

        for name in ("w1", "b1", "gamma", "beta", "w2", "b2"):
            setattr(self, name, nn.Parameter(tensor(name)))
        self.register_buffer("running_mean", tensor("running_mean"))
        self.register_buffer("running_var", tensor("running_var"))
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
    device, dtype = _device_dtype()
    models = [Member(arrays, training) for arrays, training in
              zip(inputs["members"], inputs["training"], strict=True)]
    x = torch.tensor(np.asarray(inputs["x"]), dtype=dtype, device=device)
    probs = objects["ensemble_predict"](list(models), x)
    if inputs["observe"] == MODES:
        return {MODES: [bool(m.training) for m in models]}
    return {PROBS: _array(probs, "the result")}


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


def _kind(result: Any, device: torch.device | None) -> str:
    """What a function returned: a NumPy array, or a torch tensor on the inputs' device."""
    if isinstance(result, torch.Tensor):
        return "a torch tensor" + (" on the inputs' device" if result.device == device
                                   else f" on {result.device}")
    if isinstance(result, np.ndarray):
        return "a NumPy array"
    return f"a {type(result).__name__}"


def _averaging_runner(name: str, hyper: str) -> Callable[[Mapping[str, Any], dict], dict]:
    """Run ``name(average, value, <hyper>=...)`` over the case's values, chaining averages."""

    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        update = objects[name]
        device, dtype = _device_dtype()
        torch_inputs = inputs["kind"] == "torch"

        def make(a: np.ndarray) -> Any:
            if torch_inputs:
                return torch.tensor(np.asarray(a), dtype=dtype, device=device)
            return np.array(a, dtype=np.float64)

        average, results, kinds, changed = make(inputs["average"]), [], [], []
        for k, value in enumerate(inputs["values"]):
            value = make(value)
            before = [average.clone() if torch_inputs else average.copy(),
                      value.clone() if torch_inputs else value.copy()]
            argument = inputs[hyper] + k if hyper == "n" else inputs[hyper]
            result = update(average, value, **{hyper: argument})
            for label, now, then in zip(("average", "value"), (average, value), before,
                                        strict=True):
                same = torch.equal(now, then) if torch_inputs else np.array_equal(now, then)
                if not same and label not in changed:
                    changed.append(label)
            kinds.append(_kind(result, value.device if torch_inputs else None))
            results.append(_array(result, f"{name}'s result"))
            average = make(results[-1])
        return {"new average" if len(results) == 1 else "average after each update":
                results[0] if len(results) == 1 else np.stack(results),
                RETURNS: ", ".join(sorted(set(kinds))),
                CHANGED: ", ".join(changed) or NO_CHANGE}

    return run


def _averaging_case(group: str, kind: str, average: Any, values: list, hyper: str,
                    hyper_value: Any, expected: Any = None) -> Case:
    inputs = {"kind": kind, "average": np.asarray(average, dtype=np.float64),
              "values": [np.asarray(v, dtype=np.float64) for v in values], hyper: hyper_value}
    exp = None
    if expected is not None:
        exp = {"new average": np.array(expected),
               RETURNS: "a NumPy array" if kind == "numpy" else "a torch tensor on the inputs' device",
               CHANGED: NO_CHANGE}
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


# -- snapshot collection -----------------------------------------------------------------------------


class TinyModel(nn.Module):
    """Two parameters and two buffers (a float one and an integer counter), as batch norm has."""

    def __init__(self, shapes: Mapping[str, tuple]) -> None:
        super().__init__()
        device, dtype = _device_dtype()
        self.weight = nn.Parameter(torch.zeros(shapes["weight"], dtype=dtype, device=device))
        self.bias = nn.Parameter(torch.zeros(shapes["bias"], dtype=dtype, device=device))
        self.register_buffer("running_mean",
                             torch.zeros(shapes["running_mean"], dtype=dtype, device=device))
        self.register_buffer("num_batches_tracked",
                             torch.zeros((), dtype=torch.long, device=device))


def _state(snapshot: Any, k: int) -> dict:
    if isinstance(snapshot, nn.Module):
        snapshot = snapshot.state_dict()
    if not isinstance(snapshot, Mapping):
        raise TypeError(f"snapshots[{k}] is a {type(snapshot).__name__}, not a dict of tensors "
                        "(a copy of model.state_dict())")
    return {str(key): _array(value, f"snapshots[{k}][{key!r}]") for key, value in snapshot.items()}


def run_snapshot_collector(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Update a TinyModel in place step by step, calling collector.step(model) after each."""
    cls = objects["SnapshotCollector"]
    kwargs = {"cycle_length": inputs["cycle_length"]}
    if inputs["cycle_mult"] is not None:
        kwargs["cycle_mult"] = inputs["cycle_mult"]
    collector = cls(**kwargs)
    deltas = inputs["deltas"]
    model = TinyModel({name: np.asarray(d).shape for name, d in deltas[0].items()})
    saved = []
    for t, delta in enumerate(deltas):
        with torch.no_grad():  # what optimizer.step() and a forward pass in training mode do
            for name, tensor in [*model.named_parameters(), ("running_mean", model.running_mean)]:
                tensor.add_(torch.as_tensor(np.asarray(delta[name]), dtype=tensor.dtype,
                                            device=tensor.device))
            model.num_batches_tracked += 1
        if collector.step(model):
            saved.append(t)
    steps = [int(s) for s in collector.snapshot_steps]
    snapshots = [_state(s, k) for k, s in enumerate(collector.snapshots)]
    return {SAVED: saved, "snapshot_steps": steps, "snapshots": snapshots}


SHAPES = {"weight": (2, 2), "bias": (2,), "running_mean": (2,)}


def _snapshot_case(group: str, rng: np.random.Generator | None, steps: int, cycle_length: int,
                   cycle_mult: int | None = None, expected: dict | None = None) -> Case:
    if rng is None:  # step t adds t + 1 to every entry
        deltas = [{name: np.full(shape, t + 1.0) for name, shape in SHAPES.items()}
                  for t in range(steps)]
    else:
        deltas = [{name: rng.standard_normal(shape) for name, shape in SHAPES.items()}
                  for _ in range(steps)]
    return Case(group, {"cycle_length": cycle_length, "cycle_mult": cycle_mult,
                        "deltas": deltas}, expected)


def _snapshot_visible(rng: np.random.Generator) -> list[Case]:
    # cycles [0, 1], [2, 5], [6, 13]: snapshots after steps 1 and 5 of 8. Step t adds t + 1,
    # so after step t every entry is 1 + 2 + ... + (t + 1): 3 after step 1, 21 after step 5;
    # num_batches_tracked counts the updates: 2 and 6.
    def snap(value: float, count: int) -> dict:
        out: dict[str, Any] = {name: np.full(shape, value) for name, shape in SHAPES.items()}
        out["num_batches_tracked"] = np.array(float(count))
        return out

    expected = {SAVED: [1, 5], "snapshot_steps": [1, 5], "snapshots": [snap(3, 2), snap(21, 6)]}
    return [_snapshot_case("8 updates, cycle_length=2, cycle_mult=2, by hand", None, 8, 2, 2,
                           expected),
            _snapshot_case("12 random updates, cycle_length=4", rng, 12, 4)]


def _snapshot_hidden(rng: np.random.Generator) -> list[Case]:
    length = int(rng.integers(2, 6))
    return [
        _snapshot_case("cycle_mult = 1 (the default): several cycles", rng,
                       length * int(rng.integers(3, 5)), length),
        _snapshot_case("cycle_mult > 1", rng, 2 * (1 + 2 + 4) + 1, 2, 2),
        _snapshot_case("cycle_mult > 1", rng, 3 * (1 + 3) + 2, 3, 3),
        _snapshot_case("a last cycle cut short gives no snapshot", rng, 3 * 4 + 2, 4, 1),
        _snapshot_case("edge cases: cycle_length = 1 (every step), fewer steps than a cycle",
                       rng, 4, 1),
        _snapshot_case("edge cases: cycle_length = 1 (every step), fewer steps than a cycle",
                       rng, 3, 5),
    ]


check_ensemble_predict = Check(
    "ensemble_predict", targets=("ensemble_predict",),
    references={"ensemble_predict": "lecture7.ensembles:ensemble_predict"},
    run=run_ensemble_predict, visible=_ensemble_visible, hidden=_ensemble_hidden,
    rtol=1e-6, atol=1e-10, forbidden=FORBIDDEN,
    mistakes=mistakes_for("ensembles", "ensemble_predict"))
check_ema_update = Check(
    "ema_update", targets=("ema_update",), references={"ema_update": "lecture7.ensembles:ema_update"},
    run=_averaging_runner("ema_update", "decay"), visible=_ema_visible, hidden=_ema_hidden,
    forbidden=FORBIDDEN, mistakes=mistakes_for("ensembles", "ema_update"))
check_polyak_update = Check(
    "polyak_update", targets=("polyak_update",),
    references={"polyak_update": "lecture7.ensembles:polyak_update"},
    run=_averaging_runner("polyak_update", "n"), visible=_polyak_visible, hidden=_polyak_hidden,
    forbidden=FORBIDDEN, mistakes=mistakes_for("ensembles", "polyak_update"))
check_snapshot_collector = Check(
    "snapshot_collector", targets=("SnapshotCollector",),
    references={"SnapshotCollector": "lecture7.ensembles:SnapshotCollector"},
    run=run_snapshot_collector, visible=_snapshot_visible, hidden=_snapshot_hidden,
    forbidden=FORBIDDEN, mistakes=mistakes_for("ensembles", "SnapshotCollector"))
