"""Checks of assignment 3 (learning-rate schedules): pure schedules and a torch scheduler.

Test cells call them with the student's code::

    from lecture7.grading.schedules import check_step_decay
    check_step_decay(step_decay)                           # visible: by hand, random
    check_step_decay(step_decay, hidden=True, points=2)    # hidden: vs lecture7.schedules

The schedules (``check_step_decay``, ``check_warmup_cosine``,
``check_cyclic_cosine``) are evaluated at every step of a range and compared
with :mod:`lecture7.schedules`; ``check_cycle_end_steps`` compares the list of
snapshot steps. ``check_schedule_lr`` builds a real ``torch.optim.SGD`` (its
parameters on :func:`lecture7.default_device`), drives the student's
``LRScheduler`` subclass with a schedule function defined here, and compares
every param group's learning rate after each ``scheduler.step()`` with
:class:`lecture7.schedules.ScheduleLR`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import device_dtype, number

__all__ = ["check_cycle_end_steps", "check_cyclic_cosine", "check_schedule_lr",
           "check_step_decay", "check_warmup_cosine", "inverse_sqrt_warmup", "staircase"]

LR = "learning rate[step]"
ENDS = "cycle-end steps"
LRS = "lr of each param group after t calls of scheduler.step() [t, group]"


# -- the pure schedules: lr at steps 0, 1, ..., n - 1 -----------------------------------


def _schedule_runner(name: str) -> Callable[[Mapping[str, Any], dict], dict]:
    def run(objects: Mapping[str, Any], inputs: dict) -> dict:
        """Evaluate the schedule at steps 0 .. n-1 with the case's hyperparameters."""
        schedule, hyper = objects[name], inputs["hyperparameters"]
        values = [number(schedule(t, **hyper), f"{name}({t}, ...)") for t in range(inputs["n"])]
        return {LR: np.array(values, dtype=np.float64)}

    return run


def _case(group: str, n: int, expected: list | None = None, **hyper: Any) -> Case:
    exp = None if expected is None else {LR: np.array(expected, dtype=np.float64)}
    return Case(group, {"n": n, "hyperparameters": hyper}, exp)


def _lr0(rng: np.random.Generator) -> float:
    return float(10 ** rng.uniform(-3, 0))


# step decay ------------------------------------------------------------------------------

def _step_decay_visible(rng: np.random.Generator) -> list[Case]:
    return [
        # lr0 * 0.5 ** (t // 3): three steps at each rate
        _case("lr0=1, step_size=3, gamma=0.5, steps 0-7, by hand", 8,
              [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25], lr0=1.0, step_size=3, gamma=0.5),
        _case("random lr0, step_size=4, gamma=0.1", 13, lr0=_lr0(rng), step_size=4, gamma=0.1),
    ]


def _step_decay_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(3):
        size = int(rng.integers(2, 9))
        out.append(_case("random lr0, step_size and gamma", 4 * size + 3, lr0=_lr0(rng),
                         step_size=size, gamma=float(rng.uniform(0.05, 0.9))))
    size = int(rng.integers(3, 7))
    out.append(_case("the default gamma (0.1)", 3 * size + 1, lr0=_lr0(rng), step_size=size))
    out.append(_case("step_size=1: a cut after every step", 6, lr0=_lr0(rng), step_size=1,
                     gamma=float(rng.uniform(0.3, 0.9))))
    out.append(_case("a long run: many cuts", 200, lr0=1.0, step_size=int(rng.integers(15, 30)),
                     gamma=float(rng.uniform(0.5, 0.9))))
    return out


# warmup + cosine ---------------------------------------------------------------------------

def _warmup_cosine_visible(rng: np.random.Generator) -> list[Case]:
    c = math.cos(math.pi / 4)  # progress 1/4 and 3/4 of the 4 cosine steps
    return [
        # warmup 0, 0.5 (t/W), then 0.2 + 0.4 (1 + cos(pi (t - 2) / 4)), held at 0.2 after t = 6
        _case("lr0=1, warmup_steps=2, total_steps=6, lr_min=0.2, steps 0-7, by hand", 8,
              [0.0, 0.5, 1.0, 0.2 + 0.4 * (1 + c), 0.6, 0.2 + 0.4 * (1 - c), 0.2, 0.2],
              lr0=1.0, warmup_steps=2, total_steps=6, lr_min=0.2),
        _case("random lr0, warmup_steps=5, total_steps=20", 24, lr0=_lr0(rng), warmup_steps=5,
              total_steps=20),
    ]


