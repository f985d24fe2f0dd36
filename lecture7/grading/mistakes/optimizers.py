"""Classic mistakes in the CS231n update rules of assignment 2 (``rule(w, dw, config)``).

Every variant is a complete, self-contained rule with exactly one bug, written
the way students write it (see :mod:`lecture7.grading.mistakes` for the rules
variants follow). The correct rules are in :mod:`lecture7.optim.rules`.
"""

import numpy as np

from lecture7.grading.mistakes import mistake

# -- SGD with momentum: v = mu*v - lr*dw; next_w = w + v ------------------------------


@mistake("sgd_momentum", "momentum-sign-flipped",
         "the velocity must point downhill: v = momentum * v - learning_rate * dw, then "
         "next_w = w + v. Adding the gradient climbs the loss instead of descending it.")
def sgd_momentum_sign_flipped(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v + config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


@mistake("sgd_momentum", "momentum-mutates-inputs",
         "w, dw and config belong to the caller: do not update them in place (w += v, "
         "config.setdefault(...) on the dict you were given). Copy the config "
         "(config = dict(config or {})) and return new arrays.")
def sgd_momentum_in_place(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.setdefault("velocity", np.zeros_like(w))
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    w += v
    return w, config


@mistake("sgd_momentum", "momentum-state-not-returned",
         "store the new velocity in the returned config (config['velocity'] = v): "
         "otherwise every step starts again from zero velocity and momentum does nothing.")
def sgd_momentum_forgets_velocity(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    return w + v, config


# -- Nesterov: v = mu*v - lr*dw; next_w = w - mu*v_prev + (1 + mu)*v --------------------


@mistake("nesterov_momentum", "nesterov-as-plain-momentum",
         "that is plain momentum (next_w = w + v). Nesterov steps from the look-ahead "
         "point: next_w = w - momentum * v_prev + (1 + momentum) * v.")
def nesterov_plain(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


@mistake("nesterov_momentum", "nesterov-sign-flipped",
         "the velocity must point downhill: v = momentum * v - learning_rate * dw.")
def nesterov_sign_flipped(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev + config["learning_rate"] * dw
    config["velocity"] = v
    return w - mu * v_prev + (1 + mu) * v, config


@mistake("nesterov_momentum", "nesterov-missing-previous-velocity",
         "the update has two terms: next_w = w - momentum * v_prev + (1 + momentum) * v. "
         "The -momentum * v_prev term undoes the previous look-ahead.")
def nesterov_no_v_prev(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v = mu * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + (1 + mu) * v, config


# -- AdaGrad: cache += dw**2; next_w = w - lr * dw / (sqrt(cache) + eps) ---------------


@mistake("adagrad", "adagrad-no-accumulation",
         "AdaGrad divides by the root of the sum of ALL past squared gradients: "
         "cache = cache + dw**2, not cache = dw**2.")
def adagrad_forgets_sum(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


@mistake("adagrad", "adagrad-epsilon-inside-sqrt",
         "epsilon goes outside the square root: dw / (np.sqrt(cache) + epsilon).")
def adagrad_eps_inside(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config


# -- RMSProp: cache = d*cache + (1-d)*dw**2 ---------------------------------------------


@mistake("rmsprop", "rmsprop-decay-swapped",
         "the old cache is kept with weight decay_rate and the new squared gradient "
         "gets 1 - decay_rate: cache = decay_rate * cache + (1 - decay_rate) * dw**2.")
def rmsprop_swapped(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    d = config["decay_rate"]
    cache = (1 - d) * config.get("cache", np.zeros_like(w)) + d * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


@mistake("rmsprop", "rmsprop-epsilon-inside-sqrt",
         "epsilon goes outside the square root: dw / (np.sqrt(cache) + epsilon).")
def rmsprop_eps_inside(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    d = config["decay_rate"]
    cache = d * config.get("cache", np.zeros_like(w)) + (1 - d) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config


# -- Adam --------------------------------------------------------------------------------


@mistake("adam", "adam-no-bias-correction",
         "m and v start at zero, so they are biased toward zero for the first steps: "
         "divide by (1 - beta1**t) and (1 - beta2**t) before the update.")
def adam_no_bias_correction(w, dw, config=None):
    config = dict(config or {})
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    b1, b2 = config["beta1"], config["beta2"]
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    config.update(m=m, v=v, t=config["t"] + 1)
    return w - config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"]), config


@mistake("adam", "adam-t-incremented-after-use",
         "increment t BEFORE the bias correction: with t = 0, 1 - beta1**t is 0 and the "
         "first step divides by zero (NaN).")
def adam_t_after(w, dw, config=None):
    config = dict(config or {})
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    b1, b2, t = config["beta1"], config["beta2"], config["t"]
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    config.update(m=m, v=v, t=t + 1)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


@mistake("adam", "adam-epsilon-inside-sqrt",
         "epsilon goes outside the square root: m_hat / (np.sqrt(v_hat) + epsilon).")
def adam_eps_inside(w, dw, config=None):
    config = dict(config or {})
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    b1, b2, t = config["beta1"], config["beta2"], config["t"] + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    config.update(m=m, v=v, t=t)
    return w - config["learning_rate"] * m_hat / np.sqrt(v_hat + config["epsilon"]), config


@mistake("adam", "adam-mutates-config",
         "the config you were given belongs to the caller: work on a copy "
         "(config = dict(config or {})) and put new m, v, t in it, instead of updating "
         "the caller's dict and arrays in place.")
def adam_in_place(w, dw, config=None):
    if config is None:
        config = {}
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    config["v"] = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    m_hat = config["m"] / (1 - b1 ** config["t"])
    v_hat = config["v"] / (1 - b2 ** config["t"])
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


@mistake("adam", "adam-state-not-returned",
         "store m, v and t in the returned config: otherwise every call starts from "
         "zero moments and t = 0, and each step is a first step.")
def adam_forgets_state(w, dw, config=None):
    config = dict(config or {})
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8)):
        config.setdefault(key, default)
    b1, b2, t = config["beta1"], config["beta2"], config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
