"""Classic mistakes in the transfer-learning functions of assignment 8.

Every variant is a complete, self-contained function with exactly one bug,
written the way students write it (see :mod:`lecture7.grading.mistakes`). The
correct functions are in :mod:`lecture7.transfer` (adapted to the students'
signatures in :mod:`lecture7.grading.transfer`).
"""

import math

import torch

from lecture7.grading.mistakes import mistake

# -- freeze_backbone: requires_grad False outside model.fc, True in model.fc -------------


@mistake("freeze_backbone", "freeze-everything",
         "the new head must stay trainable: freeze every parameter outside model.fc, then "
         "set requires_grad = True on model.fc's parameters. With everything frozen nothing "
         "learns.")
def freeze_everything(model):
    for p in model.parameters():
        p.requires_grad_(False)


@mistake("freeze_backbone", "freeze-module-attribute",
         "requires_grad is a property of each PARAMETER: model.features.requires_grad = False "
         "only sets a new, unused attribute on the module, and nothing is frozen. Loop over "
         "model.features.parameters() (or call model.features.requires_grad_(False)).")
def freeze_module_attribute(model):
    model.features.requires_grad = False
    model.fc.requires_grad = True


@mistake("freeze_backbone", "freeze-head-left-frozen",
         "make model.fc trainable explicitly (requires_grad_(True) on its parameters): when "
         "the model was frozen before, e.g. a pretrained network copied frozen, its head "
         "stays frozen otherwise.")
def freeze_backbone_only(model):
    for p in model.features.parameters():
        p.requires_grad_(False)


@mistake("freeze_backbone", "freeze-sets-eval-mode",
         "freezing means requires_grad = False and nothing else: leave train/eval modes "
         "alone. model.eval() here would also switch off the head's dropout, and the "
         "training loop's model.train() undoes it anyway; frozen BatchNorm is the training "
         "loop's business (see the question at the end).")
def freeze_and_eval(model):
    for p in model.parameters():
        p.requires_grad_(False)
    for p in model.fc.parameters():
        p.requires_grad_(True)
    model.eval()


# -- replace_head: nn.Linear(in_features, num_classes), U(+-1/sqrt(in)) from the generator --


@mistake("replace_head", "head-only-out-features-changed",
         "setting model.fc.out_features changes a number, not the layer: its weight keeps "
         "its old shape and its pretrained values. Build a new nn.Linear and assign it to "
         "model.fc.")
def replace_head_attribute(model, num_classes, generator):
    model.fc.out_features = num_classes
    return model.fc


@mistake("replace_head", "head-in-features-from-out-features",
         "the new head reads the same features as the old one: its in_features is "
         "model.fc.in_features (the backbone's output size), not model.fc.out_features "
         "(the old number of classes).")
def replace_head_wrong_in(model, num_classes, generator):
    in_features = model.fc.out_features
    bound = 1 / math.sqrt(in_features)
    head = torch.nn.Linear(in_features, num_classes)
    with torch.no_grad():
        head.weight.uniform_(-bound, bound, generator=generator)
        head.bias.uniform_(-bound, bound, generator=generator)
    model.fc = head.to(device=model.fc.weight.device, dtype=model.fc.weight.dtype)
    return model.fc


@mistake("replace_head", "head-reused-when-same-size",
         "a new task needs a new, freshly initialized head even when it has as many "
         "classes as the old one: the old head's weights map the features to the OLD "
         "classes.")
def replace_head_reuse(model, num_classes, generator):
    if model.fc.out_features == num_classes:
        return model.fc
    in_features = model.fc.in_features
    bound = 1 / math.sqrt(in_features)
    head = torch.nn.Linear(in_features, num_classes)
    with torch.no_grad():
        head.weight.uniform_(-bound, bound, generator=generator)
        head.bias.uniform_(-bound, bound, generator=generator)
    model.fc = head.to(device=model.fc.weight.device, dtype=model.fc.weight.dtype)
    return model.fc


@mistake("replace_head", "head-bound-from-out-features",
         "nn.Linear's initialization bound is 1/sqrt(in_features) (the fan-in: the number of "
         "inputs summed by each output), not 1/sqrt(num_classes).")
def replace_head_fan_out(model, num_classes, generator):
    in_features = model.fc.in_features
    bound = 1 / math.sqrt(num_classes)
    head = torch.nn.Linear(in_features, num_classes)
    with torch.no_grad():
        head.weight.uniform_(-bound, bound, generator=generator)
        head.bias.uniform_(-bound, bound, generator=generator)
    model.fc = head.to(device=model.fc.weight.device, dtype=model.fc.weight.dtype)
    return model.fc


# -- make_param_groups: backbone at lr * mult, head at lr, trainable parameters only -----


@mistake("make_param_groups", "groups-include-frozen",
         "leave frozen parameters (requires_grad False) out of the groups: the optimizer "
         "should hold exactly what it trains.")
def groups_with_frozen(model, lr, backbone_lr_mult):
    return [{"params": list(model.features.parameters()), "lr": lr * backbone_lr_mult},
            {"params": [p for p in model.fc.parameters() if p.requires_grad], "lr": lr}]


@mistake("make_param_groups", "groups-head-in-both",
         "the backbone group must not contain the head: take the trainable parameters that "
         "are NOT in model.fc. Each parameter belongs to exactly one group (torch.optim "
         "refuses duplicates).")
def groups_head_twice(model, lr, backbone_lr_mult):
    return [{"params": [p for p in model.parameters() if p.requires_grad],
             "lr": lr * backbone_lr_mult},
            {"params": [p for p in model.fc.parameters() if p.requires_grad], "lr": lr}]


