# ruff: noqa: E402
# The description of assignments/source/a8_transfer/transfer.ipynb: edit this file,
# then run `python -m lecture7.grading.authoring build` (see assignments/README.md).

# %% [markdown]
# # Assignment 8: Transfer learning
#
# A network with tens of thousands of weights, shown a few dozen labelled images,
# learns those images by heart. Transfer learning brings in the missing data: train a
# network **once on a very large data set** (ImageNet), then **reuse** it on the small
# data set you care about, keeping what it learned and retraining only what is specific
# to the new task (chapter 8 of the book, *Transfer learning*).
#
# You implement the surgery the lecture describes: **freeze** the pretrained layers,
# **replace the head** (the last fully-connected layer) by a freshly initialized one,
# give the pretrained layers a **smaller learning rate** than the head when fine-tuning,
# and use the network as a **fixed feature extractor**: compute the "CNN codes" and
# train a **linear classifier** (a linear probe) on them.
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
# **Rules.** Write the code yourself with PyTorch. Code that calls the reference
# implementation (`lecture7.transfer`), or scikit-learn's classifiers for the probe,
# gets no points for that part. Do not rename the functions.

# %% [markdown]
# ## What is graded
#
# | function | graded | accepted without loss |
# |---|---|---|
# | `freeze_backbone` | which parameters are trainable and which move in an SGD step; no module's train/eval mode changed | `requires_grad_(False)` or `p.requires_grad = False`, by module or by parameter name |
# | `replace_head` | the new `model.fc` (a fresh `nn.Linear` of the right size, initialized from the generator, on the model's device and dtype, trainable), the rest of the model untouched, and that it is returned | building it with `nn.Linear(...)` then moving it, or `device=`/`dtype=` arguments |
# | `make_param_groups` | the learning rate each trainable parameter gets | lists or generators of parameters, extra keys, one group per parameter |
# | `extract_features` | the pooled features (eval mode, no gradient) as a tensor on the model's device; every module's mode and BatchNorm's statistics as they were | a forward hook or the layers called in turn; `no_grad` or `inference_mode` |
# | `linear_probe` | its held-out accuracy, at most 0.1 below the reference probe's | any linear classifier and solver you write |

# %% [readonly] setup
import math

import torch

from lecture7.models import SmallCNN

# %% [markdown]
# ## The network
#
# All functions below work on the course's `SmallCNN`, built like torchvision's ResNet
# from two named parts:
#
# * `model.features`: the convolution blocks (convolution, optional BatchNorm, ReLU,
#   max-pooling), then `model.avgpool` (global average pooling, flattened): together the
#   **backbone**, which turns an image into a vector of `model.num_features` numbers,
#   `model.embed(x)`;
# * `model.fc`: the **head**, one `nn.Linear` from those features to the class scores
#   (`model.dropout` sits between them).
#
# Every parameter's name starts with `features.` or `fc.` (`model.named_parameters()`).
# The grader passes your functions SmallCNNs of various depths and widths, on the GPU
# when there is one: never assume a size or a device.

# %% [code]
model = SmallCNN(3, 10, widths=(4, 8), batchnorm=True, seed=0)
print(model)
print([name for name, _ in model.named_parameters()])

# %% [markdown]
# ## 1. Freezing the backbone
#
# To *freeze* a parameter, set its `requires_grad` to `False`: backpropagation then
# computes no gradient for it (`p.grad` stays `None`) and every `torch.optim` optimizer
# skips it, so it never changes. Freezing the backbone and training only the head is
# the lecture's recipe for a small data set similar to the pretraining data.
#
# `freeze_backbone(model)` freezes **every parameter outside `model.fc`** and makes
# every parameter of `model.fc` trainable (even if it was frozen before: a pretrained
# network is often copied frozen). `requires_grad` is an attribute of each *parameter*
# (a tensor), not of a module.
#
# **Freezing changes `requires_grad` and nothing else**: leave the train/eval mode of
# the modules alone. (Calling `model.eval()` here would also switch off the head's
# dropout, and the training loop's `model.train()` would undo it anyway. What this
# means for BatchNorm is question 2 at the end.) The grader checks which parameters are
# trainable, which ones change in an SGD step on all of `model.parameters()`, and that
# no module changed mode.

# %% [solution] freeze_backbone
def freeze_backbone(model):
    """Set requires_grad = False on every parameter outside model.fc, True on model.fc's.

    Changes nothing else (train/eval modes stay as they are). Returns nothing.
    """
    ### BEGIN SOLUTION
    for p in model.parameters():
        p.requires_grad_(False)
    for p in model.fc.parameters():
        p.requires_grad_(True)
    ### END SOLUTION

