"""lecture7's Optimizer classes against torch.optim, the oracle (lecture7.optim.optimizers).

Every hyperparameter combination the two share is run for 100 steps on a small
MLP trained on scikit-learn's digits (full parameter set, real ``loss.backward()``),
on the CPU and, where present, on CUDA. float64 makes rounding differences
(about 1e-15) invisible next to the 1e-6 tolerance, so any difference in the
math (where epsilon sits, a bias correction, a momentum form) fails.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

import lecture7.optim as l7
from lecture7.optim import sgd_momentum

STEPS = 100
# lecture7 state key -> torch.optim state key
STATE_NAMES = {
    "velocity": "momentum_buffer",
    "cache": None,  # "sum" in Adagrad, "square_avg" in RMSprop
    "grad_avg": "grad_avg",
    "m": "exp_avg",
    "v": "exp_avg_sq",
    "v_max": "max_exp_avg_sq",
    "t": "step",
    "step": "step",
}


def grid(**axes):
    return [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]


SGD_GRID = [
    h for h in grid(lr=[0.05], momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=[False, True],
                    weight_decay=[0.0, 0.01], maximize=[False, True])
    if not (h["nesterov"] and (h["momentum"] == 0 or h["dampening"] != 0))
    and not (h["momentum"] == 0 and h["dampening"] != 0)
]
# eps = 0.1 is large enough that putting epsilon anywhere else would fail the comparison.
ADAGRAD_GRID = [
    {"lr": 0.05, "initial_accumulator_value": init, "eps": eps, **h}
    for (init, eps), h in itertools.product(
        [(0.0, 1e-10), (0.5, 0.1)],
        grid(lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.01], maximize=[False, True]),
    )
]
RMSPROP_GRID = [
    {"lr": 0.005, "alpha": alpha, "eps": eps, **h}
    for (alpha, eps), h in itertools.product(
        [(0.99, 1e-8), (0.3, 0.1)],  # alpha < 0.5 takes torch's other lerp branch
        grid(weight_decay=[0.0, 0.01], momentum=[0.0, 0.9], centered=[False, True],
             maximize=[False, True]),
    )
]
ADAM_GRID = [
    {"lr": 0.01, "betas": betas, "eps": eps, **h}
    for (betas, eps), h in itertools.product(
        [((0.9, 0.999), 1e-8), ((0.5, 0.9), 0.1)],
        grid(weight_decay=[0.0, 0.01], amsgrad=[False, True], maximize=[False, True]),
    )
]
CASES = (
    [("SGD", h) for h in SGD_GRID]
    + [("Adagrad", h) for h in ADAGRAD_GRID]
    + [("RMSprop", h) for h in RMSPROP_GRID]
    + [("Adam", h) for h in ADAM_GRID]
)


def case_id(case):
    name, hyper = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in hyper.items() if k != "lr")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models run fastest (and steadiest on a shared machine) on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return torch.tensor(x[:48] / 16.0).reshape(-1, 1, 8, 8), torch.tensor(y[:48])


def make_model(seed: int = 0) -> nn.Module:
    """A small MLP for 8x8 digits: 64 -> 12 -> tanh -> 10 classes; 910 parameters."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.Tanh(), nn.Linear(12, 10)).double()


def train(model, optimizer, data, steps, scheduler=None):
    """``steps`` full-batch steps on the cross-entropy (its negative when maximizing)."""
    x, y = data
    sign = -1.0 if optimizer.param_groups[0].get("maximize") else 1.0
    for _ in range(steps):
        optimizer.zero_grad()
        (sign * nn.functional.cross_entropy(model(x), y)).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()


def run_both(name, hyper, data, device, steps=STEPS):
    x, y = (t.to(device) for t in data)
    ours_model, torch_model = make_model().to(device), make_model().to(device)
    ours = getattr(l7, name)(ours_model.parameters(), **hyper)
    reference = getattr(torch.optim, name)(torch_model.parameters(), foreach=False, **hyper)
    train(ours_model, ours, (x, y), steps)
    train(torch_model, reference, (x, y), steps)
    return ours_model, ours, torch_model, reference


def assert_close(actual, expected, rtol=1e-6, msg=None):
    """Equal up to ``rtol`` relative to the tensor's scale (``max |expected|``), so that
    entries that pass near zero are judged like the others."""
    scale = expected.abs().max().item()
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=rtol * scale + 1e-300, msg=msg)


