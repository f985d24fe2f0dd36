"""Classic mistakes in the initialization formulas and samplers of assignment 1.

Every variant is a complete, self-contained function with exactly one bug,
written the way students write it (see :mod:`lecture7.grading.mistakes` for the
rules variants follow). The correct formulas are in :mod:`lecture7.init.formulas`.
Shapes follow PyTorch: ``(out, in)`` or ``(out, in, *kernel)``.
"""

import math

import numpy as np
import torch

from lecture7.grading.mistakes import mistake

# -- fans: fan_in = in * prod(kernel), fan_out = out * prod(kernel) ----------------------


@mistake("fan_in_and_fan_out", "fans-swapped",
         "PyTorch stores a weight as (out, in, *kernel): fan_in comes from shape[1] and "
         "fan_out from shape[0]. (A CS231n weight used as x @ W is (in, out), the other way "
         "round.)")
def fans_swapped(shape):
    receptive_field = math.prod(shape[2:])
    return shape[0] * receptive_field, shape[1] * receptive_field


@mistake("fan_in_and_fan_out", "conv-fan-without-receptive-field",
         "each output of a convolution sums over in_channels x kh x kw inputs: multiply both "
         "fans by the receptive field size, the product of the kernel dimensions shape[2:].")
def fans_without_receptive_field(shape):
    return shape[1], shape[0]


@mistake("fan_in_and_fan_out", "conv-fan-out-without-receptive-field",
         "fan_out also counts the kernel: each input feeds out_channels x kh x kw outputs, so "
         "fan_out = shape[0] * prod(shape[2:]), not just out_channels.")
def fan_out_without_receptive_field(shape):
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0]


# -- Xavier std: gain * sqrt(2 / (fan_in + fan_out)) --------------------------------------


@mistake("xavier_std", "xavier-fan-in-only",
         "1/sqrt(fan_in) is the lecture's shortcut for square layers; Glorot's std averages "
         "the forward and backward conditions: gain * sqrt(2 / (fan_in + fan_out)).")