# %% [tests] test_freeze_backbone points=2
# Visible tests: a two-block SmallCNN (by hand), and a random one.
from lecture7.grading.transfer import check_freeze_backbone

check_freeze_backbone(freeze_backbone)
### BEGIN HIDDEN TESTS
check_freeze_backbone(freeze_backbone, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A new head
#
# The pretrained head maps features to the *old* classes: for the new task it is
# replaced by a new `nn.Linear` with the same `in_features` (the backbone's output
# size) and `num_classes` outputs, **freshly initialized** the way `nn.Linear`
# initializes itself: every weight and bias uniform on $\pm 1/\sqrt{d}$, with $d$ =
# `in_features` (the fan-in).
#
# So that the grader can reproduce your head, draw from the given `generator` (a CPU
# `torch.Generator`): create the layer, then, under `torch.no_grad()`, fill **the weight
# first, then the bias** with `tensor.uniform_(-bound, bound, generator=generator)`.
# Then move the layer to the device and dtype of the old head (`model.fc.weight.device`,
# `.dtype`), put it in the model (`model.fc = head`) and return it. Its parameters are
# trainable (a new `nn.Linear`'s are).

# %% [solution] replace_head
def replace_head(model, num_classes, generator):
    """Replace model.fc by a new nn.Linear(model.fc.in_features, num_classes), weight then
    bias drawn uniform on +-1/sqrt(in_features) from generator (on the CPU), moved to the
    old head's device and dtype. Returns the new layer (which is model.fc).
    """
    ### BEGIN SOLUTION
    in_features = model.fc.in_features
    bound = 1 / math.sqrt(in_features)
    head = torch.nn.Linear(in_features, num_classes)
    with torch.no_grad():
        head.weight.uniform_(-bound, bound, generator=generator)
        head.bias.uniform_(-bound, bound, generator=generator)
    head = head.to(device=model.fc.weight.device, dtype=model.fc.weight.dtype)
    model.fc = head
    return head
    ### END SOLUTION

# %% [tests] test_replace_head points=2
# Visible tests: a new 3-class head for a 2-feature backbone from seed 0 (values written
# out in the check), and a random SmallCNN.
from lecture7.grading.transfer import check_replace_head

check_replace_head(replace_head)
### BEGIN HIDDEN TESTS
check_replace_head(replace_head, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. A smaller learning rate for the pretrained layers
#
# With more data, fine-tune the backbone too, but gently: the pretrained weights are
# already good, and large steps would destroy them before the few new examples could say
# where to go. The usual rule: the backbone gets the learning rate $\eta$ times a
# multiplier $m$ (often $0.1$), the new head the full $\eta$:
#
# $$\theta_{\text{head}} \leftarrow \theta_{\text{head}} - \eta\, u_{\text{head}}, \qquad
#   \theta_{\text{backbone}} \leftarrow \theta_{\text{backbone}} - m\, \eta\,
#   u_{\text{backbone}},$$
#
# with $u$ the optimizer's step direction. PyTorch does this with **parameter groups**:
# a list of dicts, each with its own `"params"` and `"lr"`, passed to the optimizer in
# place of `model.parameters()`:
#
# ```python
# optimizer = torch.optim.SGD(make_param_groups(model, 0.01, 0.1), lr=0.01, momentum=0.9)
# ```
#
# Return two groups: the **trainable** backbone parameters (everything outside
# `model.fc`) at `lr * backbone_lr_mult`, and the trainable parameters of `model.fc` at
# `lr`. Leave frozen parameters out; every trainable parameter must be in exactly one
# group (PyTorch refuses a parameter in two groups); you may leave out a group that
# would be empty.

# %% [solution] make_param_groups
def make_param_groups(model, lr, backbone_lr_mult):
    """[{"params": trainable backbone parameters, "lr": lr * backbone_lr_mult},
        {"params": trainable parameters of model.fc, "lr": lr}] (empty groups may be left out).
    """
    ### BEGIN SOLUTION
    head_ids = {id(p) for p in model.fc.parameters()}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    head = [p for p in model.fc.parameters() if p.requires_grad]
    groups = [{"params": backbone, "lr": lr * backbone_lr_mult}, {"params": head, "lr": lr}]
    return [group for group in groups if group["params"]]
    ### END SOLUTION

# %% [tests] test_make_param_groups points=2
# Visible tests: a one-block SmallCNN with lr 0.01 and multiplier 0.1 (by hand), and a
# SmallCNN whose first block is frozen.
from lecture7.grading.transfer import check_make_param_groups

check_make_param_groups(make_param_groups)
### BEGIN HIDDEN TESTS
check_make_param_groups(make_param_groups, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. CNN codes
#
# The simplest reuse of a pretrained network: cut off the head and keep the rest as a
# fixed function $\phi$. The vector $z = \phi(x)$ that the head would have read,
# `model.embed(x)` (the pooled output of the last convolution block), is the image's
# **CNN code**. Computing it correctly takes three precautions:
#
# * **eval mode** (`model.eval()`): in train mode BatchNorm normalizes each channel with
#   the mean and variance of the current *batch* (so an image's code would depend on the
#   other images next to it) and updates its running statistics; in eval mode it uses the
#   running statistics learned in pretraining, and dropout is off;
# * **no gradients** (`with torch.no_grad():`): the codes are fixed inputs of the next
#   classifier; without it PyTorch keeps the whole graph of the network in memory;
# * **restore the modes**: the caller may be in the middle of training. Put every module
#   back in the mode it had, module by module (`m.training` for each of
#   `model.modules()`): a model may keep its BatchNorm layers in eval mode while the rest
#   trains.
#
# Return the codes of all the images, a tensor $(N, D)$ on the model's device.

# %% [solution] extract_features
def extract_features(model, images):
    """model.embed(images) in eval mode under torch.no_grad(), then every module's
    train/eval mode restored. images: (N, 3, H, W). Returns (N, model.num_features).
    """
    ### BEGIN SOLUTION
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            features = model.embed(images)
    finally:
        for module, training in modes.items():
            module.training = training
    return features
    ### END SOLUTION

# %% [tests] test_extract_features points=2
# Visible tests: a one-block model whose codes are known (by hand), and a random SmallCNN.
from lecture7.grading.transfer_features import check_extract_features

check_extract_features(extract_features)
### BEGIN HIDDEN TESTS
check_extract_features(extract_features, hidden=True, points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. A linear probe on the codes
#
# Train a linear classifier on the codes: the lecture's "use the network as a fixed
# feature extractor". With the $N$ training codes $x_n \in \mathbb R^D$ and labels
# $y_n \in \{0, \dots, K-1\}$:
#
# 1. **standardize** every feature with the mean $\mu_j$ and the standard deviation
#    $\sigma_j$ (divide by $N$) of the **training** codes, $z = (x - \mu) / \sigma$; a
#    feature that is constant (a unit that never fires) has $\sigma_j = 0$: divide it by
#    1 instead. The units of a layer have very different scales, and gradient descent
#    needs them comparable.
# 2. fit a **softmax classifier** $s = W z + b$, $W \in \mathbb R^{K \times D}$, by
#    full-batch **gradient descent** from $W = 0, b = 0$ on the cross-entropy with an L2
#    penalty,
#
#    $$L = \frac1N \sum_n -\log \operatorname{softmax}(s_n)_{y_n} + \frac{\lambda}{2}
#      \|W\|^2, \qquad \frac{\partial L}{\partial W} = \frac1N (P - Y)^\top Z +
#      \lambda W, \qquad \frac{\partial L}{\partial b} = \frac1N \sum_n (P - Y)_n,$$
#
#    with $P$ the $(N, K)$ softmax probabilities, $Y$ the one-hot labels and $Z$ the
#    $(N, D)$ standardized codes (or let autograd compute the gradients);
# 3. **predict** the test codes, standardized with the *training* $\mu$ and $\sigma$:
#    $\hat y = \arg\max_k s_k$.
#
# The grader compares your held-out accuracy with the course's reference probe (fitted
# to convergence by L-BFGS, `l2` $= 10^{-3}$): yours passes when it is at most 0.1
# below.

# %% [solution] linear_probe
def linear_probe(train_features, train_labels, test_features, num_classes,
                 l2=1e-3, lr=0.1, steps=500):
    """Fit a softmax classifier on standardized training features by gradient descent,
    and return the predicted labels of test_features, a (M,) integer tensor.

    train_features (N, D), train_labels (N,) in 0..num_classes-1, test_features (M, D).
    """
    ### BEGIN SOLUTION
    mean = train_features.mean(dim=0)
    std = train_features.std(dim=0, unbiased=False)
    std = torch.where(std > 0, std, torch.ones_like(std))
    z = (train_features - mean) / std
    n, d = z.shape
    w = torch.zeros(num_classes, d, dtype=z.dtype, device=z.device)
    b = torch.zeros(num_classes, dtype=z.dtype, device=z.device)
    y = torch.nn.functional.one_hot(train_labels, num_classes).to(z.dtype)
    for _ in range(steps):
        g = (torch.softmax(z @ w.T + b, dim=1) - y) / n
        w = w - lr * (g.T @ z + l2 * w)
        b = b - lr * g.sum(dim=0)
    return (((test_features - mean) / std) @ w.T + b).argmax(dim=1)
    ### END SOLUTION

# %% [tests] test_linear_probe points=3
# Visible tests: two classes on a line (by hand), and 4 classes of 16-dimensional features.
from lecture7.grading.transfer_features import check_linear_probe

check_linear_probe(linear_probe)
### BEGIN HIDDEN TESTS
check_linear_probe(linear_probe, hidden=True, points=3)
### END HIDDEN TESTS

# %% [markdown]
# ### Transfer, end to end
#
# A small version of the chapter's experiment (not graded): pretrain a SmallCNN on ten
# classes of generated shapes (our stand-in for ImageNet), then reuse it for ten *other*
# shape classes with only 5 labelled images per class. A linear probe on its CNN codes,
# against one on the codes of an untrained network and one on the raw pixels; then the
# set-up for fine-tuning.

# %% [code]
from lecture7.data import subset, synthetic_shapes

source = synthetic_shapes(n=1500, size=16, seed=0)  # the ten pretraining classes
target = subset(synthetic_shapes(n=500, size=16, seed=1, class_offset=10), n_per_class=5, seed=0)
test = synthetic_shapes(n=500, size=16, seed=2, class_offset=10)  # ten held-out classes

generator = torch.Generator().manual_seed(0)
pretrained = SmallCNN(3, 10, widths=(16, 32, 32), batchnorm=True, seed=0)
optimizer = torch.optim.Adam(pretrained.parameters(), lr=3e-3)
for _epoch in range(4):
    for batch in torch.randperm(len(source.y), generator=generator).split(32):
        loss = torch.nn.functional.cross_entropy(pretrained(source.x[batch]), source.y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

untrained = SmallCNN(3, 10, widths=(16, 32, 32), batchnorm=True, seed=1)
for name, encode in [("pretrained codes", lambda images: extract_features(pretrained, images)),
                     ("untrained codes", lambda images: extract_features(untrained, images)),
                     ("raw pixels", lambda images: images.flatten(1))]:
    predicted = linear_probe(encode(target.x), target.y, encode(test.x), 10)
    accuracy = (predicted == test.y).float().mean().item()
    print(f"linear probe on {name:>16} ({encode(test.x[:1]).shape[1]:3} features): {accuracy:.3f}")

freeze_backbone(pretrained)
replace_head(pretrained, 10, generator)
groups = make_param_groups(pretrained, 0.01, 0.1)
print("parameter groups (lr, number of tensors):", [(g["lr"], len(g["params"])) for g in groups])

# %% [markdown]
# ## 6. Written questions
#
# **Question 1.** The lecture sums up transfer learning in a table with two questions:
# is the new data set **similar** to the pretraining data (ImageNet) or **different**,
# and do you have **little** or **lots** of it? Say what to do in each of the four
# cases (what to train, with which learning rate, which layer's features), and why.

# %% [answer] strategy_table points=3
# *Similar, little data:* use the network as a fixed feature extractor: replace the
# last layer and train only it (a linear classifier on the top-layer CNN codes). Few
# examples can fit a few parameters without overfitting, and the top features already
# suit the task.
# *Similar, lots of data:* fine-tune a few of the top layers (or all), initialized from
# the pretrained weights, with a learning rate about 1/10 of the original (the weights
# are already good; large steps would destroy them); the new head gets the full rate.
# *Different, little data:* the hard case ("you're in trouble"): the top layers are
# specific to the pretraining classes and there is too little data to retrain them;
# train a linear classifier on features from an **earlier** layer, whose generic
# features (edges, colors, textures) transfer better; or collect more data.
# *Different, lots of data:* fine-tune many or all layers (at a reduced learning rate);
# pretrained initialization still helps, and there is enough data to adapt the
# specific layers. The principle: the less data, the fewer parameters you train; the
# more different the data, the earlier the layers you can trust.

# %% [markdown]
# **Question 2.** Your `freeze_backbone` leaves BatchNorm layers as they are. Explain
# why a network whose backbone is frozen still changes when you train its head in train
# mode, if the backbone has BatchNorm. How do you keep the backbone truly fixed? Why is
# doing this inside `freeze_backbone` (calling `eval()` on the backbone) not enough?

# %% [answer] frozen_batchnorm points=2
# In train mode BatchNorm normalizes with the statistics of the current batch and updates
# its running mean and variance at every forward pass; these are buffers, not
# parameters, so requires_grad = False does not stop them. The frozen backbone therefore
# computes different codes during training (batch statistics of the new data) than at
# test time, and its running statistics drift toward the new data: the network you
# evaluate is not the one you froze. To keep it fixed, put the frozen BatchNorm layers
# (or the whole backbone) in eval mode for the whole training run, after every
# model.train() call (e.g. override train() or set them in the loop), or compute the
# codes once in eval mode and train the head on them. Doing it once inside
# freeze_backbone is not enough because the training loop calls model.train() at the
# start of each epoch, which sets every submodule back to train mode.
