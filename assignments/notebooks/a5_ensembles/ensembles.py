# ruff: noqa: E402
# The description of assignments/source/a5_ensembles/ensembles.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 5: Ensembles
#
# Optimizers drive the training loss down; what matters is the error on new data. The
# cheapest reliable way to close part of that gap (chapter 5 of the book, *Ensembles*) is
# to average several models. In this assignment you implement **ensemble prediction**
# (averaging the probabilities of several networks), the two ways of averaging *weights*
# during training, the **exponential moving average** and **Polyak's running mean**, and a
# **snapshot collector** that saves a copy of the model at the end of every cycle of a
# cyclic learning rate: many models from one training run.
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
# **Rules.** Write the computations yourself with torch (and plain arithmetic). Tensors
# may live on the GPU when the grader has one: create nothing on a fixed device. Code that
# calls the reference implementations (`lecture7.ensembles`) gets no points for that
# part. Do not rename the functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `ensemble_predict` | the mean of the models' softmax probabilities; each model's train/eval flag afterwards (restored) | `torch.softmax` or a stable softmax written out, `torch.no_grad()` |
# | `ema_update`, `polyak_update` | the new average, over chains of updates; returned as what you were given (a NumPy array, or a tensor on its device); `value` left as it was | `torch.lerp`, or the formula; the average updated in place and returned, as `torch.optim.swa_utils` does (a note) |
# | `SnapshotCollector` | when `step` returns True, `snapshot_steps`, the saved snapshots (every parameter and buffer) | a `state_dict` copy or a deep-copied module; `clone()` or `copy.deepcopy` |

# %% [readonly] setup
import copy
import math

import torch
from torch import nn

# %% [markdown]
# ## 1. Ensemble prediction
#
# Train $M$ models independently (different initializations, different data orders) and
# average their predictions. With $z_m(x)$ the logits of model $m$, the ensemble predicts
# the **mean of the models' probabilities**:
#
# $$p(y \mid x) = \frac{1}{M} \sum_{m=1}^{M} \operatorname{softmax}\bigl(z_m(x)\bigr)_y .$$
#
# Not the softmax of the mean logits: logits have no common scale across models, and
# averaging them is a geometric mean of the probabilities, dominated by the most
# confident model. Not a majority vote either: it throws each model's confidence away.
#
# Write `ensemble_predict(models, x)`: `models` is a list of `nn.Module`s that map a batch
# `x` of shape `(N, D)` to logits `(N, K)`; return the ensemble's probabilities `(N, K)`.
# Prediction is test time, so
#
# * run every model in **evaluation mode** (`model.eval()`: batch norm uses its running
#   statistics, dropout is off), and put each model back in the mode it was in
#   (`model.training` tells you which; `model.train(mode)` restores it): a caller in the
#   middle of training must not find its model switched to evaluation mode;
# * compute no gradients (`torch.no_grad()`);
# * take the softmax over the classes (the last dimension), with `torch.softmax`, which
#   is numerically stable for large logits.

# %% [solution] ensemble_predict
def ensemble_predict(models, x):
    """The mean over `models` of softmax(model(x)), shape (N, K); models run in eval mode."""
    ### BEGIN SOLUTION
    modes = [model.training for model in models]
    try:
        with torch.no_grad():
            probs = [model.eval()(x).softmax(dim=-1) for model in models]
    finally:
        for model, mode in zip(models, modes, strict=True):
            model.train(mode)
    return torch.stack(probs).mean(dim=0)
    ### END SOLUTION

# %% [tests] test_ensemble_predict points=3
# Visible tests: two models by hand, and three random models in training mode.
from lecture7.grading.ensembles import check_ensemble_predict

check_ensemble_predict(ensemble_predict)
### BEGIN HIDDEN TESTS
check_ensemble_predict(ensemble_predict, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### An ensemble on a small problem
#
# Five small networks trained from different seeds on a noisy 2-D problem with few
# training points, then averaged (not graded). Compare each member's test accuracy with
# the ensemble's.

# %% [code]
def make_data(n, generator):
    """Two interleaved spirals with label noise."""
    t = 2 * math.pi * torch.rand(n, generator=generator)
    label = torch.randint(0, 2, (n,), generator=generator)
    radius = 0.3 + t / (2 * math.pi)
    angle = t + math.pi * label
    x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return x + 0.12 * torch.randn(n, 2, generator=generator), label


torch.set_num_threads(1)  # tiny networks: one thread is fastest
data_generator = torch.Generator().manual_seed(0)
x_train, y_train = make_data(80, data_generator)
x_test, y_test = make_data(2000, data_generator)


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))


def train(model, steps, lr_at=lambda t: 0.05, seed=0, after_step=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr_at(0), momentum=0.9)
    batches = torch.Generator().manual_seed(seed)
    for t in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(t)
        idx = torch.randint(0, len(x_train), (32,), generator=batches)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
        optimizer.step()
        if after_step is not None:
            after_step(model)
    return model