def _warmup_cosine_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        warmup = int(rng.integers(2, 12))
        total = warmup + int(rng.integers(5, 40))
        out.append(_case("random lr0, warmup_steps and total_steps, lr_min = 0", total + 3,
                         lr0=_lr0(rng), warmup_steps=warmup, total_steps=total))
    for _ in range(2):
        warmup, lr0 = int(rng.integers(2, 12)), _lr0(rng)
        total = warmup + int(rng.integers(5, 40))
        out.append(_case("lr_min > 0", total + 3, lr0=lr0, warmup_steps=warmup,
                         total_steps=total, lr_min=float(lr0 * rng.uniform(0.05, 0.5))))
    total = int(rng.integers(8, 30))
    out.append(_case("no warmup (warmup_steps = 0): cosine from step 0", total + 2,
                     lr0=_lr0(rng), warmup_steps=0, total_steps=total))
    warmup, lr0 = int(rng.integers(2, 6)), _lr0(rng)
    total = warmup + int(rng.integers(4, 10))
    out.append(_case("long after total_steps the rate stays at lr_min", 3 * total, lr0=lr0,
                     warmup_steps=warmup, total_steps=total, lr_min=float(0.1 * lr0)))
    return out


# cyclic cosine -------------------------------------------------------------------------------

def _cyclic_cosine_visible(rng: np.random.Generator) -> list[Case]:
    c4, c8 = math.cos(math.pi / 4), math.cos(math.pi / 8)
    return [
        # cycles [0, 1], [2, 5], [6, 13]: restarts (lr = 1) at steps 0, 2 and 6
        _case("lr0=1, cycle_length=2, cycle_mult=2, steps 0-7, by hand", 8,
              [1.0, 0.5, 1.0, 0.5 * (1 + c4), 0.5, 0.5 * (1 - c4), 1.0, 0.5 * (1 + c8)],
              lr0=1.0, cycle_length=2, cycle_mult=2),
        _case("random lr0, cycle_length=5, three cycles", 15, lr0=_lr0(rng), cycle_length=5),
    ]


def _cyclic_cosine_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        length = int(rng.integers(3, 12))
        out.append(_case("cycle_mult = 1: random lr0 and cycle_length, several cycles",
                         4 * length + 2, lr0=_lr0(rng), cycle_length=length))
    lr0 = _lr0(rng)
    length = int(rng.integers(3, 9))
    out.append(_case("lr_min > 0", 3 * length + 1, lr0=lr0, cycle_length=length,
                     lr_min=float(lr0 * rng.uniform(0.05, 0.5))))
    for mult in (2, 3):
        length = int(rng.integers(2, 6))
        out.append(_case("cycle_mult > 1: each cycle longer than the last",
                         length * (1 + mult + mult**2) + 2, lr0=_lr0(rng), cycle_length=length,
                         cycle_mult=mult, lr_min=float(rng.uniform(0, 1e-3))))
    return out


# cycle ends ----------------------------------------------------------------------------------

def _run_cycle_end_steps(objects: Mapping[str, Any], inputs: dict) -> dict:
    """The steps the student's function lists, as a list of ints."""
    ends = objects["cycle_end_steps"](inputs["total_steps"], **inputs["hyperparameters"])
    try:
        values = [number(e, "a step of cycle_end_steps") for e in ends]
    except TypeError as err:
        if "a step of" in str(err):
            raise
        raise TypeError(f"cycle_end_steps returned a {type(ends).__name__}, "
                        "not a list of steps") from None
    return {ENDS: [int(v) if float(v).is_integer() else v for v in values]}


def _ends_case(group: str, total: int, expected: list | None = None, **hyper: Any) -> Case:
    return Case(group, {"total_steps": total, "hyperparameters": hyper},
                None if expected is None else {ENDS: expected})


def _cycle_end_steps_visible(rng: np.random.Generator) -> list[Case]:
    return [
        # cycles of 2, 4, 8 steps: [0, 1], [2, 5], [6, 13]
        _ends_case("total_steps=14, cycle_length=2, cycle_mult=2, by hand", 14, [1, 5, 13],
                   cycle_length=2, cycle_mult=2),
        # cycles [0, 2], [3, 5], [6, 8]; the fourth, [9, 11], is not complete at 10 steps
        _ends_case("total_steps=10, cycle_length=3, by hand", 10, [2, 5, 8], cycle_length=3),
    ]


def _cycle_end_steps_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for _ in range(2):
        length = int(rng.integers(2, 20))
        out.append(_ends_case("cycle_mult = 1: whole cycles", length * int(rng.integers(2, 8)),
                              cycle_length=length))
    for mult in (2, 3):
        length = int(rng.integers(1, 6))
        total = length * (1 + mult + mult**2)
        out.append(_ends_case("cycle_mult > 1", total, cycle_length=length, cycle_mult=mult))
    length = int(rng.integers(3, 10))
    out.append(_ends_case("a last cycle cut short gives no snapshot",
                          length * 3 + int(rng.integers(1, length)), cycle_length=length))
    out.append(_ends_case("a last cycle cut short gives no snapshot", 14 + 8, cycle_length=2,
                          cycle_mult=2))
    edge = "edge cases: cycle_length = 1, a run shorter than one cycle, no steps at all"
    out.append(_ends_case(edge, 5, cycle_length=1))
    out.append(_ends_case(edge, 4, cycle_length=7))
    out.append(_ends_case(edge, 0, cycle_length=3, cycle_mult=2))
    return out