@mistake("make_param_groups", "groups-multiplier-inverted",
         "the pretrained backbone gets the SMALLER learning rate, lr * backbone_lr_mult, and "
         "the new head the full lr: the pretrained weights are already good, large steps "
         "would destroy them.")
def groups_inverted(model, lr, backbone_lr_mult):
    head = {id(p) for p in model.fc.parameters()}
    return [{"params": [p for p in model.parameters() if p.requires_grad and id(p) not in head],
             "lr": lr},
            {"params": [p for p in model.fc.parameters() if p.requires_grad],
             "lr": lr * backbone_lr_mult}]


# -- extract_features: model.embed in eval mode, under no_grad, modes restored -----------


@mistake("extract_features", "features-in-train-mode",
         "call model.eval() first: in train mode BatchNorm normalizes with the statistics of "
         "the batch (and updates its running statistics), so a code depends on the other "
         "images of the batch.")
def features_train_mode(model, images):
    with torch.no_grad():
        return model.embed(images)


@mistake("extract_features", "features-with-grad",
         "compute the codes under torch.no_grad(): they are fixed inputs of a classifier, "
         "and without it PyTorch keeps the whole graph of the network in memory.")
def features_with_grad(model, images):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    features = model.embed(images)
    for m, training in modes.items():
        m.training = training
    return features


@mistake("extract_features", "mode-not-restored",
         "put the model back the way you found it: after model.eval(), restore every "
         "module's train/eval mode, otherwise the training loop that calls you trains "
         "without dropout and with frozen BatchNorm statistics.")
def features_mode_not_restored(model, images):
    model.eval()
    with torch.no_grad():
        return model.embed(images)


@mistake("extract_features", "mode-reset-to-train",
         "restore the modes the model HAD: calling model.train() afterwards switches a model "
         "that was in eval mode to train mode.")
def features_reset_to_train(model, images):
    model.eval()
    with torch.no_grad():
        features = model.embed(images)
    model.train()
    return features


@mistake("extract_features", "mode-restored-top-level-only",
         "model.train(was_training) sets EVERY submodule to the model's mode; restore each "
         "module's own mode ({m: m.training for m in model.modules()}), e.g. BatchNorm "
         "layers kept in eval mode while the rest trains.")
def features_top_level_mode(model, images):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        features = model.embed(images)
    model.train(was_training)
    return features


# -- linear_probe: standardize with training statistics, softmax regression ------------


@mistake("linear_probe", "probe-no-standardization",
         "standardize each feature with the mean and standard deviation of the TRAINING "
         "features first: features on very different scales make gradient descent diverge "
         "(or crawl) at any single learning rate.")
def probe_raw(train_features, train_labels, test_features, num_classes,
              l2=1e-3, lr=0.1, steps=500):
    n, d = train_features.shape
    w = torch.zeros(num_classes, d, dtype=train_features.dtype, device=train_features.device)
    b = torch.zeros(num_classes, dtype=train_features.dtype, device=train_features.device)
    y = torch.nn.functional.one_hot(train_labels, num_classes).to(train_features.dtype)
    for _ in range(steps):
        g = (torch.softmax(train_features @ w.T + b, dim=1) - y) / n
        w = w - lr * (g.T @ train_features + l2 * w)
        b = b - lr * g.sum(dim=0)
    return (test_features @ w.T + b).argmax(dim=1)


@mistake("linear_probe", "probe-test-set-statistics",
         "standardize the test features with the TRAINING mean and standard deviation: the "
         "classifier was fit in those coordinates. A test batch's own statistics depend on "
         "what else is in the batch (a batch of one class is centered on 0).")
def probe_test_stats(train_features, train_labels, test_features, num_classes,
                     l2=1e-3, lr=0.1, steps=500):
    def standardize(x):
        std = x.std(dim=0, unbiased=False)
        return (x - x.mean(dim=0)) / torch.where(std > 0, std, torch.ones_like(std))

    z = standardize(train_features)
    n, d = z.shape
    w = torch.zeros(num_classes, d, dtype=z.dtype, device=z.device)
    b = torch.zeros(num_classes, dtype=z.dtype, device=z.device)
    y = torch.nn.functional.one_hot(train_labels, num_classes).to(z.dtype)
    for _ in range(steps):
        g = (torch.softmax(z @ w.T + b, dim=1) - y) / n
        w = w - lr * (g.T @ z + l2 * w)
        b = b - lr * g.sum(dim=0)
    return (standardize(test_features) @ w.T + b).argmax(dim=1)


@mistake("linear_probe", "probe-zero-std-not-guarded",
         "a constant feature (a unit that never fires) has standard deviation 0, and x / 0 "
         "is NaN: divide by 1 where the standard deviation is 0.")
def probe_zero_std(train_features, train_labels, test_features, num_classes,
                   l2=1e-3, lr=0.1, steps=500):
    mean, std = train_features.mean(dim=0), train_features.std(dim=0, unbiased=False)
    z = (train_features - mean) / std
    n, d = z.shape
    w = torch.zeros(num_classes, d, dtype=z.dtype, device=z.device)
    b = torch.zeros(num_classes, dtype=z.dtype, device=z.device)
    y = torch.nn.functional.one_hot(train_labels, num_classes).to(z.dtype)
    for _ in range(steps):
        g = (torch.softmax(z @ w.T + b, dim=1) - y) / n
        w = w - lr * (g.T @ z + l2 * w)
        b = b - lr * g.sum(dim=0)
    return ((test_features - mean) / std @ w.T + b).argmax(dim=1)
