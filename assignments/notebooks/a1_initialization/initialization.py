# ruff: noqa: E402
# The description of assignments/source/a1_initialization/initialization.ipynb: edit this
# file, then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 1: Weight initialization
#
# Before the first gradient step every weight needs a value, and its scale decides
# whether training can start at all: too small and the signal dies out layer after
# layer, too large and tanh units saturate. In this assignment (chapter 1 of the book,
# *Weight initialization*) you compute the quantities the right scale depends on (the
# **fans** of a layer), implement **Xavier/Glorot** and **Kaiming/He** initialization,
# and then reproduce the lecture's experiment: the per-layer statistics of a deep
# network at initialization.
#
# **How you are graded.** Under each function there is a test cell. Run it: it checks
# your code on cases worked out by hand and on random ones, and tells you what is wrong
# (which output, how far off, the likely mistake, or where to look). When you submit,
# hidden tests also compare your code with the course's reference implementation on
# random inputs and edge cases. Each part earns the share of its checks, visible and
# hidden, that pass: 0 only for code that calls the reference or produces nothing. The
# table below says what is graded and what is accepted without loss. The written
# questions at the end are graded by hand.
#
# **Rules.** Write the computations yourself with Python, NumPy and torch. Code that
# calls the reference implementations (`lecture7.init`) or PyTorch's initializers
# (`torch.nn.init`) gets no points for that part. Do not rename the functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `fan_in_and_fan_out` | the two fans, for linear and conv weights of any dimension | Python or NumPy integers or floats, a list instead of a tuple, `math.prod` or `np.prod` |
# | `xavier_std`, `xavier_bound` | the number, for any fans and gain | a Python float, a NumPy float or a 0-d tensor; `math.sqrt` or `np.sqrt` |
# | `xavier_normal`, `kaiming_normal` | the weights drawn from the generator `rng` you are given | `rng.normal(0, std, size=shape)` or `std * rng.standard_normal(shape)` (the same draws) |
# | `layer_stds` | one standard deviation per layer (relative error 2e-5) | the forward pass in torch or NumPy, float32 or float64, `x @ w.T` or `F.linear`; a list, an array or a tensor |
#
# torch's default `std()` is the *unbiased* one (divides by $N - 1$): the activation
# statistics use the plain standard deviation, `std(correction=0)` (a named mistake).

# %% [readonly] setup
import math

import numpy as np
import torch

# %% [markdown]
# ## 1. Fan-in and fan-out
#
# A unit of a layer computes $z = \sum_{i=1}^{n_\text{in}} w_i x_i$: it sums over its
# **fan-in** $n_\text{in}$, the number of inputs each output sees. In the backward pass a
# gradient flows the other way and sums over the **fan-out** $n_\text{out}$, the number of
# outputs each input feeds.
#
# We store weights as PyTorch does:
#
# * a linear layer (`nn.Linear`) has a weight of shape `(out_features, in_features)`,
#   so $n_\text{in}$ = `in_features` = `shape[1]` and $n_\text{out}$ = `shape[0]`;
# * a convolution (`nn.Conv2d`) has a weight of shape `(out_channels, in_channels, kh, kw)`.
#   Each output value sums over `in_channels` $\times$ `kh` $\times$ `kw` inputs, and
#   each input value reaches `out_channels` $\times$ `kh` $\times$ `kw` outputs. With the
#   **receptive field size** $r = \prod$ `shape[2:]` (1 for a linear layer):
#
# $$n_\text{in} = \texttt{shape[1]} \cdot r, \qquad n_\text{out} = \texttt{shape[0]} \cdot r .$$
#
# The same holds for 1-D and 3-D convolutions (`shape[2:]` has one or three kernel sizes).
# Careful: a CS231n NumPy weight used as `x @ W` has shape `(in, out)`, the other way
# round. Everything in this assignment uses the PyTorch layout.

