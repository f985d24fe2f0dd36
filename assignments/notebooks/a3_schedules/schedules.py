# ruff: noqa: E402
# The description of assignments/source/a3_schedules/schedules.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 3: Learning-rate schedules
#
# No single learning rate is right for a whole training run: a high rate makes fast
# progress early but leaves the loss bouncing on a noise floor; a low rate gets deeper
# but takes forever. The fix from the lecture (chapter 3 of the book, *Learning-rate
# decay*) is to start high and lower the rate over time. In this assignment you implement
# **step decay**, **linear warmup followed by cosine decay**, the **cyclic cosine**
# schedule of snapshot ensembles together with the **steps at which a snapshot is
# saved**, and finally a **PyTorch learning-rate scheduler** that drives a real
# optimizer with any of them.
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
# **Rules.** Write the computations yourself (the `math` module is all you need for the
# schedules). Code that calls the reference implementations (`lecture7.schedules`) gets
# no points for that part. Do not rename the functions or their arguments.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `step_decay`, `warmup_cosine`, `cyclic_cosine` | the learning rate at every step of a range | a Python or NumPy float or a 0-d tensor; `math` or `numpy`; integer or float steps |
# | `cycle_end_steps` | the list of snapshot steps | a list, a tuple or a generator of integers (NumPy integers too) |
# | `ScheduleLR` | every param group's learning rate after each `scheduler.step()` | `get_lr` or `_get_closed_form_lr`, any bookkeeping of your own |

# %% [readonly] setup
import math

import torch

# %% [markdown]
# ## The convention: a schedule is a function of the step
#
# A schedule maps the **step** $t$ (`step`, an integer $\ge 0$: the number of optimizer
# updates taken so far) to the learning rate $\alpha_t$ of the next update. $\alpha_0$ is
# `lr0`. Steps count **from 0**: step 0 is the first update. Every hyperparameter is a
# keyword argument, and the function keeps no state: the rate is computed in closed
# form from $t$ (never "multiply the previous rate by $\gamma$"), so a run resumed from a
# checkpoint needs only the step count. Off-by-one errors are the classic bug here: the
# tests check every step.

# %% [markdown]
# ## 1. Step decay
#
# The ResNet recipe: cut the rate by a factor $\gamma$ (`gamma`, usually 0.1) every $s$
# steps (`step_size`):
#
# $$\alpha_t = \alpha_0 \, \gamma^{\lfloor t / s \rfloor} .$$
#
# Steps $0, \dots, s-1$ use $\alpha_0$; the first cut is **at** step $s$. The loss curve
# shows a plateau, then a sudden drop at each cut (the chapter explains why).

# %% [solution] step_decay
def step_decay(step, *, lr0, step_size, gamma=0.1):
    """The learning rate at `step` (0, 1, 2, ...): lr0 * gamma ** (step // step_size)."""
    ### BEGIN SOLUTION
    return lr0 * gamma ** (step // step_size)
    ### END SOLUTION

# %% [tests] test_step_decay points=2
# Visible tests: steps 0-7 worked out by hand, and a random lr0.
from lecture7.grading.schedules import check_step_decay

check_step_decay(step_decay)
### BEGIN HIDDEN TESTS
check_step_decay(step_decay, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Linear warmup, then cosine decay
#
# The recipe of most transformer training (and of large-batch ImageNet training). At the
# start the weights are random and the gradients large and unreliable, so the rate is
# **warmed up** linearly from 0 over the first $W$ steps (`warmup_steps`); then it follows
# half a **cosine** from $\alpha_0$ down to $\alpha_{\min}$ (`lr_min`) over the remaining
# $T - W$ steps, where $T$ (`total_steps`) is the length of the whole run, warmup
# included:
#
# $$\alpha_t = \begin{cases}
#   \alpha_0 \, \dfrac{t}{W} & t < W \\[2mm]
#   \alpha_{\min} + \tfrac12 (\alpha_0 - \alpha_{\min})
#   \left(1 + \cos\left(\pi\, \dfrac{\min(t - W,\; T - W)}{T - W}\right)\right) & t \ge W
# \end{cases}$$
#
# Check the corners: step 0 uses rate 0, step $W$ is the first at $\alpha_0$, step $T$
# (and every step after it) uses $\alpha_{\min}$. With $W = 0$ there is no warmup: plain
# cosine decay. You may assume $0 \le W < T$.

# %% [solution] warmup_cosine
def warmup_cosine(step, *, lr0, warmup_steps, total_steps, lr_min=0.0):
    """Linear warmup from 0 over warmup_steps, then cosine decay to lr_min at total_steps."""
    ### BEGIN SOLUTION
    if step < warmup_steps:
        return lr0 * step / warmup_steps
    decay_steps = total_steps - warmup_steps
    progress = min(step - warmup_steps, decay_steps) / decay_steps
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))
    ### END SOLUTION

