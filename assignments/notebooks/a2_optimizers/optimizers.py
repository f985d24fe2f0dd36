# ruff: noqa: E402
# The description of assignments/source/a2_optimizers/optimizers.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 2: Optimizers
#
# Plain stochastic gradient descent zig-zags across narrow valleys, stalls at saddle
# points and follows every bit of minibatch noise. In this assignment you implement
# the fixes from the lecture (chapter 2 of the book, *Optimizers*): **SGD with
# momentum**, **Nesterov momentum**, **AdaGrad**, **RMSProp** and **Adam**, as
# update rules in the CS231n convention, and then **Adam as a PyTorch optimizer**.
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
# **Rules.** Write the computations yourself with NumPy (and torch in the last part).
# Code that calls the reference implementations (`lecture7.optim`, or the algorithms
# of `torch.optim`) gets no points for that part. Do not rename the functions.

# %% [markdown]
# ## What is graded
#
# Each rule is graded on the **`next_w` it returns, step after step**: the grader calls
# `w, config = rule(w, dw, config)` several times, feeding back the config you return,
# starting from `config=None`, from a config that gives the hyperparameters, and from the
# state of earlier steps (under the docstring's keys: `velocity`, `cache`, `m`, `v`, `t`).
# The state you return is graded by what it does to the next steps; it is not compared
# itself. Numbers must agree with the reference to a relative error of $10^{-6}$.
#
# **Accepted without loss** (at most a one-line note in the report):
#
# * updating `config` in place and returning it (CS231n's template does it:
#   `config.setdefault(...)`), or working on a copy (`config = dict(config or {})`);
# * updating `w` in place (`w += v`, as `torch.optim` does), or returning a new array;
# * `dw**2`, `dw * dw` or `np.square(dw)`; any arrangement of the same arithmetic;
# * for momentum and Nesterov, PyTorch's form of the velocity (`b = momentum * b + dw`,
#   step `learning_rate * b`): the same steps for a constant learning rate.
#
# The Adam class (part 6) is graded on its parameters after each `step()`, on the GPU when
# the grader has one, against `torch.optim.Adam`.

# %% [readonly] setup
import numpy as np
import torch

# %% [markdown]
# ## The update-rule convention
#
# Each rule has the signature `rule(w, dw, config=None) -> (next_w, config)`:
#
# * `w` is an array of weights and `dw` the gradient of the loss with respect to `w`
#   (same shape);
# * `config` is a dict with the hyperparameters (`learning_rate`, ...) and the state the
#   rule keeps between calls (`velocity`, `cache`, `m`, `v`, `t`). When `config` is
#   `None` or lacks a key, use the default given in the docstring; state starts at zero.
# * Return the new weights and a config holding the new state. A training loop calls
#   `w, config = rule(w, dw, config)` once per step.
#
# Both styles work: CS231n's template updates the config it is given
# (`config.setdefault("learning_rate", 1e-2)`, `config["velocity"] = v`) and returns it;
# `config = dict(config or {})` works on a copy. The caller always uses what you return.

# %% [markdown]
# ## 1. SGD with momentum
#
# Momentum keeps a *velocity*, a decaying sum of past steps, and moves along it. It
# rolls through shallow local minima and saddle points and averages out the noise of
# minibatch gradients. With learning rate $\alpha$, momentum $\rho$ (usually 0.9) and
# gradient $g_t$:
#
# $$v_t = \rho\, v_{t-1} - \alpha\, g_t, \qquad w_t = w_{t-1} + v_t .$$
#
# (The lecture writes $v_t = \rho v_{t-1} + g_t$, $w_t = w_{t-1} - \alpha v_t$: for a
# constant learning rate it is the same update, with $v = -\alpha \times$ that sum.)

