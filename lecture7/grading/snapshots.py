"""Checks of assignment 5 (ensembles), part 2: snapshot ensembles (``SnapshotCollector``).

Test cells call it with the student's class::

    from lecture7.grading.snapshots import check_snapshot_collector
    check_snapshot_collector(SnapshotCollector)                          # visible: by hand
    check_snapshot_collector(SnapshotCollector, hidden=True, points=3)   # hidden

``check_snapshot_collector`` "trains" a small model (in-place updates of its parameters
and buffers, as an optimizer does), calls ``collector.step(model)`` after every update
and compares the snapshots with :class:`lecture7.ensembles.SnapshotCollector`.
**What is graded**: the steps at which ``step`` returned True, ``snapshot_steps``, and the
saved snapshots (every parameter and buffer, as they were at that step). **Accepted
without loss**: a snapshot as a ``state_dict`` copy or as a deep-copied module,
``clone()`` or ``copy.deepcopy``, tensors on any device.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import array, device_dtype

__all__ = ["check_snapshot_collector"]

SAVED = "step(model) returned True after the updates"


class TinyModel(nn.Module):
    """Two parameters and two buffers (a float one and an integer counter), as batch norm has."""

    def __init__(self, shapes: Mapping[str, tuple]) -> None:
        super().__init__()
        device, dtype = device_dtype()
        self.weight = nn.Parameter(torch.zeros(shapes["weight"], dtype=dtype, device=device))
        self.bias = nn.Parameter(torch.zeros(shapes["bias"], dtype=dtype, device=device))
        self.register_buffer("running_mean",
                             torch.zeros(shapes["running_mean"], dtype=dtype, device=device))
        self.register_buffer("num_batches_tracked",
                             torch.zeros((), dtype=torch.long, device=device))


def _state(saved: Any, k: int) -> dict:
    if isinstance(saved, nn.Module):
        saved = saved.state_dict()
    if not isinstance(saved, Mapping):
        raise TypeError(f"snapshots[{k}] is a {type(saved).__name__}, not a dict of tensors "
                        "(a copy of model.state_dict())")
    return {str(key): array(value, f"snapshots[{k}][{key!r}]") for key, value in saved.items()}


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


check_snapshot_collector = Check(
    "snapshot_collector", targets=("SnapshotCollector",),
    reference="lecture7.ensembles:SnapshotCollector", run=run_snapshot_collector,
    visible=_snapshot_visible, hidden=_snapshot_hidden, forbidden=("lecture7.ensembles", "lecture7.schedules"), mistakes="ensembles")
