"""Known variants of dropout as a NumPy layer (assignment 6, part 1).

``dropout_forward`` is written once as a *model*, the way students write it, with
keyword-only knobs whose defaults are right; each variant found in real code (students'
CS231n ``layers.py``) is a knob setting (:func:`~lecture7.grading.mistakes.variant`), so
that bugs found together are recognised together. Conventions: the mask drawn as
``u >= p_drop`` or with ``rng.binomial`` (other units, the same distribution: accepted).
Mistakes: ``p_drop`` read as the keep probability (CS231n's ``p``), in the whole layer or in
its mask or its scaling only; no scaling at training time; scaling at test time as well;
one mask per feature shared by the whole batch. ``dropout_backward``'s variants are
functions with one bug each. The correct code is in :mod:`lecture7.regularization`.
"""

import numpy as np
import torch

from lecture7.grading.mistakes import mistake, variant

# -- dropout_forward(x, p_drop, mode, rng, inverted) -> (out, (mask, keep_prob, mode, inverted)) --


def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True, *, mask_prob="keep_prob",
                    scale_prob="keep_prob", draw="below", uniform=True, mask_shape="x",
                    scaling="as-asked"):
    """Inverted (or vanilla) dropout; the mask keeps a unit with probability mask_prob."""
    keep_prob = 1.0 - p_drop if scale_prob == "keep_prob" else p_drop
    q = 1.0 - p_drop if mask_prob == "keep_prob" else p_drop
    mask = None
    if mode == "train":
        shape = x.shape
        if mask_shape != "x":
            shape = (1, x.shape[1]) if mask_shape == "per-feature" else (x.shape[0], x.shape[1])
        if draw == "binomial":
            mask = rng.binomial(1, q, size=shape).astype(bool)
        else:
            u = rng.random(shape) if uniform else rng.standard_normal(shape)
            mask = u >= 1.0 - q if draw == "above" else u < q
    if scaling == "always-vanilla" or scaling == "never":
        inverted = False
    if mode == "train":
        scaled = inverted and scaling != "not-at-train"
        out = x * mask / keep_prob if scaled else x * mask
    else:
        scaled = (not inverted or scaling == "twice") and scaling != "never"
        out = x * keep_prob if scaled else x
    return out, (mask, keep_prob, mode, inverted)


variant(dropout_forward, "dropout-mask-above-p-drop",
        "your mask keeps the units with u >= p_drop (the docstring's keeps u < keep_prob): "
        "the same probability, other units; accepted.", accepted=True, draw="above")
variant(dropout_forward, "dropout-mask-binomial",
        "your mask is drawn with rng.binomial(1, keep_prob, ...) (the docstring's is "
        "rng.random(x.shape) < keep_prob): the same distribution; accepted.",
        accepted=True, draw="binomial")
variant(dropout_forward, "dropout-p-drop-as-keep-prob",
        "p_drop is the probability of DROPPING a unit: keep each unit with probability "
        "keep_prob = 1 - p_drop (mask = rng.random(x.shape) < 1 - p_drop) and divide by "
        "keep_prob. (CS231n's dropout_param['p'] is the probability of keeping; ours is not.)",
        mask_prob="p_drop", scale_prob="p_drop")
variant(dropout_forward, "dropout-mask-keeps-with-p-drop",
        "the mask must KEEP a unit with probability keep_prob = 1 - p_drop: "
        "mask = rng.random(x.shape) < keep_prob. With < p_drop, a fraction p_drop survives.",
        mask_prob="p_drop")
variant(dropout_forward, "dropout-scaled-by-p-drop",
        "divide the kept units by keep_prob = 1 - p_drop (and store keep_prob in the cache), "
        "not by p_drop.", scale_prob="p_drop")
variant(dropout_forward, "dropout-mask-from-normal-draws",
        "draw the mask from UNIFORM numbers, rng.random(x.shape) < keep_prob: with "
        "standard_normal (np.random.randn) the fraction kept is not keep_prob.", uniform=False)
variant(dropout_forward, "dropout-mask-per-feature",
        "draw one mask entry per unit of x (rng.random(x.shape)), not one per feature shared "
        "by the whole batch: every example gets its own mask.", mask_shape="per-feature")
variant(dropout_forward, "dropout-mask-2d-only",
        "x may have any shape ((N, D) after a linear layer, (N, C, H, W) after a convolution): "
        "draw the mask with rng.random(x.shape).", mask_shape="2d")
variant(dropout_forward, "dropout-not-scaled-at-train",
        "inverted dropout divides the kept units by keep_prob at TRAINING time "
        "(out = x * mask / keep_prob), so that the expected training output equals the "
        "test-time output x. Without it the test-time activations are 1 / keep_prob too large.",
        scaling="not-at-train")
