"""lecture7.ensembles against torch.optim.swa_utils, torch's warm-restart scheduler, and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from lecture7 import ensembles as ens

# ---------------------------------------------------------------- tiny models and data


def _data(seed: int = 0, n: int = 64):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g, dtype=torch.float64)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long() + (x[:, 2] > 1).long()  # 3 classes
    return x, y


def _make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3)).double()


def _sgd_step(model, optimizer, x, y):
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


# ---------------------------------------------------------------- prediction


class _Fixed(nn.Module):
    """A 'model' that returns the same logits for any input."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.tensor(logits, dtype=torch.float64)

    def forward(self, x):
        return self.logits.expand(x.shape[0], -1)


def test_ensemble_predict_is_mean_of_probabilities_by_hand():
    a, b = [0.0, math.log(3.0)], [math.log(4.0), 0.0]
    # softmax(a) = (1/4, 3/4), softmax(b) = (4/5, 1/5)
    probs = ens.ensemble_predict([_Fixed(a), _Fixed(b)], torch.zeros(2, 1))
    expected = torch.tensor([[(0.25 + 0.8) / 2, (0.75 + 0.2) / 2]] * 2, dtype=torch.float64)
    torch.testing.assert_close(probs, expected)
    # averaging logits would give softmax((a + b) / 2) = (2/(2+sqrt 3), ...): a different answer
    assert not torch.allclose(probs[0], torch.tensor(a).add(torch.tensor(b)).div(2).softmax(-1).double())


def test_ensemble_predict_uses_eval_mode_and_restores_it():
    x, y = _data()
    members = [_make_model(s) for s in range(3)]
    for m in members:
        m(x)  # update the batch-norm running statistics
    members[1].eval()
    manual = []
    for m in members:
        mode = m.training
        m.eval()
        with torch.no_grad():
            manual.append(m(x).softmax(-1).numpy())
        m.train(mode)
    probs = ens.ensemble_predict(members, x)
    np.testing.assert_allclose(probs.numpy(), np.mean(manual, axis=0), rtol=1e-12)
    assert [m.training for m in members] == [True, False, True]
    assert not probs.requires_grad
    acc = ens.ensemble_accuracy(members, x, y)
    assert acc == pytest.approx(float((probs.argmax(-1) == y).double().mean()))


def test_average_probabilities_validates():
    with pytest.raises(ValueError, match="empty"):
        ens.average_probabilities([])
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        ens.average_probabilities([torch.zeros(2, 3), torch.zeros(2, 4)])
    with pytest.raises(ValueError, match="empty"):
        ens.ensemble_predict([], torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        ens.ensemble_accuracy([_Fixed([0.0, 1.0])], torch.zeros(2, 1), torch.zeros(3))


def _train_fn(model, seed):
    x, y = _data(100)  # same data; only the seed differs
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    perm = torch.randperm(64)  # draws from the (seeded) global generator
    for i in range(0, 64, 16):
        _sgd_step(model, opt, x[perm[i:i + 16]], y[perm[i:i + 16]])


def _make_unseeded(seed):
    # uses the global generator: train_ensemble must seed it
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3)).double()


def test_train_ensemble_members_are_seeded_independent_and_reproducible():
    state = torch.get_rng_state()
    first = ens.train_ensemble(_make_unseeded, _train_fn, n_models=3, seeds=[4, 5, 6])
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random state is untouched
    again = ens.train_ensemble(_make_unseeded, _train_fn, n_models=3, seeds=[4, 5, 6])
    for a, b in zip(first, again, strict=True):
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert ka == kb and torch.equal(va, vb)
    w = [m[0].weight for m in first]
    assert not torch.equal(w[0], w[1]) and not torch.equal(w[1], w[2])
    # member 2 is what seed 6 gives on its own
    with torch.random.fork_rng():
        torch.manual_seed(6)
        alone = _make_unseeded(6)
        _train_fn(alone, 6)
    assert torch.equal(alone[0].weight, first[2][0].weight)
    default = ens.train_ensemble(_make_unseeded, lambda m, s: None, n_models=2)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        assert torch.equal(default[1][0].weight, _make_unseeded(1)[0].weight)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_models": 0}, "n_models: 0"),
        ({"n_models": 2, "seeds": [1]}, r"\[1\]"),
        ({"n_models": 2, "seeds": [3, 3]}, r"\[3, 3\]"),
    ],
)
def test_train_ensemble_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ens.train_ensemble(_make_unseeded, lambda m, s: None, **kwargs)


