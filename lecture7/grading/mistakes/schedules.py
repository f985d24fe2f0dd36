"""Classic mistakes in the learning-rate schedules of assignment 3.

Every variant is a complete, self-contained schedule (or scheduler class) with
exactly one bug, written the way students write it (see
:mod:`lecture7.grading.mistakes` for the rules variants follow). The correct
schedules are in :mod:`lecture7.schedules`. Steps count from 0: step 0 is the
first update and uses the schedule's first value.
"""

import math

import torch

from lecture7.grading.mistakes import mistake

# -- step decay: lr0 * gamma ** (t // step_size) ----------------------------------------------


@mistake("step_decay", "step-decay-off-by-one",
         "the first cut comes one step too early: steps count from 0, so steps "
         "0 .. step_size - 1 use lr0 and the first cut is AT step step_size. "
         "Use gamma ** (step // step_size), not (step + 1) // step_size.")
def step_decay_off_by_one(step, *, lr0, step_size, gamma=0.1):
    return lr0 * gamma ** ((step + 1) // step_size)


@mistake("step_decay", "step-decay-exponent-is-step",
         "that is exponential decay (a cut at every step): the exponent is the number of "
         "cuts so far, step // step_size, not the step itself.")
def step_decay_exponent_step(step, *, lr0, step_size, gamma=0.1):
    return lr0 * gamma**step


@mistake("step_decay", "step-decay-no-floor",
         "the rate must stay constant between cuts: use integer division, "
         "gamma ** (step // step_size), not step / step_size (a smooth exponential decay).")
def step_decay_no_floor(step, *, lr0, step_size, gamma=0.1):
    return lr0 * gamma ** (step / step_size)


# -- warmup + cosine -----------------------------------------------------------------------------


@mistake("warmup_cosine", "warmup-starts-at-lr0-over-warmup-steps",
         "the warmup is off by one: step 0 uses lr0 * 0 / warmup_steps = 0 and step "
         "warmup_steps is the first at lr0 (lr = lr0 * step / warmup_steps), not "
         "lr0 * (step + 1) / warmup_steps.")
def warmup_cosine_off_by_one(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * (step + 1) / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))


@mistake("warmup_cosine", "cosine-length-includes-warmup",
         "the cosine runs over the steps left after the warmup: divide (step - warmup_steps) "
         "by (total_steps - warmup_steps), not by total_steps, so that the rate reaches lr_min "
         "exactly at total_steps.")
def warmup_cosine_total_not_shortened(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / total_steps
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))


@mistake("warmup_cosine", "cosine-not-shifted-by-warmup",
         "the cosine starts when the warmup ends: its progress is "
         "(step - warmup_steps) / (total_steps - warmup_steps), so that step warmup_steps "
         "uses lr0. Using step itself makes the rate jump down at the end of the warmup.")
def warmup_cosine_not_shifted(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    progress = min(step, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))


@mistake("warmup_cosine", "cosine-phase-flipped",
         "the cosine part starts at lr_min and rises: use 1 + cos(pi * progress) (which "
         "goes from 2 to 0), not 1 - cos(...), so that the decay starts at lr0.")
def warmup_cosine_phase_flipped(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr0 - lr_min) * (1 - math.cos(math.pi * progress))


@mistake("warmup_cosine", "cosine-amplitude-ignores-lr-min",
         "the cosine goes from lr0 down to lr_min, so its amplitude is (lr0 - lr_min): "
         "lr_min + 0.5 * (lr0 - lr_min) * (1 + cos(...)). With 0.5 * lr0 the decay starts at "
         "lr0 + lr_min.")
def warmup_cosine_amplitude(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * lr0 * (1 + math.cos(math.pi * progress))


@mistake("warmup_cosine", "cosine-not-held-after-total-steps",
         "after total_steps the rate must stay at lr_min: clamp the progress at 1 "
         "(min(step - warmup_steps, total_steps - warmup_steps)); otherwise the cosine "
         "climbs back up.")
def warmup_cosine_not_clamped(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))


# -- cyclic cosine -------------------------------------------------------------------------------


@mistake("cyclic_cosine", "cyclic-cycle-mult-ignored",
         "with cycle_mult > 1 every cycle is cycle_mult times longer than the one before: "
         "subtract whole cycles one at a time (length = cycle_length, then "
         "length *= cycle_mult) instead of step % cycle_length.")
def cyclic_cosine_mult_ignored(step, *, lr0, cycle_length, lr_min=0.0, cycle_mult=1):
    t_cur = step % cycle_length
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / cycle_length))


@mistake("cyclic_cosine", "cyclic-restart-one-step-early",
         "the restart is one step early: steps count from 0, so step 0 starts the first "
         "cycle (lr0) and step cycle_length starts the second. Use the position of step "
         "itself in its cycle, not of step + 1.")