def assert_same_state(ours, reference, name):
    for p_ours, p_ref in zip(ours.param_groups[0]["params"], reference.param_groups[0]["params"],
                             strict=True):
        state, ref_state = ours.state[p_ours], reference.state[p_ref]
        for key, value in state.items():
            ref_key = STATE_NAMES[key] or {"Adagrad": "sum", "RMSprop": "square_avg"}[name]
            expected = ref_state[ref_key]
            if isinstance(value, torch.Tensor):
                assert value.device == p_ours.device and value.dtype == p_ours.dtype, key
                assert_close(value, expected, msg=key)
            else:
                assert value == int(expected), key


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_equal_to_torch_optim_for_every_hyperparameter_combination(case, digits, device):
    check_against_torch(*case, digits, device)


def check_against_torch(name, hyper, digits, device):
    ours_model, ours, torch_model, reference = run_both(name, hyper, digits, device)
    for (key, p), q in zip(ours_model.named_parameters(), torch_model.parameters(), strict=True):
        assert_close(p, q, msg=key)
    moved = [(p - q).abs().max().item() for p, q in
             zip(ours_model.parameters(), make_model().to(device).parameters(), strict=True)]
    assert max(moved) > 1e-3  # the optimizer really moved the weights
    assert_same_state(ours, reference, name)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_state_tensors_are_updated_in_place(name):
    """The fast path updates the optimizer's own state tensors, as torch does."""
    hyper = {"SGD": {"momentum": 0.9, "nesterov": True}, "RMSprop": {"centered": True, "momentum": 0.9},
             "Adam": {"amsgrad": True}}.get(name, {})
    generator = torch.Generator().manual_seed(5)
    p = torch.randn(3001, generator=generator, requires_grad=True)
    opt = getattr(l7, name)([p], **hyper)
    p.grad = torch.randn(3001, generator=generator)
    opt.step()
    tensors = {k: v for k, v in opt.state[p].items() if isinstance(v, torch.Tensor)}
    before = {k: v.clone() for k, v in tensors.items()}
    grad_before = p.grad.clone()
    opt.step()
    assert torch.equal(p.grad, grad_before)  # the gradient is never modified
    for key, value in tensors.items():
        assert opt.state[p][key] is value, key
        assert not torch.equal(value, before[key]), key


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_float32_and_a_large_parameter_match_torch(name):
    """A large float32 weight (420k elements): equal to torch.optim up to float32 rounding."""
    generator = torch.Generator().manual_seed(1)
    start = torch.randn(600, 700, generator=generator)
    grads = [torch.randn(600, 700, generator=generator) for _ in range(10)]
    hyper = {"SGD": {"lr": 0.01, "momentum": 0.9}}.get(name, {})
    results = []
    for cls in (getattr(l7, name), getattr(torch.optim, name)):
        p = start.clone().requires_grad_()
        opt = cls([p], **hyper) if cls.__module__.startswith("lecture7") else cls(
            [p], foreach=False, **hyper)
        for g in grads:
            p.grad = g
            opt.step()
        results.append(p.detach())
    assert_close(results[0], results[1], rtol=1e-5)
    assert (results[0] - start).abs().max() > 1e-3


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
        ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
        ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
        ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    ],
)
def test_state_dict_round_trip_continues_the_run_exactly(name, hyper, digits):
    cls = getattr(l7, name)
    straight = make_model()
    train(straight, cls(straight.parameters(), **hyper), digits, 100)

    first = make_model()
    optimizer = cls(first.parameters(), **hyper)
    train(first, optimizer, digits, 50)
    buffer = io.BytesIO()
    torch.save({"model": first.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=False)
    resumed = make_model(seed=123)  # different initial weights, overwritten by the checkpoint
    resumed.load_state_dict(saved["model"])
    fresh = cls(resumed.parameters(), **hyper)
    fresh.load_state_dict(saved["optimizer"])
    train(resumed, fresh, digits, 50)
    for p, q in zip(resumed.parameters(), straight.parameters(), strict=True):
        assert torch.equal(p, q)


def test_learning_rate_schedules_follow_torch_and_the_velocity_form_differs(digits):
    """With StepLR, lecture7.SGD equals torch.optim.SGD (buffer form, lr outside); the
    CS231n velocity form (lr inside) agrees only while the rate is constant."""
    def torch_style(cls, **kwargs):
        model = make_model()
        opt = cls(model.parameters(), lr=0.1, momentum=0.9, **kwargs)
        train(model, opt, digits, 30, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.1))
        return [p.detach() for p in model.parameters()]

    def velocity_form(steps, rate):
        model = make_model()
        params = list(model.parameters())
        configs = [None] * len(params)
        x, y = digits
        for step in range(steps):
            model.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            with torch.no_grad():
                for i, p in enumerate(params):
                    config = configs[i] or {"momentum": 0.9}
                    w, configs[i] = sgd_momentum(p.detach().numpy(), p.grad.numpy(),
                                                 {**config, "learning_rate": rate(step)})
                    p.copy_(torch.from_numpy(w))
        return [p.detach() for p in params]

    ours, reference = torch_style(l7.SGD), torch_style(torch.optim.SGD, foreach=False)
    for p, q in zip(ours, reference, strict=True):
        assert_close(p, q)
    constant_model = make_model()
    opt = l7.SGD(constant_model.parameters(), lr=0.1, momentum=0.9)
    train(constant_model, opt, digits, 10)
    for p, q in zip(constant_model.parameters(), velocity_form(10, lambda s: 0.1), strict=True):
        assert_close(p.detach(), q, rtol=1e-9)
    stepped = velocity_form(30, lambda s: 0.1 * 0.1 ** (s // 10))
    gap = max((p - q).abs().max().item() for p, q in zip(ours, stepped, strict=True))
    assert gap > 1e-3


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_closure_param_groups_complex_parameters_and_missing_grads(name):
    hyper = {"SGD": {"momentum": 0.9}}.get(name, {})
    results = []
    for cls, extra in ((getattr(l7, name), {}), (getattr(torch.optim, name), {"foreach": False})):
        generator = torch.Generator().manual_seed(2)
        real = torch.randn(6, 3, dtype=torch.float64, generator=generator).requires_grad_()
        cplx = torch.randn(4, dtype=torch.complex128, generator=generator).requires_grad_()
        unused = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        opt = cls([{"params": [real, unused]}, {"params": [cplx], "lr": 0.003}], lr=0.01,
                  **hyper, **extra)
        losses = []
        for _ in range(20):
            def closure(real=real, cplx=cplx, opt=opt):
                opt.zero_grad()
                loss = (real**2).sum() + (cplx.abs() ** 2).sum() + (real.sum() * cplx.real.sum())
                loss.backward()
                return loss
            losses.append(opt.step(closure).item())
        results.append((real.detach(), cplx.detach(), losses, len(opt.state[unused])))
    (r1, c1, l1, n1), (r2, c2, l2, _) = results
    assert_close(r1, r2)
    assert_close(c1, c2)
    np.testing.assert_allclose(l1, l2, rtol=1e-6)
    assert n1 == 0  # no gradient, no state


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("SGD", {"lr": -0.1}, "Invalid learning rate: -0.1"),
        ("SGD", {"lr": float("nan")}, "Invalid learning rate: nan"),
        ("SGD", {"momentum": -0.9}, "Invalid momentum value: -0.9"),
        ("SGD", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
        ("SGD", {"dampening": 1.5}, "Invalid dampening value: 1.5"),
        ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening=0.1"),
        ("Adagrad", {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
        ("Adagrad", {"initial_accumulator_value": -1.0},
         "Invalid initial_accumulator_value value: -1.0"),
        ("Adagrad", {"eps": -1e-10}, "Invalid epsilon value: -1e-10"),
        ("RMSprop", {"alpha": 1.5}, "Invalid alpha value: 1.5"),
        ("RMSprop", {"momentum": -0.1}, "Invalid momentum value: -0.1"),
        ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
        ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        ("Adam", {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
    ],
)
def test_constructor_validation_names_the_bad_value(name, hyper, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        getattr(l7, name)([torch.zeros(2, requires_grad=True)], **hyper)


def test_hyperparameters_are_keyword_only():
    with pytest.raises(TypeError):
        l7.SGD([torch.zeros(2, requires_grad=True)], 0.1)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_sparse_gradients_raise_a_clear_error(name):
    embedding = nn.Embedding(10, 3, sparse=True)
    opt = getattr(l7, name)(embedding.parameters())
    embedding(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(ValueError, match="sparse gradients"):
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_non_contiguous_and_channels_last_parameters(name):
    """Parameters whose memory is not laid out row by row take the whole-tensor path."""
    hyper = {"SGD": {"momentum": 0.9}}.get(name, {})
    results = []
    for cls, extra in ((getattr(l7, name), {}), (getattr(torch.optim, name), {"foreach": False})):
        generator = torch.Generator().manual_seed(4)
        transposed = torch.randn(300, 500, generator=generator).t().requires_grad_()
        conv = torch.randn(8, 3, 5, 5, generator=generator).to(
            memory_format=torch.channels_last).requires_grad_()
        opt = cls([transposed, conv], lr=0.01, **hyper, **extra)
        for _ in range(5):
            transposed.grad = torch.randn(300, 500, generator=generator).t()
            conv.grad = torch.randn(8, 3, 5, 5, generator=generator).to(
                memory_format=torch.channels_last)
            opt.step()
        assert not transposed.is_contiguous()
        results.append((transposed.detach(), conv.detach()))
    for ours, reference in zip(*results, strict=True):
        assert_close(ours, reference, rtol=1e-5)
