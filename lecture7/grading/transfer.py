"""Checks of assignment 8 (transfer learning), part 1: freezing, new heads, learning-rate groups.

Test cells call them with the student's code::

    from lecture7.grading.transfer import check_freeze_backbone
    check_freeze_backbone(freeze_backbone)                          # visible
    check_freeze_backbone(freeze_backbone, hidden=True, points=2)   # hidden: vs lecture7.transfer

Every case describes a :class:`lecture7.models.SmallCNN` as plain data
(:mod:`lecture7.grading.small_cnn`); ``run`` builds it on :func:`lecture7.default_device`
in the student's kernel, hands it to the student's function and records what happened
to it. **What is graded**: ``freeze_backbone``, which parameters are trainable and which
move in an SGD step (and that no module's train/eval mode changes); ``replace_head``, the
new ``model.fc`` (a fresh ``nn.Linear`` of the right size, initialized from the generator,
on the model's device and dtype, trainable) and the rest of the model untouched;
``make_param_groups``, the learning rate each trainable parameter gets. **Accepted
without loss**: ``requires_grad_(False)`` or ``p.requires_grad = False``, freezing by
module or by parameter name; ``replace_head`` returning the head or not being used
(the model is what is graded, and returning ``model.fc`` is checked separately); groups
as lists or generators of parameters, extra keys in a group, one group per parameter.

The references are adapters of :mod:`lecture7.transfer` to the students' signatures;
each runs :mod:`lecture7.transfer` code, so a submission that calls them is caught like
one that calls :mod:`lecture7.transfer` directly. Features and probes:
:mod:`lecture7.grading.transfer_features`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import NONE, array
from lecture7.grading.small_cnn import (
    IMAGE_SIZE,
    build_model,
    mode_changes,
    model_spec,
    modes,
    parameter_names,
)
from lecture7.transfer import freeze, param_groups, replace_head, unfreeze

__all__ = ["check_freeze_backbone", "check_make_param_groups", "check_replace_head"]

#: Students must not run the reference implementations.
FORBIDDEN = ("lecture7.transfer",)

# -- the references, with the students' signatures -------------------------------------


def reference_freeze_backbone(model):
    """Every parameter outside ``model.fc`` frozen, ``model.fc`` trainable."""
    freeze(model)
    unfreeze(model, names="fc")


def reference_replace_head(model, num_classes, generator):
    return replace_head(model, num_classes=num_classes, attr="fc", generator=generator)


def reference_make_param_groups(model, lr, backbone_lr_mult):
    return param_groups(model, lr=lr, backbone_lr_mult=backbone_lr_mult, head="fc")



# -- freeze_backbone ---------------------------------------------------------------------

TRAINABLE = "trainable parameters (requires_grad)"
MOVED = "parameters changed by an SGD step"
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
    initial = modes(model)
    objects["freeze_backbone"](model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    _sgd_step(model, inputs["model"]["seed"])
    changed = [n for n, p in model.named_parameters() if not torch.equal(p.detach(), before[n])]
    return {TRAINABLE: parameter_names(trainable, model), MOVED: parameter_names(changed, model),
            MODES: mode_changes(initial, model)}


def freeze_visible(rng: np.random.Generator) -> list[Case]:
    hand = {"seed": 0, "widths": [2, 4], "classes": 3, "batchnorm": True}
    head = "fc.weight, fc.bias"
    return [Case("a SmallCNN with two blocks and BatchNorm, by hand", {"model": hand},
                 {TRAINABLE: head, MOVED: head, MODES: NONE}),
            Case("a random SmallCNN", {"model": model_spec(rng)}),
            Case("a SmallCNN frozen entirely before (the head must end up trainable)",
                 {"model": model_spec(rng, frozen="all")})]


def freeze_hidden(rng: np.random.Generator) -> list[Case]:
    return [
        *[Case("SmallCNNs with BatchNorm", {"model": model_spec(rng)}) for _ in range(2)],
        Case("a SmallCNN without BatchNorm (convolutions with biases)",
             {"model": model_spec(rng, batchnorm=False)}),
        Case("a model in eval mode: freezing does not change train/eval modes",
             {"model": model_spec(rng, mode="eval")}),
        Case("a model frozen entirely before: the head must end up trainable",
             {"model": model_spec(rng, frozen="all")}),
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
        "model.fc.weight": array(fc.weight, "model.fc.weight"),
        "model.fc.bias": (array(fc.bias, "model.fc.bias") if fc.bias is not None
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
                 {"model": model_spec(rng), "num_classes": 7, "seed": int(rng.integers(2**31))})]


def replace_head_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, num_classes: int | None = None, **extra: Any) -> Case:
        spec = model_spec(rng, **extra)
        while spec["classes"] == spec["widths"][-1]:  # in_features != old out_features
            spec = model_spec(rng, **extra)
        k = int(rng.integers(2, 12)) if num_classes is None else num_classes
        while num_classes is None and k in (spec["classes"], spec["widths"][-1]):
            k = int(rng.integers(2, 12))
        return Case(group, {"model": spec, "num_classes": k, "seed": int(rng.integers(2**31))})

    same = model_spec(rng)
    while same["classes"] == same["widths"][-1]:
        same = model_spec(rng)
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
    return {TWICE: parameter_names([n for n, c in count.items() if c > 1], model),
            FROZEN_IN: parameter_names(frozen, model), FOREIGN: foreign,
            LR: {n: lr_of.get(n, NO_GROUP) for n, p in named if p.requires_grad},
            ACCEPTED: accepted}


def _groups_case(rng: np.random.Generator, **extra: Any) -> dict:
    return {"model": model_spec(rng, **extra), "lr": float(10 ** rng.uniform(-3, -1)),
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
    deep = model_spec(rng)
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



check_freeze_backbone = Check(
    "freeze_backbone", reference="lecture7.grading.transfer:reference_freeze_backbone",
    run=run_freeze_backbone, visible=freeze_visible, hidden=freeze_hidden, rtol=1e-5,
    atol=1e-6, forbidden=FORBIDDEN, mistakes="transfer")
check_replace_head = Check(
    "replace_head", reference="lecture7.grading.transfer:reference_replace_head",
    run=run_replace_head, visible=replace_head_visible, hidden=replace_head_hidden, rtol=1e-5,
    atol=1e-6, forbidden=FORBIDDEN, mistakes="transfer")
check_make_param_groups = Check(
    "make_param_groups", reference="lecture7.grading.transfer:reference_make_param_groups",
    run=run_make_param_groups, visible=make_param_groups_visible,
    hidden=make_param_groups_hidden, rtol=1e-5, atol=1e-6, forbidden=FORBIDDEN,
    mistakes="transfer")
