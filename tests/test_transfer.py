"""lecture7.transfer: freezing, heads, learning-rate groups, CNN codes, linear probes, the table."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lecture7.transfer import (
    evaluating,
    extract_features,
    fit_linear_probe,
    freeze,
    layerwise_lr_groups,
    param_groups,
    recommend_strategy,
    replace_head,
    trainable_parameters,
    unfreeze,
)


def _net(seed: int = 0) -> nn.Sequential:
    """input (N, 1, 6, 6) -> conv block "0", conv block "1", flatten "2", classifier "3"."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()),
            nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Flatten(),
            nn.Sequential(nn.Dropout(0.5), nn.Linear(6 * 3 * 3, 5)),
        )


def _batch(n: int = 8, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 6, 6, generator=g), torch.randint(0, 5, (n,), generator=g)


def _train_steps(model: nn.Module, optimizer: torch.optim.Optimizer, steps: int = 3) -> None:
    x, y = _batch()
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def test_frozen_parameters_do_not_change_and_get_no_grad():
    model = _net()
    frozen = freeze(model, names=["0", "1.0"])
    assert frozen == ["0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias", "1.0.weight", "1.0.bias"]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    # all parameters in the optimizer, with momentum and weight decay: still skipped
    _train_steps(model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1))
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, before[n]), n
            assert p.grad is None and not p.requires_grad
        else:
            assert not torch.equal(p, before[n]), n
    assert {id(p) for p in trainable_parameters(model)} == {
        id(p) for n, p in model.named_parameters() if n not in frozen}


def test_freeze_by_depth_and_unfreeze():
    model = _net()
    frozen = freeze(model, up_to=2)
    assert frozen and all(n.split(".")[0] in {"0", "1"} for n in frozen)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["3.1.weight", "3.1.bias"]
    assert unfreeze(model, up_to=1) == [n for n in frozen if n.startswith("0.")]
    assert freeze(model, up_to=0) == []
    freeze(model)
    assert trainable_parameters(model) == []
    unfreeze(model)
    assert len(trainable_parameters(model)) == len(list(model.parameters()))


def test_name_prefixes_match_whole_components():
    model = nn.ModuleDict({"layer1": nn.Linear(2, 2), "layer10": nn.Linear(2, 2)})
    assert freeze(model, names="layer1") == ["layer1.weight", "layer1.bias"]
    assert model["layer10"].weight.requires_grad


@pytest.mark.parametrize(
    "kwargs, error, words",
    [(dict(names="conv9"), ValueError, "conv9"), (dict(up_to=5), ValueError, "5"),
     (dict(names="0", up_to=1), ValueError, "not both"), (dict(names=[]), TypeError, "names"),
     (dict(up_to=-1), ValueError, "-1")],
)
def test_freeze_rejects_bad_selections(kwargs, error, words):
    with pytest.raises(error, match=words):
        freeze(_net(), **kwargs)


def test_param_groups_give_the_backbone_a_smaller_rate_and_cover_each_parameter_once():
    model = _net()
    freeze(model, up_to=1)
    groups = param_groups(model, lr=0.1, backbone_lr_mult=0.1)
    assert [(g["name"], g["lr"]) for g in groups] == [("backbone", pytest.approx(0.01)), ("head", 0.1)]
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {id(p) for p in trainable_parameters(model)}
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model[3][1].parameters()}
    # one plain SGD step moves every parameter by exactly -lr_group * grad
    before = [[p.detach().clone() for p in g["params"]] for g in groups]
    optimizer = torch.optim.SGD(groups, lr=123.0)
    _train_steps(model, optimizer, steps=1)
    for g, old in zip(groups, before, strict=True):
        for p, p0 in zip(g["params"], old, strict=True):
            torch.testing.assert_close(p.detach(), p0 - g["lr"] * p.grad)


def test_param_groups_with_a_named_head_and_bad_arguments():
    model = _net()
    groups = param_groups(model, lr=1.0, backbone_lr_mult=0.0, head=["1", "3"])
    head = {id(p) for m in (model[1], model[3]) for p in m.parameters()}
    assert {id(p) for p in groups[1]["params"]} == head and groups[0]["lr"] == 0.0
    with pytest.raises(ValueError, match="fc"):
        param_groups(model, lr=1.0, head="fc")
    with pytest.raises(ValueError, match="-1"):
        param_groups(model, lr=-1)


def test_layerwise_lr_groups_decay_toward_the_input():
    model = _net()
    groups = layerwise_lr_groups(model, lr=1.0, decay=0.5)
    # children with parameters: "0", "1", "3" ("2" is Flatten)
    assert [(g["name"], g["lr"]) for g in groups] == [("0", 0.25), ("1", 0.5), ("3", 1.0)]
    freeze(model, names="0")
    groups = layerwise_lr_groups(model, lr=1.0, decay=0.5)
    assert [(g["name"], g["lr"]) for g in groups] == [("1", 0.5), ("3", 1.0)]
    ids = [id(p) for g in groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in trainable_parameters(model))
    with pytest.raises(ValueError, match=r"1\.5"):
        layerwise_lr_groups(model, lr=1.0, decay=1.5)


