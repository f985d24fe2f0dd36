# ruff: noqa: E402
# The description of assignments/source/a6_regularization/regularization.ipynb: edit this
# file, then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 6: Dropout and friends
#
# The regularizers that do the heavy lifting in neural networks follow one recipe: **add
# randomness at training time, average it out at test time**. In this assignment
# (chapter 6 of the book, *Regularization and dropout*) you implement **dropout** as a
# NumPy layer (forward and backward, vanilla and inverted), then as a **PyTorch module**
# that knows whether it is training, and two relatives: **DropConnect**, which drops
# weights instead of activations, and **stochastic depth**, which drops whole residual
# blocks.
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
# **Randomness is passed in**, as a `np.random.Generator` or a `torch.Generator`. The
# grader gives the reference a generator in the same state, so your masks can be compared
# exactly: draw them **exactly as each docstring says** (one call, the same shape).
#
# **Rules.** Write the computations yourself with NumPy and torch. Code that calls the
# reference implementations (`lecture7.regularization`) or PyTorch's dropout
# (`torch.nn.Dropout`, `torch.nn.functional.dropout`, ...) gets no points for that part.
# Do not rename the functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `dropout_forward` | `out` in train and test mode, inverted and vanilla, over passes drawing fresh masks from one `rng`; the cache `(mask, keep_prob, mode, inverted)`, as one check of its own | the mask drawn as `rng.random(x.shape) < keep_prob`, or as `>= p_drop` (other units, the same distribution), or with `rng.binomial(1, keep_prob, x.shape)`; a mask of booleans, 0/1 or scaled by `1 / keep_prob`; `x` updated in place (a note) |
# | `dropout_backward` | `dx` for masks and modes given in the cache | `dout` updated in place (a note); `np.where` or products |
# | `Dropout` | outputs and input gradients over train/eval passes; the scale and fraction of the kept units | a mask kept as `u >= p_drop`; `torch.where` or products |
# | `drop_connect_linear`, `stochastic_depth` | outputs and the gradients autograd computes through them, call after call | `F.linear` or `@`, `torch.where` or products |
#
# **A naming trap.** CS231n's `dropout_param["p"]` is the probability of *keeping* a unit;
# here `p_drop` is the probability of *dropping* one. Reading `p_drop` as the keep
# probability is a named mistake (`dropout-p-drop-as-keep-prob`).

# %% [readonly] setup
import numpy as np
import torch
from torch import nn

# %% [markdown]
# ## 1. Dropout as a NumPy layer
#
# In every training forward pass, dropout sets each unit of its input to zero with
# probability $p$ (`p_drop`), independently and with a fresh random pattern each time.
# With $q = 1 - p$ (`keep_prob`) and a mask $m$ whose entries are 1 (keep) with
# probability $q$,
#
# $$m_j \sim \operatorname{Bernoulli}(q), \qquad \mathbb{E}[m_j h_j] = q\, h_j .$$
#
# At test time we want the average over all masks, and for one layer that average is
# simply $q\,h$. Two conventions make training and test agree in expectation:
#
# | convention | training | test |
# |---|---|---|
# | vanilla (`inverted=False`) | $m \odot h$ | $q\,h$ |
# | inverted (`inverted=True`, what `torch.nn.Dropout` does) | $m \odot h / q$ | $h$ |
#
# Inverted dropout moves all the scaling into training, so the deployed network is the
# plain one. A naming trap: the original CS231n code calls the *keep* probability `p`;
# here `p_drop` is always the probability of *dropping*.
#
# The layer follows the CS231n convention: `forward` returns the output and a `cache`
# for `backward`. Ours is the tuple `(mask, keep_prob, mode, inverted)`, with `mask` the
# **boolean** keep mask (`None` in test mode). In train mode draw the mask as
#
# ```python
# mask = rng.random(x.shape) < keep_prob
# ```
#
# (`rng.random(x.shape) >= p_drop`, or `rng.binomial`, keep other units with the same
# probability: accepted as well). In test mode `rng` may be `None`.

