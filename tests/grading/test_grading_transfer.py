"""The checks of assignment 8 on correct code written differently, and on odd outputs."""

import pytest
import torch

from lecture7.grading.small_cnn import build_model
from lecture7.grading.transfer import check_make_param_groups, check_replace_head
from lecture7.grading.transfer_features import check_extract_features, check_linear_probe


def test_models_are_built_as_described():
    spec = {"seed": 3, "widths": [2, 3], "classes": 4, "batchnorm": True,
            "frozen": ["features.0"], "mode": "bn-eval"}
    model = build_model(spec)
    assert [n for n, p in model.named_parameters() if not p.requires_grad] == [
        "features.0.0.weight", "features.0.1.weight", "features.0.1.bias"]
    assert model.training and not model.features[0][1].training
    assert build_model({**spec, "frozen": "backbone"}).fc.weight.requires_grad


def test_groups_given_as_generators_or_one_group_per_parameter_pass():
    def by_generators(model, lr, backbone_lr_mult):
        return [{"params": (p for n, p in model.named_parameters()
                            if p.requires_grad and not n.startswith("fc.")),
                 "lr": lr * backbone_lr_mult},
                {"params": model.fc.parameters(), "lr": lr}]

    def one_per_parameter(model, lr, backbone_lr_mult):
        return [{"params": p, "lr": lr if n.startswith("fc.") else lr * backbone_lr_mult}
                for n, p in model.named_parameters() if p.requires_grad]

    assert check_make_param_groups(by_generators, hidden=True, points=2) == 2
    assert check_make_param_groups(one_per_parameter, hidden=True, points=2) == 2


def test_groups_that_are_not_dicts_are_reported():
    with pytest.raises(AssertionError, match="expected a list of dicts"):
        check_make_param_groups(lambda model, lr, backbone_lr_mult: model.parameters())


def test_a_head_that_is_not_a_linear_layer_is_reported():
    def replace_head(model, num_classes, generator):
        model.fc = torch.nn.Sequential(torch.nn.Linear(model.fc.in_features, num_classes))
        return model.fc

    with pytest.raises(AssertionError, match=r"model\.fc is a Sequential"):
        check_replace_head(replace_head)


def test_features_through_a_forward_hook_pass():
    def extract_features(model, images):
        captured, modes = [], [(m, m.training) for m in model.modules()]
        handle = model.avgpool.register_forward_hook(lambda m, i, out: captured.append(out))
        model.eval()
        with torch.no_grad():
            model(images)
        handle.remove()
        for m, mode in modes:
            m.train(mode)  # parents come first in modules(): children end up right
        return captured[0]

    assert check_extract_features(extract_features, hidden=True, points=2) == 2


def test_a_probe_trained_with_autograd_and_adam_passes():
    def linear_probe(train_features, train_labels, test_features, num_classes):
        mean, std = train_features.mean(0), train_features.std(0, unbiased=False)
        std = torch.where(std > 0, std, torch.ones_like(std))
        layer = torch.nn.Linear(train_features.shape[1], num_classes).to(train_features.device)
        optimizer = torch.optim.Adam(layer.parameters(), lr=0.05)
        z = (train_features - mean) / std
        for _ in range(200):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(layer(z), train_labels).backward()
            optimizer.step()
        with torch.no_grad():
            return layer((test_features - mean) / std).argmax(1)

    assert check_linear_probe(linear_probe, hidden=True, points=3) == 3


def test_a_probe_that_predicts_the_wrong_shape_is_told_so():
    with pytest.raises(AssertionError, match="shape of the predictions"):
        check_linear_probe(lambda train_features, train_labels, test_features, num_classes:
                           torch.zeros(num_classes))
