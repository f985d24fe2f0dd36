"""Checks of assignment 8 (transfer learning): freezing, new heads, learning-rate groups,
CNN codes and a linear probe.

Test cells call them with the student's code::

    from lecture7.grading.transfer import check_freeze_backbone
    check_freeze_backbone(freeze_backbone)                          # visible
    check_freeze_backbone(freeze_backbone, hidden=True, points=2)   # hidden: vs lecture7.transfer

Every case describes a :class:`lecture7.models.SmallCNN` as plain data (seed,
widths, batch normalization, which parameters are frozen, which modules are in
eval mode, parameter values to set); ``run`` builds it on
:func:`lecture7.default_device` in the student's kernel, hands it to the
student's function and records what happened to it: which parameters are
trainable, which changed in an optimizer step, the modes of the modules, the
new head's weights, the learning rate each parameter gets, the features. The
linear probe is graded by its accuracy on held-out data, against the accuracy
of the reference probe (:func:`lecture7.transfer.fit_linear_probe`) computed
when the cases are drawn.

The references are adapters of :mod:`lecture7.transfer` to the students'
signatures; each runs :mod:`lecture7.transfer` code, so a submission that calls
them is caught like one that calls :mod:`lecture7.transfer` directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from lecture7.device import default_device
from lecture7.grading.core import Case, Check
from lecture7.grading.mistakes import mistakes_for
from lecture7.models import SmallCNN
from lecture7.transfer import (
    extract_features,
    fit_linear_probe,
    freeze,
    param_groups,
    replace_head,
    unfreeze,
)

__all__ = ["check_extract_features", "check_freeze_backbone", "check_linear_probe",
           "check_make_param_groups", "check_replace_head"]

#: Students must not run the reference implementations (nor scikit-learn's classifiers).
FORBIDDEN = ("lecture7.transfer",)
PROBE_FORBIDDEN = ("lecture7.transfer", "sklearn")
#: A probe passes when its held-out accuracy is at most this much below the reference's.
PROBE_TOLERANCE = 0.1
SEPARATION = 1.0  # class means ~ N(0, SEPARATION**2) per feature, within a class N(0, 1)
PROBE_OK = "as good as the reference probe (or better)"
IMAGE_SIZE = 8
NONE = "none"
ON_DEVICE = "a tensor on the model's device"


# -- the references, with the students' signatures -------------------------------------


def reference_freeze_backbone(model):
    """Every parameter outside ``model.fc`` frozen, ``model.fc`` trainable."""
    freeze(model)
    unfreeze(model, names="fc")


def reference_replace_head(model, num_classes, generator):
    return replace_head(model, num_classes=num_classes, attr="fc", generator=generator)


def reference_make_param_groups(model, lr, backbone_lr_mult):
    return param_groups(model, lr=lr, backbone_lr_mult=backbone_lr_mult, head="fc")


def reference_extract_features(model, images):
    return extract_features(model, images, layer="avgpool")


def reference_linear_probe(train_features, train_labels, test_features, num_classes):
    probe = fit_linear_probe(train_features, train_labels, method="softmax", l2=1e-3)
    return probe.predict(test_features)


# -- models from plain data -------------------------------------------------------------


def build_model(spec: dict) -> nn.Module:
    """A SmallCNN on the default device, as ``spec`` describes it.

    Keys: ``seed``, ``widths``, ``classes``, ``batchnorm``; optional ``warm`` (train-mode
    forward passes so that BatchNorm's running statistics move away from 0 and 1),
    ``set`` (name -> values of parameters and buffers), ``frozen`` (``"all"``,
    ``"backbone"`` or a list of name prefixes), ``mode`` (``"train"``, ``"eval"`` or
    ``"bn-eval"``: BatchNorm layers in eval mode, the rest in train mode).
    """
    device = default_device()
    model = SmallCNN(3, spec["classes"], widths=tuple(spec["widths"]),
                     batchnorm=spec["batchnorm"], seed=spec["seed"]).to(device)
    if spec.get("warm"):
        generator = torch.Generator().manual_seed(spec["seed"])
        with torch.no_grad():
            for _ in range(3):
                x = 0.5 + 2 * torch.rand(16, 3, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
                model(x.to(device))
    state = dict(model.named_parameters()) | dict(model.named_buffers())
    with torch.no_grad():
        for name, values in spec.get("set", {}).items():
            state[name].copy_(torch.as_tensor(np.asarray(values), dtype=state[name].dtype))
    frozen = spec.get("frozen")
    for name, p in model.named_parameters():
        if frozen == "all" or (frozen == "backbone" and not name.startswith("fc.")) or (
                isinstance(frozen, list) and any(name.startswith(f + ".") for f in frozen)):
            p.requires_grad_(False)
    mode = spec.get("mode", "train")
    model.train(mode != "eval")
    if mode == "bn-eval":
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
    return model


def _model_spec(rng: np.random.Generator, *, batchnorm: bool = True, **extra: Any) -> dict:
    depth = int(rng.integers(1, 4))
    widths = [int(w) for w in rng.integers(2, 7, size=depth)]
    return {"seed": int(rng.integers(2**31)), "widths": widths,
            "classes": int(rng.integers(2, 8)), "batchnorm": batchnorm, **extra}


def _names(names: list[str], model: nn.Module) -> str:
    every = [n for n, _ in model.named_parameters()]
    if not names:
        return NONE
    if len(names) > 2 and set(names) == set(every):
        return f"all {len(every)} parameters"
    return ", ".join(n for n in every if n in set(names)) or ", ".join(names)


def _modes(model: nn.Module) -> dict[str, bool]:
    return {name or "(the model)": m.training for name, m in model.named_modules()}


def _mode_changes(before: dict[str, bool], model: nn.Module) -> str:
    after = _modes(model)
    changed = [f"{name} ({'train' if before[name] else 'eval'} -> "
               f"{'train' if after[name] else 'eval'})"
               for name in before if name in after and after[name] != before[name]]
    if len(changed) > 3:
        return f"{len(changed)} modules, e.g. " + ", ".join(changed[:3])
    return ", ".join(changed) or NONE


def _numbers(x: Any, what: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not an array of numbers") from None


# -- freeze_backbone ---------------------------------------------------------------------

TRAINABLE = "trainable parameters (requires_grad)"
CHANGED = "parameters changed by an SGD step"
MODES = "modules whose train/eval mode changed"


def _sgd_step(model: nn.Module, seed: int) -> None:
    """One training step on random data, with every parameter in the optimizer."""
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(4, 3, IMAGE_SIZE, IMAGE_SIZE, generator=generator).to(device)
    y = torch.randint(0, model.fc.out_features, (4,), generator=generator).to(device)
    loss = nn.functional.cross_entropy(model(x), y)
    if loss.requires_grad:  # not when every parameter is frozen
        loss.backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()


def run_freeze_backbone(objects: Mapping[str, Any], inputs: dict) -> dict:
    model = build_model(inputs["model"])
    modes = _modes(model)
    objects["freeze_backbone"](model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    _sgd_step(model, inputs["model"]["seed"])
    changed = [n for n, p in model.named_parameters() if not torch.equal(p.detach(), before[n])]
    return {TRAINABLE: _names(trainable, model), CHANGED: _names(changed, model),
            MODES: _mode_changes(modes, model)}


def freeze_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"seed": 0, "widths": [2, 4], "classes": 3, "batchnorm": True}
    head = "fc.weight, fc.bias"
    return [Case("a SmallCNN with two blocks and BatchNorm, by hand", {"model": hand},
                 {TRAINABLE: head, CHANGED: head, MODES: NONE}),
            Case("a random SmallCNN", {"model": _model_spec(rng)})]


def freeze_hidden(rng: np.random.Generator) -> list[Case]:
    return [
        *[Case("SmallCNNs with BatchNorm", {"model": _model_spec(rng)}) for _ in range(2)],
        Case("a SmallCNN without BatchNorm (convolutions with biases)",
             {"model": _model_spec(rng, batchnorm=False)}),
        Case("a model in eval mode: freezing does not change train/eval modes",
             {"model": _model_spec(rng, mode="eval")}),
        Case("a model frozen entirely before: the head must end up trainable",
             {"model": _model_spec(rng, frozen="all")}),
    ]


# -- replace_head ------------------------------------------------------------------------

RETURNED_FC = "replace_head returned model.fc"
NEW = "model.fc is a new nn.Linear"
SHAPE = "model.fc (in_features, out_features)"
PLACE = "model.fc is on the model's device, in its dtype"
HEAD_TRAINABLE = "model.fc is trainable"
REST = "the rest of the model is unchanged"
SAME_SEED = "the same seed gives the same head"
YES = "yes"


def run_replace_head(objects: Mapping[str, Any], inputs: dict) -> dict:
    spec, k, seed = inputs["model"], inputs["num_classes"], inputs["seed"]
    model = build_model(spec)
    old = model.fc
    device, dtype = old.weight.device, old.weight.dtype
    rest = {n: p.detach().clone() for n, p in model.named_parameters() if not n.startswith("fc.")}
    head = objects["replace_head"](model, k, torch.Generator().manual_seed(seed))
    fc = model.fc
    if not isinstance(fc, nn.Linear):
        raise TypeError(f"model.fc is a {type(fc).__name__} after replace_head, not an nn.Linear")
    again = build_model(spec)
    objects["replace_head"](again, k, torch.Generator().manual_seed(seed))
    same = (isinstance(again.fc, nn.Linear)
            and all(a.shape == b.shape and torch.equal(a.detach().cpu(), b.detach().cpu())
                    for a, b in zip(again.fc.parameters(), fc.parameters(), strict=False)))
    params = dict(model.named_parameters())
    unchanged = all(n in params and torch.equal(params[n].detach(), p) for n, p in rest.items())
    place = (YES if fc.weight.device == device and fc.weight.dtype == dtype
             else f"no: {fc.weight.device}, {fc.weight.dtype} (the model: {device}, {dtype})")
    return {
        RETURNED_FC: head is fc, NEW: fc is not old, SHAPE: [fc.in_features, fc.out_features],
        "model.fc.weight": _numbers(fc.weight, "model.fc.weight"),
        "model.fc.bias": (_numbers(fc.bias, "model.fc.bias") if fc.bias is not None
                          else "no bias"),
        PLACE: place, HEAD_TRAINABLE: all(p.requires_grad for p in fc.parameters()),
        REST: unchanged, SAME_SEED: same,
    }


# The first 9 draws of torch.rand with torch.Generator().manual_seed(0): nn.Linear(2, 3)'s
# weight (3 x 2, row by row), then its bias, uniform on +-1/sqrt(in_features) = +-1/sqrt(2).
_U = np.array([0.49625658988952637, 0.7682217955589294, 0.08847743272781372,
               0.13203048706054688, 0.30742281675338745, 0.6340786814689636,
               0.4900934100151062, 0.8964447379112244, 0.455627977848053])
_BOUND = 1 / np.sqrt(2)


def replace_head_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"model": {"seed": 1, "widths": [2], "classes": 5, "batchnorm": True},
            "num_classes": 3, "seed": 0}
    uniform = _BOUND * (2 * _U - 1)
    expected = {RETURNED_FC: True, NEW: True, SHAPE: [2, 3],
                "model.fc.weight": uniform[:6].reshape(3, 2), "model.fc.bias": uniform[6:],
                PLACE: YES, HEAD_TRAINABLE: True, REST: True, SAME_SEED: True}
    return [Case("a 2-feature backbone, a new head for 3 classes from seed 0, by hand",
                 hand, expected),
            Case("a random SmallCNN, a new number of classes",
                 {"model": _model_spec(rng), "num_classes": 7, "seed": int(rng.integers(2**31))})]


def replace_head_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, num_classes: int | None = None, **extra: Any) -> Case:
        spec = _model_spec(rng, **extra)
        while spec["classes"] == spec["widths"][-1]:  # in_features != old out_features
            spec = _model_spec(rng, **extra)
        k = int(rng.integers(2, 12)) if num_classes is None else num_classes
        while num_classes is None and k in (spec["classes"], spec["widths"][-1]):
            k = int(rng.integers(2, 12))
        return Case(group, {"model": spec, "num_classes": k, "seed": int(rng.integers(2**31))})

    same = _model_spec(rng)
    while same["classes"] == same["widths"][-1]:
        same = _model_spec(rng)
    return [
        *[case("a new number of classes") for _ in range(2)],
        Case("as many classes as before: still a new, freshly initialized head",
             {"model": same, "num_classes": same["classes"], "seed": int(rng.integers(2**31))}),
        case("a frozen backbone: the new head must be trainable", frozen="all"),
        case("a single output (a binary score)", num_classes=1, batchnorm=False),
    ]


# -- make_param_groups -------------------------------------------------------------------

LR = "learning rate of each trainable parameter"
FROZEN_IN = "frozen parameters in a group"
TWICE = "parameters in more than one group"
FOREIGN = "tensors in the groups that are not parameters of the model"
ACCEPTED = "torch.optim.SGD accepts the groups"
NO_GROUP = "in no group"


def run_make_param_groups(objects: Mapping[str, Any], inputs: dict) -> dict:
    model = build_model(inputs["model"])
    named = list(model.named_parameters())
    names = {id(p): n for n, p in named}
    groups = objects["make_param_groups"](model, inputs["lr"], inputs["backbone_lr_mult"])
    if not isinstance(groups, list | tuple) or not all(isinstance(g, dict) for g in groups):
        raise TypeError(f"make_param_groups returned {type(groups).__name__}; expected a list "
                        "of dicts {'params': [...], 'lr': ...}")
    lr_of: dict[str, Any] = {}
    count: Counter = Counter()
    foreign, normalized = 0, []
    for group in groups:
        if "params" not in group:
            raise TypeError(f"a group has no 'params' key: {sorted(group, key=str)}")
        params = group["params"]
        params = [params] if isinstance(params, torch.Tensor) else list(params)
        normalized.append({**group, "params": params})
        for p in params:
            name = names.get(id(p))
            if name is None:
                foreign += 1
                continue
            count[name] += 1
            lr = group.get("lr", "no 'lr' in its group")
            lr_of.setdefault(name, float(lr) if isinstance(lr, int | float) else repr(lr)[:40])
    frozen = [n for n, p in named if not p.requires_grad and count[n]]
    try:
        torch.optim.SGD(normalized, lr=inputs["lr"])
        accepted = YES
    except Exception as err:
        accepted = f"no: {type(err).__name__}: {err}"[:160]
    return {TWICE: _names([n for n, c in count.items() if c > 1], model),
            FROZEN_IN: _names(frozen, model), FOREIGN: foreign,
            LR: {n: lr_of.get(n, NO_GROUP) for n, p in named if p.requires_grad},
            ACCEPTED: accepted}


def _groups_case(rng: np.random.Generator, **extra: Any) -> dict:
    return {"model": _model_spec(rng, **extra), "lr": float(10 ** rng.uniform(-3, -1)),
            "backbone_lr_mult": float(rng.uniform(0.01, 0.5))}


def make_param_groups_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"model": {"seed": 0, "widths": [4], "classes": 10, "batchnorm": False},
            "lr": 0.01, "backbone_lr_mult": 0.1}
    expected = {TWICE: NONE, FROZEN_IN: NONE, FOREIGN: 0,
                LR: {"features.0.0.weight": 0.001, "features.0.0.bias": 0.001,
                     "fc.weight": 0.01, "fc.bias": 0.01},
                ACCEPTED: YES}
    return [Case("one convolution block and the head, lr 0.01, multiplier 0.1, by hand",
                 hand, expected),
            Case("a SmallCNN whose first block is frozen",
                 _groups_case(rng, frozen=["features.0"]))]


def make_param_groups_hidden(rng: np.random.Generator) -> list[Case]:
    deep = _model_spec(rng)
    deep["widths"] = [int(w) for w in rng.integers(2, 7, size=3)]
    return [
        *[Case("nothing frozen: random lr and multiplier", _groups_case(rng, batchnorm=bn))
          for bn in (True, False)],
        Case("early blocks frozen: frozen parameters are left out",
             _groups_case(rng, frozen=["features.0"])),
        Case("early blocks frozen: frozen parameters are left out",
             {**_groups_case(rng), "model": {**deep, "frozen": ["features.0", "features.1"]}}),
        Case("the whole backbone frozen: only the head is trained",
             _groups_case(rng, frozen="backbone")),
    ]


# -- extract_features --------------------------------------------------------------------

FEATURES = "features"
GRAD = "the features require grad"
RETURNED = "returned"
STATS = "BatchNorm running statistics changed"


def run_extract_features(objects: Mapping[str, Any], inputs: dict) -> dict:
    model = build_model(inputs["model"])
    device = next(model.parameters()).device
    images = torch.tensor(np.asarray(inputs["images"]), dtype=torch.float32, device=device)
    modes = _modes(model)
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    out = objects["extract_features"](model, images)
    moved = [n for n, b in model.named_buffers() if not torch.equal(b, buffers[n])]
    if not isinstance(out, torch.Tensor):
        returned = f"a {type(out).__name__}, not a torch tensor"
    elif out.device != device:
        returned = f"a tensor on {out.device}, not on the model's device {device}"
    else:
        returned = ON_DEVICE
    return {FEATURES: _numbers(out, "the features"),
            GRAD: bool(getattr(out, "requires_grad", False)), RETURNED: returned,
            MODES: _mode_changes(modes, model), STATS: ", ".join(moved) or NONE}


def _images(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.0, 1.0, (n, 3, IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)


def extract_features_visible(rng: np.random.Generator) -> list[Case]:
    # One block, all convolution weights 0: the convolution outputs 0 everywhere. In eval
    # mode BatchNorm gives (0 - running_mean) / sqrt(running_var + 1e-5) * weight + bias
    # = (1 / 2, -2 / 1 + 0.5) ~ (0.5, -1.5); ReLU, max and average pooling: (0.5, 0).
    # (In train mode BatchNorm would use the batch's mean and variance, 0 and 0: (0, 0.5).)
    hand = {"seed": 0, "widths": [2], "classes": 3, "batchnorm": True,
            "set": {"features.0.0.weight": np.zeros((2, 3, 3, 3)),
                    "features.0.1.running_mean": [-1.0, 2.0], "features.0.1.running_var": [4.0, 1.0],
                    "features.0.1.weight": [1.0, 1.0], "features.0.1.bias": [0.0, 0.5]}}
    expected = {FEATURES: np.array([[0.5, 0.0]] * 2), GRAD: False, RETURNED: ON_DEVICE,
                MODES: NONE, STATS: NONE}
    return [Case("a model in train mode whose codes are known, by hand",
                 {"model": hand, "images": _images(rng, 2)}, expected),
            Case("a random SmallCNN with BatchNorm, in train mode",
                 {"model": _model_spec(rng, warm=True), "images": _images(rng, 5)})]


def extract_features_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, n: int = 6, **extra: Any) -> Case:
        return Case(group, {"model": _model_spec(rng, warm=True, **extra),
                            "images": _images(rng, n)})

    return [
        *[case("models in train mode, with BatchNorm: codes computed in eval mode")
          for _ in range(2)],
        case("a single image", n=1),
        case("a model in eval mode stays in eval mode", mode="eval"),
        case("BatchNorm kept in eval mode while the rest trains: each module's mode restored",
             mode="bn-eval"),
    ]


# -- linear_probe ------------------------------------------------------------------------

SHAPE_OF = "shape of the predictions"
ACCURACY = "held-out accuracy"


def _probe_tensors(inputs: dict) -> tuple:
    device = default_device()
    return (torch.tensor(inputs["train_features"], dtype=torch.float32, device=device),
            torch.tensor(inputs["train_labels"], dtype=torch.int64, device=device),
            torch.tensor(inputs["test_features"], dtype=torch.float32, device=device),
            inputs["num_classes"])


def _accuracy(predicted: Any, labels: np.ndarray) -> tuple[list[int], float | None]:
    predicted = _numbers(predicted, "the predictions")
    if predicted.shape != labels.shape:
        return list(predicted.shape), None
    return list(predicted.shape), float(np.mean(predicted == labels))


def run_linear_probe(objects: Mapping[str, Any], inputs: dict) -> dict:
    predicted = objects["linear_probe"](*_probe_tensors(inputs))
    labels = np.asarray(inputs["test_labels"])
    shape, accuracy = _accuracy(predicted, labels)
    reference = inputs["reference accuracy"]
    if accuracy is None:
        verdict = "not measured: the predictions have the wrong shape"
    elif accuracy >= reference - PROBE_TOLERANCE:
        verdict = PROBE_OK
    else:
        verdict = (f"{accuracy:.3f}, more than {PROBE_TOLERANCE} below the reference "
                   f"probe's {reference:.3f}")
    observation = {SHAPE_OF: shape, ACCURACY: verdict}
    if "exact" in inputs:
        observation["predicted labels"] = _numbers(predicted, "the predictions")
    return observation


def _with_reference(inputs: dict) -> dict:
    predicted = reference_linear_probe(*_probe_tensors(inputs))
    inputs["reference accuracy"] = _accuracy(predicted, np.asarray(inputs["test_labels"]))[1]
    return inputs


def _probe_data(rng: np.random.Generator, *, classes: int, dim: int, n_train: int,
                n_test: int, constant: bool = False, one_class: bool = False) -> dict:
    """Gaussian clusters, each feature scaled and shifted by its own (very different) amount,
    as the units of a network's layer are."""
    centers = SEPARATION * rng.standard_normal((classes, dim))
    y_train = rng.permutation(np.arange(n_train) % classes)
    y_test = (np.full(n_test, rng.integers(classes)) if one_class
              else rng.integers(0, classes, n_test))
    scale = 10 ** rng.uniform(-1.0, 1.5, dim)
    # Always both extremes, so that a probe that skips standardization cannot get
    # lucky with a draw of similar scales (it fails by far more than PROBE_TOLERANCE).
    scale[: min(2, dim)] = [10**-1.5, 10**2.0][: min(2, dim)]
    offset = rng.uniform(-2.0, 2.0, dim) * scale

    def features(y: np.ndarray) -> np.ndarray:
        x = (centers[y] + rng.standard_normal((len(y), dim))) * scale + offset
        if constant:
            x[:, 0] = 0.0  # a unit that never fires (a dead ReLU)
        return x.astype(np.float32)

    return _with_reference({"train_features": features(y_train), "train_labels": y_train,
                            "test_features": features(y_test), "test_labels": y_test,
                            "num_classes": classes})


def linear_probe_visible(rng: np.random.Generator) -> list[Case]:
    # One feature, class 0 around 1 and class 1 around 11: any sensible linear classifier
    # puts the boundary near 6.
    hand = _with_reference({
        "train_features": np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]], np.float32),
        "train_labels": np.array([0, 0, 0, 1, 1, 1]),
        "test_features": np.array([[1.5], [10.5], [-3.0], [20.0]], np.float32),
        "test_labels": np.array([0, 1, 0, 1]), "num_classes": 2, "exact": True})
    expected = {SHAPE_OF: [4], ACCURACY: PROBE_OK, "predicted labels": np.array([0, 1, 0, 1])}
    return [Case("two classes on a line, by hand", hand, expected),
            Case("4 classes of 16-dimensional features",
                 _probe_data(rng, classes=4, dim=16, n_train=160, n_test=200))]


