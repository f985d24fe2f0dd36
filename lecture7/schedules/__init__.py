r"""Learning-rate decay (chapter 3) and the cyclic schedule of snapshot ensembles.

Start with a high learning rate and lower it over time. Every schedule is a
pure function ``schedule(step, *, lr0, ...) -> lr`` of the step :math:`t`
(updates taken so far), with keyword-only hyperparameters:

=============================  ==============================================================
:func:`step_decay`             :math:`\eta_0 \gamma^{\lfloor t/s \rfloor}` (the ResNet curve)
:func:`exponential_decay`      :math:`\eta_0 \gamma^t`
:func:`inverse_time_decay`     :math:`\eta_0 / (1 + k t)`
:func:`cosine_decay`           half a cosine from :math:`\eta_0` to :math:`\eta_{\min}`
:func:`linear_decay`           a straight line between two factors of :math:`\eta_0`
:func:`linear_warmup`          ramp up to :math:`\eta_0`, then hold
:func:`warmup_cosine`          linear warmup, then cosine decay
:func:`cyclic_cosine`          cosine with warm restarts (SGDR, snapshot ensembles)
=============================  ==============================================================

:func:`cycle_index`, :func:`is_cycle_end` and :func:`cycle_end_steps` tell a
snapshot ensemble when to save. :func:`schedule_values` tabulates a schedule.
:class:`ScheduleLR` and the named classes (:class:`StepDecay`, ...) are
``torch.optim.lr_scheduler.LRScheduler`` front ends over the same functions.
"""

from lecture7.schedules.cyclic import (
    CyclePosition,
    cycle_end_steps,
    cycle_index,
    cycle_position,
    cyclic_cosine,
    is_cycle_end,
)
from lecture7.schedules.decay import (
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    linear_decay,
    linear_warmup,
    step_decay,
    warmup_cosine,
)
from lecture7.schedules.schedulers import (
    CosineDecay,
    CyclicCosine,
    ExponentialDecay,
    InverseTimeDecay,
    LinearDecay,
    LinearWarmup,
    ScheduleLR,
    StepDecay,
    WarmupCosine,
)
from lecture7.schedules.values import schedule_values

__all__ = [
    "CosineDecay",
    "CyclePosition",
    "CyclicCosine",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LinearDecay",
    "LinearWarmup",
    "ScheduleLR",
    "StepDecay",
    "WarmupCosine",
    "cosine_decay",
    "cycle_end_steps",
    "cycle_index",
    "cycle_position",
    "cyclic_cosine",
    "exponential_decay",
    "inverse_time_decay",
    "is_cycle_end",
    "linear_decay",
    "linear_warmup",
    "schedule_values",
    "step_decay",
    "warmup_cosine",
]