# ---------------------------------------------------------------- snapshot ensembles


@pytest.mark.parametrize(("cycle_length", "cycle_mult"), [(5, 1), (3, 2)])
def test_snapshots_are_taken_exactly_at_cycle_ends(cycle_length, cycle_mult):
    x, y = _data()
    model = _make_model(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    # the oracle: torch's warm-restart cosine schedule with the same cycles
    sched = CosineAnnealingWarmRestarts(opt, T_0=cycle_length, T_mult=cycle_mult, eta_min=0.0)
    collector = ens.SnapshotCollector(cycle_length=cycle_length, cycle_mult=cycle_mult)
    restarts, lrs, taken = [], [], []
    for t in range(22):
        lrs.append(opt.param_groups[0]["lr"])
        _sgd_step(model, opt, x, y)
        sched.step()
        if collector.step(model):
            taken.append(t)
            assert torch.equal(collector.snapshots[-1]["3.weight"], model[3].weight)
        if opt.param_groups[0]["lr"] == 0.5:  # the next update restarts at lr0
            restarts.append(t)
    assert taken == collector.snapshot_steps == restarts
    assert collector.steps_done == 22
    # each snapshot was taken after the smallest learning rate of its cycle
    starts = [0] + [t + 1 for t in taken[:-1]]
    for start, end in zip(starts, taken, strict=True):
        assert lrs[end] == min(lrs[start:end + 1]) < lrs[start]
    # snapshots are copies that differ from each other
    first, second = collector.snapshots[0], collector.snapshots[1]
    assert not torch.equal(first["0.weight"], second["0.weight"])
    assert not torch.equal(first["1.running_mean"], second["1.running_mean"])
    assert first["0.weight"].data_ptr() != model[0].weight.data_ptr()


def test_snapshot_ensemble_returns_one_model_per_cycle():
    x, y = _data()
    model, manual_model = _make_model(0), _make_model(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)

    def train_step(m, t):
        _sgd_step(m, opt, x, y)

    members = ens.snapshot_ensemble(model, train_step, n_cycles=3, cycle_length=4, cycle_mult=2,
                                    scheduler=sched)
    assert len(members) == 3
    # the same run by hand, snapshots at the ends of cycles of 4, 8, 16 updates
    opt2 = torch.optim.SGD(manual_model.parameters(), lr=0.5)
    sched2 = CosineAnnealingWarmRestarts(opt2, T_0=4, T_mult=2)
    ends, states = {3, 11, 27}, []
    for t in range(28):
        _sgd_step(manual_model, opt2, x, y)
        sched2.step()
        if t in ends:
            states.append({k: v.clone() for k, v in manual_model.state_dict().items()})
    for member, state in zip(members, states, strict=True):
        for k, v in member.state_dict().items():
            assert torch.equal(v, state[k]), k
    assert members[0] is not model and torch.equal(members[-1][0].weight, model[0].weight)
    probs = ens.ensemble_predict(members, x)
    torch.testing.assert_close(probs.sum(-1), torch.ones(64, dtype=torch.float64))


def test_snapshot_validation():
    with pytest.raises(ValueError, match="cycle_length: 0"):
        ens.SnapshotCollector(cycle_length=0)
    with pytest.raises(ValueError, match=r"cycle_mult: 1\.5"):
        ens.SnapshotCollector(cycle_length=3, cycle_mult=1.5)
    with pytest.raises(ValueError, match="n_cycles: 0"):
        ens.snapshot_ensemble(_make_model(), lambda m, t: None, n_cycles=0, cycle_length=2)
    with pytest.raises(ValueError, match="none were taken"):
        ens.snapshot_models(_make_model(), [])


# ---------------------------------------------------------------- averaging kernels


def test_kernels_by_hand_numpy_and_torch():
    a, v = np.array([1.0, 2.0]), np.array([3.0, -2.0])
    np.testing.assert_allclose(ens.ema_update(a, v, decay=0.75), [1.5, 1.0])
    np.testing.assert_allclose(ens.polyak_update(a, v, n=3), [1.5, 1.0])  # (3 * a + v) / 4
    np.testing.assert_allclose(ens.polyak_update(a, v, n=0), v)
    np.testing.assert_allclose(ens.ema_update(a, v, decay=0.0), v)
    t = ens.ema_update(torch.tensor([1.0, 2.0]), torch.tensor([3.0, -2.0]), decay=0.75)
    torch.testing.assert_close(t, torch.tensor([1.5, 1.0]))
    # a running mean over a stream is the plain mean
    rng = np.random.default_rng(0)
    values = rng.normal(size=(10, 4))
    mean = values[0]
    for n, value in enumerate(values[1:], start=1):
        mean = ens.polyak_update(mean, value, n=n)
    np.testing.assert_allclose(mean, values.mean(axis=0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ens.ema_update(np.zeros(2), np.zeros(2), decay=1.0), "decay: 1.0"),
        (lambda: ens.ema_update(np.zeros(2), np.zeros(2), decay=-0.1), "decay: -0.1"),
        (lambda: ens.ema_update(np.zeros(2), np.zeros(3), decay=0.5), r"\(3,\).*\(2,\)"),
        (lambda: ens.polyak_update(torch.zeros(2, 2), torch.zeros(2), n=1), r"\(2,\).*\(2, 2\)"),
        (lambda: ens.polyak_update(np.zeros(2), np.zeros(2), n=-1), "n: -1"),
        (lambda: ens.ParameterAverage(nn.Linear(2, 2), decay=1.5), "decay: 1.5"),
        (lambda: ens.ParameterAverage(nn.Linear(2, 2), mode="swa"), "'swa'"),
        (lambda: ens.ParameterAverage(nn.Linear(2, 2)).update(nn.Linear(2, 3)), r"weight.*\(3, 2\)"),
        (lambda: ens.ParameterAverage(nn.Linear(2, 2)).update(nn.Linear(2, 2, bias=False)), "bias"),
    ],
)
def test_averaging_validates(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- ParameterAverage vs AveragedModel


def _compare(ours: nn.Module, theirs: nn.Module, model: nn.Module) -> None:
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        if a.is_floating_point():
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14, msg=name)
        else:  # integer counters are copied from the model, not averaged
            assert torch.equal(a, model.state_dict()[name])


