"""Classic mistakes in the ensembles of assignment 5.

Every variant is a complete, self-contained function or class with exactly one
bug, written the way students write it (see :mod:`lecture7.grading.mistakes`
for the rules variants follow). The correct versions are in
:mod:`lecture7.ensembles`.
"""

import torch

from lecture7.grading.mistakes import mistake

# -- ensemble prediction: mean over models of softmax(logits) --------------------------------------


@mistake("ensemble_predict", "ensemble-averages-logits",
         "average the PROBABILITIES, softmax(model(x)) of each model, then take the mean. "
         "The softmax of the mean logits is a different, sharper combination (a geometric "
         "mean) in which the model with the largest logits dominates.")
def ensemble_mean_logits(models, x):
    modes = [m.training for m in models]
    with torch.no_grad():
        logits = [m.eval()(x) for m in models]
    for m, mode in zip(models, modes, strict=True):
        m.train(mode)
    return torch.stack(logits).mean(dim=0).softmax(dim=-1)


@mistake("ensemble_predict", "ensemble-majority-vote",
         "average each model's full probability vector, softmax(model(x)), not one-hot votes "
         "for its top class: a vote throws away how confident each model is.")
def ensemble_votes(models, x):
    modes = [m.training for m in models]
    with torch.no_grad():
        logits = [m.eval()(x) for m in models]
    for m, mode in zip(models, modes, strict=True):
        m.train(mode)
    k = logits[0].shape[-1]
    votes = [torch.nn.functional.one_hot(z.argmax(dim=-1), k).to(z.dtype) for z in logits]
    return torch.stack(votes).mean(dim=0)


@mistake("ensemble_predict", "ensemble-forgets-eval-mode",
         "put every model in evaluation mode (model.eval()) before predicting: in training "
         "mode batch norm normalizes with the statistics of this batch (and dropout drops "
         "units). Restore each model's mode afterwards.")
def ensemble_train_mode(models, x):
    with torch.no_grad():
        probs = [m(x).softmax(dim=-1) for m in models]
    return torch.stack(probs).mean(dim=0)


@mistake("ensemble_predict", "ensemble-softmax-over-batch",
         "the softmax runs over the CLASSES, the last dimension (dim=-1): each row of the "
         "result is one example's distribution and sums to 1. dim=0 normalizes over the "
         "examples of the batch.")
def ensemble_softmax_dim0(models, x):
    modes = [m.training for m in models]
    with torch.no_grad():
        probs = [m.eval()(x).softmax(dim=0) for m in models]
    for m, mode in zip(models, modes, strict=True):
        m.train(mode)
    return torch.stack(probs).mean(dim=0)


# -- EMA: decay * average + (1 - decay) * value ---------------------------------------------------------


@mistake("ema_update", "ema-decay-swapped",
         "the OLD average keeps the weight decay (close to 1) and the new value gets "
         "1 - decay: decay * average + (1 - decay) * value. Swapped, the average forgets "
         "almost everything at every step.")
def ema_swapped(average, value, *, decay):
    return decay * value + (1 - decay) * average


# -- Polyak: the running mean average + (value - average) / (n + 1) ------------------------------------


@mistake("polyak_update", "polyak-divides-by-n",
         "after the new value there are n + 1 values: average + (value - average) / (n + 1). "
         "Dividing by n gives too much weight to the new value (and divides by zero for n = 0).")
def polyak_by_n(average, value, *, n):
    return average + (value - average) / n


# -- snapshot collection ---------------------------------------------------------------------------------


@mistake("SnapshotCollector", "snapshot-stores-live-reference",
         "model.state_dict() returns the model's own tensors, not copies: the optimizer keeps "
         "changing them in place, so every saved snapshot ends up equal to the final model. "
         "Save copies: {k: v.detach().clone() for k, v in model.state_dict().items()}.")
class SnapshotLiveReference:
    def __init__(self, *, cycle_length, cycle_mult=1):
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done, self._end, self._length = 0, cycle_length - 1, cycle_length

    def step(self, model):
        t = self.steps_done
        self.steps_done += 1
        if t != self._end:
            return False
        self._length *= self.cycle_mult
        self._end += self._length
        self.snapshots.append(model.state_dict())
        self.snapshot_steps.append(t)
        return True


@mistake("SnapshotCollector", "snapshot-at-cycle-start",
         "a snapshot is saved after the LAST step of each cycle (t_cur = length - 1), where "
         "the learning rate is lowest and the model sits in a minimum, not at the first step "
         "of a cycle, right after a restart.")
class SnapshotAtStart:
    def __init__(self, *, cycle_length, cycle_mult=1):
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done, self._start, self._length = 0, 0, cycle_length

    def step(self, model):
        t = self.steps_done
        self.steps_done += 1
        if t != self._start:
            return False
        self._start += self._length
        self._length *= self.cycle_mult
        self.snapshots.append({k: v.detach().clone() for k, v in model.state_dict().items()})
        self.snapshot_steps.append(t)
        return True


@mistake("SnapshotCollector", "snapshot-one-step-late",
         "steps count from 0: the first call of step() is update 0, and the first cycle ends "
         "at update cycle_length - 1. Saving at update cycle_length saves the model after "
         "the restart, with the learning rate back at its peak.")
class SnapshotLate:
    def __init__(self, *, cycle_length, cycle_mult=1):
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done, self._end, self._length = 0, cycle_length, cycle_length

    def step(self, model):
        t = self.steps_done
        self.steps_done += 1
        if t != self._end:
            return False
        self._length *= self.cycle_mult
        self._end += self._length
        self.snapshots.append({k: v.detach().clone() for k, v in model.state_dict().items()})
        self.snapshot_steps.append(t)
        return True


@mistake("SnapshotCollector", "snapshot-cycle-mult-ignored",
         "with cycle_mult > 1 each cycle is cycle_mult times longer than the one before: the "
         "next end is the previous end plus the NEW cycle's length "
         "(length *= cycle_mult), not every cycle_length steps.")
class SnapshotMultIgnored:
    def __init__(self, *, cycle_length, cycle_mult=1):
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done = 0

    def step(self, model):
        t = self.steps_done
        self.steps_done += 1
        if (t + 1) % self.cycle_length != 0:
            return False
        self.snapshots.append({k: v.detach().clone() for k, v in model.state_dict().items()})
        self.snapshot_steps.append(t)
        return True


@mistake("SnapshotCollector", "snapshot-parameters-only",
         "save the whole model.state_dict(), buffers included: batch norm's running "
         "statistics are buffers, not parameters, and a snapshot without them does not "
         "predict like the model did.")
class SnapshotParametersOnly:
    def __init__(self, *, cycle_length, cycle_mult=1):
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done, self._end, self._length = 0, cycle_length - 1, cycle_length

    def step(self, model):
        t = self.steps_done
        self.steps_done += 1
        if t != self._end:
            return False
        self._length *= self.cycle_mult
        self._end += self._length
        self.snapshots.append({k: p.detach().clone() for k, p in model.named_parameters()})
        self.snapshot_steps.append(t)
        return True
