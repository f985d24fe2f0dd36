"""lecture7.models: checked against hand-computed forward passes and parameter counts."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecture7.models import ACTIVATIONS, MLP, SmallCNN, count_parameters


def test_mlp_forward_equals_the_formula():
    model = MLP(6, [5, 4], 3, activation="tanh", seed=0).eval()
    x = torch.randn(7, 2, 3, generator=torch.Generator().manual_seed(1))  # flattened to 6
    w1, w2 = model.hidden_linears
    h = torch.tanh(x.flatten(1) @ w1.weight.T + w1.bias)
    h = torch.tanh(h @ w2.weight.T + w2.bias)
    expected = h @ model.fc.weight.T + model.fc.bias
    torch.testing.assert_close(model(x), expected)
    torch.testing.assert_close(model.embed(x), h)


def test_mlp_structure_and_parameter_count():
    model = MLP(64, [32, 16], 10, batchnorm=True, dropout_p_drop=0.5)
    assert isinstance(model.fc, nn.Linear) and model.fc.in_features == 16
    assert [m.out_features for m in model.hidden_linears] == [32, 16]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model.modules()) == 2
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 2 and all(m.p == 0.5 for m in dropouts)  # one per hidden layer
    by_hand = (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10) + 2 * (32 + 16)
    assert count_parameters(model) == by_hand
    softmax_regression = MLP(64, [], 10, dropout_p_drop=0.5)
    assert count_parameters(softmax_regression) == 650
    assert not any(isinstance(m, nn.Dropout) for m in softmax_regression.modules())


def test_small_cnn_forward_equals_the_formula():
    model = SmallCNN(3, 4, widths=(5, 6), seed=0).eval()
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(0))
    h = x
    for block in model.features:
        conv = block[0]
        h = F.max_pool2d(F.relu(F.conv2d(h, conv.weight, conv.bias, padding=1)), 2)
    codes = h.mean((2, 3))  # global average pooling: (B, 6)
    torch.testing.assert_close(model.embed(x), codes)
    torch.testing.assert_close(model(x), codes @ model.fc.weight.T + model.fc.bias)


def test_small_cnn_parts_and_parameter_count():
    model = SmallCNN(3, 10)
    convs = [(3, 16), (16, 32), (32, 64)]
    by_hand = sum(9 * cin * cout + cout for cin, cout in convs) + 64 * 10 + 10
    assert count_parameters(model) == by_hand and model.num_features == 64
    bn = SmallCNN(1, 10, batchnorm=True, widths=(8, 8))
    convs = [m for m in bn.features.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.bias is None for c in convs)  # BatchNorm's shift replaces the bias
    assert count_parameters(bn) == (9 * 8 + 2 * 8) + (9 * 64 + 2 * 8) + (8 * 10 + 10)
    for size in (8, 32):  # digits and 32x32 images
        assert model(torch.rand(2, 3, size, size)).shape == (2, 10)


def test_freezing_features_and_replacing_the_head():
    model = SmallCNN(3, 10, seed=0)
    for p in model.features.parameters():
        p.requires_grad_(False)
    model.fc = nn.Linear(model.num_features, 5)
    assert count_parameters(model, trainable_only=True) == 64 * 5 + 5
    assert model(torch.rand(2, 3, 16, 16)).shape == (2, 5)


def test_seed_makes_initialization_reproducible_without_touching_global_state():
    state = torch.get_rng_state()
    a, b, c = (MLP(8, [8], 2, seed=s) for s in (0, 0, 1))
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.fc.weight, c.fc.weight)
    d, e = SmallCNN(1, 2, seed=3), SmallCNN(1, 2, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(d.parameters(), e.parameters(), strict=True))


def test_dropout_is_random_in_training_and_off_in_eval():
    model = MLP(10, [200], 3, dropout_p_drop=0.5, seed=0)
    x = torch.randn(4, 10)
    assert not torch.equal(model(x), model(x))
    model.eval()
    torch.testing.assert_close(model(x), model.fc(model.embed(x)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_builds(name):
    assert MLP(3, [4], 2, activation=name)(torch.randn(5, 3)).shape == (5, 2)


@pytest.mark.parametrize(
    "build, bad",
    [
        (lambda: MLP(4, [3], 2, activation="swishy"), "swishy"),
        (lambda: MLP(4, [3], 2, dropout_p_drop=1.0), "1.0"),
        (lambda: MLP(4, [3, 0], 2), r"\[3, 0\]"),
        (lambda: MLP(0, [3], 2), "0"),
        (lambda: SmallCNN(3, 0), "num_classes: 0"),
        (lambda: SmallCNN(3, 2, widths=()), r"\[\]"),
        (lambda: SmallCNN(3, 2, dropout_p_drop=-0.1), "-0.1"),
    ],
)
def test_bad_arguments(build, bad):
    with pytest.raises(ValueError, match=bad):
        build()


def test_models_run_on_the_device(device):
    model = SmallCNN(3, 4, widths=(4, 8), batchnorm=True, seed=0).to(device)
    assert model(torch.rand(3, 3, 16, 16, device=device)).device.type == device.type
