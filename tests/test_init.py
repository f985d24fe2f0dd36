"""lecture7.init against torch.nn.init: same scales, same draws, and the lecture's experiment."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import init as tinit

from lecture7 import init as l7

SHAPES = [(10, 20), (64, 3, 3, 3), (7, 5, 2), (1, 1), (16, 8, 2, 3, 4), (300, 100)]
NONLINEARITIES = [
    ("linear", None),
    ("conv2d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 1),
    ("selu", None),
]


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(shape):
    expected = tinit._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert l7.fan_in_and_fan_out(shape) == expected


def test_fans_by_hand():
    # conv: 3 input channels * 5 * 5 kernel, 4 output channels * 5 * 5
    assert l7.fan_in_and_fan_out((4, 3, 5, 5)) == (75, 100)
    assert l7.correct_fan((4, 3, 5, 5), "fan_out") == 100


@pytest.mark.parametrize(("nonlinearity", "param"), NONLINEARITIES)
def test_gain_matches_torch(nonlinearity, param):
    assert l7.calculate_gain(nonlinearity, param) == pytest.approx(
        tinit.calculate_gain(nonlinearity, param), rel=1e-15
    )


def test_std_formulas_by_hand():
    assert l7.xavier_std(100, 300) == pytest.approx(math.sqrt(2 / 400))
    assert l7.xavier_bound(100, 300, gain=2.0) == pytest.approx(2 * math.sqrt(6 / 400))
    assert l7.kaiming_std(50, gain=math.sqrt(2)) == pytest.approx(0.2)
    assert l7.kaiming_bound(50, gain=math.sqrt(2)) == pytest.approx(math.sqrt(3) * 0.2)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, 0.3])
def test_xavier_draws_equal_torch(shape, gain, device):
    for ours, theirs in [(l7.xavier_uniform_, tinit.xavier_uniform_),
                         (l7.xavier_normal_, tinit.xavier_normal_)]:
        a = ours(torch.empty(shape, device=device), gain=gain,
                 generator=torch.Generator(device).manual_seed(3))
        b = theirs(torch.empty(shape, device=device), gain=gain,
                   generator=torch.Generator(device).manual_seed(3))
        torch.testing.assert_close(a, b, rtol=1e-6, atol=0)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(("nonlinearity", "a"), [("relu", 0.0), ("leaky_relu", 0.0),
                                                 ("leaky_relu", 0.2), ("tanh", 0.0)])
def test_kaiming_draws_equal_torch(shape, mode, nonlinearity, a, device):
    for ours, theirs in [(l7.kaiming_uniform_, tinit.kaiming_uniform_),
                         (l7.kaiming_normal_, tinit.kaiming_normal_)]:
        x = ours(torch.empty(shape, device=device), mode=mode, nonlinearity=nonlinearity, a=a,
                 generator=torch.Generator(device).manual_seed(5))
        y = theirs(torch.empty(shape, device=device), mode=mode, nonlinearity=nonlinearity, a=a,
                   generator=torch.Generator(device).manual_seed(5))
        torch.testing.assert_close(x, y, rtol=1e-6, atol=0)


# ---------------------------------------------------------------- moments

N_BIG = (1000, 1000)  # 1e6 draws


def _normal_cases():
    fan_in, fan_out = l7.fan_in_and_fan_out(N_BIG)
    return [
        (lambda t, g: l7.small_gaussian_(t, generator=g), 0.01),
        (lambda t, g: l7.large_gaussian_(t, generator=g), 1.0),
        (lambda t, g: l7.gaussian_(t, std=0.37, generator=g), 0.37),
        (lambda t, g: l7.xavier_normal_(t, gain=5 / 3, generator=g),
         5 / 3 * math.sqrt(2 / (fan_in + fan_out))),
        (lambda t, g: l7.kaiming_normal_(t, generator=g), math.sqrt(2 / fan_in)),
    ]


@pytest.mark.parametrize(("fill", "std"), _normal_cases())
def test_normal_moments(fill, std):
    w = fill(torch.empty(N_BIG, dtype=torch.float64), torch.Generator().manual_seed(0))
    n = w.numel()
    # standard errors: of the mean, sigma/sqrt(n); of the sample std, sigma/sqrt(2n)
    assert abs(float(w.mean())) < 5 * std / math.sqrt(n)
    assert abs(float(w.std()) - std) < 5 * std / math.sqrt(2 * n)


@pytest.mark.parametrize(
    ("fill", "bound"),
    [
        (lambda t, g: l7.xavier_uniform_(t, generator=g), math.sqrt(6 / 2000)),
        (lambda t, g: l7.kaiming_uniform_(t, mode="fan_out", nonlinearity="leaky_relu",
                                          a=0.1, generator=g),
         math.sqrt(3) * math.sqrt(2 / 1.01) / math.sqrt(1000)),
    ],
)
def test_uniform_moments_and_bounds(fill, bound):
    w = fill(torch.empty(N_BIG, dtype=torch.float64), torch.Generator().manual_seed(1))
    n = w.numel()
    assert float(w.abs().max()) <= bound
    assert float(w.abs().max()) > 0.999 * bound  # the whole interval is used
    var = bound**2 / 3
    # Var(w^2) = E[w^4] - var^2 = b^4/5 - b^4/9 for U(-b, b)
    se_var = math.sqrt(4 / 45) * bound**2 / math.sqrt(n)
    assert abs(float(w.var()) - var) < 5 * se_var
    assert abs(float(w.mean())) < 5 * math.sqrt(var / n)


@pytest.mark.parametrize("name", sorted(l7.INITIALIZERS))
def test_generator_reproducibility(name, device):
    init_ = l7.INITIALIZERS[name]
    a = init_(torch.empty(50, 40, device=device), generator=torch.Generator(device).manual_seed(7))
    b = init_(torch.empty(50, 40, device=device), generator=torch.Generator(device).manual_seed(7))
    c = init_(torch.empty(50, 40, device=device), generator=torch.Generator(device).manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_registry_matches_torch():
    g = torch.Generator
    x = l7.INITIALIZERS["xavier"](torch.empty(30, 20), generator=g().manual_seed(2))
    assert torch.equal(x, tinit.xavier_normal_(torch.empty(30, 20), generator=g().manual_seed(2)))
    k = l7.INITIALIZERS["kaiming"](torch.empty(30, 20), generator=g().manual_seed(2))
    ref = tinit.kaiming_normal_(torch.empty(30, 20), nonlinearity="relu", generator=g().manual_seed(2))
    assert torch.equal(k, ref)
    s = l7.INITIALIZERS["small"](torch.empty(30, 20), generator=g().manual_seed(2))
    assert torch.equal(s, torch.empty(30, 20).normal_(0, 0.01, generator=g().manual_seed(2)))


def test_initializers_do_not_record_autograd():
    w = torch.nn.Parameter(torch.empty(4, 3))
    out = l7.kaiming_uniform_(w, generator=torch.Generator().manual_seed(0))
    assert out is w and out.grad_fn is None


# ---------------------------------------------------------------- NumPy samplers


def test_numpy_samplers_moments_and_reproducibility():
    shape = (800, 1250)  # 1e6 draws, fan_in 1250, fan_out 800
    n = 800 * 1250
    x = l7.xavier_normal(shape, rng=np.random.default_rng(0), gain=2.0)
    assert x.shape == shape
    expected = 2.0 * math.sqrt(2 / 2050)
    assert abs(x.std() - expected) < 5 * expected / math.sqrt(2 * n)
    for mode, fan in [("fan_in", 1250), ("fan_out", 800)]:
        k = l7.kaiming_normal(shape, rng=np.random.default_rng(1), mode=mode,
                              nonlinearity="leaky_relu", a=0.3)
        expected = math.sqrt(2 / 1.09) / math.sqrt(fan)
        assert abs(k.std() - expected) < 5 * expected / math.sqrt(2 * n)
    a = l7.kaiming_normal((5, 4), rng=np.random.default_rng(9))
    b = l7.kaiming_normal((5, 4), rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    # same draws as scaling standard normals by the formula
    np.testing.assert_allclose(a, math.sqrt(2 / 4) * np.random.default_rng(9).standard_normal((5, 4)))


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: l7.fan_in_and_fan_out((5,)), r"\(5,\)"),
        (lambda: l7.fan_in_and_fan_out((5, 0)), "0"),
        (lambda: l7.correct_fan((5, 3), "fan_avg"), "fan_avg"),
        (lambda: l7.calculate_gain("softplus"), "softplus"),
        (lambda: l7.calculate_gain("leaky_relu", "x"), "'x'"),
        (lambda: l7.xavier_std(0, 3), "fan_in: 0"),
        (lambda: l7.xavier_std(3, 3, gain=-1.0), "-1.0"),
        (lambda: l7.kaiming_std(10, gain=0.0), "0.0"),
        (lambda: l7.kaiming_normal_(torch.empty(3, 3), a=0.2), "a=0.2"),
        (lambda: l7.gaussian_(torch.empty(3), std=-0.5), "-0.5"),
        (lambda: l7.xavier_normal_(torch.empty(3)), r"\(3,\)"),
        (lambda: l7.kaiming_normal((3, 3), rng=0), "rng: 0"),
        (lambda: l7.activation_statistics(init="zeros"), "zeros"),
        (lambda: l7.activation_statistics(init="small", activation="gelu"), "gelu"),
        (lambda: l7.activation_statistics(init="small", depth=0), "depth: 0"),
        (lambda: l7.activation_statistics(init="small", hist_range=(1, -1)), r"\(1, -1\)"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- the lecture's experiment


@pytest.fixture(scope="module")
def runs():
    settings = {
        ("small", "tanh"): {"hist_range": (-1.0, 1.0), "bins": 200},
        ("large", "tanh"): {"hist_range": (-1.0, 1.0), "bins": 200},
        ("xavier", "tanh"): {"hist_range": (-1.0, 1.0), "bins": 200},
        ("kaiming", "relu"): {},
        ("xavier", "relu"): {},
    }
    return {key: l7.activation_statistics(init=key[0], activation=key[1], **kw)
            for key, kw in settings.items()}


def test_experiment_shapes_and_histograms(runs):
    stats = runs[("kaiming", "relu")]
    assert stats.means.shape == stats.stds.shape == stats.grad_norms.shape == (10,)
    assert stats.hist_counts.shape == (10, 50) and stats.bin_edges.shape == (51,)
    # every activation falls in the common default range: 1000 samples x 500 units per layer
    assert (stats.hist_counts.sum(axis=1) == 1000 * 500).all()
    assert stats.bin_edges[0] == 0.0  # ReLU outputs are >= 0 and some are exactly 0


def test_experiment_is_seeded():
    a = l7.activation_statistics(init="xavier", depth=3, width=64, n_samples=100, seed=4)
    b = l7.activation_statistics(init="xavier", depth=3, width=64, n_samples=100, seed=4)
    c = l7.activation_statistics(init="xavier", depth=3, width=64, n_samples=100, seed=5)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.stds, c.stds)


def test_experiment_matches_a_hand_written_forward():
    # an independent forward pass with nn.Linear layers and torch.nn.init, same draws
    depth, width, n = 3, 32, 64
    stats = l7.activation_statistics(init="kaiming", activation="relu", depth=depth, width=width,
                                     n_samples=n, seed=11)
    g = torch.Generator().manual_seed(11)
    x = torch.randn(n, width, generator=g)
    layers = [torch.nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        tinit.kaiming_normal_(layer.weight, nonlinearity="relu", generator=g)
    r = torch.randn(n, width, generator=g)
    h, stds = x, []
    for layer in layers:
        h = torch.relu(layer(h))
        stds.append(float(h.detach().double().std(unbiased=False)))
    ((r * h).sum() / n).backward()
    np.testing.assert_allclose(stats.stds, stds, rtol=1e-5)
    np.testing.assert_allclose(
        stats.grad_norms, [float(layer.weight.grad.norm()) for layer in layers], rtol=1e-4
    )


def test_small_init_collapses_activations_and_gradients(runs):
    small, xavier = runs[("small", "tanh")], runs[("xavier", "tanh")]
    assert small.stds[-1] < 1e-3 * small.stds[0]
    assert np.all(np.diff(small.stds) < 0)  # shrinks layer after layer
    # the last layer's histogram is one spike at 0: every count lies in |a| < 0.01
    edges = small.bin_edges
    near_zero = (edges[:-1] >= -0.01 - 1e-12) & (edges[1:] <= 0.01 + 1e-12)
    assert small.hist_counts[-1][near_zero].sum() == small.hist_counts[-1].sum()
    # gradients vanish: every layer's weight gradient is tiny next to Xavier's
    assert np.all(small.grad_norms < 1e-3 * xavier.grad_norms)


def test_large_init_saturates_tanh(runs):
    large = runs[("large", "tanh")]
    counts = large.hist_counts
    saturated = (counts[:, 0] + counts[:, -1]) / counts.sum(axis=1)  # |a| > 0.99
    assert np.all(saturated > 0.5)
    assert np.all(large.local_grad_means < 0.1)  # tanh'(z) = 1 - h^2 ~ 0 for most units


def test_xavier_tanh_and_kaiming_relu_stay_healthy(runs):
    xavier, kaiming = runs[("xavier", "tanh")], runs[("kaiming", "relu")]
    assert np.all(xavier.stds > xavier.stds[0] / 4)
    counts = xavier.hist_counts
    assert np.all((counts[:, 0] + counts[:, -1]) / counts.sum(axis=1) < 0.05)  # not saturated
    assert np.all(kaiming.stds > kaiming.stds[0] / 2) and np.all(kaiming.stds < 2 * kaiming.stds[0])
    # Xavier's 1/fan_in scale halves the ReLU signal's power at every layer
    xr = runs[("xavier", "relu")]
    assert xr.stds[-1] < 0.1 * xr.stds[0]