def cyclic_cosine_early(step, *, lr0, cycle_length, lr_min=0.0, cycle_mult=1):
    t_cur, length = step + 1, cycle_length
    while t_cur >= length:
        t_cur -= length
        length *= cycle_mult
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / length))


@mistake("cyclic_cosine", "cyclic-divides-by-length-minus-one",
         "divide the position in the cycle by the cycle's length, cos(pi * t_cur / length): "
         "the rate approaches lr_min at the end of the cycle and reaches it only where the "
         "next cycle would begin (as in torch's CosineAnnealingWarmRestarts).")
def cyclic_cosine_length_minus_one(step, *, lr0, cycle_length, lr_min=0.0, cycle_mult=1):
    t_cur, length = step, cycle_length
    while t_cur >= length:
        t_cur -= length
        length *= cycle_mult
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / (length - 1)))


# -- cycle ends (snapshot steps) -------------------------------------------------------------------


@mistake("cycle_end_steps", "cycle-ends-at-cycle-starts",
         "those are the first steps of the cycles (0, cycle_length, ...), where the rate has "
         "just restarted and the model is far from a minimum. A snapshot is saved after the "
         "LAST step of each cycle: cycle_length - 1, then each next cycle's length later.")
def cycle_end_steps_starts(total_steps, *, cycle_length, cycle_mult=1):
    starts, start, length = [], 0, cycle_length
    while start + length <= total_steps:
        starts.append(start)
        start += length
        length *= cycle_mult
    return starts


@mistake("cycle_end_steps", "cycle-end-one-step-late",
         "steps count from 0: the first cycle covers steps 0 .. cycle_length - 1, so its last "
         "step is cycle_length - 1, not cycle_length (that is the first step of the next "
         "cycle, with the rate back at lr0).")
def cycle_end_steps_late(total_steps, *, cycle_length, cycle_mult=1):
    ends, end, length = [], cycle_length, cycle_length
    while end < total_steps:
        ends.append(end)
        length *= cycle_mult
        end += length
    return ends


@mistake("cycle_end_steps", "cycle-end-mult-ignored",
         "with cycle_mult > 1 each cycle is cycle_mult times longer than the one before: "
         "after each end, multiply the length by cycle_mult before adding it.")
def cycle_end_steps_mult_ignored(total_steps, *, cycle_length, cycle_mult=1):
    ends, end = [], cycle_length - 1
    while end < total_steps:
        ends.append(end)
        end += cycle_length
    return ends


@mistake("cycle_end_steps", "cycle-end-incomplete-cycle-saved",
         "only complete cycles give a snapshot: a cycle that total_steps cuts short never "
         "reached its low learning rate, so do not add total_steps - 1 for it.")
def cycle_end_steps_incomplete(total_steps, *, cycle_length, cycle_mult=1):
    ends, end, length = [], cycle_length - 1, cycle_length
    while end < total_steps:
        ends.append(end)
        length *= cycle_mult
        end += length
    if end - length + 1 < total_steps:
        ends.append(total_steps - 1)
    return ends


# -- the LRScheduler subclass ----------------------------------------------------------------------


@mistake("ScheduleLR", "scheduler-step-off-by-one",
         "use self.last_epoch as the step: after construction it is 0 (torch's "
         "LRScheduler.__init__ already called step() once) and each scheduler.step() adds 1. "
         "self.last_epoch + 1 runs the schedule one step ahead.")
class ScheduleLROffByOne(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
        self.schedule_fn = schedule_fn
        self.hyperparameters = hyperparameters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.schedule_fn(self.last_epoch + 1, lr0=base_lr, **self.hyperparameters)
                for base_lr in self.base_lrs]


@mistake("ScheduleLR", "scheduler-compounds-current-lr",
         "lr0 is each group's INITIAL learning rate (self.base_lrs), not its current "
         "group['lr']: the schedule is a closed-form function of the step, and feeding it the "
         "previous step's rate applies the decay again and again.")
class ScheduleLRCompounds(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
        self.schedule_fn = schedule_fn
        self.hyperparameters = hyperparameters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.schedule_fn(self.last_epoch, lr0=group["lr"], **self.hyperparameters)
                for group in self.optimizer.param_groups]


@mistake("ScheduleLR", "scheduler-ignores-param-groups",
         "return one learning rate per param group, each from that group's own initial rate: "
         "[schedule_fn(step, lr0=base_lr, ...) for base_lr in self.base_lrs], not the first "
         "group's rate for all of them.")
class ScheduleLROneGroup(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
        self.schedule_fn = schedule_fn
        self.hyperparameters = hyperparameters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lr = self.schedule_fn(self.last_epoch, lr0=self.base_lrs[0], **self.hyperparameters)
        return [lr for _ in self.base_lrs]