# %% [solution] sgd_momentum
def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    config: learning_rate (default 1e-2), momentum (0.9), velocity (zeros like w).
    Returns (next_w, config) with the new velocity in config["velocity"].
    """
    ### BEGIN SOLUTION
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    next_w = w + v
    ### END SOLUTION
    return next_w, config

# %% [tests] test_sgd_momentum points=2
# Visible tests: one step by hand; three steps from the default config; two steps from
# given state. When something is wrong, the report names the mistake or where to look.
from lecture7.grading.optimizers import check_sgd_momentum

check_sgd_momentum(sgd_momentum)
### BEGIN HIDDEN TESTS
check_sgd_momentum(sgd_momentum, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Nesterov momentum
#
# Nesterov's idea: the velocity will carry us to $w + \rho v$ anyway, so evaluate the
# gradient *there* (look ahead) and correct the step with it:
# $v_t = \rho v_{t-1} - \alpha \nabla f(w_{t-1} + \rho v_{t-1})$. It has good
# guarantees for convex problems (none for non-convex ones). A training loop only has
# the gradient at the current weights, so we store the look-ahead point
# $\tilde w = w + \rho v$ instead; in that variable the update becomes
#
# $$v_t = \rho\, v_{t-1} - \alpha\, \nabla f(\tilde w_{t-1}), \qquad
#   \tilde w_t = \tilde w_{t-1} - \rho\, v_{t-1} + (1 + \rho)\, v_t .$$
#
# `w` below is $\tilde w$ and `dw` the gradient there.

# %% [solution] nesterov_momentum
def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum: v = momentum * v - learning_rate * dw;
    next_w = w - momentum * v_prev + (1 + momentum) * v.

    config: learning_rate (default 1e-2), momentum (0.9), velocity (zeros like w).
    """
    ### BEGIN SOLUTION
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - config["learning_rate"] * dw
    config["velocity"] = v
    next_w = w - mu * v_prev + (1 + mu) * v
    ### END SOLUTION
    return next_w, config

# %% [tests] test_nesterov_momentum points=2
# Visible tests: one step by hand; three steps from the default config; two steps from
# given state. When something is wrong, the report names the mistake or where to look.
from lecture7.grading.optimizers import check_nesterov_momentum

