"""lecture7.schedules against torch.optim.lr_scheduler, hand-computed values and the papers."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler

from lecture7 import schedules as S

pytestmark = pytest.mark.filterwarnings("error")  # normal use must not warn

LRS = (0.1, 0.03)  # two param groups: each must use its own initial lr as lr0

# (pure function, scheduler class, hyperparameters, torch scheduler, its arguments, steps)
TORCH_EQUIVALENTS = {
    "step": (
        S.step_decay,
        S.StepDecay,
        dict(step_size=30, gamma=0.5),
        lr_scheduler.StepLR,
        dict(step_size=30, gamma=0.5),
        300,
    ),
    "exponential": (
        S.exponential_decay,
        S.ExponentialDecay,
        dict(gamma=0.99),
        lr_scheduler.ExponentialLR,
        dict(gamma=0.99),
        300,
    ),
    "cosine": (
        S.cosine_decay,
        S.CosineDecay,
        dict(total_steps=200, lr_min=0.001),
        lr_scheduler.CosineAnnealingLR,
        dict(T_max=200, eta_min=0.001),
        201,
    ),
    "cosine_to_zero": (
        S.cosine_decay,
        S.CosineDecay,
        dict(total_steps=150),
        lr_scheduler.CosineAnnealingLR,
        dict(T_max=150),
        151,
    ),
    "linear": (
        S.linear_decay,
        S.LinearDecay,
        dict(total_steps=100, start_factor=0.5, end_factor=0.1),
        lr_scheduler.LinearLR,
        dict(start_factor=0.5, end_factor=0.1, total_iters=100),
        300,
    ),
    "warmup": (
        S.linear_warmup,
        S.LinearWarmup,
        dict(warmup_steps=40, start_factor=0.25),
        lr_scheduler.LinearLR,
        dict(start_factor=0.25, end_factor=1.0, total_iters=40),
        300,
    ),
    "restarts": (
        S.cyclic_cosine,
        S.CyclicCosine,
        dict(cycle_length=25, lr_min=0.002),
        lr_scheduler.CosineAnnealingWarmRestarts,
        dict(T_0=25, eta_min=0.002),
        300,
    ),
    "restarts_mult": (
        S.cyclic_cosine,
        S.CyclicCosine,
        dict(cycle_length=7, cycle_mult=2),
        lr_scheduler.CosineAnnealingWarmRestarts,
        dict(T_0=7, T_mult=2),
        400,
    ),
}


def _optimizer(seed: int = 0) -> tuple[torch.optim.Optimizer, torch.Tensor, torch.Tensor]:
    """SGD with momentum on a small least-squares problem, two param groups."""
    gen = torch.Generator().manual_seed(seed)
    x, y = torch.randn(64, 5, generator=gen), torch.randn(64, 1, generator=gen)
    model = torch.nn.Linear(5, 1)
    groups = [{"params": [model.weight], "lr": LRS[0]}, {"params": [model.bias], "lr": LRS[1]}]
    opt = torch.optim.SGD(groups, momentum=0.9)
    opt.model = model  # keep the model with its optimizer
    return opt, x, y


def _drive(opt, scheduler, x, y, steps: int) -> np.ndarray:
    """Train for ``steps`` updates; the lr of every group used at each update, (steps, groups)."""
    used = []
    for _ in range(steps):
        used.append([group["lr"] for group in opt.param_groups])
        opt.zero_grad()
        torch.nn.functional.mse_loss(opt.model(x), y).backward()
        opt.step()
        scheduler.step()
    return np.array(used)


@pytest.mark.parametrize("name", sorted(TORCH_EQUIVALENTS))
def test_matches_torch_scheduler(name):
    fn, cls, kw, torch_cls, torch_kw, steps = TORCH_EQUIVALENTS[name]
    opt, x, y = _optimizer()
    expected = _drive(opt, torch_cls(opt, **torch_kw), x, y, steps)
    opt, x, y = _optimizer()
    ours = _drive(opt, cls(opt, **kw), x, y, steps)
    pure = np.stack([S.schedule_values(fn, steps, lr0=lr0, **kw) for lr0 in LRS], axis=1)
    # torch multiplies the previous rate; ours is closed-form: agree to rounding.
    atol = 1e-15 * max(LRS)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=atol)
    np.testing.assert_allclose(pure, expected, rtol=1e-12, atol=atol)
    assert expected[0].tolist() == pytest.approx([fn(0, lr0=lr0, **kw) for lr0 in LRS])


def test_inverse_time_decay_by_hand():
    values = S.schedule_values(S.inverse_time_decay, [0, 1, 2, 4, 10], lr0=0.3, decay_rate=0.5)
    np.testing.assert_allclose(values, [0.3, 0.3 / 1.5, 0.3 / 2, 0.3 / 3, 0.3 / 6], rtol=1e-15)
    assert S.inverse_time_decay(1000, lr0=0.3, decay_rate=0.0) == 0.3


def test_linear_warmup_by_hand():
    values = S.schedule_values(S.linear_warmup, 7, lr0=0.4, warmup_steps=4)
    np.testing.assert_allclose(values, [0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4], rtol=1e-15)
    values = S.schedule_values(S.linear_warmup, 4, lr0=1.0, warmup_steps=2, start_factor=0.5)
    np.testing.assert_allclose(values, [0.5, 0.75, 1.0, 1.0], rtol=1e-15)
    assert S.linear_warmup(0, lr0=0.2, warmup_steps=0) == 0.2


def test_warmup_cosine_by_hand():
    values = S.schedule_values(S.warmup_cosine, 8, lr0=1.0, warmup_steps=2, total_steps=6)
    c = math.cos(math.pi / 4)
    np.testing.assert_allclose(
        values, [0.0, 0.5, 1.0, (1 + c) / 2, 0.5, (1 - c) / 2, 0.0, 0.0], rtol=1e-14, atol=1e-16
    )
    with_floor = S.schedule_values(
        S.warmup_cosine, 8, lr0=1.0, warmup_steps=2, total_steps=6, lr_min=0.2
    )
    np.testing.assert_allclose(with_floor[2:], 0.2 + 0.8 * values[2:], rtol=1e-14)
    np.testing.assert_allclose(with_floor[:2], values[:2], rtol=1e-15)  # warmup ignores lr_min


def test_warmup_cosine_without_warmup_is_cosine_decay():
    kw = dict(lr0=0.5, total_steps=50, lr_min=0.01)
    np.testing.assert_array_equal(
        S.schedule_values(S.warmup_cosine, 60, warmup_steps=0, **kw),
        S.schedule_values(S.cosine_decay, 60, **kw),
    )


def test_cosine_decay_holds_lr_min_after_total_steps():
    values = S.schedule_values(
        S.cosine_decay, range(100, 130), lr0=1.0, total_steps=100, lr_min=0.1
    )
    np.testing.assert_array_equal(values, np.full(30, 0.1))


def test_cycle_positions_by_hand():
    kw = dict(cycle_length=2, cycle_mult=3)  # cycles of 2, 6, 18 steps
    assert [S.cycle_index(t, **kw) for t in range(27)] == [0] * 2 + [1] * 6 + [2] * 18 + [3]
    assert [t for t in range(27) if S.is_cycle_end(t, **kw)] == [1, 7, 25]
    assert S.cycle_end_steps(26, **kw) == [1, 7, 25]
    assert S.cycle_end_steps(25, **kw) == [1, 7]
    assert S.cycle_position(10, **kw) == S.CyclePosition(index=2, step_in_cycle=2, length=18)


@settings(max_examples=60, deadline=None)
@given(
    step=st.integers(0, 3000),
    cycle_length=st.integers(1, 40),
    cycle_mult=st.integers(1, 4),
)
def test_cycle_position_matches_enumeration(step, cycle_length, cycle_mult):
    start, length, index = 0, cycle_length, 0  # walk the cycles one by one
    while start + length <= step:
        start, length, index = start + length, length * cycle_mult, index + 1
    kw = dict(cycle_length=cycle_length, cycle_mult=cycle_mult)
    assert S.cycle_position(step, **kw) == (index, step - start, length)
    assert S.is_cycle_end(step, **kw) == (step == start + length - 1)
    assert S.is_cycle_end(step, **kw) == (step in S.cycle_end_steps(step + 1, **kw))


def test_cyclic_cosine_is_huang_snapshot_schedule():
    # Huang et al. 2017, eq. (2): a(t) = a0/2 (cos(pi mod(t-1, ceil(T/M)) / ceil(T/M)) + 1), t >= 1
    lr0, total, n_snapshots = 0.2, 300, 6
    period = math.ceil(total / n_snapshots)
    paper = [
        lr0 / 2 * (math.cos(math.pi * ((t - 1) % period) / period) + 1) for t in range(1, total + 1)
    ]
    ours = S.schedule_values(S.cyclic_cosine, total, lr0=lr0, cycle_length=period)
    np.testing.assert_allclose(ours, paper, rtol=1e-14)
    ends = S.cycle_end_steps(total, cycle_length=period)
    assert len(ends) == n_snapshots
    # each snapshot is taken at the lowest rate of its cycle
    assert all(ours[t] == min(ours[t - period + 1 : t + 1]) for t in ends)


def test_state_dict_round_trips():
    kw = dict(warmup_steps=10, total_steps=120, lr_min=0.001)
    opt, x, y = _optimizer()
    uninterrupted = _drive(opt, S.WarmupCosine(opt, **kw), x, y, 150)

    opt, x, y = _optimizer()
    scheduler = S.WarmupCosine(opt, **kw)
    first = _drive(opt, scheduler, x, y, 37)
    buffer = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "sched": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)

    opt2, x, y = _optimizer()
    opt2.model.load_state_dict(opt.model.state_dict())
    scheduler2 = S.WarmupCosine(opt2, **kw)
    opt2.load_state_dict(saved["opt"])
    scheduler2.load_state_dict(saved["sched"])
    second = _drive(opt2, scheduler2, x, y, 113)
    np.testing.assert_array_equal(np.concatenate([first, second]), uninterrupted)


def test_generic_scheduler_and_inverse_time_class():
    opt, x, y = _optimizer()
    generic = _drive(opt, S.ScheduleLR(opt, S.inverse_time_decay, decay_rate=0.1), x, y, 50)
    opt, x, y = _optimizer()
    named = _drive(opt, S.InverseTimeDecay(opt, decay_rate=0.1), x, y, 50)
    np.testing.assert_array_equal(generic, named)
    np.testing.assert_allclose(named[:, 1], [0.03 / (1 + 0.1 * t) for t in range(50)], rtol=1e-15)


def test_scheduler_step_before_optimizer_step_warns_like_torch():
    opt, _, _ = _optimizer()
    scheduler = S.StepDecay(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda opt: S.StepDecay(opt, step_size=0), "step_size: 0"),
        (lambda opt: S.ExponentialDecay(opt, gamma=-0.5), "gamma: -0.5"),
        (lambda opt: S.CosineDecay(opt, total_steps=10, lr_min=0.5), "lr_min: 0.5"),
        (lambda opt: S.ScheduleLR(opt, "cosine"), "schedule_fn: 'cosine'"),
        (lambda opt: S.ScheduleLR(opt, S.step_decay, lr0=1.0, step_size=1), "lr0=1.0"),
    ],
)
def test_scheduler_validation(build, match):
    opt, _, _ = _optimizer()
    with pytest.raises(ValueError, match=match):
        build(opt)


@pytest.mark.parametrize(
    "fn, kw, match",
    [
        (S.step_decay, dict(step=-1, lr0=0.1, step_size=1), "step: -1"),
        (S.step_decay, dict(step=1.5, lr0=0.1, step_size=1), "step: 1.5"),
        (S.step_decay, dict(step=True, lr0=0.1, step_size=1), "step: True"),
        (S.step_decay, dict(step=0, lr0=-0.1, step_size=1), "lr0: -0.1"),
        (S.step_decay, dict(step=0, lr0=math.nan, step_size=1), "lr0: nan"),
        (S.step_decay, dict(step=0, lr0=0.1, step_size=0), "step_size: 0"),
        (S.step_decay, dict(step=0, lr0=0.1, step_size=1, gamma=0.0), "gamma: 0.0"),
        (S.exponential_decay, dict(step=0, lr0=0.1, gamma=-1.0), "gamma: -1.0"),
        (S.inverse_time_decay, dict(step=0, lr0=0.1, decay_rate=-2.0), "decay_rate: -2.0"),
        (S.cosine_decay, dict(step=0, lr0=0.1, total_steps=0), "total_steps: 0"),
        (S.cosine_decay, dict(step=0, lr0=0.1, total_steps=5, lr_min=0.2), "lr_min: 0.2"),
        (S.cosine_decay, dict(step=0, lr0=0.1, total_steps=5, lr_min=-0.01), "lr_min: -0.01"),
        (
            S.linear_decay,
            dict(step=0, lr0=0.1, total_steps=5, start_factor=-1.0),
            "start_factor: -1.0",
        ),
        (
            S.linear_decay,
            dict(step=0, lr0=0.1, total_steps=5, end_factor=math.inf),
            "end_factor: inf",
        ),
        (S.linear_warmup, dict(step=0, lr0=0.1, warmup_steps=-3), "warmup_steps: -3"),
        (
            S.warmup_cosine,
            dict(step=0, lr0=0.1, warmup_steps=10, total_steps=5),
            "warmup_steps: 10",
        ),
        (S.warmup_cosine, dict(step=0, lr0=0.1, warmup_steps=5, total_steps=5), "warmup_steps: 5"),
        (
            S.warmup_cosine,
            dict(step=0, lr0=0.1, warmup_steps=1, total_steps=5, lr_min=1.0),
            "lr_min: 1.0",
        ),
        (S.cyclic_cosine, dict(step=0, lr0=0.1, cycle_length=0), "cycle_length: 0"),
        (S.cyclic_cosine, dict(step=0, lr0=0.1, cycle_length=3, cycle_mult=0), "cycle_mult: 0"),
        (S.cycle_index, dict(step=0, cycle_length=3, cycle_mult=1.5), "cycle_mult: 1.5"),
        (S.cycle_end_steps, dict(total_steps=-1, cycle_length=3), "total_steps: -1"),
    ],
)
def test_validation(fn, kw, match):
    step = kw.pop("step", None)
    args = () if step is None else (step,)
    with pytest.raises(ValueError, match=match):
        fn(*args, **kw)


def test_schedule_values_validation():
    with pytest.raises(ValueError, match="schedule_fn: 3"):
        S.schedule_values(3, 10, lr0=0.1)
    with pytest.raises(ValueError, match="steps: -2"):
        S.schedule_values(S.exponential_decay, -2, lr0=0.1, gamma=0.5)
