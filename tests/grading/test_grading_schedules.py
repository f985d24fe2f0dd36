"""The run logic of assignment 3's checks (schedules, cycle ends, the LRScheduler subclass)."""

import math

import pytest
import torch

from lecture7.grading.schedules import (
    check_cycle_end_steps,
    check_schedule_lr,
    check_warmup_cosine,
)


def warmup_cosine(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    """A correct student version, returning 0-d tensors instead of floats."""
    if step < warmup_steps:
        return torch.tensor(lr0 * step / warmup_steps)
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return torch.tensor(lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * progress)) / 2)


def test_numbers_of_any_kind_are_accepted():
    assert check_warmup_cosine(warmup_cosine, hidden=True, points=3) == 3


def test_a_schedule_that_returns_no_number_says_so():
    with pytest.raises(AssertionError, match=r"warmup_cosine\(0, \.\.\.\) is None, not a number"):
        check_warmup_cosine(lambda step, **hyper: None)


def test_cycle_ends_as_a_generator_of_numpy_ints_are_accepted():
    import numpy as np

    def cycle_end_steps(total_steps, *, cycle_length, cycle_mult=1):
        end, length = cycle_length - 1, cycle_length
        while end < total_steps:
            yield np.int64(end)
            length *= cycle_mult
            end += length

    assert check_cycle_end_steps(cycle_end_steps, hidden=True, points=2) == 2
    with pytest.raises(AssertionError, match="not a list of steps"):
        check_cycle_end_steps(lambda total_steps, **hyper: 3)


def test_a_correct_scheduler_passes_and_a_chained_one_fails_only_where_it_drifts(capsys):
    class ScheduleLR(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
            self.fn, self.kw = schedule_fn, hyperparameters
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [self.fn(self.last_epoch, lr0=lr, **self.kw) for lr in self.base_lrs]

    assert check_schedule_lr(ScheduleLR, hidden=True, points=2) == 2
    assert "all passed" in capsys.readouterr().out

    class ForgetsAttributes(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
            super().__init__(optimizer, last_epoch)  # get_lr runs before the attributes exist
            self.fn, self.kw = schedule_fn, hyperparameters

        def get_lr(self):
            return [self.fn(self.last_epoch, lr0=lr, **self.kw) for lr in self.base_lrs]

    with pytest.raises(AssertionError, match="AttributeError"):
        check_schedule_lr(ForgetsAttributes)