def xavier_std_fan_in_only(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(1.0 / fan_in)


@mistake("xavier_std", "xavier-fan-out-only",
         "1/sqrt(fan_out) only keeps the gradients' variance; Glorot's std uses both fans: "
         "gain * sqrt(2 / (fan_in + fan_out)).")
def xavier_std_fan_out_only(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(1.0 / fan_out)


@mistake("xavier_std", "xavier-returns-variance",
         "2 / (fan_in + fan_out) is the VARIANCE of the weights; the standard deviation is "
         "its square root (times the gain).")
def xavier_std_variance(fan_in, fan_out, gain=1.0):
    return gain**2 * 2.0 / (fan_in + fan_out)


@mistake("xavier_std", "xavier-gain-inside-sqrt",
         "the gain multiplies the standard deviation: gain * sqrt(2 / (fan_in + fan_out)), "
         "not sqrt(gain * 2 / (fan_in + fan_out)).")
def xavier_std_gain_inside(fan_in, fan_out, gain=1.0):
    return math.sqrt(gain * 2.0 / (fan_in + fan_out))


# -- Xavier bound: sqrt(3) * std = gain * sqrt(6 / (fan_in + fan_out)) -----------------------


@mistake("xavier_bound", "uniform-bound-missing-sqrt3",
         "U(-b, b) has variance b**2 / 3, so its std is b / sqrt(3): for the std of Xavier "
         "the bound is b = sqrt(3) * std = gain * sqrt(6 / (fan_in + fan_out)).")
def xavier_bound_missing_sqrt3(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


@mistake("xavier_bound", "uniform-bound-not-square-rooted",
         "6 / (fan_in + fan_out) is b**2: take the square root, "
         "b = gain * sqrt(6 / (fan_in + fan_out)).")
def xavier_bound_squared(fan_in, fan_out, gain=1.0):
    return gain**2 * 6.0 / (fan_in + fan_out)


@mistake("xavier_bound", "uniform-bound-fan-in-only",
         "sqrt(3 / fan_in) is LeCun's uniform bound; Glorot's uses both fans: "
         "b = gain * sqrt(6 / (fan_in + fan_out)).")
def xavier_bound_fan_in_only(fan_in, fan_out, gain=1.0):
    return gain * math.sqrt(3.0 / fan_in)


# -- Xavier normal sampler --------------------------------------------------------------------


@mistake("xavier_normal", "xavier-normal-variance-as-scale",
         "rng.normal(loc, scale, size) takes the standard deviation as scale: pass "
         "std = gain * sqrt(2 / (fan_in + fan_out)), not the variance 2 / (fan_in + fan_out).")
def xavier_normal_variance_as_scale(shape, rng, gain=1.0):
    receptive_field = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive_field, shape[0] * receptive_field
    variance = gain**2 * 2.0 / (fan_in + fan_out)
    return rng.normal(0.0, variance, size=tuple(shape))


@mistake("xavier_normal", "xavier-normal-conv-fan-without-receptive-field",
         "for a conv weight (out, in, kh, kw) both fans include the receptive field: "
         "fan_in = in * kh * kw, fan_out = out * kh * kw.")
def xavier_normal_without_receptive_field(shape, rng, gain=1.0):
    std = gain * math.sqrt(2.0 / (shape[0] + shape[1]))
    return std * rng.standard_normal(tuple(shape))


@mistake("xavier_normal", "xavier-normal-fan-in-only",
         "randn / sqrt(fan_in) is the lecture's shortcut for square layers; Glorot's std is "
         "gain * sqrt(2 / (fan_in + fan_out)).")
def xavier_normal_fan_in_only(shape, rng, gain=1.0):
    fan_in = shape[1] * math.prod(shape[2:])
    return gain / math.sqrt(fan_in) * rng.standard_normal(tuple(shape))


# -- Kaiming normal sampler: std = gain / sqrt(fan) -------------------------------------------


@mistake("kaiming_normal", "kaiming-no-relu-gain",
         "ReLU zeroes half of its inputs, which halves the variance: Kaiming compensates with "
         "the gain sqrt(2) (sqrt(2 / (1 + a**2)) for leaky ReLU), std = gain / sqrt(fan). "
         "Without the factor 2 the signal still shrinks by 1/sqrt(2) per layer.")
def kaiming_normal_no_gain(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    receptive_field = math.prod(shape[2:])
    fan = shape[1] * receptive_field if mode == "fan_in" else shape[0] * receptive_field
    return rng.standard_normal(tuple(shape)) / math.sqrt(fan)


@mistake("kaiming_normal", "kaiming-mode-ignored",
         "mode='fan_out' divides by fan_out = out * prod(kernel) (it preserves the gradients' "
         "variance in the backward pass); only mode='fan_in' uses fan_in.")
def kaiming_normal_mode_ignored(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    fan = shape[1] * math.prod(shape[2:])
    gain = math.sqrt(2.0 / (1 + a**2)) if nonlinearity == "leaky_relu" else (
        math.sqrt(2.0) if nonlinearity == "relu" else 1.0)
    return gain / math.sqrt(fan) * rng.standard_normal(tuple(shape))


@mistake("kaiming_normal", "kaiming-fans-swapped",
         "the weight is (out, in, *kernel): fan_in is shape[1] * prod(kernel) and fan_out is "
         "shape[0] * prod(kernel).")
def kaiming_normal_fans_swapped(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    receptive_field = math.prod(shape[2:])
    fan = shape[0] * receptive_field if mode == "fan_in" else shape[1] * receptive_field
    gain = math.sqrt(2.0 / (1 + a**2)) if nonlinearity == "leaky_relu" else (
        math.sqrt(2.0) if nonlinearity == "relu" else 1.0)
    return gain / math.sqrt(fan) * rng.standard_normal(tuple(shape))


@mistake("kaiming_normal", "kaiming-leaky-slope-ignored",
         "a leaky ReLU with negative slope a keeps part of the negative half: its gain is "
         "sqrt(2 / (1 + a**2)), not sqrt(2).")
def kaiming_normal_slope_ignored(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    receptive_field = math.prod(shape[2:])
    fan = shape[1] * receptive_field if mode == "fan_in" else shape[0] * receptive_field
    gain = 1.0 if nonlinearity == "linear" else math.sqrt(2.0)
    return gain / math.sqrt(fan) * rng.standard_normal(tuple(shape))


@mistake("kaiming_normal", "kaiming-variance-as-scale",
         "2 / fan is the VARIANCE of Kaiming's weights: scale the draws by the standard "
         "deviation gain / sqrt(fan).")
def kaiming_normal_variance_as_scale(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    receptive_field = math.prod(shape[2:])
    fan = shape[1] * receptive_field if mode == "fan_in" else shape[0] * receptive_field
    gain = math.sqrt(2.0 / (1 + a**2)) if nonlinearity == "leaky_relu" else (
        math.sqrt(2.0) if nonlinearity == "relu" else 1.0)
    return rng.normal(0.0, gain**2 / fan, size=tuple(shape))


# -- the activation experiment: h_l = phi(h_{l-1} @ W_l.T), std of each layer ------------------


@mistake("layer_stds", "layer-stds-unbiased-std",
         "torch's tensor.std() divides by N - 1 (correction=1) by default; the experiment "
         "reports the population std of all activations: h.std(correction=0), or np.std.")
def layer_stds_unbiased(init_, *, activation="tanh", depth=10, width=500, n_samples=1000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    phi = torch.tanh if activation == "tanh" else torch.relu
    h, stds = x, []
    for w in weights:
        h = phi(h @ w.T)
        stds.append(h.double().std().item())
    return np.array(stds)


@mistake("layer_stds", "layer-stds-before-activation",
         "record the std of each layer's output h = phi(z), after the nonlinearity, not of "
         "its pre-activation z = h_prev @ W.T.")
def layer_stds_pre_activation(init_, *, activation="tanh", depth=10, width=500, n_samples=1000,
                              seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    phi = torch.tanh if activation == "tanh" else torch.relu
    h, stds = x, []
    for w in weights:
        z = h @ w.T
        stds.append(z.double().numpy().std())
        h = phi(z)
    return np.array(stds)


@mistake("layer_stds", "layer-stds-weights-not-transposed",
         "each weight is stored as (out, in), as in nn.Linear: a layer computes h @ W.T.")
def layer_stds_not_transposed(init_, *, activation="tanh", depth=10, width=500, n_samples=1000,
                              seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    phi = torch.tanh if activation == "tanh" else torch.relu
    h, stds = x, []
    for w in weights:
        h = phi(h @ w)
        stds.append(h.double().numpy().std())
    return np.array(stds)


@mistake("layer_stds", "layer-stds-every-layer-on-the-input",
         "each layer takes the previous layer's output: h = phi(h @ W.T), starting from "
         "h = x; applying every layer to x measures a one-layer net ten times.")
def layer_stds_same_input(init_, *, activation="tanh", depth=10, width=500, n_samples=1000,
                          seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    phi = torch.tanh if activation == "tanh" else torch.relu
    stds = []
    for w in weights:
        h = phi(x @ w.T)
        stds.append(h.double().numpy().std())
    return np.array(stds)


@mistake("layer_stds", "layer-stds-off-by-one",
         "record each layer's std AFTER computing it: the first entry is layer 1's output, "
         "not the input x, and the last is layer `depth`'s.")
def layer_stds_off_by_one(init_, *, activation="tanh", depth=10, width=500, n_samples=1000,
                          seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    phi = torch.tanh if activation == "tanh" else torch.relu
    h, stds = x, []
    for w in weights:
        stds.append(h.double().numpy().std())
        h = phi(h @ w.T)
    return np.array(stds)