def test_replace_head_makes_a_fresh_trainable_layer_without_touching_global_rng():
    model = _net()
    old = model[3][1]
    freeze(model)
    state = torch.get_rng_state()
    head = replace_head(model, num_classes=7, generator=torch.Generator().manual_seed(5))
    assert torch.equal(torch.get_rng_state(), state)
    assert model[3][1] is head and head is not old
    assert head.weight.shape == (7, 54) and head.bias.shape == (7,)
    assert trainable_parameters(model) == [head.weight, head.bias]
    assert model(_batch()[0]).shape == (8, 7)
    again = replace_head(_net(), num_classes=7, generator=torch.Generator().manual_seed(5))
    assert torch.equal(again.weight, head.weight)  # reproducible
    wide = replace_head(nn.Sequential(nn.Linear(3, 400), nn.Linear(400, 300)), num_classes=300,
                        generator=torch.Generator().manual_seed(0))
    bound = 1 / math.sqrt(400)  # nn.Linear's own initialization: U(-bound, bound)
    assert wide.weight.abs().max() <= bound and wide.bias.abs().max() <= bound
    assert abs(float(wide.weight.detach().std()) - bound / math.sqrt(3)) < 0.02 * bound


def test_replace_head_by_attribute_and_errors():
    model = nn.Sequential()
    model.add_module("body", nn.Linear(4, 6))
    model.add_module("fc", nn.Linear(6, 3, bias=False))
    head = replace_head(model, num_classes=2, attr="fc")
    assert model.fc is head and head.bias is None
    replace_head(model, num_classes=5, attr="body")  # any Linear can be named
    assert model.body.out_features == 5
    with pytest.raises(ValueError, match="classifier"):
        replace_head(model, num_classes=2, attr="classifier")
    with pytest.raises(TypeError, match="ReLU"):
        replace_head(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), num_classes=2, attr="1")
    with pytest.raises(ValueError, match=r"no nn\.Linear"):
        replace_head(nn.Sequential(nn.ReLU()), num_classes=2)
    with pytest.raises(ValueError, match="0"):
        replace_head(model, num_classes=0)


def test_extract_features_equals_a_manual_forward_in_eval_mode_and_restores_modes():
    model = _net()
    _train_steps(model, torch.optim.SGD(model.parameters(), lr=0.1))  # BN running stats move
    model.train()
    model[0][1].eval()  # a mixed state must come back as it was
    modes = [m.training for m in model.modules()]
    x, y = _batch(20)
    codes = extract_features(model, x, layer="1", batch_size=6)
    assert [m.training for m in model.modules()] == modes
    with evaluating(model):
        expected = model[1](model[0](x)).flatten(1)
    torch.testing.assert_close(codes, expected)
    assert codes.shape == (20, 54) and not codes.requires_grad
    loader = DataLoader(TensorDataset(x, y), batch_size=7)
    torch.testing.assert_close(extract_features(model, loader, layer="1"), codes)
    maps = extract_features(model, x, layer="0.2", flatten=False)
    assert maps.shape == (20, 4, 6, 6)
    with evaluating(model):
        torch.testing.assert_close(extract_features(model, x), model(x))


def test_extract_features_rejects_unknown_layers():
    with pytest.raises(ValueError, match="'fc7'"):
        extract_features(_net(), _batch()[0], layer="fc7")


