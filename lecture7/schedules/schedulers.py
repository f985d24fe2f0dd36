"""The schedules as ``torch.optim.lr_scheduler.LRScheduler`` classes.

``ScheduleLR(optimizer, schedule_fn, **hyperparameters)`` sets each param
group's learning rate to ``schedule_fn(t, lr0=initial_lr, **hyperparameters)``
where ``t`` is the number of ``scheduler.step()`` calls so far and ``initial_lr``
is the group's learning rate when the scheduler was built (torch's convention:
it is stored as ``group["initial_lr"]``). The rate is computed in closed form
from the step, never by multiplying the previous rate, so the schedule does not
drift and ``state_dict()`` (the step and the hyperparameters) round-trips.
The named classes fix ``schedule_fn``.

Use it as any torch scheduler: ``optimizer.step()`` then ``scheduler.step()``
once per update. Torch warns (``UserWarning``) only when ``scheduler.step()``
is called before the first ``optimizer.step()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from lecture7.schedules.cyclic import cyclic_cosine
from lecture7.schedules.decay import (
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    linear_decay,
    linear_warmup,
    step_decay,
    warmup_cosine,
)

__all__ = [
    "CosineDecay",
    "CyclicCosine",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LinearDecay",
    "LinearWarmup",
    "ScheduleLR",
    "StepDecay",
    "WarmupCosine",
]


class ScheduleLR(LRScheduler):
    """A scheduler that follows a pure schedule function of the step.

    Args:
        optimizer: the optimizer whose param groups' ``lr`` it sets.
        schedule_fn: ``schedule_fn(step, *, lr0, **hyperparameters) -> lr``.
        last_epoch: torch's resume index (-1 for a fresh run).
        **hyperparameters: keyword arguments for ``schedule_fn`` besides ``lr0``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedule_fn: Callable[..., float],
        /,
        *,
        last_epoch: int = -1,
        **hyperparameters: Any,
    ) -> None:
        if not callable(schedule_fn):
            raise ValueError(f"Invalid schedule_fn: {schedule_fn!r} (expected a callable)")
        if "lr0" in hyperparameters:
            raise ValueError(
                f"Invalid hyperparameter lr0={hyperparameters['lr0']!r}: lr0 is each "
                "param group's initial lr, set it on the optimizer"
            )
        self.schedule_fn = schedule_fn
        self.hyperparameters = dict(hyperparameters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``schedule_fn(last_epoch, lr0=base_lr, **hyperparameters)`` per param group."""
        return [
            self.schedule_fn(self.last_epoch, lr0=float(base_lr), **self.hyperparameters)
            for base_lr in self.base_lrs
        ]

    # torch's ``step(epoch)`` (deprecated) looks for this; the schedule is closed-form.
    _get_closed_form_lr = get_lr

    def state_dict(self) -> dict[str, Any]:
        """torch's state (``last_epoch``, ``base_lrs``, ...) and the hyperparameters.

        ``schedule_fn`` is left out (like ``LambdaLR``'s functions), so the state
        loads with ``torch.load(..., weights_only=True)``; the scheduler that
        loads it must be built with the same function.
        """
        return {key: value for key, value in super().state_dict().items() if key != "schedule_fn"}


class StepDecay(ScheduleLR):
    """:func:`~lecture7.schedules.decay.step_decay`; like torch's ``StepLR``."""

    def __init__(
        self, optimizer: Optimizer, *, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        super().__init__(
            optimizer, step_decay, step_size=step_size, gamma=gamma, last_epoch=last_epoch
        )


class ExponentialDecay(ScheduleLR):
    """:func:`~lecture7.schedules.decay.exponential_decay`; like torch's ``ExponentialLR``."""

    def __init__(self, optimizer: Optimizer, *, gamma: float, last_epoch: int = -1) -> None:
        super().__init__(optimizer, exponential_decay, gamma=gamma, last_epoch=last_epoch)


class InverseTimeDecay(ScheduleLR):
    """:func:`~lecture7.schedules.decay.inverse_time_decay` (1/t decay)."""

    def __init__(self, optimizer: Optimizer, *, decay_rate: float, last_epoch: int = -1) -> None:
        super().__init__(
            optimizer, inverse_time_decay, decay_rate=decay_rate, last_epoch=last_epoch
        )


class CosineDecay(ScheduleLR):
    """:func:`~lecture7.schedules.decay.cosine_decay`; torch's ``CosineAnnealingLR`` up to ``total_steps``."""

    def __init__(
        self, optimizer: Optimizer, *, total_steps: int, lr_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        super().__init__(
            optimizer, cosine_decay, total_steps=total_steps, lr_min=lr_min, last_epoch=last_epoch
        )


class LinearDecay(ScheduleLR):
    """:func:`~lecture7.schedules.decay.linear_decay`; like torch's ``LinearLR``."""

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        total_steps: int,
        start_factor: float = 1.0,
        end_factor: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(
            optimizer,
            linear_decay,
            total_steps=total_steps,
            start_factor=start_factor,
            end_factor=end_factor,
            last_epoch=last_epoch,
        )


class LinearWarmup(ScheduleLR):
    """:func:`~lecture7.schedules.decay.linear_warmup`."""

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        warmup_steps: int,
        start_factor: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(
            optimizer,
            linear_warmup,
            warmup_steps=warmup_steps,
            start_factor=start_factor,
            last_epoch=last_epoch,
        )


class WarmupCosine(ScheduleLR):
    """:func:`~lecture7.schedules.decay.warmup_cosine`."""

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        warmup_steps: int,
        total_steps: int,
        lr_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(
            optimizer,
            warmup_cosine,
            warmup_steps=warmup_steps,
            total_steps=total_steps,
            lr_min=lr_min,
            last_epoch=last_epoch,
        )


class CyclicCosine(ScheduleLR):
    """:func:`~lecture7.schedules.cyclic.cyclic_cosine`; torch's ``CosineAnnealingWarmRestarts``."""

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        cycle_length: int,
        lr_min: float = 0.0,
        cycle_mult: int = 1,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(
            optimizer,
            cyclic_cosine,
            cycle_length=cycle_length,
            lr_min=lr_min,
            cycle_mult=cycle_mult,
            last_epoch=last_epoch,
        )
