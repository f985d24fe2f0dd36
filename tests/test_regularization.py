"""lecture7.regularization: expectations, masks, gradients and parity with torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.autograd import gradcheck

from lecture7 import regularization as reg

P_DROPS = [0.0, 0.25, 0.5, 0.8]


def _gen(device, seed=0):
    return torch.Generator(device).manual_seed(seed)


# ---------------------------------------------------------------- NumPy layer


@pytest.mark.parametrize("p_drop", P_DROPS)
@pytest.mark.parametrize("inverted", [True, False])
def test_numpy_forward_by_hand(p_drop, inverted):
    x = np.random.default_rng(1).normal(size=(40, 50))
    out, cache = reg.dropout_forward(x, p_drop=p_drop, rng=np.random.default_rng(7), inverted=inverted)
    q = 1 - p_drop
    mask = np.random.default_rng(7).random(x.shape) < q  # the documented draw
    np.testing.assert_array_equal(cache.mask, mask)
    np.testing.assert_allclose(out, x * mask / q if inverted else x * mask)
    test_out, _ = reg.dropout_forward(x, p_drop=p_drop, mode="test", inverted=inverted)
    np.testing.assert_allclose(test_out, x if inverted else q * x)


@pytest.mark.parametrize("p_drop", [0.1, 0.5, 0.9])
def test_numpy_fraction_dropped(p_drop):
    x = np.ones(200_000)
    out, _ = reg.dropout_forward(x, p_drop=p_drop, rng=np.random.default_rng(3))
    n = x.size
    assert abs((out == 0).mean() - p_drop) < 5 * math.sqrt(p_drop * (1 - p_drop) / n)
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p_drop))


@pytest.mark.parametrize("inverted", [True, False])
def test_numpy_expectation_matches_test_mode(inverted):
    p_drop, draws = 0.4, 4000
    x = np.random.default_rng(0).normal(size=30)
    rng = np.random.default_rng(1)
    outs = np.stack([reg.dropout_forward(x, p_drop=p_drop, rng=rng, inverted=inverted)[0]
                     for _ in range(draws)])
    test_out, _ = reg.dropout_forward(x, p_drop=p_drop, mode="test", inverted=inverted)
    se = outs.std(axis=0) / math.sqrt(draws)
    assert np.all(np.abs(outs.mean(axis=0) - test_out) < 5 * se + 1e-12)


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("inverted", [True, False])
def test_numpy_backward_matches_finite_differences(mode, inverted):
    rng = np.random.default_rng(5)
    x, dout = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))

    def f(z):  # the same mask on every call: a freshly seeded generator
        out, _ = reg.dropout_forward(z, p_drop=0.3, mode=mode, rng=np.random.default_rng(9),
                                     inverted=inverted)
        return float((out * dout).sum())

    _, cache = reg.dropout_forward(x, p_drop=0.3, mode=mode, rng=np.random.default_rng(9),
                                   inverted=inverted)
    dx = reg.dropout_backward(dout, cache)
    h, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        numeric[idx] = (f(x + e) - f(x - e)) / (2 * h)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reg.dropout_forward(np.ones(3), p_drop=1.0, rng=np.random.default_rng(0)), "p_drop: 1.0"),
        (lambda: reg.dropout_forward(np.ones(3), p_drop=-0.1, mode="test"), "p_drop: -0.1"),
        (lambda: reg.dropout_forward(np.ones(3), p_drop=0.5, mode="eval"), "'eval'"),
        (lambda: reg.dropout_forward(np.ones(3), p_drop=0.5), "rng: None"),
        (lambda: reg.dropout_backward(np.ones(4), reg.dropout_forward(
            np.ones(3), p_drop=0.5, rng=np.random.default_rng(0))[1]), r"\(4,\).*\(3,\)"),
        (lambda: reg.Dropout(p_drop=1), "p_drop: 1"),
        (lambda: reg.ChannelDropout(p_drop=2.0), "p_drop: 2.0"),
        (lambda: reg.DropConnectLinear(3, 2, p_drop=-1), "p_drop: -1"),
        (lambda: reg.channel_dropout(torch.ones(5), p_drop=0.5), r"\(5,\)"),
        (lambda: reg.StochasticDepth(nn.Identity(), survival_prob=0.0), "survival_prob: 0.0"),
        (lambda: reg.StochasticDepth(nn.Identity(), survival_prob=0.5, mode="row"), "'row'"),
        (lambda: reg.linear_decay_survival(0), "n_blocks: 0"),
        (lambda: reg.linear_decay_survival(3, final_survival=1.5), "final_survival: 1.5"),
        (lambda: reg.l2_penalty(nn.Linear(2, 2), weight_decay=-0.1), "weight_decay: -0.1"),
        (lambda: reg.fractional_max_pool2d(torch.ones(1, 1, 8, 8), output_ratio=1.0), "ratio: 1.0"),
        (lambda: reg.fractional_max_pool2d(torch.ones(8, 8), output_ratio=0.5), r"\(8, 8\)"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- torch dropout layers


@pytest.mark.parametrize("p_drop", [0.2, 0.5])
def test_dropout_parity_with_torch(p_drop, device):
    x = torch.rand(200, 1000, device=device) + 0.5  # no zeros in the input
    ours = reg.Dropout(p_drop=p_drop, generator=_gen(device))(x)
    theirs = nn.Dropout(p_drop)(x)
    tol = 5 * math.sqrt(p_drop * (1 - p_drop) / x.numel())
    for out in (ours, theirs):  # same semantics: fraction dropped, survivors scaled by 1/q
        assert abs(float((out == 0).double().mean()) - p_drop) < tol
        kept = out != 0
        torch.testing.assert_close(out[kept], x[kept] / (1 - p_drop))


@pytest.mark.parametrize("p_drop", [0.2, 0.5])
def test_channel_dropout_parity_with_dropout2d(p_drop, device):
    x = torch.rand(100, 64, 5, 5, device=device) + 0.5
    ours = reg.ChannelDropout(p_drop=p_drop, generator=_gen(device))(x)
    theirs = nn.Dropout2d(p_drop)(x)
    tol = 5 * math.sqrt(p_drop * (1 - p_drop) / (100 * 64))
    for out in (ours, theirs):
        zero = (out == 0).flatten(2)
        assert torch.all(zero.all(-1) | ~zero.any(-1))  # each map is all dropped or all kept
        assert abs(float(zero.all(-1).double().mean()) - p_drop) < tol
        kept = out != 0
        torch.testing.assert_close(out[kept], x[kept] / (1 - p_drop))


@pytest.mark.parametrize("layer", [reg.Dropout, reg.ChannelDropout])
def test_eval_mode_identity_or_scaled(layer, device):
    x = torch.randn(4, 3, 2, 2, device=device)
    inverted = layer(p_drop=0.3, generator=_gen(device)).eval()
    vanilla = layer(p_drop=0.3, inverted=False, generator=_gen(device)).eval()
    assert torch.equal(inverted(x), x)
    torch.testing.assert_close(vanilla(x), 0.7 * x)
    train_vanilla = layer(p_drop=0.3, inverted=False, generator=_gen(device))(x)
    kept = train_vanilla != 0
    assert torch.equal(train_vanilla[kept], x[kept])  # vanilla: no scaling in training


@pytest.mark.parametrize("layer", [reg.Dropout, reg.ChannelDropout])
def test_masks_reproducible_from_generator(layer, device):
    x = torch.randn(8, 6, 3, 3, device=device)
    a = layer(p_drop=0.5, generator=_gen(device, 1))(x)
    b = layer(p_drop=0.5, generator=_gen(device, 1))(x)
    c = layer(p_drop=0.5, generator=_gen(device, 2))(x)
    assert torch.equal(a, b) and not torch.equal(a, c)
    module = layer(p_drop=0.5, generator=_gen(device, 1))
    assert not torch.equal(module(x), module(x))  # a fresh mask on every pass


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("layer", [reg.Dropout, reg.ChannelDropout])
def test_torch_expectation_matches_eval(layer, inverted):
    draws, x = 3000, torch.randn(2, 5, 1, 1, dtype=torch.float64)
    module = layer(p_drop=0.35, inverted=inverted, generator=_gen("cpu", 3))
    outs = torch.stack([module(x) for _ in range(draws)])
    expected = module.eval()(x)
    se = outs.std(0) / math.sqrt(draws)
    assert torch.all((outs.mean(0) - expected).abs() < 5 * se)


# ---------------------------------------------------------------- DropConnect


def test_drop_connect_train_uses_masked_weights(device):
    torch.manual_seed(0)
    layer = reg.DropConnectLinear(300, 200, p_drop=0.4, generator=_gen(device)).to(device)
    eye = torch.eye(300, device=device)
    with torch.no_grad():
        effective = (layer(eye) - layer.bias).T  # (out, in): row i of x = I reads column i
    dropped = effective.abs() < 1e-6
    torch.testing.assert_close(effective[~dropped], layer.weight[~dropped] / 0.6)
    assert abs(float(dropped.double().mean()) - 0.4) < 5 * math.sqrt(0.24 / 60_000)
    layer.eval()
    x = torch.randn(7, 300, device=device)
    torch.testing.assert_close(layer(x), nn.functional.linear(x, layer.weight, layer.bias))
    layer.inverted = False
    torch.testing.assert_close(layer(x), nn.functional.linear(x, 0.6 * layer.weight, layer.bias))


@pytest.mark.parametrize("inverted", [True, False])
def test_drop_connect_expectation_matches_eval(inverted):
    torch.manual_seed(1)
    layer = reg.DropConnectLinear(4, 3, p_drop=0.5, inverted=inverted,
                                  generator=_gen("cpu", 4)).double()
    x = torch.randn(2, 4, dtype=torch.float64)
    with torch.no_grad():
        outs = torch.stack([layer(x) for _ in range(4000)])
        expected = layer.eval()(x)
    se = outs.std(0) / math.sqrt(4000)
    assert torch.all((outs.mean(0) - expected).abs() < 5 * se)


# ---------------------------------------------------------------- stochastic depth


def _branch():
    torch.manual_seed(2)
    return nn.Sequential(nn.Linear(4, 4), nn.Tanh()).double()


@pytest.mark.parametrize("mode", ["inverted", "scale_at_test"])
def test_stochastic_depth_train_and_test(mode):
    branch = _branch()
    block = reg.StochasticDepth(branch, survival_prob=0.7, mode=mode, generator=_gen("cpu", 5))
    x = torch.randn(3, 4, dtype=torch.float64)
    with torch.no_grad():
        fx = branch(x)
        kept_out = x + (fx / 0.7 if mode == "inverted" else fx)
        outs = [block(x) for _ in range(2000)]
        kept = [torch.allclose(o, kept_out) for o in outs]
        skipped = [torch.equal(o, x) for o in outs]
        assert all(k != s for k, s in zip(kept, skipped, strict=True))  # one or the other
        assert abs(np.mean(kept) - 0.7) < 5 * math.sqrt(0.21 / 2000)
        mean = torch.stack(outs).mean(0)
        expected = block.eval()(x)
        torch.testing.assert_close(expected, x + fx if mode == "inverted" else x + 0.7 * fx)
        se = torch.stack(outs).std(0) / math.sqrt(2000)
        assert torch.all((mean - expected).abs() < 5 * se)


def test_stochastic_depth_skips_the_branch_computation():
    calls = []
    branch = _branch()
    branch.register_forward_hook(lambda *args: calls.append(1))
    block = reg.StochasticDepth(branch, survival_prob=0.5, generator=_gen("cpu", 6))
    x = torch.randn(2, 4, dtype=torch.float64)
    outs = [block(x) for _ in range(50)]
    assert len(calls) == sum(not torch.equal(o, x) for o in outs) < 50


def test_linear_decay_survival_by_hand():
    assert reg.linear_decay_survival(4) == pytest.approx([0.875, 0.75, 0.625, 0.5])
    assert reg.linear_decay_survival(2, final_survival=0.8) == pytest.approx([0.9, 0.8])


# ---------------------------------------------------------------- gradcheck with fixed masks


def _x(*shape):
    return torch.randn(*shape, dtype=torch.float64, generator=_gen("cpu", 8), requires_grad=True)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("fn", [reg.dropout, reg.channel_dropout])
def test_gradcheck_dropout(fn, training, inverted):
    def f(x):
        return fn(x, p_drop=0.4, training=training, inverted=inverted, generator=_gen("cpu", 3))

    assert gradcheck(f, (_x(3, 4, 2),))


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_drop_connect(training):
    w, b = _x(3, 5), _x(3)

    def f(x, weight, bias):
        return reg.drop_connect_linear(x, weight, bias, p_drop=0.5, training=training,
                                       generator=_gen("cpu", 3))

    assert gradcheck(f, (_x(2, 5), w, b))


@pytest.mark.parametrize("mode", ["inverted", "scale_at_test"])
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_stochastic_depth(mode, training):
    w = _x(4, 4)
    seen = set()
    for seed in range(20):  # both outcomes of b: kept and skipped
        def f(x, weight, seed=seed):
            return reg.stochastic_depth(x, lambda z: torch.tanh(z @ weight.T), survival_prob=0.5,
                                        training=training, mode=mode, generator=_gen("cpu", seed))

        x = _x(3, 4)
        with torch.no_grad():
            seen.add(torch.equal(f(x, w), x))
        assert gradcheck(f, (x, w))
    assert seen == ({True, False} if training else {False})


# ---------------------------------------------------------------- L2 penalty


def _net():
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(12, 2)).double()


def test_l2_penalty_by_hand():
    net = _net()
    expected = 0.5 * 0.1 * (net[0].weight.pow(2).sum() + net[4].weight.pow(2).sum())
    torch.testing.assert_close(reg.l2_penalty(net, weight_decay=0.1), expected)
    assert [id(p) for p in reg.decay_parameters(net)] == [id(net[0].weight), id(net[4].weight)]  # no biases, no BN
    everything = 0.5 * 0.1 * sum(float(p.detach().pow(2).sum()) for p in net.parameters())
    assert float(reg.l2_penalty(net.parameters(), weight_decay=0.1).detach()) == pytest.approx(everything)
    assert float(reg.l2_penalty(nn.BatchNorm1d(3), weight_decay=0.1)) == 0.0


def _one_sgd_step(net, params, penalty_of, **sgd_kwargs):
    x = torch.randn(5, 2, 4, 4, dtype=torch.float64, generator=_gen("cpu", 1))
    y = torch.tensor([0, 1, 1, 0, 1])
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, **sgd_kwargs)
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y) + penalty_of(net)
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in net.parameters()]


def test_l2_penalty_gradient_equals_sgd_weight_decay():
    lam = 0.05
    # on every parameter: torch's weight_decay vs the penalty on net.parameters()
    a = _net()
    ref = _one_sgd_step(a, a.parameters(), lambda n: 0.0, weight_decay=lam)
    b = _net()
    ours = _one_sgd_step(b, b.parameters(), lambda n: reg.l2_penalty(n.parameters(), weight_decay=lam))
    for p, q in zip(ref, ours, strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)
    # the default convention (weights only) vs the matching parameter groups
    c = _net()
    ref = _one_sgd_step(c, reg.weight_decay_param_groups(c, weight_decay=lam), lambda n: 0.0)
    d = _net()
    ours = _one_sgd_step(d, d.parameters(), lambda n: reg.l2_penalty(n, weight_decay=lam))
    for p, q in zip(ref, ours, strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)
    assert not torch.equal(ref[0], _one_sgd_step(_net(), _net().parameters(), lambda n: 0.0)[0])


# ---------------------------------------------------------------- fractional max pooling


def _graham_starts(u: float, n_in: int, n_out: int, k: int) -> list[int]:
    """The pseudorandom window starts of Graham (2014), as torch computes them."""
    alpha = (n_in - k) / (n_out - 1)
    starts = [int((i + u) * alpha) - int(u * alpha) for i in range(n_out - 1)]
    return [*starts, n_in - k]


def test_fractional_max_pool_regions_are_graham_sequences():
    x = torch.randn(2, 3, 11, 9, dtype=torch.float64, generator=_gen("cpu", 0))
    out = reg.fractional_max_pool2d(x, output_ratio=(0.7, 0.6), generator=_gen("cpu", 4))
    assert out.shape == (2, 3, int(11 * 0.7), int(9 * 0.6))
    u = torch.rand(2, 3, 2, generator=_gen("cpu", 4), dtype=torch.float64)  # the same draws
    for n in range(2):
        for c in range(3):
            rows = _graham_starts(float(u[n, c, 1]), 11, out.shape[2], 2)
            cols = _graham_starts(float(u[n, c, 0]), 9, out.shape[3], 2)
            for i, r in enumerate(rows):
                for j, s in enumerate(cols):
                    assert out[n, c, i, j] == x[n, c, r:r + 2, s:s + 2].max()


def test_fractional_max_pool_reproducible_and_random(device):
    x = torch.randn(4, 8, 20, 20, device=device)
    a = reg.fractional_max_pool2d(x, output_ratio=0.6, generator=_gen(device, 1))
    b = reg.fractional_max_pool2d(x, output_ratio=0.6, generator=_gen(device, 1))
    c = reg.fractional_max_pool2d(x, output_ratio=0.6, generator=_gen(device, 2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    layer = reg.FractionalMaxPool(output_ratio=0.6, generator=_gen(device, 1))
    assert torch.equal(layer(x), a) and not torch.equal(layer(x), a)
    assert layer(x[0]).shape == (8, 12, 12)