# %% [solution] dropout_forward
def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True):
    """Dropout of x (any shape): returns (out, cache), cache = (mask, keep_prob, mode, inverted).

    p_drop: probability of zeroing a unit; mode: "train" or "test"; rng: a
    np.random.Generator (train mode): mask = rng.random(x.shape) < keep_prob.
    inverted: divide by keep_prob at training time (True) or multiply by it at test time.
    """
    ### BEGIN SOLUTION
    keep_prob = 1.0 - p_drop
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < keep_prob
        out = x * mask / keep_prob if inverted else x * mask
    else:
        out = x if inverted else x * keep_prob
    cache = (mask, keep_prob, mode, inverted)
    ### END SOLUTION
    return out, cache

# %% [tests] test_dropout_forward points=2
# Visible tests: four cases worked out by hand (train and test, inverted and vanilla);
# a (4, 5) input in train mode.
from lecture7.grading.regularization import check_dropout_forward

check_dropout_forward(dropout_forward)
### BEGIN HIDDEN TESTS
check_dropout_forward(dropout_forward, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Training and test agree on average
#
# The mean of many training passes should match the test-time output, for both
# conventions (this cell is not graded):

# %% [code]
x = np.linspace(0.5, 2.0, 6)
for inverted in (True, False):
    rng = np.random.default_rng(0)
    passes = [dropout_forward(x, 0.5, "train", rng, inverted)[0] for _ in range(5000)]
    test_out, _ = dropout_forward(x, 0.5, "test", None, inverted)
    gap = np.abs(np.mean(passes, axis=0) - test_out).max()
    print(f"inverted={inverted}: test output {np.round(test_out, 2)}, "
          f"largest gap to the mean of 5000 training passes {gap:.3f}")

# %% [markdown]
# ## 2. The backward pass
#
# Given the mask, dropout multiplies each unit by a constant: $m_j/q$ (inverted, training),
# $m_j$ (vanilla, training), $1$ (inverted, test) or $q$ (vanilla, test). So the gradient
# of the loss with respect to $x$ is the upstream gradient `dout` times that same constant:
# dropped units get no gradient, and the survivors get the same scale as in the forward
# pass. Use the mask of the forward pass, from the cache: never draw a new one.

# %% [solution] dropout_backward
def dropout_backward(dout, cache):
    """dx, the gradient with respect to dropout_forward's x; cache = (mask, keep_prob, mode, inverted)."""
    mask, keep_prob, mode, inverted = cache
    ### BEGIN SOLUTION
    if mode == "train":
        dx = dout * mask / keep_prob if inverted else dout * mask
    else:
        dx = dout if inverted else dout * keep_prob
    ### END SOLUTION
    return dx

# %% [tests] test_dropout_backward points=2
# Visible tests: four cases worked out by hand; a (4, 5) gradient in train mode.
from lecture7.grading.regularization import check_dropout_backward

check_dropout_backward(dropout_backward)
### BEGIN HIDDEN TESTS
check_dropout_backward(dropout_backward, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Check it numerically
#
# With the same generator seed every forward pass draws the same mask, so the layer is
# a fixed function of $x$ and a finite-difference gradient check applies (not graded):

# %% [code]
x, dout = np.random.default_rng(1).standard_normal((2, 3, 4))


def loss(x):
    out, _ = dropout_forward(x, 0.4, "train", np.random.default_rng(7))
    return np.sum(out * dout)


_, cache = dropout_forward(x, 0.4, "train", np.random.default_rng(7))
numeric = np.zeros_like(x)
for index in np.ndindex(x.shape):
    step = np.zeros_like(x)
    step[index] = 1e-6
    numeric[index] = (loss(x + step) - loss(x - step)) / 2e-6
print("largest difference to the numerical gradient:",
      np.abs(dropout_backward(dout, cache) - numeric).max())

# %% [markdown]
# ## 3. Dropout as a PyTorch module
#
# In PyTorch a layer is an `nn.Module`, and whether it is training is a flag it carries:
# `model.train()` sets `self.training = True` on every submodule, `model.eval()` sets it
# to `False`. Write inverted dropout as a module:
#
# * in training mode draw `u = torch.rand(x.shape, generator=self.generator,
#   device=x.device, dtype=x.dtype)`, keep the units with `u < keep_prob` and divide them
#   by `keep_prob`;
# * in evaluation mode return `x` unchanged (and draw nothing).
#
# Autograd computes the backward pass for you, as long as the output is computed from `x`
# with torch operations. The mask must live on the input's device: your class is graded on
# a GPU when the grader has one.

# %% [solution] dropout_module
class Dropout(nn.Module):
    """Inverted dropout: zero each unit with probability p_drop in training mode, and divide
    the kept units by keep_prob = 1 - p_drop; the identity in evaluation mode."""

    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop = p_drop
        self.generator = generator  # a torch.Generator on the input's device, or None

    def forward(self, x):
        ### BEGIN SOLUTION
        if not self.training:
            return x
        keep_prob = 1.0 - self.p_drop
        u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u < keep_prob) / keep_prob
        ### END SOLUTION

# %% [tests] test_dropout_module points=3
# Visible tests: the scale of the kept units and evaluation mode, by hand; two passes on a
# (4, 5) input.
from lecture7.grading.regularization import check_dropout_module

check_dropout_module(Dropout)
### BEGIN HIDDEN TESTS
check_dropout_module(Dropout, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### Train and eval
#
# In a network, `model.train()` and `model.eval()` switch every dropout layer at once.
# In training mode two passes on the same input differ; in evaluation mode they do not
# (not graded):

# %% [code]
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), Dropout(p_drop=0.5), nn.Linear(8, 2))
inputs = torch.ones(1, 4)
with torch.no_grad():
    model.train()
    print("train:", model(inputs).numpy().round(3), model(inputs).numpy().round(3))
    model.eval()
    print("eval: ", model(inputs).numpy().round(3), model(inputs).numpy().round(3))

