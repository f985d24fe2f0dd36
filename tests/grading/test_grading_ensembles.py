"""The run logic of assignment 5's checks: modes, stable softmax, result types, snapshots."""

import copy
import re

import torch

from lecture7.grading.ensembles import check_ema_update, check_ensemble_predict
from lecture7.grading.snapshots import check_snapshot_collector


def _probs(models, x, softmax):
    with torch.no_grad():
        return torch.stack([softmax(m.eval()(x)) for m in models]).mean(dim=0)


def test_leaving_models_in_eval_mode_costs_one_sub_check(capsys):
    score = check_ensemble_predict(lambda models, x: _probs(models, x, lambda z: z.softmax(-1)),
                                   hidden=True, points=3)
    out = capsys.readouterr().out
    assert score == 2.25 and "FAILED each model's train/eval mode is restored" in out
    assert "known mistake" not in out


def test_an_unstable_softmax_fails_only_the_confident_models():
    def unstable(z):
        e = z.exp()
        return e / e.sum(-1, keepdim=True)

    def ensemble_predict(models, x):
        modes = [m.training for m in models]
        out = _probs(models, x, unstable)
        for m, mode in zip(models, modes, strict=True):
            m.train(mode)
        return out

    assert check_ensemble_predict(ensemble_predict, hidden=True, points=3) == 2.25


def test_an_ema_that_returns_numpy_for_tensors_is_told_so():
    def ema_update(average, value, *, decay):
        if isinstance(average, torch.Tensor):
            average, value = average.cpu().numpy(), value.cpu().numpy()
        return decay * average + (1 - decay) * value

    try:
        check_ema_update(ema_update)
    except AssertionError as err:
        assert re.search(r"returns: expected \"a torch tensor on the input's device\", "
                         r"got 'a NumPy array'", str(err)), str(err)
    else:
        raise AssertionError("the check passed")


def test_snapshots_as_model_copies_are_accepted():
    class SnapshotCollector:
        def __init__(self, *, cycle_length, cycle_mult=1):
            self.length, self.mult, self.t, self.start = cycle_length, cycle_mult, 0, 0
            self.snapshots, self.snapshot_steps = [], []

        def step(self, model):
            self.t += 1
            if self.t - self.start < self.length:
                return False
            self.start, self.length = self.t, self.length * self.mult
            self.snapshots.append(copy.deepcopy(model))
            self.snapshot_steps.append(self.t - 1)
            return True

    assert check_snapshot_collector(SnapshotCollector, hidden=True, points=3) == 3


def test_an_average_updated_in_place_and_returned_is_accepted_with_a_note(capsys):
    def ema_update(average, value, *, decay):  # as torch.optim.swa_utils does
        average *= decay
        average += (1 - decay) * value
        return average

    assert check_ema_update(ema_update, hidden=True, points=2) == 2
    assert "Accepted: the average was updated in place and returned" in capsys.readouterr().out
