"""Known variants of the CS231n update rules of assignment 2 (``rule(w, dw, config)``).

Each rule is written once as a *model*, the way students write it (CS231n's template:
``config.setdefault`` on the dict it was given), with keyword-only knobs whose
defaults are the right behaviour; each real-world bug, and each accepted convention,
is a setting of one knob (:func:`~lecture7.grading.mistakes.variant`), so that bugs
found together in real code are recognised together. The variants come from real
students' ``cs231n/optim.py``: Adam without bias correction, ``t`` starting at 1 (the
2017 template's default) or never incremented, epsilon inside the square root or in
the Adam paper's "efficient" place, the slides' hard-coded ``1e-7``, changed default
learning rates, Nesterov's update in place of momentum's. The correct rules are in
:mod:`lecture7.optim.rules`.
"""

import numpy as np

from lecture7.grading.mistakes import variant

# -- SGD with momentum and Nesterov momentum -----------------------------------------------


def momentum(w, dw, config=None, *, buffer="cs231n", sign=-1, stored=True, lookahead=False,
             previous=True, default_learning_rate=1e-2):
    """v = mu * v - lr * dw; next_w = w + v, or Nesterov's w - mu * v_prev + (1 + mu) * v.

    buffer="pytorch": torch.optim.SGD's b = mu * b + dw, w - lr * b (- lr * (dw + mu * b)).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", default_learning_rate)
    config.setdefault("momentum", 0.9)
    lr, mu = config["learning_rate"], config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    if buffer == "pytorch":
        v = mu * v_prev - sign * dw
        step = -lr * (-sign * dw + mu * v if lookahead else v)
    else:
        v = mu * v_prev + sign * lr * dw
        step = (-mu * v_prev if previous else 0) + (1 + mu) * v if lookahead else v
    if stored:
        config["velocity"] = v
    return w + step, config


PYTORCH_BUFFER = ("config['velocity'] holds PyTorch's buffer b = momentum * b + dw (the step is "
                  "learning_rate * b) instead of CS231n's v = momentum * v - learning_rate * dw: "
                  "the same steps for a constant learning rate, accepted.")
variant(momentum, "momentum-pytorch-buffer", PYTORCH_BUFFER, accepted=True,
        target="sgd_momentum", buffer="pytorch")
variant(momentum, "momentum-sign-flipped",
        "the velocity must point downhill: v = momentum * v - learning_rate * dw, then "
        "next_w = w + v. Adding the gradient climbs the loss instead of descending it.",
        target="sgd_momentum", sign=1)
variant(momentum, "momentum-velocity-not-stored",
        "store the new velocity in the returned config (config['velocity'] = v): otherwise "
        "every step starts again from zero velocity and momentum does nothing.",
        target="sgd_momentum", stored=False)
variant(momentum, "momentum-is-nesterov",
        "that is Nesterov's update (next_w = w - momentum * v_prev + (1 + momentum) * v); "
        "plain momentum steps along the new velocity: next_w = w + v.",
        target="sgd_momentum", lookahead=True)
variant(momentum, "momentum-default-learning-rate",
        "the default learning_rate of SGD with momentum is 1e-2 (1e-3 is Adam's): "
        "config.setdefault('learning_rate', 1e-2).",
        target="sgd_momentum", default_learning_rate=1e-3)

variant(momentum, "nesterov-pytorch-buffer", PYTORCH_BUFFER, accepted=True,
        target="nesterov_momentum", lookahead=True, buffer="pytorch")
variant(momentum, "nesterov-as-plain-momentum",
        "that is plain momentum (next_w = w + v). Nesterov steps from the look-ahead "
        "point: next_w = w - momentum * v_prev + (1 + momentum) * v.",
        target="nesterov_momentum", lookahead=False)
variant(momentum, "nesterov-sign-flipped",
        "the velocity must point downhill: v = momentum * v - learning_rate * dw.",
        target="nesterov_momentum", lookahead=True, sign=1)
variant(momentum, "nesterov-missing-previous-velocity",
        "the update has two terms: next_w = w - momentum * v_prev + (1 + momentum) * v. "
        "The -momentum * v_prev term undoes the previous look-ahead.",
        target="nesterov_momentum", lookahead=True, previous=False)
variant(momentum, "nesterov-velocity-not-stored",
        "store the new velocity in the returned config (config['velocity'] = v): otherwise "
        "every step starts again from zero velocity.",
        target="nesterov_momentum", lookahead=True, stored=False)

# -- AdaGrad and RMSProp -------------------------------------------------------------------


def adagrad(w, dw, config=None, *, accumulate=True, epsilon_at="outside", stored=True):
    """cache = cache + dw**2; next_w = w - lr * dw / (sqrt(cache) + epsilon)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    lr, eps = config["learning_rate"], config["epsilon"]
    cache = (config.get("cache", np.zeros_like(w)) if accumulate else 0) + dw * dw
    if stored:
        config["cache"] = cache
    if epsilon_at == "inside":
        return w - lr * dw / np.sqrt(cache + eps), config
    return w - lr * dw / (np.sqrt(cache) + (1e-7 if epsilon_at == "fixed" else eps)), config


EPSILON_INSIDE = "epsilon goes outside the square root: dw / (np.sqrt(cache) + epsilon)."
EPSILON_FIXED = ("use config['epsilon'] (default 1e-8), not a number of your own (the "
                 "lecture slides' 1e-7): the caller sets epsilon.")
variant(adagrad, "adagrad-no-accumulation",
        "AdaGrad divides by the root of the sum of ALL past squared gradients: "
        "cache = cache + dw**2, not cache = dw**2.", accumulate=False)