# -- the LRScheduler subclass ------------------------------------------------------------------


def staircase(step: int, *, lr0: float, every: int, factor: float) -> float:
    """A test schedule: ``lr0 * factor ** (step // every)``."""
    return lr0 * factor ** (step // every)


def inverse_sqrt_warmup(step: int, *, lr0: float, warmup: int) -> float:
    """A test schedule: linear warmup, then ``1 / sqrt(step)`` decay (the Transformer's)."""
    t = step + 1
    return lr0 * min(t / warmup, math.sqrt(warmup / t))


SCHEDULES: dict[str, Callable[..., float]] = {"staircase": staircase,
                                              "inverse_sqrt_warmup": inverse_sqrt_warmup}


def run_scheduler(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Build SGD with the case's param groups, attach the scheduler, step it, record every lr."""
    cls = objects["ScheduleLR"]
    device, dtype = device_dtype()
    groups = [{"params": [torch.zeros(3, device=device, dtype=dtype, requires_grad=True)],
               "lr": lr} for lr in inputs["lrs"]]
    optimizer = torch.optim.SGD(groups, lr=inputs["lrs"][0])
    scheduler = cls(optimizer, SCHEDULES[inputs["schedule"]], **inputs["hyperparameters"])

    def lrs() -> list[float]:
        return [number(g["lr"], "param_group['lr']") for g in optimizer.param_groups]

    rows = [lrs()]
    for _ in range(inputs["steps"]):
        optimizer.step()  # no gradients: nothing moves; the scheduler wants a step first
        scheduler.step()
        rows.append(lrs())
    return {LRS: np.array(rows, dtype=np.float64)}


def _scheduler_case(group: str, schedule: str, lrs: list, steps: int,
                    expected: list | None = None, **hyper: Any) -> Case:
    inputs = {"schedule": schedule, "lrs": lrs, "steps": steps, "hyperparameters": hyper}
    return Case(group, inputs, None if expected is None else {LRS: np.array(expected)})


def _schedule_lr_visible(rng: np.random.Generator) -> list[Case]:
    return [
        # staircase: lr0 * 0.5 ** (t // 2) for each group's own lr0
        _scheduler_case("two param groups (lr 0.1 and 1), staircase every=2, factor=0.5, by hand",
                        "staircase", [0.1, 1.0], 4,
                        [[0.1, 1.0], [0.1, 1.0], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25]],
                        every=2, factor=0.5),
        _scheduler_case("one param group, warmup then 1/sqrt(t)", "inverse_sqrt_warmup",
                        [float(_lr0(rng))], 8, warmup=3),
    ]


def _schedule_lr_hidden(rng: np.random.Generator) -> list[Case]:
    return [
        _scheduler_case("one param group, random staircase", "staircase", [_lr0(rng)], 12,
                        every=int(rng.integers(2, 5)), factor=float(rng.uniform(0.1, 0.9))),
        _scheduler_case("three param groups, each from its own initial lr", "staircase",
                        [_lr0(rng) for _ in range(3)], 10, every=int(rng.integers(2, 4)),
                        factor=float(rng.uniform(0.1, 0.9))),
        _scheduler_case("a schedule that rises then falls (closed form, not chained)",
                        "inverse_sqrt_warmup", [_lr0(rng), _lr0(rng)], 20,
                        warmup=int(rng.integers(2, 8))),
    ]


check_step_decay = Check(
    "step_decay", reference="lecture7.schedules:step_decay", run=_schedule_runner("step_decay"),
    visible=_step_decay_visible, hidden=_step_decay_hidden, mistakes="schedules")
check_warmup_cosine = Check(
    "warmup_cosine", reference="lecture7.schedules:warmup_cosine",
    run=_schedule_runner("warmup_cosine"), visible=_warmup_cosine_visible,
    hidden=_warmup_cosine_hidden, mistakes="schedules")
check_cyclic_cosine = Check(
    "cyclic_cosine", reference="lecture7.schedules:cyclic_cosine",
    run=_schedule_runner("cyclic_cosine"), visible=_cyclic_cosine_visible,
    hidden=_cyclic_cosine_hidden, mistakes="schedules")
check_cycle_end_steps = Check(
    "cycle_end_steps", reference="lecture7.schedules:cycle_end_steps", run=_run_cycle_end_steps,
    visible=_cycle_end_steps_visible, hidden=_cycle_end_steps_hidden, mistakes="schedules")
check_schedule_lr = Check(
    "schedule_lr", targets=("ScheduleLR",), reference="lecture7.schedules:ScheduleLR",
    run=run_scheduler, visible=_schedule_lr_visible, hidden=_schedule_lr_hidden,
    mistakes="schedules")
