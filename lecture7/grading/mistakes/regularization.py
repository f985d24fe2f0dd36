"""Classic mistakes in the dropout family of assignment 6.

Every variant is a complete, self-contained function or class with exactly one
bug, written the way students write it (see :mod:`lecture7.grading.mistakes`
for the rules variants follow). The correct code is in
:mod:`lecture7.regularization`. Masks are drawn as the assignment asks
(``rng.random(x.shape) < keep_prob`` in NumPy, ``torch.rand(...) < keep_prob``
in torch), so a variant draws exactly what a student's code with that bug draws.
"""

import numpy as np
import torch

from lecture7.grading.mistakes import mistake

# -- dropout_forward(x, p_drop, mode, rng, inverted) -> (out, (mask, keep_prob, mode, inverted)) --


@mistake("dropout_forward", "dropout-test-time-scaled-twice",
         "with inverted dropout the kept units are already divided by keep_prob at training "
         "time; at test time return x unchanged. Multiplying by keep_prob there as well scales "
         "the test-time activations down twice (only vanilla dropout scales at test time).")
def dropout_forward_scaled_twice(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < keep_prob
        out = x * mask / keep_prob if inverted else x * mask
    else:
        out = x * keep_prob
    return out, (mask, keep_prob, mode, inverted)


@mistake("dropout_forward", "dropout-not-scaled-at-train",
         "inverted dropout divides the kept units by keep_prob at TRAINING time "
         "(out = x * mask / keep_prob), so that the expected training output equals the "
         "test-time output x. Without it the test-time activations are 1 / keep_prob too large.")
def dropout_forward_not_scaled(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < keep_prob
        out = x * mask
    else:
        out = x if inverted else x * keep_prob
    return out, (mask, keep_prob, mode, inverted)


@mistake("dropout_forward", "dropout-p-drop-as-keep-prob",
         "p_drop is the probability of DROPPING a unit: keep it with probability "
         "keep_prob = 1 - p_drop (mask = rng.random(x.shape) < 1 - p_drop) and divide by that. "
         "(CS231n's dropout_param['p'] is the keep probability; ours is not.)")
def dropout_forward_p_as_keep(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < keep_prob
        out = x * mask / keep_prob if inverted else x * mask
    else:
        out = x if inverted else x * keep_prob
    return out, (mask, keep_prob, mode, inverted)


@mistake("dropout_forward", "dropout-mask-keeps-with-p-drop",
         "the mask must KEEP a unit with probability keep_prob = 1 - p_drop: "
         "mask = rng.random(x.shape) < keep_prob. With < p_drop, a fraction p_drop survives.")
def dropout_forward_mask_keeps_p(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < p_drop
        out = x * mask / keep_prob if inverted else x * mask
    else:
        out = x if inverted else x * keep_prob
    return out, (mask, keep_prob, mode, inverted)


@mistake("dropout_forward", "dropout-mask-drawn-differently",
         "draw the mask exactly as mask = rng.random(x.shape) < keep_prob, so that the grader's "
         "generator, in the same state, draws the same mask (rng.random(...) >= p_drop keeps "
         "units with the right probability, but different ones).")
def dropout_forward_other_draw(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) >= p_drop
        out = x * mask / keep_prob if inverted else x * mask
    else:
        out = x if inverted else x * keep_prob
    return out, (mask, keep_prob, mode, inverted)


@mistake("dropout_forward", "dropout-modifies-input",
         "x belongs to the caller (the previous layer may still need it): compute a new array "
         "(out = x * mask / keep_prob) instead of multiplying x in place (x *= ...).")
def dropout_forward_in_place(x, p_drop, mode="train", rng=None, inverted=True):
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < keep_prob
        x *= mask / keep_prob if inverted else mask
    elif not inverted:
        x *= keep_prob
    return x, (mask, keep_prob, mode, inverted)


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


@mistake("Dropout", "dropout-module-mask-drawn-differently",
         "draw u = torch.rand(x.shape, generator=self.generator, device=x.device, "
         "dtype=x.dtype) and keep the units with u < keep_prob, so that the grader's generator "
         "draws the same mask (u >= p_drop keeps the right number of units, but other ones).")
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


# -- DropConnect: y = x (mask * W)^T / keep_prob + b ----------------------------------------------


@mistake("drop_connect_linear", "dropconnect-drops-outputs",
         "that is dropout on the layer's outputs (one mask entry per example and unit). "
         "DropConnect drops WEIGHTS: draw a mask of weight.shape and compute "
         "x @ (weight * mask / keep_prob).T + bias.")
def drop_connect_drops_outputs(x, weight, bias, p_drop, training=True, generator=None):
    keep_prob = 1.0 - p_drop
    out = x @ weight.T
    if bias is not None:
        out = out + bias
    if not training:
        return out
    u = torch.rand(out.shape, generator=generator, device=out.device, dtype=out.dtype)
    return out * (u < keep_prob) / keep_prob


@mistake("drop_connect_linear", "dropconnect-drops-bias",
         "DropConnect drops the weights only: the bias is always added, unmasked.")
def drop_connect_drops_bias(x, weight, bias, p_drop, training=True, generator=None):
    keep_prob = 1.0 - p_drop
    if not training:
        return x @ weight.T + bias if bias is not None else x @ weight.T
    u = torch.rand(weight.shape, generator=generator, device=weight.device, dtype=weight.dtype)
    out = x @ (weight * (u < keep_prob) / keep_prob).T
    if bias is not None:
        v = torch.rand(bias.shape, generator=generator, device=bias.device, dtype=bias.dtype)
        out = out + bias * (v < keep_prob) / keep_prob
    return out


@mistake("drop_connect_linear", "dropconnect-not-scaled",
         "divide the kept weights by keep_prob in training (weight * mask / keep_prob): the "
         "evaluation pass uses all weights unscaled, so training must have the same expected "
         "output.")
def drop_connect_not_scaled(x, weight, bias, p_drop, training=True, generator=None):
    keep_prob = 1.0 - p_drop
    if training:
        u = torch.rand(weight.shape, generator=generator, device=weight.device,
                       dtype=weight.dtype)
        weight = weight * (u < keep_prob)
    out = x @ weight.T
    return out + bias if bias is not None else out


@mistake("drop_connect_linear", "dropconnect-masks-at-test-time",
         "with training=False use every weight, unscaled: y = x @ weight.T + bias. "
         "Dropping weights at test time makes predictions random.")
def drop_connect_masks_at_test(x, weight, bias, p_drop, training=True, generator=None):
    keep_prob = 1.0 - p_drop
    u = torch.rand(weight.shape, generator=generator, device=weight.device, dtype=weight.dtype)
    out = x @ (weight * (u < keep_prob) / keep_prob).T
    return out + bias if bias is not None else out


# -- stochastic depth: x + b * branch(x) / survival_prob, b ~ Bernoulli(survival_prob) -----------


@mistake("stochastic_depth", "stochastic-depth-drops-identity",
         "a skipped block is the identity: return x (the shortcut is never dropped), and only "
         "the residual branch is multiplied by b / survival_prob: x + b * branch(x) / "
         "survival_prob.")
def stochastic_depth_drops_identity(x, branch, survival_prob, training=True, generator=None):
    if not training:
        return x + branch(x)
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    if u < survival_prob:
        return (x + branch(x)) / survival_prob
    return torch.zeros_like(x)


@mistake("stochastic_depth", "stochastic-depth-not-scaled",
         "in training divide the kept branch by survival_prob (x + branch(x) / survival_prob), "
         "so that its expected value matches the evaluation output x + branch(x).")
def stochastic_depth_not_scaled(x, branch, survival_prob, training=True, generator=None):
    if not training:
        return x + branch(x)
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    if u < survival_prob:
        return x + branch(x)
    return x


@mistake("stochastic_depth", "stochastic-depth-scaled-at-test-too",
         "this is the inverted form: the branch is divided by survival_prob in training, so "
         "evaluation uses x + branch(x) unscaled (x + survival_prob * branch(x) is the paper's "
         "rule for a branch NOT scaled in training).")
def stochastic_depth_scaled_twice(x, branch, survival_prob, training=True, generator=None):
    if not training:
        return x + survival_prob * branch(x)
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    if u < survival_prob:
        return x + branch(x) / survival_prob
    return x


@mistake("stochastic_depth", "stochastic-depth-per-example",
         "draw ONE number per call, u = torch.rand((), ...): the whole mini-batch keeps or "
         "skips the block together (that is what makes a skipped block free to compute). "
         "A mask per example is a different method.")
def stochastic_depth_per_example(x, branch, survival_prob, training=True, generator=None):
    if not training:
        return x + branch(x)
    shape = (x.shape[0],) + (1,) * (x.dim() - 1)
    u = torch.rand(shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + branch(x) * (u < survival_prob) / survival_prob


@mistake("stochastic_depth", "stochastic-depth-drops-at-test-time",
         "with training=False every block is used: return x + branch(x), without drawing.")
def stochastic_depth_drops_at_test(x, branch, survival_prob, training=True, generator=None):
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    if u < survival_prob:
        return x + branch(x) / survival_prob
    return x