variant(dropout_forward, "dropout-test-time-scaled-twice",
        "with inverted dropout the kept units are already divided by keep_prob at training "
        "time; at test time return x unchanged. Multiplying by keep_prob there as well scales "
        "the test-time activations down twice (only vanilla dropout scales at test time).",
        scaling="twice")
variant(dropout_forward, "dropout-always-vanilla",
        "inverted=True (the default) asks for INVERTED dropout: divide the kept units by "
        "keep_prob at training time and return x at test time. Scaling by keep_prob at test "
        "time is vanilla dropout, for inverted=False only.", scaling="always-vanilla")
variant(dropout_forward, "dropout-never-scaled",
        "dropout must keep the expected output the same in training and at test time: divide "
        "the kept units by keep_prob in training (inverted), or multiply by keep_prob at test "
        "time (vanilla). Zeroing units without either scales every later layer wrongly.",
        scaling="never")


# -- dropout_backward(dout, (mask, keep_prob, mode, inverted)) -> dx ------------------------------


@mistake("dropout_backward", "dropout-backward-mask-not-applied",
         "a dropped unit did not contribute to the output, so its gradient is 0: multiply dout "
         "by the mask from the cache (dx = dout * mask / keep_prob for inverted dropout).")
def dropout_backward_no_mask(dout, cache):
    _mask, keep_prob, mode, inverted = cache
    if mode == "train":
        return dout / keep_prob if inverted else dout
    return dout if inverted else dout * keep_prob


@mistake("dropout_backward", "dropout-backward-scale-missing",
         "the backward pass multiplies by the same factor as the forward pass: with inverted "
         "dropout that is mask / keep_prob, so dx = dout * mask / keep_prob.")
def dropout_backward_no_scale(dout, cache):
    mask, keep_prob, mode, inverted = cache
    if mode == "train":
        return dout * mask
    return dout if inverted else dout * keep_prob


@mistake("dropout_backward", "dropout-backward-mask-redrawn",
         "use the mask of the forward pass, from the cache: a new random mask zeroes the "
         "gradients of other units than the ones that were dropped.")
def dropout_backward_redrawn(dout, cache):
    _mask, keep_prob, mode, inverted = cache
    if mode == "train":
        new_mask = np.random.rand(*dout.shape) < keep_prob  # noqa: NPY002
        return dout * new_mask / keep_prob if inverted else dout * new_mask
    return dout if inverted else dout * keep_prob


@mistake("dropout_backward", "dropout-backward-test-time-scaled-twice",
         "at test time inverted dropout is the identity, so its gradient is dout unchanged; "
         "only vanilla dropout multiplies by keep_prob at test time.")
def dropout_backward_scaled_twice(dout, cache):
    mask, keep_prob, mode, inverted = cache
    if mode == "train":
        return dout * mask / keep_prob if inverted else dout * mask
    return dout * keep_prob


# -- the Dropout module ---------------------------------------------------------------------------


@mistake("Dropout", "dropout-module-drops-in-eval-mode",
         "after model.eval() dropout must be the identity: check self.training in forward and "
         "return x unchanged when it is False. (Dropping at test time makes predictions random "
         "and worse.)")
class DropoutDropsInEval(torch.nn.Module):
    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator

    def forward(self, x):
        keep_prob = 1.0 - self.p_drop
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u < keep_prob) / keep_prob


@mistake("Dropout", "dropout-module-scaled-at-test-too",
         "inverted dropout divides by keep_prob in training mode only; in evaluation mode "
         "return x unchanged (multiplying by keep_prob as well scales the activations twice).")
class DropoutScaledAtTest(torch.nn.Module):
    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator

    def forward(self, x):
        keep_prob = 1.0 - self.p_drop
        if not self.training:
            return x * keep_prob
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u < keep_prob) / keep_prob


@mistake("Dropout", "dropout-module-not-scaled-at-train",
         "divide the kept units by keep_prob in training mode (x * mask / keep_prob): "
         "evaluation mode returns x, so training must have the same expected output.")
class DropoutNotScaled(torch.nn.Module):
    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator

    def forward(self, x):
        if not self.training:
            return x
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u < 1.0 - self.p_drop)


@mistake("Dropout", "dropout-module-p-drop-as-keep-prob",
         "p_drop is the probability of DROPPING a unit: keep it when u < 1 - p_drop and "
         "divide by keep_prob = 1 - p_drop.")
class DropoutPAsKeep(torch.nn.Module):
    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator

    def forward(self, x):
        if not self.training:
            return x
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u < self.p_drop) / self.p_drop


@mistake("Dropout", "dropout-module-mask-above-p-drop",
         "your mask keeps the units with u >= p_drop (the assignment's keeps u < keep_prob): "
         "the same probability, other units; accepted.", accepted=True)
class DropoutOtherDraw(torch.nn.Module):
    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator

    def forward(self, x):
        if not self.training:
            return x
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u >= self.p_drop) / (1.0 - self.p_drop)