# %% [tests] test_warmup_cosine points=3
# Visible tests: steps 0-7 of a short schedule worked out by hand, and a random lr0.
from lecture7.grading.schedules import check_warmup_cosine

check_warmup_cosine(warmup_cosine)
### BEGIN HIDDEN TESTS
check_warmup_cosine(warmup_cosine, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Cyclic cosine: the schedule of snapshot ensembles
#
# Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017) runs the cosine
# over a cycle, then jumps back to $\alpha_0$ and starts again. Cycle $i$ ($i = 0, 1,
# \dots$) lasts $T_i = T_0\, m^i$ steps, with $T_0$ = `cycle_length` and $m$ = `cycle_mult`
# (1: all cycles equally long). If step $t$ is the $t_{cur}$-th step of cycle $i$
# (counting from 0), then
#
# $$\alpha_t = \alpha_{\min} + \tfrac12 (\alpha_0 - \alpha_{\min})
#   \left(1 + \cos\left(\pi\, \frac{t_{cur}}{T_i}\right)\right).$$
#
# With $m = 1$, $t_{cur} = t \bmod T_0$. With $m > 1$, find the cycle by subtracting whole
# cycles from $t$: $T_0$ first, then $T_0 m$, ..., while what is left is at least the
# current cycle's length. For example, with $T_0 = 2$ and $m = 2$ the cycles cover steps
# $[0, 1]$, $[2, 5]$, $[6, 13]$, ...: step 7 is step $t_{cur} = 1$ of a cycle of $T_2 = 8$.
# Each cycle starts at $\alpha_0$ and its last step, $t_{cur} = T_i - 1$, has the lowest
# rate of the cycle (close to $\alpha_{\min}$; the next step would reach it, but restarts).

# %% [solution] cyclic_cosine
def cyclic_cosine(step, *, lr0, cycle_length, lr_min=0.0, cycle_mult=1):
    """Cosine annealing with warm restarts; cycle i lasts cycle_length * cycle_mult**i steps."""
    ### BEGIN SOLUTION
    t_cur, length = step, cycle_length
    while t_cur >= length:
        t_cur -= length
        length *= cycle_mult
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * t_cur / length))
    ### END SOLUTION

# %% [tests] test_cyclic_cosine points=3
# Visible tests: steps 0-7 with cycle_length=2, cycle_mult=2 by hand, and three cycles.
from lecture7.grading.schedules import check_cyclic_cosine

