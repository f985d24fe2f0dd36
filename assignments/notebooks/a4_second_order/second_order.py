# ruff: noqa: E402
# The description of assignments/source/a4_second_order/second_order.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 4: Second-order optimization
#
# First-order methods follow a linear model of the loss and must guess the length of
# each step (the learning rate). Second-order methods minimize a *quadratic* model, which
# has a minimum, and so know how far to go. In this assignment (chapter 4 of the book,
# *Second-order optimization*) you implement the **Newton step**, the **L-BFGS two-loop
# recursion** and the **BFGS update** of the inverse Hessian, in PyTorch, and then think
# about why none of them trains deep networks.
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
# **Rules.** Inputs are float64 `torch` tensors, on the GPU when the grader has one:
# compute with torch operations (`torch.linalg.solve`, `torch.dot`, `torch.outer`, `@`)
# and create new tensors on the inputs' device (`torch.eye(n, dtype=..., device=...)`).
# Leave `grad`, `hess` and the histories as they were (the caller still uses them: one
# check of its own); `h_inv` may be updated in place and returned. Code that calls the
# reference implementation (`lecture7.second_order`) gets no points for that part. Do not
# rename the functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `newton_step` | the step (relative error $10^{-6}$); that `grad` and `hess` are left as they were (one check of its own: the caller still uses them) | `torch.linalg.solve`, `cholesky_solve` or `inv` (on these well-conditioned problems) |
# | `lbfgs_direction` | the direction; that `grad` and the histories are left as they were (one check of its own: L-BFGS computes the next `y` from this `grad`) | `q = grad.clone()` or `q = q - ...`; lists or tuples |
# | `bfgs_inverse_update` | the new inverse Hessian, update after update; that `s` and `y` are left as they were | the product form or the expanded form; updating `h_inv` in place and returning it (a note) |

# %% [readonly] setup
import torch

# %% [markdown]
# ## 1. The Newton step
#
# Around the weights $w$, with gradient $g = \nabla L(w)$ and Hessian $H = \nabla^2 L(w)$,
# the quadratic model of the loss is
#
# $$L(w + p) \approx L(w) + g^\top p + \tfrac12 p^\top H p .$$
#
# When $H$ is positive definite its minimum is where its gradient $g + H p$ vanishes: the
# **Newton step** $p = -H^{-1} g$. No learning rate: the curvature sets the length of the
# step, and a quadratic is minimized in one step. In practice the step is **damped**:
# adding $\lambda I$ (`damping`) to $H$ shortens the step (large $\lambda$ turns it into a
# small gradient step, $p \approx -g/\lambda$) and makes the model positive definite where
# $H$ is not:
#
# $$p = -(H + \lambda I)^{-1} g .$$
#
# **Solve, don't invert.** Compute $p$ by solving the linear system $(H + \lambda I)\,p = -g$
# (`torch.linalg.solve`); forming the inverse costs more and loses accuracy when $H$ is
# ill-conditioned. You may assume that $H$ is symmetric and $H + \lambda I$ positive
# definite.

# %% [solution] newton_step
def newton_step(grad, hess, *, damping=0.0):
    """The damped Newton step p = -(hess + damping * I)^-1 grad.

    grad: shape (n,); hess: shape (n, n), symmetric. Returns p, shape (n,), on grad's device.
    """
    ### BEGIN SOLUTION
    eye = torch.eye(grad.shape[0], dtype=hess.dtype, device=hess.device)
    return -torch.linalg.solve(hess + damping * eye, grad)
    ### END SOLUTION

# %% [tests] test_newton_step points=3
# Visible tests: a 2x2 case by hand, with and without damping, and a random 5-dim problem.
from lecture7.grading.second_order import check_newton_step