# %% [solution] fan_in_and_fan_out
def fan_in_and_fan_out(shape):
    """(fan_in, fan_out) of a weight of shape (out, in) or (out, in, *kernel), as integers.

    fan_in = shape[1] * r and fan_out = shape[0] * r, with r the product of the kernel
    sizes shape[2:] (r = 1 for a linear layer).
    """
    ### BEGIN SOLUTION
    receptive_field = 1
    for size in shape[2:]:
        receptive_field *= size
    fan_in = shape[1] * receptive_field
    fan_out = shape[0] * receptive_field
    ### END SOLUTION
    return fan_in, fan_out

# %% [tests] test_fan_in_and_fan_out points=2
# Visible tests: a linear, a conv2d and a conv1d weight worked out by hand; two more shapes.
from lecture7.grading.initialization import check_fan_in_and_fan_out

check_fan_in_and_fan_out(fan_in_and_fan_out)
### BEGIN HIDDEN TESTS
check_fan_in_and_fan_out(fan_in_and_fan_out, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Xavier (Glorot) initialization
#
# Why does the scale matter? Take zero-mean weights independent of zero-mean inputs. The
# terms $w_i x_i$ of $z$ are independent with variance $\operatorname{Var}[w]\operatorname{Var}[x]$,
# so their variances add up:
#
# $$\operatorname{Var}[z] = n_\text{in} \operatorname{Var}[w] \operatorname{Var}[x].$$
#
# A layer multiplies the variance of its input by $n_\text{in}\operatorname{Var}[w]$. The
# signal keeps its size through many layers only if that factor is 1:
# $\operatorname{Var}[w] = 1/n_\text{in}$. The same argument for the backward pass asks for
# $\operatorname{Var}[w] = 1/n_\text{out}$. Glorot and Bengio (2010) take the compromise
#
# $$\sigma_\text{Xavier} = g\,\sqrt{\frac{2}{n_\text{in} + n_\text{out}}},$$
#
# with a **gain** $g$ (1 by default) that compensates for a nonlinearity (PyTorch
# recommends $g = 5/3$ for tanh). For a square layer this is the lecture's
# `np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)`. Note that $\sigma$ is a
# *standard deviation*: the variance is $\sigma^2 = 2g^2/(n_\text{in} + n_\text{out})$.

# %% [solution] xavier_std
def xavier_std(fan_in, fan_out, gain=1.0):
    """Standard deviation of Xavier/Glorot initialization: gain * sqrt(2 / (fan_in + fan_out))."""
    ### BEGIN SOLUTION
    return gain * math.sqrt(2.0 / (fan_in + fan_out))
    ### END SOLUTION

# %% [tests] test_xavier_std points=2
# Visible tests: three (fan_in, fan_out, gain) worked out by hand; two more layers.
from lecture7.grading.initialization import check_xavier_std

check_xavier_std(xavier_std)
### BEGIN HIDDEN TESTS
check_xavier_std(xavier_std, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### The uniform version
#
# Glorot's paper draws the weights from a uniform distribution $U(-b, b)$ instead. Its
# variance is
#
# $$\operatorname{Var}[U(-b, b)] = \frac{1}{2b}\int_{-b}^{b} u^2\, du = \frac{b^2}{3},$$
#
# so a uniform distribution with the standard deviation $\sigma$ has the bound
# $b = \sqrt{3}\,\sigma$; for Xavier, $b = g\sqrt{6/(n_\text{in} + n_\text{out})}$.

# %% [solution] xavier_bound
def xavier_bound(fan_in, fan_out, gain=1.0):
    """The bound b of Xavier's uniform U(-b, b): sqrt(3) times xavier_std."""
    ### BEGIN SOLUTION
    return gain * math.sqrt(6.0 / (fan_in + fan_out))
    ### END SOLUTION

# %% [tests] test_xavier_bound points=1
# Visible tests: three (fan_in, fan_out, gain) worked out by hand; two more layers.
from lecture7.grading.initialization import check_xavier_bound

check_xavier_bound(xavier_bound)
### BEGIN HIDDEN TESTS
check_xavier_bound(xavier_bound, hidden=True, points=1)
### END HIDDEN TESTS

# %% [markdown]
# ### Drawing the weights
#
# Now draw a weight of a given shape with that standard deviation. Randomness is passed
# in: `rng` is a `np.random.Generator`, and the grader gives the reference a generator in
# the same state, so your weights can be compared exactly. Draw **once**, with
# `rng.standard_normal(shape)`, and scale the draws by $\sigma$ (`rng.normal(0.0, sigma,
# shape)` uses the same draws and is fine too). Compute the fans of the shape as in
# part 1 (you may call your functions from above).

# %% [solution] xavier_normal
def xavier_normal(shape, rng, gain=1.0):
    """A NumPy array of `shape` (out, in, *kernel) drawn from N(0, sigma^2), sigma = xavier_std.

    rng: a np.random.Generator; draw with rng.standard_normal(shape), once.
    """
    ### BEGIN SOLUTION
    receptive_field = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive_field, shape[0] * receptive_field
    sigma = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return sigma * rng.standard_normal(tuple(shape))
    ### END SOLUTION

# %% [tests] test_xavier_normal points=2
# Visible tests: a (1, 3) weight worked out by hand from known draws; two more shapes.
from lecture7.grading.initialization import check_xavier_normal

check_xavier_normal(xavier_normal)
### BEGIN HIDDEN TESTS
check_xavier_normal(xavier_normal, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Kaiming (He) initialization
#
# ReLU sets every negative input to zero. For a pre-activation $z$ symmetric around zero
# half of the units are off, and $\mathbb{E}[\operatorname{relu}(z)^2] = \frac12
# \operatorname{Var}[z]$. ReLU outputs do not have zero mean, so the variance argument
# uses $\mathbb{E}[x^2]$ for the inputs, and from one layer to the next
#
# $$\operatorname{Var}[z_{\ell+1}] = n_\text{in}\operatorname{Var}[w]\cdot\tfrac12\operatorname{Var}[z_\ell].$$
#
# Every layer halves the variance unless $\operatorname{Var}[w] = 2/n_\text{in}$. He et al.
# (2015) write this with a gain, $\sigma = g/\sqrt{n}$:
#
# | `nonlinearity` | gain $g$ |
# |---|---|
# | `"relu"` | $\sqrt 2$ |
# | `"leaky_relu"` with negative slope $a$ | $\sqrt{2/(1 + a^2)}$ |
# | `"linear"` | $1$ |
#
# (a leaky ReLU keeps the negative half scaled by $a$, so less variance is lost). The fan
# $n$ is chosen by `mode`: `"fan_in"` (the default) keeps the variance of the activations
# in the forward pass, `"fan_out"` that of the gradients in the backward pass. This is the
# lecture's `np.random.randn(fan_in, fan_out) / np.sqrt(fan_in / 2)`.

# %% [solution] kaiming_normal
def kaiming_normal(shape, rng, mode="fan_in", nonlinearity="relu", a=0.0):
    """A NumPy array of `shape` (out, in, *kernel) drawn from N(0, sigma^2), sigma = gain / sqrt(fan).

    mode: "fan_in" or "fan_out" (which fan); nonlinearity: "relu", "leaky_relu" (negative
    slope a) or "linear". rng: a np.random.Generator; draw with rng.standard_normal(shape), once.
    """
    ### BEGIN SOLUTION
    receptive_field = math.prod(shape[2:])
    fan = (shape[1] if mode == "fan_in" else shape[0]) * receptive_field
    if nonlinearity == "relu":
        gain = math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        gain = math.sqrt(2.0 / (1.0 + a**2))
    else:
        gain = 1.0
    return gain / math.sqrt(fan) * rng.standard_normal(tuple(shape))
    ### END SOLUTION

# %% [tests] test_kaiming_normal points=3
# Visible tests: relu, fan_out and leaky ReLU weights worked out by hand; two more shapes.
from lecture7.grading.initialization import check_kaiming_normal

check_kaiming_normal(kaiming_normal)
### BEGIN HIDDEN TESTS
check_kaiming_normal(kaiming_normal, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The experiment: a deep network at initialization
#
# The lecture's experiment: a stack of $L$ fully-connected layers without biases, each
# $D$ units wide, maps $N$ standard-normal inputs $x \in \mathbb{R}^{N \times D}$ through
#
# $$h_0 = x, \qquad h_\ell = \phi\left(h_{\ell-1} W_\ell^\top\right), \quad \ell = 1, \dots, L,$$
#
# with $\phi$ = tanh or ReLU and every $W_\ell$ of shape $(D, D)$ = (out, in), as in
# `nn.Linear`. Write `layer_stds`, which returns the standard deviation of each layer's
# activations $h_1, \dots, h_L$: the **population** standard deviation of all $N \cdot D$
# entries of $h_\ell$ (divide by $N D$, as `np.std` does; careful, torch's `tensor.std()`
# divides by $N D - 1$ unless you pass `correction=0`).
#
# The inputs and the weights are drawn for you, in a fixed order from one
# `torch.Generator`, by the initializer `init_` you pass in: a function that fills a
# tensor in place, `init_(w, generator=generator)`. You write the forward pass and the
# measurements (in float32, as the tensors come; return a NumPy array).

# %% [solution] layer_stds
def layer_stds(init_, *, activation="tanh", depth=10, width=500, n_samples=1000, seed=0):
    """Per-layer std of the activations h_1..h_depth of the deep net above, as a NumPy array.

    init_(w, generator=g) fills a weight w of shape (width, width) = (out, in) in place.
    activation: "tanh" or "relu".
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)  # h_0, (N, D)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)  # (out, in)
        init_(w, generator=generator)
        weights.append(w)
    ### BEGIN SOLUTION
    phi = torch.tanh if activation == "tanh" else torch.relu
    h, stds = x, []
    for w in weights:
        h = phi(h @ w.T)
        stds.append(h.double().numpy().std())
    return np.array(stds)
    ### END SOLUTION

# %% [tests] test_layer_stds points=2
# Visible tests: all-zero weights worked out by hand; a small tanh net.
from lecture7.grading.initialization_experiment import check_layer_stds

check_layer_stds(layer_stds)
### BEGIN HIDDEN TESTS
check_layer_stds(layer_stds, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Run it
#
# The lecture's four initializations of a tanh network, and two of a ReLU network, with
# your formulas: 10 layers of 500 units, 1000 inputs. (This cell is not graded; it takes
# a few seconds.) Change the depth, the width or the scales and watch what happens.

# %% [code]
def gaussian(std_of_shape):
    """An initializer init_(w, generator) drawing N(0, s^2) with s = std_of_shape(w.shape)."""
    def init_(w, generator=None):
        with torch.no_grad():
            return w.normal_(0.0, std_of_shape(tuple(w.shape)), generator=generator)
    return init_


experiments = {
    "tanh, N(0, 0.01^2)": ("tanh", gaussian(lambda shape: 0.01)),
    "tanh, N(0, 1)": ("tanh", gaussian(lambda shape: 1.0)),
    "tanh, Xavier": ("tanh", gaussian(lambda shape: xavier_std(*fan_in_and_fan_out(shape)))),
    "relu, Xavier": ("relu", gaussian(lambda shape: xavier_std(*fan_in_and_fan_out(shape)))),
    "relu, Kaiming": ("relu", gaussian(
        lambda shape: math.sqrt(2.0) / math.sqrt(fan_in_and_fan_out(shape)[0]))),
}
print(f"{'layer':>20}" + "".join(f"{layer:>9}" for layer in range(1, 11)))
for name, (activation, init_) in experiments.items():
    stds = layer_stds(init_, activation=activation, depth=10, width=500, n_samples=1000)
    print(f"{name:>20}" + "".join(f"{s:9.2e}" for s in stds))

# %% [markdown]
# ## 5. Written questions
#
# **Question 1.** Explain the three tanh rows of the table, using your numbers. Why do
# the activations collapse toward zero with $\mathcal{N}(0, 0.01^2)$ weights, and what does
# that do to the gradients of the weights? Why do the units saturate with
# $\mathcal{N}(0, 1)$ weights, and why is a network of saturated tanh units hard to train?
# Why does Xavier keep the standard deviation roughly constant?

# %% [answer] tanh_experiment points=3
# **Too small.** Near zero tanh is the identity, so each layer multiplies the std by
# about $\sqrt{n_\text{in}}\,\sigma_W = \sqrt{500} \cdot 0.01 \approx 0.22$: after 10 layers
# the std is around $10^{-7}$ (the table shows this geometric decay). The gradient of
# $W_\ell$ is (input to the layer) $\times$ (gradient from above): the input $h_{\ell-1}$
# has shrunk on the way up and the upstream gradient shrinks on the way down (it is
# multiplied by the same small $W^\top$ at every layer), so every weight gradient is tiny
# and the network does not learn.
#
# **Too large.** With $\sigma_W = 1$ a pre-activation is a sum of 500 terms with std
# about $\sqrt{500} \approx 22$, far out on the flat tails of tanh: almost every unit
# outputs $\pm 1$ (std close to 1 in every layer). There $\tanh'(z) = 1 - h^2 \approx 0$:
# the local gradient vanishes, a unit passes back almost nothing, and a small weight
# change does not change its output, so gradient descent gets no useful signal (the
# network is a cascade of binary switches).
#
# **Xavier.** $\operatorname{Var}[z] = n_\text{in}\operatorname{Var}[w]\operatorname{Var}[x]$,
# and with $\operatorname{Var}[w] = 1/n_\text{in}$ (square layers) the factor is 1: the
# signal keeps its scale. Tanh has slope $\le 1$, so the std still decreases slowly
# (about 0.6 to 0.2 over 10 layers), but the units stay in their responsive, near-linear
# range and gradients flow in both directions (the fan-out half of the formula keeps the
# backward pass at scale too).

# %% [markdown]
# **Question 2.** In the ReLU network, by what factor does the standard deviation shrink
# per layer with Xavier weights? Derive that factor, and explain how Kaiming's $\sqrt 2$
# fixes it. When would you use `mode="fan_out"` instead of `"fan_in"`?

# %% [answer] relu_experiment points=2
# ReLU zeroes the negative half of its symmetric input, so $\mathbb{E}[\operatorname{relu}(z)^2]
# = \frac12\operatorname{Var}[z]$ and $\operatorname{Var}[z_{\ell+1}] = n_\text{in}
# \operatorname{Var}[w] \cdot \frac12 \operatorname{Var}[z_\ell]$. Xavier's
# $\operatorname{Var}[w] = 1/n_\text{in}$ gives a factor $\frac12$ per layer in variance,
# $1/\sqrt2 \approx 0.71$ in std: the table's ReLU/Xavier row decays geometrically by about
# that factor, a slow collapse that compounds with depth. Kaiming doubles the variance,
# $\operatorname{Var}[w] = 2/n_\text{in}$ (gain $\sqrt2$), exactly undoing the halving, and
# the std stays constant. `mode="fan_out"` uses $2/n_\text{out}$, which keeps the variance
# of the gradients constant in the backward pass (where a gradient sums over the
# $n_\text{out}$ units a weight feeds); it matters when the fans differ (e.g. convolutions
# that change the number of channels), and either choice keeps a deep net trainable.