def accuracy(models):
    return (ensemble_predict(models, x_test).argmax(-1) == y_test).float().mean().item()


members = [train(make_model(seed), 400, seed=seed) for seed in range(5)]
print("member test accuracies:", ", ".join(f"{accuracy([m]):.3f}" for m in members))
print(f"ensemble of {len(members)}: {accuracy(members):.3f}")

# %% [markdown]
# ## 2. The exponential moving average of the weights
#
# The cheapest ensemble averages the *weights* of one run instead of the predictions of
# many. After every optimizer step, with the current weights $\theta_t$ and the average
# $\bar\theta$ (which starts as a copy of the first weights):
#
# $$\bar\theta_t = \beta\, \bar\theta_{t-1} + (1 - \beta)\, \theta_t ,$$
#
# with the decay $\beta$ (`decay`) close to 1: the average remembers roughly the last
# $1/(1-\beta)$ steps. The weights of SGD keep bouncing around the bottom of the valley
# with the minibatch noise; their average sits near the middle. Write one step of it.
# It must work on NumPy arrays and on torch tensors on any device, so use plain
# arithmetic, and return the new average. Leave `value` as it was (the caller's weights);
# updating `average` in place and returning it is fine, as `torch.optim.swa_utils` does.

# %% [solution] ema_update
def ema_update(average, value, *, decay):
    """One EMA step: decay * average + (1 - decay) * value, of the kind you are given."""
    ### BEGIN SOLUTION
    return decay * average + (1 - decay) * value
    ### END SOLUTION

# %% [tests] test_ema_update points=2
# Visible tests: one step by hand, and a (4, 5) torch tensor.
from lecture7.grading.ensembles import check_ema_update