def linear_probe_hidden(rng: np.random.Generator) -> list[Case]:
    def data(**options: Any) -> dict:
        return _probe_data(rng, classes=int(rng.integers(3, 6)), dim=int(rng.integers(8, 24)),
                           n_train=200, n_test=200, **options)

    return [
        *[Case("random features with very different scales", data()) for _ in range(2)],
        Case("a feature that is constant (a dead unit): its standard deviation is 0",
             data(constant=True)),
        *[Case("a held-out batch of a single class: standardize it with the TRAINING "
               "statistics", data(one_class=True)) for _ in range(2)],
    ]


# -- the checks --------------------------------------------------------------------------


def _check(name: str, run, visible, hidden, forbidden=FORBIDDEN) -> Check:
    return Check(name, targets=(name,),
                 references={name: f"lecture7.grading.transfer:reference_{name}"},
                 run=run, visible=visible, hidden=hidden, rtol=1e-5, atol=1e-6,
                 forbidden=forbidden, mistakes=mistakes_for("transfer", name))


check_freeze_backbone = _check("freeze_backbone", run_freeze_backbone, freeze_visible,
                               freeze_hidden)
check_replace_head = _check("replace_head", run_replace_head, replace_head_visible,
                            replace_head_hidden)
check_make_param_groups = _check("make_param_groups", run_make_param_groups,
                                 make_param_groups_visible, make_param_groups_hidden)
check_extract_features = _check("extract_features", run_extract_features,
                                extract_features_visible, extract_features_hidden)
check_linear_probe = _check("linear_probe", run_linear_probe, linear_probe_visible,
                            linear_probe_hidden, forbidden=PROBE_FORBIDDEN)