variant(adagrad, "adagrad-epsilon-inside-sqrt", EPSILON_INSIDE, epsilon_at="inside")
variant(adagrad, "adagrad-epsilon-hard-coded", EPSILON_FIXED, epsilon_at="fixed")
variant(adagrad, "adagrad-cache-not-stored",
        "store the new cache in the returned config (config['cache'] = cache).", stored=False)


def rmsprop(w, dw, config=None, *, decay="cache", epsilon_at="outside", root=True,
            stored=True):
    """cache = d * cache + (1 - d) * dw**2; next_w = w - lr * dw / (sqrt(cache) + epsilon)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    lr, d, eps = config["learning_rate"], config["decay_rate"], config["epsilon"]
    old = config.get("cache", np.zeros_like(w))
    cache = d * old + (1 - d) * dw**2 if decay == "cache" else (1 - d) * old + d * dw**2
    if stored:
        config["cache"] = cache
    if epsilon_at == "inside":
        return w - lr * dw / np.sqrt(cache + eps), config
    scale = np.sqrt(cache) if root else cache
    return w - lr * dw / (scale + (1e-7 if epsilon_at == "fixed" else eps)), config


variant(rmsprop, "rmsprop-decay-swapped",
        "the old cache is kept with weight decay_rate and the new squared gradient "
        "gets 1 - decay_rate: cache = decay_rate * cache + (1 - decay_rate) * dw**2.",
        decay="swapped")
variant(rmsprop, "rmsprop-epsilon-inside-sqrt", EPSILON_INSIDE, epsilon_at="inside")
variant(rmsprop, "rmsprop-epsilon-hard-coded", EPSILON_FIXED, epsilon_at="fixed")
variant(rmsprop, "rmsprop-no-square-root",
        "divide by the ROOT of the cache: dw / (np.sqrt(cache) + epsilon). The cache is a "
        "mean of squared gradients; its square root has the gradient's scale.", root=False)
variant(rmsprop, "rmsprop-cache-not-stored",
        "store the new cache in the returned config (config['cache'] = cache): otherwise "
        "each step divides by the current gradient alone.", stored=False)

# -- Adam ------------------------------------------------------------------------------------


def adam(w, dw, config=None, *, t_start=0, t_step="before", t_stored=True,
         bias_correction="standard", epsilon_at="outside", stored=True,
         default_learning_rate=1e-3):
    """t += 1; m, v moving averages of dw and dw**2; bias-corrected m_hat, v_hat;
    next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", default_learning_rate)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", t_start)
    lr, eps = config["learning_rate"], config["epsilon"]
    beta1, beta2 = config["beta1"], config["beta2"]
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw**2
    t = config["t"] + 1 if t_step == "before" else config["t"]
    if bias_correction == "standard":
        c1, c2 = 1 - beta1**t, 1 - beta2**t
    elif bias_correction == "one-minus-beta":
        c1, c2 = 1 - (1 - beta1) ** t, 1 - (1 - beta2) ** t
    else:
        c1 = c2 = 1.0
    if epsilon_at == "inside":
        step = (m / c1) / np.sqrt(v / c2 + eps)
    elif epsilon_at == "efficient":  # Kingma & Ba's "efficient" version, before Algorithm 1
        step = np.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
    else:
        step = (m / c1) / (np.sqrt(v / c2) + (1e-7 if epsilon_at == "fixed" else eps))
    if stored:
        config["m"], config["v"] = m, v
        if t_stored:
            config["t"] = t + 1 if t_step == "after" else t
    return w - lr * step, config


variant(adam, "adam-no-bias-correction",
        "m and v start at zero, so they are biased toward zero for the first steps: "
        "divide by (1 - beta1**t) and (1 - beta2**t) before the update "
        "(m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)).",
        bias_correction="none")
variant(adam, "adam-bias-correction-formula",
        "the bias correction divides by 1 - beta**t (beta to the power t), not "
        "1 - (1 - beta)**t: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t).",
        bias_correction="one-minus-beta")
variant(adam, "adam-epsilon-inside-sqrt",
        "epsilon goes outside the square root: m_hat / (np.sqrt(v_hat) + epsilon).",
        epsilon_at="inside")
variant(adam, "adam-efficient-epsilon",
        "add epsilon to the square root of the bias-corrected v_hat: "
        "m_hat / (np.sqrt(v_hat) + epsilon). The paper's 'efficient' version (and TF1) adds it "
        "before the correction, which is a different (smaller) epsilon.",
        epsilon_at="efficient")
variant(adam, "adam-epsilon-hard-coded", EPSILON_FIXED, epsilon_at="fixed")
variant(adam, "adam-t-starts-at-1",
        "t counts the steps taken so far: a fresh config has t = 0 and the first update "
        "uses t = 1 (config.setdefault('t', 0), then t += 1 before the bias correction). "
        "Starting at 1 makes the first step use t = 2.", t_start=1)
variant(adam, "adam-t-incremented-after-use",
        "increment t BEFORE the bias correction (t = config['t'] + 1 first): config['t'] "
        "is the number of steps already taken, so this update is step t + 1.",
        t_step="after")
variant(adam, "adam-t-not-incremented",
        "t must grow by one at every step (t = config['t'] + 1, stored back in config): "
        "with a constant t the bias correction never fades.", t_step="never")
variant(adam, "adam-t-not-stored",
        "store the incremented t in the returned config (config['t'] = t): otherwise every "
        "call starts again from the same t and the bias correction never fades.",
        t_stored=False)
variant(adam, "adam-state-not-returned",
        "store m, v and t in the returned config: otherwise every call starts from "
        "zero moments and t = 0, and each step is a first step.", stored=False)
variant(adam, "adam-default-learning-rate",
        "Adam's default learning_rate is 1e-3: config.setdefault('learning_rate', 1e-3).",
        default_learning_rate=1e-2)