# %% [markdown]
# ## 4. DropConnect
#
# DropConnect (Wan et al., 2013) zeroes random **weights** instead of random activations.
# For a linear layer with weight $W$ of shape (out, in), as in `nn.Linear`, and a mask $M$
# of the same shape, one Bernoulli($q$) entry per weight (inverted, like your dropout):
#
# $$\text{training: } y = x\,(M \odot W)^\top / q + b, \qquad \text{test: } y = x\,W^\top + b .$$
#
# One mask per forward pass, shared by the whole mini-batch; a fresh one at every call.
# The bias is never dropped. Draw the mask as `torch.rand(weight.shape,
# generator=generator, device=weight.device, dtype=weight.dtype) < keep_prob`. `bias` may
# be `None` (no bias).

# %% [solution] drop_connect_linear
def drop_connect_linear(x, weight, bias, p_drop, training=True, generator=None):
    """A linear layer with DropConnect: x (N, in), weight (out, in), bias (out,) or None -> (N, out)."""
    ### BEGIN SOLUTION
    keep_prob = 1.0 - p_drop
    if training:
        u = torch.rand(weight.shape, generator=generator, device=weight.device,
                       dtype=weight.dtype)
        weight = weight * (u < keep_prob) / keep_prob
    out = x @ weight.T
    if bias is not None:
        out = out + bias
    return out
    ### END SOLUTION

# %% [tests] test_drop_connect_linear points=2
# Visible tests: a small layer worked out by hand (p_drop = 0, and evaluation mode);
# a (3, 4) input through a (5, 4) weight in training mode.
from lecture7.grading.regularization_blocks import check_drop_connect_linear

