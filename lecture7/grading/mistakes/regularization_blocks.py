"""Known variants of DropConnect and stochastic depth (assignment 6, parts 4 and 5).

Every variant is a complete, self-contained class or function with exactly one bug,
written the way students write it (see :mod:`lecture7.grading.mistakes`). Masks are
drawn as the assignment asks (``torch.rand(...) < keep_prob``), so a variant draws
exactly what a student's code with that bug draws. The correct code is in
:mod:`lecture7.regularization`.
"""

import torch

from lecture7.grading.mistakes import mistake

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