check_cyclic_cosine(cyclic_cosine)
### BEGIN HIDDEN TESTS
check_cyclic_cosine(cyclic_cosine, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. When to save a snapshot
#
# A snapshot ensemble (chapter 5) saves the model at the **end of every cycle**, after
# the update with the lowest rate of the cycle, where the model sits at the bottom of a
# minimum; the restart then kicks it towards another one. Write the list of steps after
# which a snapshot is saved in a run of `total_steps` updates (steps
# $0, \dots,$ `total_steps` $- 1$), in increasing order. Only **complete** cycles count: a
# cycle that the end of training cuts short never reached its low rate and gives no
# snapshot. For $T_0 = 2$, $m = 2$ and 14 steps: `[1, 5, 13]`.

# %% [solution] cycle_end_steps
def cycle_end_steps(total_steps, *, cycle_length, cycle_mult=1):
    """The last step of every complete cycle among steps 0 .. total_steps - 1, as a list."""
    ### BEGIN SOLUTION
    ends, end, length = [], cycle_length - 1, cycle_length
    while end < total_steps:
        ends.append(end)
        length *= cycle_mult
        end += length
    return ends
    ### END SOLUTION

# %% [tests] test_cycle_end_steps points=2
# Visible tests: two cases worked out by hand.
from lecture7.grading.schedules import check_cycle_end_steps

check_cycle_end_steps(cycle_end_steps)
### BEGIN HIDDEN TESTS
check_cycle_end_steps(cycle_end_steps, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Look at your schedules
#
# The rate at every 5th step of a 60-step run for each schedule (not graded; plot them
# with matplotlib if you like). Check the warmup, the restarts and the snapshot steps.

# %% [code]
T = 60
table = {
    "step decay": [step_decay(t, lr0=1.0, step_size=20) for t in range(T)],
    "warmup + cosine": [warmup_cosine(t, lr0=1.0, warmup_steps=10, total_steps=T)
                        for t in range(T)],
    "cyclic cosine": [cyclic_cosine(t, lr0=1.0, cycle_length=10, cycle_mult=2)
                      for t in range(T)],
}
print(f"{'step':>16}" + "".join(f"{t:>6}" for t in range(0, T, 5)))
for name, values in table.items():
    print(f"{name:>16}" + "".join(f"{v:6.3f}" for v in values[::5]))
print("snapshots after steps", cycle_end_steps(T, cycle_length=10, cycle_mult=2))

# %% [markdown]
# ## 5. A PyTorch learning-rate scheduler
#
# In PyTorch a scheduler is a subclass of `torch.optim.lr_scheduler.LRScheduler`. It
# wraps an optimizer; the training loop calls `optimizer.step()` and then
# `scheduler.step()` once per update. The base class does the bookkeeping:
#
# * its `__init__(optimizer, last_epoch)` records each param group's initial learning
#   rate in `self.base_lrs` (one per group, in order) and then calls `step()` once, which
#   sets `self.last_epoch = 0` and the rates of step 0;
# * every `step()` adds 1 to `self.last_epoch` and sets each group's `"lr"` to what your
#   `get_lr()` returns: **a list with one learning rate per param group**.
#
# So you write `get_lr`, and `__init__` stores what `get_lr` needs. Write `ScheduleLR`,
# a scheduler that follows any schedule function of this assignment:
# `ScheduleLR(optimizer, warmup_cosine, warmup_steps=10, total_steps=100)` sets each
# group's rate to `schedule_fn(t, lr0=<that group's initial lr>, **hyperparameters)` with
# $t$ = `self.last_epoch`. Two things to get right: store your attributes **before**
# calling `super().__init__` (it calls `get_lr` already), and compute from the initial
# rates `self.base_lrs`, not from the groups' current `"lr"`.

# %% [solution] schedule_lr
class ScheduleLR(torch.optim.lr_scheduler.LRScheduler):
    """Sets each param group's lr to schedule_fn(step, lr0=initial lr, **hyperparameters)."""

    def __init__(self, optimizer, schedule_fn, last_epoch=-1, **hyperparameters):
        ### BEGIN SOLUTION
        self.schedule_fn = schedule_fn
        self.hyperparameters = dict(hyperparameters)
        ### END SOLUTION
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        ### BEGIN SOLUTION
        return [self.schedule_fn(self.last_epoch, lr0=base_lr, **self.hyperparameters)
                for base_lr in self.base_lrs]
        ### END SOLUTION

# %% [tests] test_schedule_lr points=2
# Visible tests: two param groups with a staircase schedule by hand, and a warmup schedule.
from lecture7.grading.schedules import check_schedule_lr

check_schedule_lr(ScheduleLR)
### BEGIN HIDDEN TESTS
check_schedule_lr(ScheduleLR, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ### Train with your scheduler
#
# A least-squares fit with SGD + momentum: a constant rate against warmup + cosine from
# the same start, with your `ScheduleLR` (not graded). The constant rate ends on its noise
# floor; the decayed run goes lower.

# %% [code]
torch.set_num_threads(1)  # a tiny problem: one thread is fastest
generator = torch.Generator().manual_seed(0)
X = torch.randn(256, 10, generator=generator)
y = X @ torch.randn(10, generator=generator) + 0.5 * torch.randn(256, generator=generator)
steps = 300
for name in ("constant", "warmup + cosine"):
    w = torch.zeros(10, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.05, momentum=0.9)
    scheduler = None
    if name != "constant":
        scheduler = ScheduleLR(optimizer, warmup_cosine, warmup_steps=20, total_steps=steps)
    batches = torch.Generator().manual_seed(1)
    for _ in range(steps):
        idx = torch.randint(0, 256, (8,), generator=batches)
        optimizer.zero_grad()
        ((X[idx] @ w - y[idx]) ** 2).mean().backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    with torch.no_grad():
        print(f"{name:>16}: full-data loss after {steps} steps {((X @ w - y) ** 2).mean():.4f}")

# %% [markdown]
# ## 6. Written questions
#
# **Question 1.** You train with SGD + momentum at a constant learning rate; the loss falls
# fast, then flattens out. You add step decay ($\gamma = 0.1$) and at the cut the loss
# drops suddenly to a lower level. Explain why. Would the same decay help if the constant
# rate had been 30 times too small? How should you choose the starting rate, then?

# %% [answer] why_decay points=2
# Near a minimum the gradient of the full loss is small, but each minibatch gradient still
# carries noise of roughly constant size. Each step moves the weights by about $\alpha$
# times that noise, so the weights rattle around the bottom of the valley at a height set
# by $\alpha$: the plateau is the rate's *noise floor*, not the minimum. Cutting $\alpha$
# by 10 shrinks the rattling within a few steps, and the loss falls to the new, lower
# floor: a sudden drop. With a rate that is far too small the loss has not reached a
# plateau at all: it is still creeping down, limited by the step size, and decay only
# slows it further. So choose the starting rate first, without decay, by reading the loss
# curves of a short sweep (too low: slow steady decrease; too high: noisy or diverging;
# good: fast drop then plateau), then add decay where the good curve flattens out (and
# you can usually start a bit higher).

# %% [markdown]
# **Question 2.** Why do transformer and large-batch recipes start with a *warmup*
# instead of the full rate? And why does a snapshot ensemble need a *cyclic* rate, rather
# than saving checkpoints of an ordinary run with cosine decay?

# %% [answer] warmup_and_cycles points=2
# At the start the weights are random and the gradients large and unreliable (and Adam's
# second-moment estimate is built from only a few gradients); a full-size step there can
# throw the network into a region it does not recover from (divergence, dead units).
# Ramping the rate up over the first steps lets the early, badly scaled updates be small
# until the statistics settle. For snapshots: consecutive checkpoints of one ordinary run
# are close to each other in weight space and make nearly the same mistakes, so averaging
# them gains little; the rate also is not low at intermediate checkpoints, so they are not
# at a minimum. A cyclic rate anneals to a low value at the end of every cycle (the model
# settles into a minimum: a good snapshot), and the restart to a high rate kicks it out
# towards a different minimum, so the snapshots are both good and diverse.