check_drop_connect_linear(drop_connect_linear)
### BEGIN HIDDEN TESTS
check_drop_connect_linear(drop_connect_linear, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Stochastic depth
#
# Stochastic depth (Huang et al., 2016) drops whole layers of a residual network. A
# residual block computes $x + f(x)$, with $f$ = `branch`. In training, the branch is kept
# with probability $s$ (`survival_prob`) and skipped otherwise, for the whole mini-batch
# at once: with $b \sim \operatorname{Bernoulli}(s)$ (inverted, as above)
#
# $$\text{training: } x + b\, f(x) / s, \qquad \text{test: } x + f(x).$$
#
# A skipped block is the identity, and its branch is **not computed at all**: that is why
# a network with stochastic depth also trains faster. Draw one number per call,
# `u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)`, and keep
# the branch when `u < survival_prob`.

# %% [solution] stochastic_depth
def stochastic_depth(x, branch, survival_prob, training=True, generator=None):
    """A residual block x + branch(x) whose branch is skipped with probability 1 - survival_prob
    in training (kept branches are divided by survival_prob)."""
    ### BEGIN SOLUTION
    if not training:
        return x + branch(x)
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    if u >= survival_prob:  # skipped: the branch is not computed
        return x
    return x + branch(x) / survival_prob
    ### END SOLUTION

# %% [tests] test_stochastic_depth points=2
# Visible tests: a block worked out by hand (survival_prob = 1, and evaluation mode);
# six training calls with survival_prob = 0.5.
from lecture7.grading.regularization_blocks import check_stochastic_depth

check_stochastic_depth(stochastic_depth)
### BEGIN HIDDEN TESTS
check_stochastic_depth(stochastic_depth, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Written questions
#
# **Question 1.** Show that vanilla and inverted dropout both give a training output whose
# expectation equals the test-time output. Why do frameworks prefer inverted dropout?
# A model was trained with inverted dropout ($p = 0.5$), and its deployment code also
# multiplies the activations by $q$: what happens to the activations at test time, and
# to the predictions of a deep network?

# %% [answer] inverted_dropout points=2
# Each unit is kept with probability $q$, so $\mathbb{E}[m_j h_j] = q h_j$. Vanilla:
# training gives $m \odot h$ with expectation $q h$, and test time uses $q h$. Inverted:
# training gives $m \odot h / q$ with expectation $h$, and test time uses $h$. Both match.
# Inverted dropout is preferred because all the extra work happens in training: the
# deployed network is the plain one (no multiplications, nothing to remember about which
# layers had dropout and with which $p$; $p$ can be changed or dropout removed without
# touching inference code). Scaling at test time *as well* multiplies each dropout layer's
# output by $q = 0.5$ compared to what the next layer saw on average in training: the
# activations are systematically too small, and in a deep net with several dropout
# layers the errors compound (a factor $q$ per layer, then through the nonlinearities),
# so the scores and predictions are wrong even though every weight is right.

# %% [markdown]
# **Question 2.** Give the two explanations of why dropout regularizes (the lecture's
# "co-adaptation" and "ensemble" views). Why is the test-time scaling exactly the average
# over all masks for a single linear layer, but only an approximation for a whole
# network? Why should the training accuracy of a dropout network be measured in
# evaluation mode?

# %% [answer] why_dropout points=2
# *Co-adaptation:* any unit can disappear at any step, so a unit cannot rely on a few
# particular others to correct its quirks; each feature must be useful on its own and the
# evidence gets spread over many redundant features, which fits the training set's
# accidents less. *Ensemble:* each mask defines a sub-network, and dropout trains an
# exponentially large ensemble of sub-networks that share their weights; at test time we
# want the ensemble's average prediction. For one linear layer $a = w^\top (m \odot x)$ is
# linear in $m$, so $\mathbb{E}_m[a] = w^\top(\mathbb{E}[m] \odot x) = q\,w^\top x$: the
# scaling is the exact average. Through nonlinearities (ReLU, softmax) the expectation of a
# function is not the function of the expectation, so the single scaled pass only
# approximates the average over masks (it works well in practice, and Monte-Carlo averaging
# of many stochastic passes is the exact alternative). In training mode the accuracy is
# that of random, damaged sub-networks, not of the deployed network; to compare training
# and validation accuracy (measure over-fitting) both must be measured with the network
# that is deployed, in evaluation mode.