check_newton_step(newton_step)
### BEGIN HIDDEN TESTS
check_newton_step(newton_step, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### Newton's method on a quadratic and on Rosenbrock's valley
#
# Autograd gives the gradient and the Hessian of any function
# (`torch.func.grad`, `torch.func.hessian`). Newton's method repeats your step:
# $w_{k+1} = w_k + p_k$. On a badly conditioned quadratic one step reaches the minimum;
# on Rosenbrock's banana-shaped valley a handful do (not graded).

# %% [code]
def newton_method(f, w, steps, damping=0.0):
    for k in range(steps):
        g, H = torch.func.grad(f)(w), torch.func.hessian(f)(w)
        w = w + newton_step(g, H, damping=damping)
        print(f"  step {k + 1}: loss {f(w).item():.3e}")
    return w


A = torch.diag(torch.tensor([1.0, 100.0], dtype=torch.float64))
b = torch.tensor([1.0, 1.0], dtype=torch.float64)
print("quadratic, condition number 100:")
newton_method(lambda w: 0.5 * w @ A @ w - b @ w, torch.zeros(2, dtype=torch.float64), 2)
print("Rosenbrock from (-1.5, 2):")
newton_method(lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2,
              torch.tensor([-1.5, 2.0], dtype=torch.float64), 6)

# %% [markdown]
# ## 2. L-BFGS: the two-loop recursion
#
# Quasi-Newton methods never compute $H$. After a step $s_k = w_{k+1} - w_k$ the gradient
# changes by $y_k = g_{k+1} - g_k$; on a quadratic, $y_k = H s_k$ exactly, so each pair
# $(s_k, y_k)$ measures the curvature along $s_k$ (with $s_k^\top y_k > 0$ for a convex
# loss). **L-BFGS** keeps only the last $m$ pairs and computes the direction $-H_k g$,
# where $H_k \approx (\nabla^2 L)^{-1}$ is what $m$ BFGS updates (part 3) of a scaled
# identity would give, without ever forming a matrix: $O(mn)$ work instead of $O(n^2)$.
# With the histories **oldest first**, $s_{k-m}, \dots, s_{k-1}$, and
# $\rho_i = 1/(y_i^\top s_i)$ (Nocedal & Wright, Algorithm 7.4):
#
# 1. $q = g$. **First loop, newest to oldest** ($i = k-1, \dots, k-m$):
#    $a_i = \rho_i\, s_i^\top q$, then $q \leftarrow q - a_i\, y_i$.
# 2. **Initial scaling**: $r = \gamma\, q$ with $\gamma = \dfrac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}}$
#    from the **newest** pair ($H_k^0 = \gamma I$, the curvature's scale along the last step).
# 3. **Second loop, oldest to newest** ($i = k-m, \dots, k-1$):
#    $b = \rho_i\, y_i^\top r$, then $r \leftarrow r + (a_i - b)\, s_i$.
# 4. Return the search direction $-r$.
#
# With no pairs at all, return $-g$ (steepest descent).

# %% [solution] lbfgs_direction
def lbfgs_direction(grad, s_history, y_history):
    """The L-BFGS search direction -H g by the two-loop recursion.

    grad: shape (n,). s_history, y_history: lists of m tensors of shape (n,), OLDEST first.
    """
    ### BEGIN SOLUTION
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad, [None] * m
    for i in reversed(range(m)):  # newest to oldest
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    gamma = torch.dot(s_history[-1], y_history[-1]) / torch.dot(y_history[-1], y_history[-1])
    r = gamma * q
    for i in range(m):  # oldest to newest
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r
    ### END SOLUTION

# %% [tests] test_lbfgs_direction points=4
# Visible tests: two cases by hand (one and two pairs) and a random problem with 3 pairs.
from lecture7.grading.second_order import check_lbfgs_direction

check_lbfgs_direction(lbfgs_direction)
### BEGIN HIDDEN TESTS
check_lbfgs_direction(lbfgs_direction, hidden=True, points=4)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The BFGS update of the inverse Hessian
#
# BFGS keeps the matrix $H_k \approx (\nabla^2 L)^{-1}$ itself and, after each step,
# changes it as little as possible (a rank-two update) so that it satisfies the **secant
# equation** $H_{k+1}\, y_k = s_k$, stays symmetric and stays positive definite. With
# $\rho = 1/(y^\top s)$:
#
# $$H_{k+1} = (I - \rho\, s\, y^\top)\; H_k\; (I - \rho\, y\, s^\top) + \rho\, s\, s^\top .$$
#
# Mind which side each outer product goes: $s\,y^\top$ is `torch.outer(s, y)`. Check your
# result on the secant equation. You may assume $s^\top y > 0$.

# %% [solution] bfgs_inverse_update
def bfgs_inverse_update(h_inv, s, y):
    """H_new = (I - rho s y^T) h_inv (I - rho y s^T) + rho s s^T, rho = 1 / (y^T s).

    h_inv: shape (n, n), symmetric positive definite; s, y: shape (n,).
    """
    ### BEGIN SOLUTION
    rho = 1.0 / torch.dot(y, s)
    eye = torch.eye(s.shape[0], dtype=s.dtype, device=s.device)
    left = eye - rho * torch.outer(s, y)
    right = eye - rho * torch.outer(y, s)
    return left @ h_inv @ right + rho * torch.outer(s, s)
    ### END SOLUTION

# %% [tests] test_bfgs_inverse_update points=3
# Visible tests: one update of H = I by hand, and a random 5x5 matrix.
from lecture7.grading.second_order import check_bfgs_inverse_update

check_bfgs_inverse_update(bfgs_inverse_update)
### BEGIN HIDDEN TESTS
check_bfgs_inverse_update(bfgs_inverse_update, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### L-BFGS is BFGS without the matrix
#
# $m$ BFGS updates of $\gamma I$ and the two loops on the same $m$ pairs give the same
# direction, and the updated matrix satisfies the newest secant equation. Check it with
# your functions (not graded).

# %% [code]
generator = torch.Generator().manual_seed(0)
n = 6
M = torch.randn(n, n, generator=generator, dtype=torch.float64)
A = M @ M.T + n * torch.eye(n, dtype=torch.float64)  # a positive definite Hessian
s_hist = [torch.randn(n, generator=generator, dtype=torch.float64) for _ in range(n)]
y_hist = [A @ s for s in s_hist]  # y = A s, as on a quadratic
g = torch.randn(n, generator=generator, dtype=torch.float64)

gamma = (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1])
dense = gamma * torch.eye(n, dtype=torch.float64)
for s, y in zip(s_hist, y_hist, strict=True):
    dense = bfgs_inverse_update(dense, s, y)
two_loops = lbfgs_direction(g, s_hist, y_hist)
print(f"two loops vs BFGS matrix:  {(two_loops - (-dense @ g)).abs().max().item():.1e}")
print(f"secant equation H y = s:   {(dense @ y_hist[-1] - s_hist[-1]).abs().max().item():.1e}")

# %% [markdown]
# ## 4. Written questions
#
# **Question 1.** A ResNet-50 has about 25 million parameters. Estimate the memory needed
# to store its Hessian in float32 and the cost of one Newton step. How much memory does
# L-BFGS with $m = 10$ pairs need instead? Why, even so, is L-BFGS not used to train it?

# %% [answer] hessian_cost points=2
# The Hessian has $N^2 = (2.5 \times 10^7)^2 \approx 6.5 \times 10^{14}$ entries, at 4 bytes
# each about $2.6 \times 10^{15}$ bytes (2.6 petabytes): no machine holds it. Solving with
# it (Cholesky) costs about $N^3 \approx 1.6 \times 10^{22}$ operations, days to years on a
# GPU, for a single step, and the Hessian changes at every step. L-BFGS stores $2m$
# vectors of $N$ numbers: $20 \times 2.5 \times 10^7 \times 4$ bytes $\approx$ 2 GB, and
# $O(mN)$ work per step, which is affordable. It is still not used because of the two
# other problems of deep learning (question 2): minibatch noise and non-convexity.

# %% [markdown]
# **Question 2.** Deep networks are trained on minibatches. Explain what the noise of
# minibatch gradients does to the curvature pairs $(s_k, y_k)$ and to the line search of
# (L-)BFGS. In which setting is L-BFGS nevertheless the method of choice, and why?

# %% [answer] stochastic_gradients points=2
# $y_k$ is meant to be $H s_k$, the change of *one* function's gradient along the step.
# With minibatches it is the difference of gradients of two *different* batches, so it
# contains the noise of both; near a minimum the steps are small and that noise dominates
# the curvature signal: $s_k^\top y_k$ can even be negative, which no convex loss allows.
# An inverse-Hessian model built from such pairs is mostly noise: steps far too long where
# it underestimates the curvature, too short where it overestimates it. The line search
# compares loss values along a line, but the loss changes with every batch, so the Wolfe
# conditions fail or accept meaningless steps. (And on non-convex losses Newton-like steps
# are attracted to saddle points.) L-BFGS is the method of choice for full-batch,
# deterministic, smooth problems with few enough parameters to evaluate exactly: e.g.
# style transfer (optimizing one image's pixels) or logistic regression; there it needs
# no learning rate and converges in far fewer iterations than first-order methods.
