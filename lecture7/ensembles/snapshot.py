r"""Snapshot ensembles: many models from one training run (Huang et al., 2017).

Train with a cyclic learning rate (cosine annealing with warm restarts,
:func:`lecture7.schedules.cyclic_cosine`): during each cycle of
:math:`T_i = T_0 m^i` steps (:math:`T_0` = ``cycle_length``, :math:`m` =
``cycle_mult``) the rate falls to its minimum and the model settles into a
minimum; save a snapshot of the weights there, at the cycle's last step; the
restart then kicks the model out towards another minimum. At test time average
the snapshots' predictions (:func:`~lecture7.ensembles.ensemble_predict`).

Reference: Huang et al., 2017: https://arxiv.org/abs/1704.00109.

Convention: steps count optimizer updates from 0, as in :mod:`lecture7.schedules`:
call :meth:`SnapshotCollector.step` once after every update; after update ``t``
it saves a snapshot when ``t`` is the last step of its cycle
(:func:`lecture7.schedules.is_cycle_end`). The collector needs only the cycle
lengths, so it works with any scheduler stepped once per update
(``CyclicCosine``, torch's ``CosineAnnealingWarmRestarts``, a hand-written rule).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from torch import nn

from lecture7._checks import check_int

__all__ = ["SnapshotCollector", "snapshot_ensemble", "snapshot_models"]

StateDict = dict[str, torch.Tensor]


class SnapshotCollector:
    """Saves a copy of a model's ``state_dict`` at the end of every learning-rate cycle.

    Attributes:
        snapshots: the saved state dicts (tensors cloned, on the model's device).
        snapshot_steps: the 0-based update index after which each snapshot was saved.
        steps_done: how many updates :meth:`step` has been told about.
    """

    def __init__(self, *, cycle_length: int, cycle_mult: int = 1) -> None:
        self.cycle_length = check_int("cycle_length", cycle_length, minimum=1)
        self.cycle_mult = check_int("cycle_mult", cycle_mult, minimum=1)
        self.snapshots: list[StateDict] = []
        self.snapshot_steps: list[int] = []
        self.steps_done = 0

    def step(self, model: nn.Module) -> bool:
        """Record one finished update of ``model``; snapshot it if its cycle ended. Returns whether."""
        from lecture7.schedules import is_cycle_end

        step, self.steps_done = self.steps_done, self.steps_done + 1
        if not is_cycle_end(step, cycle_length=self.cycle_length, cycle_mult=self.cycle_mult):
            return False
        self.snapshots.append({k: v.detach().clone() for k, v in model.state_dict().items()})
        self.snapshot_steps.append(step)
        return True


def snapshot_models(template: nn.Module, snapshots: Sequence[StateDict]) -> list[nn.Module]:
    """One deep copy of ``template`` per snapshot, with the snapshot's weights loaded."""
    if len(snapshots) == 0:
        raise ValueError("Invalid snapshots: none were taken (expected at least one)")
    models = []
    for state in snapshots:
        model = copy.deepcopy(template)
        model.load_state_dict(state)
        models.append(model)
    return models


def snapshot_ensemble(
    model: nn.Module,
    train_step: Callable[[nn.Module, int], object],
    *,
    n_cycles: int,
    cycle_length: int,
    cycle_mult: int = 1,
    scheduler: object | None = None,
) -> list[nn.Module]:
    r"""Train ``model`` for ``n_cycles`` learning-rate cycles; return one model per cycle end.

    Runs :math:`\sum_{i < n} T_0 m^i` updates (:math:`n` = ``n_cycles``). Update
    ``t`` is ``train_step(model, t)`` (one optimizer step, whatever the caller's
    loop does), followed by ``scheduler.step()`` when a scheduler is given.
    ``model`` is trained in place and ends as the last snapshot.

    Returns:
        ``n_cycles`` deep copies of ``model``, holding the snapshots in order.
    """
    check_int("n_cycles", n_cycles, minimum=1)
    collector = SnapshotCollector(cycle_length=cycle_length, cycle_mult=cycle_mult)
    total = sum(cycle_length * cycle_mult**i for i in range(n_cycles))
    for t in range(total):
        train_step(model, t)
        if scheduler is not None:
            scheduler.step()
        collector.step(model)
    return snapshot_models(model, collector.snapshots)