def test_heads_codes_and_probes_work_on_the_models_device(device):
    model = _net().to(device)
    head = replace_head(model, num_classes=3, generator=torch.Generator().manual_seed(0))
    assert head.weight.device.type == device.type
    cpu_head = replace_head(_net(), num_classes=3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(head.weight.cpu(), cpu_head.weight)  # same draw everywhere
    x, _ = _batch(30)
    codes = extract_features(model, x, layer="1")  # CPU batches follow the model
    assert codes.device.type == device.type
    labels = (codes[:, 0] > codes[:, 0].median()).long()
    probe = fit_linear_probe(codes, labels)
    assert probe.predict(codes).device.type == device.type
    assert probe.score(codes, labels) > 0.9


def _blobs(seed: int = 0, classes: int = 4, n: int = 100):
    g = torch.Generator().manual_seed(seed)
    centers = 3 * torch.randn(classes, 10, generator=g)
    labels = torch.arange(classes).repeat_interleave(n)
    x = centers[labels] + torch.randn(classes * n, 10, generator=g)
    perm = torch.randperm(classes * n, generator=g)
    half = classes * n // 2
    return x[perm[:half]], labels[perm[:half]], x[perm[half:]], labels[perm[half:]]


def test_the_three_probes_agree_on_an_easy_problem():
    x, y, x_test, y_test = _blobs()
    y, y_test = y + 5, y_test + 5  # any label values
    probes = {m: fit_linear_probe(x, y, method=m, l2=1e-2) for m in ("softmax", "logreg", "svm")}
    predictions = {m: p.predict(x_test) for m, p in probes.items()}
    for m, p in probes.items():
        assert p.score(x_test, y_test) > 0.97, m
        assert (predictions[m] == predictions["softmax"]).float().mean() > 0.97, m
    # softmax in torch and scikit-learn's LogisticRegression minimize the same objective
    torch.testing.assert_close(probes["softmax"].predict_proba(x_test),
                               probes["logreg"].predict_proba(x_test), atol=5e-3, rtol=0)
    adam = fit_linear_probe(x, y, solver="adam", max_iter=300, l2=1e-2)
    torch.testing.assert_close(adam.predict_proba(x_test), probes["softmax"].predict_proba(x_test),
                               atol=5e-3, rtol=0)
    with pytest.raises(ValueError, match="scores"):
        probes["svm"].predict_proba(x_test)


def test_binary_probes_return_the_original_labels():
    x, y, x_test, y_test = _blobs(seed=2, classes=2)
    labels, labels_test = torch.tensor([3, 7])[y], torch.tensor([3, 7])[y_test]
    for method in ("softmax", "logreg", "svm"):
        probe = fit_linear_probe(x, labels, method=method)
        assert set(probe.predict(x_test).tolist()) <= {3, 7}
        assert probe.score(x_test, labels_test) > 0.97, method


@pytest.mark.parametrize(
    "kwargs, words",
    [(dict(method="knn"), "knn"), (dict(l2=0.0), "l2"), (dict(solver="sgd"), "sgd"),
     (dict(max_iter=0), "max_iter")],
)
def test_fit_linear_probe_rejects_bad_arguments(kwargs, words):
    x, y, _, _ = _blobs(classes=2, n=5)
    with pytest.raises(ValueError, match=words):
        fit_linear_probe(x, y, **kwargs)
    with pytest.raises(ValueError, match="two classes"):
        fit_linear_probe(x, torch.zeros(len(x), dtype=torch.long))
    with pytest.raises(ValueError, match="float"):
        fit_linear_probe(x, y.float())


def test_pretrained_features_beat_random_features_on_held_out_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    images, digits = datasets.load_digits(return_X_y=True)
    x = torch.tensor(images / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    y = torch.tensor(digits)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    source, target = perm[: len(y) // 2], perm[len(y) // 2 :]  # disjoint images
    source = source[y[source] < 5]  # pretraining sees only the digits 0-4

    def cnn(seed):
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(32, 5))

    pretrained, scratch = cnn(0), cnn(1)
    optimizer = torch.optim.Adam(pretrained.parameters(), lr=1e-2)
    for _ in range(100):
        optimizer.zero_grad()
        nn.functional.cross_entropy(pretrained(x[source]), y[source]).backward()
        optimizer.step()
    # a small labelled set of all ten digits, and a held-out test set
    probe_train, probe_test = target[:150], target[150:]
    scores = {}
    for name, model in (("pretrained", pretrained), ("random", scratch)):
        codes = extract_features(model, x, layer="6")  # the 32-d CNN codes before the head
        probe = fit_linear_probe(codes[probe_train], y[probe_train], l2=1e-2)
        scores[name] = probe.score(codes[probe_test], y[probe_test])
    assert scores["pretrained"] > 0.85, scores
    assert scores["pretrained"] > scores["random"] + 0.05, scores


@pytest.mark.parametrize(
    "size, similarity, train, layer, mult",
    [("small", "similar", "head", "last", 0.0), ("large", "similar", "top layers + head", "last", 0.1),
     ("small", "different", "head", "earlier", 0.0), ("large", "different", "all layers", "last", 1.0)],
)
def test_recommend_strategy_covers_the_four_cells(size, similarity, train, layer, mult):
    s = recommend_strategy(data_size=size, similarity=similarity)
    assert (s.data_size, s.similarity, s.train, s.feature_layer, s.backbone_lr_mult) == (
        size, similarity, train, layer, mult)
    assert len(s.strategy) > 40


def test_recommend_strategy_with_counts_and_bad_input():
    assert recommend_strategy(data_size=500, similarity="similar").data_size == "small"
    assert recommend_strategy(data_size=10_000, similarity="similar").data_size == "large"
    assert recommend_strategy(data_size=50, similarity="different", large_threshold=50).train == "all layers"
    assert "trouble" in recommend_strategy(data_size="small", similarity="different").strategy
    for kwargs, error, words in [
        (dict(data_size="medium", similarity="similar"), ValueError, "medium"),
        (dict(data_size=-3, similarity="similar"), ValueError, "-3"),
        (dict(data_size=True, similarity="similar"), TypeError, "True"),
        (dict(data_size=2.5, similarity="similar"), TypeError, "2.5"),
        (dict(data_size="small", similarity="same"), ValueError, "same"),
        (dict(data_size=10, similarity="similar", large_threshold=0), ValueError, "large_threshold"),
    ]:
        with pytest.raises(error, match=words):
            recommend_strategy(**kwargs)