check_nesterov_momentum(nesterov_momentum)
### BEGIN HIDDEN TESTS
check_nesterov_momentum(nesterov_momentum, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. AdaGrad
#
# AdaGrad gives each weight its own step size: it accumulates the squared gradients
# (element by element) and divides the step by their square root. Directions with
# large gradients take small steps, flat directions large ones:
#
# $$G_t = G_{t-1} + g_t^2, \qquad w_t = w_{t-1} - \alpha\, \frac{g_t}{\sqrt{G_t} + \epsilon} .$$
#
# $\epsilon$ (default $10^{-8}$) only prevents a division by zero: it goes **outside**
# the square root. Since $G_t$ only grows, the steps shrink over time: good near a
# convex minimum, but AdaGrad can stall before it gets there.

# %% [solution] adagrad
def adagrad(w, dw, config=None):
    """AdaGrad: cache = cache + dw**2; next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).

    config: learning_rate (default 1e-2), epsilon (1e-8), cache (zeros like w).
    """
    ### BEGIN SOLUTION
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw * dw
    config["cache"] = cache
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    ### END SOLUTION
    return next_w, config

# %% [tests] test_adagrad points=2
# Visible tests: one step by hand; three steps from the default config; two steps from
# given state. When something is wrong, the report names the mistake or where to look.
from lecture7.grading.optimizers import check_adagrad

check_adagrad(adagrad)
### BEGIN HIDDEN TESTS
check_adagrad(adagrad, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. RMSProp
#
# RMSProp makes AdaGrad's sum *leaky*: old squared gradients decay with rate $\delta$
# (`decay_rate`, usually 0.9 or 0.99), so the step size adapts without shrinking to zero:
#
# $$s_t = \delta\, s_{t-1} + (1 - \delta)\, g_t^2, \qquad
#   w_t = w_{t-1} - \alpha\, \frac{g_t}{\sqrt{s_t} + \epsilon} .$$

# %% [solution] rmsprop
def rmsprop(w, dw, config=None):
    """RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw**2;
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).

    config: learning_rate (default 1e-2), decay_rate (0.99), epsilon (1e-8),
    cache (zeros like w).
    """
    ### BEGIN SOLUTION
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    decay = config["decay_rate"]
    cache = decay * config.get("cache", np.zeros_like(w)) + (1 - decay) * dw * dw
    config["cache"] = cache
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    ### END SOLUTION
    return next_w, config

# %% [tests] test_rmsprop points=2
# Visible tests: one step by hand; three steps from the default config; two steps from
# given state. When something is wrong, the report names the mistake or where to look.
from lecture7.grading.optimizers import check_rmsprop

check_rmsprop(rmsprop)
### BEGIN HIDDEN TESTS
check_rmsprop(rmsprop, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Adam
#
# Adam combines both ideas: a first moment $m$ (momentum) and a second moment $v$
# (RMSProp), with step count $t$:
#
# $$t \leftarrow t + 1, \quad m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad
#   v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2,$$
#
# $$\hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \quad
#   w_t = w_{t-1} - \alpha\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} .$$
#
# The moments start at zero; the **bias correction** ($\hat m$, $\hat v$) undoes the
# resulting pull toward zero in the first steps. Increment `t` *before* using it.
# Defaults: learning rate $10^{-3}$, $\beta_1 = 0.9$, $\beta_2 = 0.999$,
# $\epsilon = 10^{-8}$.

# %% [solution] adam
def adam(w, dw, config=None):
    """Adam with bias correction (t is incremented before it is used).

    config: learning_rate (default 1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    m and v (zeros like w), t (0).
    """
    ### BEGIN SOLUTION
    config = dict(config or {})
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    beta1, beta2, t = config["beta1"], config["beta2"], config["t"] + 1
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    config.update(m=m, v=v, t=t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    ### END SOLUTION
    return next_w, config

# %% [tests] test_adam points=3
# Visible tests: one step by hand; three steps from the default config; two steps from
# given state. When something is wrong, the report names the mistake or where to look.
from lecture7.grading.optimizers import check_adam

check_adam(adam)
### BEGIN HIDDEN TESTS
check_adam(adam, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### Try them on a narrow valley
#
# $f(w) = \frac12 (w_0^2 + 25\, w_1^2)$ is 25 times steeper along $w_1$ than along
# $w_0$. Run your rules for 100 steps from $(-3, 1)$ and compare the final losses; then
# play with the learning rates. (This cell is not graded.)

# %% [code]
def valley_gradient(w):
    return np.array([1.0, 25.0]) * w


for rule, config in [(sgd_momentum, {"learning_rate": 0.02}),
                     (nesterov_momentum, {"learning_rate": 0.02}),
                     (adagrad, {"learning_rate": 0.5}),
                     (rmsprop, {"learning_rate": 0.05}),
                     (adam, {"learning_rate": 0.1})]:
    w = np.array([-3.0, 1.0])
    for _ in range(100):
        w, config = rule(w, valley_gradient(w), config)
    print(f"{rule.__name__:>18}: loss after 100 steps {0.5 * (w[0]**2 + 25 * w[1]**2):.2e}")

# %% [markdown]
# ## 6. Adam as a PyTorch optimizer
#
# In PyTorch an optimizer is a subclass of `torch.optim.Optimizer`. The base class keeps
# `self.param_groups` (a list of dicts: `"params"` plus the hyperparameters of that
# group, filled in from the defaults you pass to `super().__init__`) and `self.state`
# (a dict from each parameter to a dict of its state, empty at first). You write `step`:
#
# * for every group and every parameter `p` with a gradient (`p.grad` is not `None`;
#   parameters without one are skipped and their state does not change);
# * `weight_decay` is an L2 penalty, as in `torch.optim.Adam`: use
#   $g = $ `p.grad + weight_decay * p` as the gradient;
# * create the state lazily the first time a parameter is updated, with
#   `torch.zeros_like(p)`, so that it lives on the parameter's device (CPU or GPU);
#   each parameter counts its own steps;
# * update `p` in place inside `torch.no_grad()` (the decorator below does it);
# * if a `closure` is given, call it (with gradients enabled) and return its loss.
#
# Validate the arguments: raise `ValueError` for a negative `lr`, `eps` or
# `weight_decay`, and for betas outside $[0, 1)$. Your class is graded on a GPU when the
# grader has one, against `torch.optim.Adam`.

# %% [solution] adam_class
class Adam(torch.optim.Optimizer):
    """Adam (Kingma & Ba, 2014) with L2 weight decay, as torch.optim.Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        ### BEGIN SOLUTION
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        ### END SOLUTION
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        ### BEGIN SOLUTION
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad + group["weight_decay"] * p
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                state["m"] = beta1 * state["m"] + (1 - beta1) * grad
                state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
                m_hat = state["m"] / (1 - beta1**t)
                v_hat = state["v"] / (1 - beta2**t)
                p -= group["lr"] * m_hat / (v_hat.sqrt() + group["eps"])
        ### END SOLUTION
        return loss

# %% [tests] test_adam_class points=4
# Visible tests: one step worked out by hand, and two steps on a (4, 5) parameter.
from lecture7.grading.optimizers import check_adam_class

check_adam_class(Adam)
### BEGIN HIDDEN TESTS
check_adam_class(Adam, hidden=True, points=4)
### END HIDDEN TESTS

# %% [markdown]
# ### Train something with your optimizer
#
# A least-squares fit on random data: your `Adam` and `torch.optim.Adam` should reach the
# same loss. (This cell is not graded.)

# %% [code]
generator = torch.Generator().manual_seed(0)
X = torch.randn(64, 5, generator=generator)
y = X @ torch.randn(5, generator=generator) + 0.1 * torch.randn(64, generator=generator)
for name, optimizer_class in [("your Adam", Adam), ("torch.optim.Adam", torch.optim.Adam)]:
    w = torch.zeros(5, requires_grad=True)
    optimizer = optimizer_class([w], lr=0.1)
    for _ in range(100):
        optimizer.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    print(f"{name:>16}: loss after 100 steps {loss.item():.5f}")

# %% [markdown]
# ## 7. Written questions
#
# **Question 1.** Adam's moments start at $m_0 = v_0 = 0$. Without bias correction,
# what happens in the first steps with $\beta_1 = 0.9$, $\beta_2 = 0.999$ (compute the
# first step for a gradient $g$)? Why does dividing by $1 - \beta^t$ fix it?

# %% [answer] bias_correction points=2
# Without correction the first step is $\alpha\, m_1/(\sqrt{v_1} + \epsilon)$ with
# $m_1 = 0.1\, g$ and $v_1 = 0.001\, g^2$, i.e. about $\alpha \cdot 0.1/0.0316 \approx 3.2\,\alpha$
# times the sign of $g$: the tiny second moment (it is pulled toward zero far more than
# the first, since $1-\beta_2 \ll 1-\beta_1$) makes the first steps too large, which can
# throw the weights far away. $m_t$ is a weighted average whose weights sum to
# $1-\beta_1^t$, not 1; dividing by that sum gives an unbiased estimate
# ($\hat m_1 = g$, $\hat v_1 = g^2$, first step $\approx \alpha$), and the correction
# fades as $t$ grows.

# %% [markdown]
# **Question 2.** Adam (like AdaGrad and RMSProp) divides each coordinate's step by its
# own scale. Explain why it cannot fix the ill-conditioning of
# $f(w) = \frac12 w^\top R\, \mathrm{diag}(1, 100)\, R^\top w$ where $R$ rotates by 45°,
# although it handles $\frac12 w^\top \mathrm{diag}(1, 100)\, w$ well.

# %% [answer] rotated_problem points=2
# The per-coordinate scaling is a diagonal preconditioner: it can stretch the axes
# $w_0$, $w_1$ independently, which is exactly what the axis-aligned valley needs (the
# steep and the flat direction are the coordinate axes). In the rotated problem the
# steep and flat directions are the diagonals: both coordinates see a mix of the large
# and the small curvature, with similar gradient magnitudes, so the diagonal scaling
# rescales them about equally and the condition number (100) is unchanged. Fixing it
# needs a non-diagonal preconditioner that knows the eigenvectors (second-order methods).