@pytest.mark.parametrize("mode", ["ema", "polyak"])
@pytest.mark.parametrize("include_buffers", [True, False])
def test_parameter_average_equals_torch_averaged_model(mode, include_buffers, device):
    x, y = _data()
    x, y = x.to(device), y.to(device)
    model = _make_model(1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    ours = ens.ParameterAverage(model, mode=mode, decay=0.8, include_buffers=include_buffers)
    kwargs = {"multi_avg_fn": get_ema_multi_avg_fn(0.8)} if mode == "ema" else {}
    theirs = AveragedModel(model, use_buffers=include_buffers, **kwargs)
    for step in range(12):
        _sgd_step(model, opt, x[step * 5: step * 5 + 16], y[step * 5: step * 5 + 16])
        ours.update(model)
        theirs.update_parameters(model)
        _compare(ours.module, theirs.module, model)
    assert ours.n_averaged == 12
    # the average differs from the last iterate, and evaluates like its module
    assert not torch.allclose(ours.module[0].weight, model[0].weight)
    ours.eval()
    theirs.eval()
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-12, atol=1e-12)
    if not include_buffers:
        torch.testing.assert_close(ours.module[1].running_mean, model[1].running_mean)


def test_ema_first_update_copies_then_decays_by_hand():
    model = nn.Linear(1, 1, bias=False).double()
    avg = ens.ParameterAverage(model, decay=0.5)
    values, expected = [2.0, 4.0, 0.0], [2.0, 3.0, 1.5]
    for value, want in zip(values, expected, strict=True):
        with torch.no_grad():
            model.weight.fill_(value)
        avg.update(model)
        assert float(avg.module.weight) == want
    assert not avg.module.weight.requires_grad
