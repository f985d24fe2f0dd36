r"""Cyclic cosine annealing with warm restarts: the snapshot-ensemble schedule.

The learning rate follows a cosine from :math:`\eta_0` down towards
:math:`\eta_{\min}` during each cycle, then jumps back to :math:`\eta_0`. Cycle
:math:`i` (counting from 0) lasts :math:`T_i = T_0 m^i` steps, with
:math:`T_0` = ``cycle_length`` and :math:`m` = ``cycle_mult``. A snapshot
ensemble saves the model at the end of every cycle, where the rate is lowest
and the model sits in a minimum; the restart then kicks it towards another one.

References: Loshchilov & Hutter, 2017 (SGDR): https://arxiv.org/abs/1608.03983;
Huang et al., 2017 (Snapshot Ensembles): https://arxiv.org/abs/1704.00109.
"""

from __future__ import annotations

from typing import NamedTuple

from lecture7._checks import check_int
from lecture7.schedules.decay import cosine_decay

__all__ = [
    "CyclePosition",
    "cycle_end_steps",
    "cycle_index",
    "cycle_position",
    "cyclic_cosine",
    "is_cycle_end",
]


class CyclePosition(NamedTuple):
    """Where a step falls in a cyclic schedule.

    Attributes:
        index: :math:`i`, the cycle the step belongs to (0 for the first).
        step_in_cycle: :math:`t_{cur}`, steps since the cycle's restart, ``0 <= step_in_cycle < length``.
        length: :math:`T_i = T_0 m^i`, the cycle's length in steps.
    """

    index: int
    step_in_cycle: int
    length: int


def cycle_position(step: int, *, cycle_length: int, cycle_mult: int = 1) -> CyclePosition:
    r"""The cycle of ``step`` and the position in it.

    Cycle :math:`i` covers steps :math:`T_0 (m^i - 1) / (m - 1)` (or
    :math:`i T_0` when :math:`m = 1`) up to the next cycle's first step, with
    :math:`T_0` = ``cycle_length`` and :math:`m` = ``cycle_mult``. Computed in
    integers (torch's ``CosineAnnealingWarmRestarts`` uses a float logarithm
    when given an epoch).
    """
    step = check_int("step", step, minimum=0)
    length = check_int("cycle_length", cycle_length, minimum=1)
    cycle_mult = check_int("cycle_mult", cycle_mult, minimum=1)
    if cycle_mult == 1:
        index, step_in_cycle = divmod(step, length)
        return CyclePosition(index, step_in_cycle, length)
    index = 0
    while step >= length:  # at most log_m(step) iterations
        step -= length
        length *= cycle_mult
        index += 1
    return CyclePosition(index, step, length)


def cycle_index(step: int, *, cycle_length: int, cycle_mult: int = 1) -> int:
    """The cycle (0, 1, 2, ...) that ``step`` belongs to; see :func:`cycle_position`."""
    return cycle_position(step, cycle_length=cycle_length, cycle_mult=cycle_mult).index


def is_cycle_end(step: int, *, cycle_length: int, cycle_mult: int = 1) -> bool:
    """Whether ``step`` is the last step of its cycle: save a snapshot after this update.

    The update of step ``step`` uses ``cyclic_cosine(step, ...)``, the lowest
    rate of the cycle; the next step restarts at ``lr0``.
    """
    position = cycle_position(step, cycle_length=cycle_length, cycle_mult=cycle_mult)
    return position.step_in_cycle == position.length - 1


def cycle_end_steps(total_steps: int, *, cycle_length: int, cycle_mult: int = 1) -> list[int]:
    """The steps ``< total_steps`` after which a snapshot ensemble saves a snapshot.

    Only complete cycles count: a cycle cut short by ``total_steps`` gives no snapshot.
    """
    total_steps = check_int("total_steps", total_steps, minimum=0)
    length = check_int("cycle_length", cycle_length, minimum=1)
    cycle_mult = check_int("cycle_mult", cycle_mult, minimum=1)
    ends, end = [], length - 1
    while end < total_steps:
        ends.append(end)
        length *= cycle_mult
        end += length
    return ends


def cyclic_cosine(
    step: int, *, lr0: float, cycle_length: int, lr_min: float = 0.0, cycle_mult: int = 1
) -> float:
    r"""Cosine annealing with warm restarts (SGDR; snapshot ensembles).

    .. math::
        \eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_0 - \eta_{\min})
                 \left(1 + \cos\left(\pi \, \frac{t_{cur}}{T_i}\right)\right)

    where :math:`t_{cur}` and :math:`T_i` are the position of step :math:`t`
    (``step``) in its cycle and that cycle's length (:func:`cycle_position`),
    :math:`\eta_0` = ``lr0`` and :math:`\eta_{\min}` = ``lr_min``. It is
    :func:`~lecture7.schedules.decay.cosine_decay` restarted at every cycle.
    Same as ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=cycle_length,
    T_mult=cycle_mult, eta_min=lr_min)``. Huang et al.'s snapshot schedule,
    :math:`\frac{\eta_0}{2}(\cos(\pi \bmod(t - 1, \lceil T/M \rceil) / \lceil T/M \rceil) + 1)`
    with 1-based :math:`t`, is the case ``lr_min=0``, ``cycle_mult=1``,
    ``cycle_length`` = :math:`\lceil T/M \rceil`.
    """
    position = cycle_position(step, cycle_length=cycle_length, cycle_mult=cycle_mult)
    return cosine_decay(position.step_in_cycle, lr0=lr0, total_steps=position.length, lr_min=lr_min)