check_ema_update(ema_update)
### BEGIN HIDDEN TESTS
check_ema_update(ema_update, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Polyak's running mean
#
# Polyak and Juditsky's original average is the uniform **mean of all the iterates**; the
# lecture's "Polyak averaging" usually means the EMA above. Kept as a running mean, it
# needs only the current mean $\bar\theta$ of the $n$ values seen so far and the next
# value $\theta$:
#
# $$\bar\theta \leftarrow \bar\theta + \frac{\theta - \bar\theta}{n + 1} ,$$
#
# the mean of all $n + 1$ values. With $n = 0$ the result is $\theta$ itself. (Stochastic
# weight averaging, SWA, is this mean started late in training.) Same rules as
# `ema_update`: plain arithmetic, of the kind you are given.

# %% [solution] polyak_update
def polyak_update(average, value, *, n):
    """The mean of n + 1 values, from the mean `average` of the first n and the next `value`."""
    ### BEGIN SOLUTION
    return average + (value - average) / (n + 1)
    ### END SOLUTION

# %% [tests] test_polyak_update points=2
# Visible tests: one step by hand, and a (4, 5) torch tensor.
from lecture7.grading.ensembles import check_polyak_update

check_polyak_update(polyak_update)
### BEGIN HIDDEN TESTS
check_polyak_update(polyak_update, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Snapshot ensembles: collect a snapshot at the end of every cycle
#
# Snapshot ensembles (Huang et al., 2017) get $M$ models out of **one** run. The learning
# rate is cyclic (cosine annealing with warm restarts, assignment 3): during each cycle it
# anneals towards zero and the model settles into a minimum; then it jumps back up and
# kicks the model out towards another one. A copy of the weights saved at the **end of
# each cycle** is a good and different model each time.
#
# Cycle $i$ (from 0) lasts $T_0\, m^i$ steps, with $T_0$ = `cycle_length` and
# $m$ = `cycle_mult`. Steps count updates from 0: with $T_0 = 2$, $m = 2$ the cycles are
# updates $[0, 1]$, $[2, 5]$, $[6, 13]$, ..., and the snapshots are saved after updates
# 1, 5, 13, ...
#
# Write `SnapshotCollector`. The training loop calls `collector.step(model)` once after
# every optimizer update. `step` returns `True` if it saved a snapshot (the update just
# finished was the last of its cycle), else `False`. It keeps
#
# * `snapshots`: the saved snapshots, each a **copy** of `model.state_dict()` (a dict from
#   names to tensors, parameters and buffers). Careful: `state_dict()` returns the model's
#   own tensors, which the optimizer keeps changing in place. Clone them
#   (`{k: v.detach().clone() for k, v in ...}`), on the model's device;
# * `snapshot_steps`: the update index (0, 1, ...) after which each snapshot was saved.

# %% [solution] snapshot_collector
class SnapshotCollector:
    """Saves a copy of model.state_dict() after the last update of every learning-rate cycle."""

    def __init__(self, *, cycle_length, cycle_mult=1):
        ### BEGIN SOLUTION
        self.cycle_length, self.cycle_mult = cycle_length, cycle_mult
        self.snapshots, self.snapshot_steps = [], []
        self.steps_done = 0
        self.next_end, self.length = cycle_length - 1, cycle_length
        ### END SOLUTION

    def step(self, model):
        """Call once after every update; saves a snapshot at a cycle's end. Returns whether."""
        ### BEGIN SOLUTION
        t = self.steps_done
        self.steps_done += 1
        if t != self.next_end:
            return False
        self.length *= self.cycle_mult
        self.next_end += self.length
        self.snapshots.append({k: v.detach().clone() for k, v in model.state_dict().items()})
        self.snapshot_steps.append(t)
        return True
        ### END SOLUTION

# %% [tests] test_snapshot_collector points=3
# Visible tests: 8 updates with cycle_length=2, cycle_mult=2 by hand, and 12 random updates.
from lecture7.grading.snapshots import check_snapshot_collector

check_snapshot_collector(SnapshotCollector)
### BEGIN HIDDEN TESTS
check_snapshot_collector(SnapshotCollector, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### A snapshot ensemble and an EMA from single runs
#
# One run with a cyclic cosine rate and your collector, the snapshots averaged with your
# `ensemble_predict`; and one run at a constant rate whose weights are averaged with your
# `ema_update` (not graded; on such a small problem the differences are small and noisy).

# %% [code]
cycle_length, n_cycles = 200, 4


def cyclic_lr(t, lr0=0.1):
    return 0.5 * lr0 * (1 + math.cos(math.pi * (t % cycle_length) / cycle_length))


collector = SnapshotCollector(cycle_length=cycle_length)
run = train(make_model(10), cycle_length * n_cycles, lr_at=cyclic_lr, seed=10,
            after_step=collector.step)
snapshots = []
for state in collector.snapshots:
    snapshot = copy.deepcopy(run)
    snapshot.load_state_dict(state)
    snapshots.append(snapshot)
print("snapshots saved after updates", collector.snapshot_steps)
print("snapshot test accuracies:", ", ".join(f"{accuracy([s]):.3f}" for s in snapshots))
print(f"snapshot ensemble: {accuracy(snapshots):.3f}")

ema_model = None


def update_ema(model):
    global ema_model
    if ema_model is None:
        ema_model = copy.deepcopy(model)
        return
    with torch.no_grad():
        for average, value in zip(ema_model.state_dict().values(), model.state_dict().values(),
                                  strict=True):
            if average.is_floating_point():
                average.copy_(ema_update(average, value, decay=0.99))
            else:
                average.copy_(value)


raw = train(make_model(11), 800, seed=11, after_step=update_ema)
print(f"constant rate, raw weights: {accuracy([raw]):.3f}; EMA of the weights: "
      f"{accuracy([ema_model]):.3f}")

# %% [markdown]
# ## 5. Written questions
#
# **Question 1.** Why does an ensemble of independently trained networks usually beat its
# average member on test data, although every member fits the training set? When would it
# gain nothing? Why average probabilities rather than logits?

# %% [answer] why_ensembles points=2
# Different initializations and data orders end in different minima, and the members make
# partly *different* mistakes on new data (their errors are not perfectly correlated).
# Averaging cancels the idiosyncratic part of each member's error (the variance), while
# the shared part remains: where a member is wrong, the others often outvote it, and the
# average is less often confidently wrong (lower cross-entropy). If all members made the
# same mistakes (identical models, or errors fully correlated), the average would equal
# each member and gain nothing. Probabilities: their average is the predictive
# distribution of the mixture of the members, each contributing at most its probability;
# logits have no common scale (a member with large logits dominates their mean, which is
# a sharper geometric mean of the probabilities).

# %% [markdown]
# **Question 2.** Compare a snapshot ensemble of $M$ snapshots with $M$ independently
# trained models: training cost, test-time cost, and how different the members are. When
# does averaging the *weights* (Polyak / EMA) help, and why can you not average the
# weights of two independently trained networks?

# %% [answer] snapshots_and_polyak points=2
# Snapshots cost one training run instead of $M$; at test time both need $M$ forward
# passes. Snapshots from one run are less diverse than independent models (they share an
# initialization and consecutive minima are related), so the gain is usually somewhat
# smaller; the cyclic rate's restarts are what make them differ at all. Weight averaging
# (EMA or Polyak) helps when the weights keep bouncing around a minimum, e.g. SGD with a
# constant or high learning rate and noisy minibatch gradients: the average sits near
# the center of the region the iterates explore, typically a flatter and better point,
# for the cost of one extra copy of the weights and one forward pass at test time. It
# only works for weights in the same basin (consecutive iterates of one run). Two
# independent networks are in different basins, and their hidden units are permuted
# relative to each other, so the average of their weights is not between two good
# solutions but a poor network: average their predictions instead.
