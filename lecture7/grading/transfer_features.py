"""Checks of assignment 8 (transfer learning), part 2: CNN codes and a linear probe.

Test cells call them with the student's code::

    from lecture7.grading.transfer_features import check_extract_features
    check_extract_features(extract_features)                          # visible
    check_extract_features(extract_features, hidden=True, points=2)   # hidden

**What is graded**: ``extract_features``, the features (the average-pooled activations
before ``fc``, computed in eval mode without gradients), as a tensor on the model's
device, with every module's train/eval mode and BatchNorm's running statistics as they
were; ``linear_probe``, its accuracy on held-out data, which must be at most
:data:`PROBE_TOLERANCE` below the reference probe's
(:func:`lecture7.transfer.fit_linear_probe`, computed when the cases are drawn).
**Accepted without loss**: a forward hook or a forward pass through the model's layers,
``torch.no_grad()`` or ``torch.inference_mode()``, ``detach()``; for the probe, any
linear classifier (softmax regression, a least-squares fit, an SVM you write) and any
solver, as long as it is as accurate. Models are built as in
:mod:`lecture7.grading.transfer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.device import default_device
from lecture7.grading.core import Case, Check
from lecture7.grading.observe import NONE, array, returned
from lecture7.grading.small_cnn import IMAGE_SIZE, build_model, mode_changes, model_spec, modes
from lecture7.transfer import extract_features, fit_linear_probe

__all__ = ["check_extract_features", "check_linear_probe"]

#: Students must not run the reference implementations (nor scikit-learn's classifiers).
FORBIDDEN = ("lecture7.transfer",)
PROBE_FORBIDDEN = ("lecture7.transfer", "sklearn")
#: A probe passes when its held-out accuracy is at most this much below the reference's.
PROBE_TOLERANCE = 0.1
SEPARATION = 1.0  # class means ~ N(0, SEPARATION**2) per feature, within a class N(0, 1)
PROBE_OK = "as good as the reference probe (or better)"
MODES = "modules whose train/eval mode changed"

# -- the references, with the students' signatures -------------------------------------


def reference_extract_features(model, images):
    return extract_features(model, images, layer="avgpool")


def reference_linear_probe(train_features, train_labels, test_features, num_classes):
    probe = fit_linear_probe(train_features, train_labels, method="softmax", l2=1e-3)
    return probe.predict(test_features)



# -- extract_features --------------------------------------------------------------------

FEATURES = "features"
GRAD = "the features require grad"
RETURNED = "returned"
STATS = "BatchNorm running statistics changed"


def run_extract_features(objects: Mapping[str, Any], inputs: dict) -> dict:
    model = build_model(inputs["model"])
    device = next(model.parameters()).device
    images = torch.tensor(np.asarray(inputs["images"]), dtype=torch.float32, device=device)
    before = modes(model)
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    out = objects["extract_features"](model, images)
    moved = [n for n, b in model.named_buffers() if not torch.equal(b, buffers[n])]
    return {FEATURES: array(out, "the features"),
            GRAD: bool(getattr(out, "requires_grad", False)), RETURNED: returned(out, images),
            MODES: mode_changes(before, model), STATS: ", ".join(moved) or NONE}


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
    expected = {FEATURES: np.array([[0.5, 0.0]] * 2), GRAD: False, RETURNED: "a torch tensor on the input's device",
                MODES: NONE, STATS: NONE}
    return [Case("a model in train mode whose codes are known, by hand",
                 {"model": hand, "images": _images(rng, 2)}, expected),
            Case("a random SmallCNN with BatchNorm, in train mode",
                 {"model": model_spec(rng, warm=True), "images": _images(rng, 5)}),
            Case("BatchNorm in eval mode while the rest trains: each module's mode restored",
                 {"model": model_spec(rng, warm=True, mode="bn-eval"), "images": _images(rng, 3)})]


def extract_features_hidden(rng: np.random.Generator) -> list[Case]:
    def case(group: str, n: int = 6, **extra: Any) -> Case:
        return Case(group, {"model": model_spec(rng, warm=True, **extra),
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
    predicted = array(predicted, "the predictions")
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
        observation["predicted labels"] = array(predicted, "the predictions")
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
                 _probe_data(rng, classes=4, dim=16, n_train=160, n_test=200)),
            *[Case("edge cases: a constant feature; a held-out batch of a single class",
                   _probe_data(rng, classes=3, dim=8, n_train=120, n_test=100, **edge))
              for edge in ({"constant": True}, {"one_class": True})]]


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



check_extract_features = Check(
    "extract_features", reference="lecture7.grading.transfer_features:reference_extract_features",
    run=run_extract_features, visible=extract_features_visible, hidden=extract_features_hidden,
    rtol=1e-5, atol=1e-6, forbidden=FORBIDDEN, mistakes="transfer")
check_linear_probe = Check(
    "linear_probe", reference="lecture7.grading.transfer_features:reference_linear_probe",
    run=run_linear_probe, visible=linear_probe_visible, hidden=linear_probe_hidden, rtol=1e-5,
    atol=1e-6, forbidden=PROBE_FORBIDDEN, mistakes="transfer")
