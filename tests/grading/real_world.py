"""Students as real ones write: this project's own rewrites of patterns found in public
CS231n solutions (see bench/real_code.py; the third-party code itself is never committed).

Each student replaces some solution cells of an assignment. ``expect`` is ``FULL`` (the
code is right, written as CS231n's templates or PyTorch's API make students write it:
it must score full marks, with at most a note) or the names of the catalogued mistakes
the feedback must give (the part must score less than full). The end-to-end tests
(:mod:`grading_cases`) paste them into real notebooks and grade them with nbgrader; the
unit tests (test_grading_real_world.py) run the same code through the checks directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FULL = ()


@dataclass(frozen=True)
class Student:
    """Solution cells (target -> source) and, per target, what grading must say."""

    name: str
    assignment: str
    cells: dict[str, str]
    expect: dict[str, tuple[str, ...]] = field(default_factory=dict)


# -- assignment 2: CS231n's template (config.setdefault on the caller's dict) -------------

CS231N_TEMPLATE = {
    "sgd_momentum": '''
def sgd_momentum(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.get('velocity', np.zeros_like(w))
    v = config['momentum'] * v - config['learning_rate'] * dw
    w += v                        # in place, as torch.optim does
    config['velocity'] = v
    return w, config
''',
    "nesterov_momentum": '''
def nesterov_momentum(w, dw, config=None):
    # PyTorch's form: b = mu * b + g; w -= lr * (g + mu * b)
    config = config if config is not None else {}
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    b = mu * config.get("velocity", 0 * w) + dw
    config["velocity"] = b
    return w - lr * (dw + mu * b), config
''',
    "adagrad": '''
def adagrad(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('cache', np.zeros_like(w))
    config['cache'] += np.square(dw)
    next_w = w - config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
    return next_w, config
''',
    "rmsprop": '''
def rmsprop(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('cache', np.zeros_like(w))
    config['cache'] = config['decay_rate'] * config['cache'] + (1 - config['decay_rate']) * dw**2
    next_w = w - config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
    return next_w, config
''',
    "adam": '''
def adam(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('m', np.zeros_like(w))
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('t', 0)
    config['t'] += 1
    config['m'] = config['beta1'] * config['m'] + (1 - config['beta1']) * dw
    config['v'] = config['beta2'] * config['v'] + (1 - config['beta2']) * (dw * dw)
    mt = config['m'] / (1 - config['beta1'] ** config['t'])
    vt = config['v'] / (1 - config['beta2'] ** config['t'])
    w -= config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon'])
    return w, config
''',
}

PYTORCH_MOMENTUM = '''
def sgd_momentum(w, dw, config=None):
    """torch.optim.SGD's buffer: b = momentum * b + dw, then w -= lr * b."""
    config = dict(config or {})
    lr, mu = config.get("learning_rate", 1e-2), config.get("momentum", 0.9)
    buf = config.get("velocity")
    buf = dw.copy() if buf is None else mu * buf + dw
    config.update(learning_rate=lr, momentum=mu, velocity=buf)
    return w - lr * buf, config
'''

# the 2017 template's default t = 1, then t += 1: the first step uses t = 2
ADAM_T_FROM_1 = CS231N_TEMPLATE["adam"].replace("config.setdefault('t', 0)",
                                                 "config.setdefault('t', 1)")
# neither bias correction nor epsilon outside the root (seen together in real code)
ADAM_TWO_BUGS = '''
def adam(w, dw, config=None):
    if config is None: config = {}
    for key, value in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999),
                       ('epsilon', 1e-8), ('m', np.zeros_like(w)), ('v', np.zeros_like(w))]:
        config.setdefault(key, value)
    config['m'] = config['beta1'] * config['m'] + (1 - config['beta1']) * dw
    config['v'] = config['beta2'] * config['v'] + (1 - config['beta2']) * dw ** 2
    next_w = w - config['learning_rate'] * config['m'] / np.sqrt(config['v'] + config['epsilon'])
    return next_w, config
'''
RMSPROP_EPS_INSIDE = CS231N_TEMPLATE["rmsprop"].replace(
    "(np.sqrt(config['cache']) + config['epsilon'])", "np.sqrt(config['cache'] + config['epsilon'])")
MOMENTUM_AS_NESTEROV = '''
def sgd_momentum(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v_prev = config.get('velocity', np.zeros_like(w))
    v = config['momentum'] * v_prev - config['learning_rate'] * dw
    w += -config['momentum'] * v_prev + (1 + config['momentum']) * v
    config['velocity'] = v
    return w, config
'''

ADAM_EFFICIENT_EPSILON = '''
def adam(x, dx, config=None):
    """Kingma & Ba's "efficient" version: alpha_t, then epsilon before the correction."""
    if config is None: config = {}
    b1, b2 = config.setdefault('beta1', 0.9), config.setdefault('beta2', 0.999)
    lr, eps = config.setdefault('learning_rate', 1e-3), config.setdefault('epsilon', 1e-8)
    t = config.get('t', 0) + 1
    m = b1 * config.get('m', np.zeros_like(x)) + (1 - b1) * dx
    v = b2 * config.get('v', np.zeros_like(x)) + (1 - b2) * (dx * dx)
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    config.update(m=m, v=v, t=t)
    return x - alpha * m / (np.sqrt(v) + eps), config
'''
# t from 1, reset to 1 if a caller gives 0 (the max(t, 1) guard), used, then incremented
ADAM_T_GUARDED = '''
def adam(x, dx, config=None):
    if config is None: config = {}
    for key, value in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999),
                       ('epsilon', 1e-8), ('t', 1)]:
        config.setdefault(key, value)
    config['t'] = max(config['t'], 1)
    config['m'] = config['beta1'] * config.get('m', 0 * x) + (1 - config['beta1']) * dx
    config['v'] = config['beta2'] * config.get('v', 0 * x) + (1 - config['beta2']) * dx**2
    mt = config['m'] / (1 - config['beta1'] ** config['t'])
    vt = config['v'] / (1 - config['beta2'] ** config['t'])
    config['t'] += 1
    return x - config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon']), config
'''
RMSPROP_SLIDES_EPSILON = CS231N_TEMPLATE["rmsprop"].replace(
    "(np.sqrt(config['cache']) + config['epsilon'])", "(np.sqrt(config['cache']) + 1e-7)")
MOMENTUM_ADAMS_RATE = CS231N_TEMPLATE["sgd_momentum"].replace("1e-2", "1e-3")

# -- assignment 6: dropout as CS231n students think of it --------------------------------

DROPOUT_ABOVE_P = '''
def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True):
    """Drop where u < p_drop; the cache keeps the scaled mask, as CS231n's does."""
    keep_prob = 1 - p_drop
    if mode == "train":
        mask = (rng.random(x.shape) >= p_drop) / (keep_prob if inverted else 1.0)
        x *= mask                                    # in place
        return x, (mask, keep_prob, mode, inverted)
    if not inverted:
        x = x * keep_prob
    return x, (None, keep_prob, mode, inverted)
'''
DROPOUT_P_AS_KEEP = '''
def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True):
    p = p_drop                                    # CS231n's p: the probability of keeping
    mask = None
    if mode == "train":
        mask = rng.random(x.shape) < p
        out = x * mask / p if inverted else x * mask
    else:
        out = x if inverted else x * p
    return out, (mask, p, mode, inverted)
'''
DROPOUT_BACKWARD_IN_PLACE = '''
def dropout_backward(dout, cache):
    mask, keep_prob, mode, inverted = cache
    if mode == "train":
        dout *= mask
        if inverted:
            dout /= keep_prob
    elif not inverted:
        dout *= keep_prob
    return dout
'''

# -- assignments 1, 4, 5, 8: PyTorch habits ------------------------------------------------

XAVIER_WITH_RNG_NORMAL = '''
def xavier_normal(shape, rng, gain=1.0):
    receptive = int(np.prod(shape[2:]))
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
'''
BFGS_IN_PLACE = '''
def bfgs_inverse_update(h_inv, s, y):
    rho = 1.0 / (y @ s)
    hy = h_inv @ y
    # the expanded form, written into h_inv (the caller replaces its H by the result)
    h_inv += rho * rho * (y @ hy) * torch.outer(s, s) + rho * torch.outer(s, s)
    h_inv -= rho * (torch.outer(hy, s) + torch.outer(s, hy))
    return h_inv
'''
EMA_IN_PLACE = '''
def ema_update(average, value, *, decay):
    """As torch.optim.swa_utils: update the average in place (lerp), and return it."""
    if isinstance(average, torch.Tensor):
        return average.lerp_(value, 1 - decay)
    average *= decay
    average += (1 - decay) * value
    return average
'''
FREEZE_BY_FLAG = '''
def freeze_backbone(model):
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("fc.")
'''

STUDENTS = [
    Student("real-cs231n-template", "a2_optimizers", dict(CS231N_TEMPLATE),
            dict.fromkeys(CS231N_TEMPLATE, FULL)),
    Student("real-pytorch-momentum", "a2_optimizers", {"sgd_momentum": PYTORCH_MOMENTUM},
            {"sgd_momentum": FULL}),
    Student("real-bugs-1", "a2_optimizers",
            {"adam": ADAM_T_FROM_1, "rmsprop": RMSPROP_EPS_INSIDE,
             "sgd_momentum": MOMENTUM_AS_NESTEROV},
            {"adam": ("adam-t-starts-at-1",), "rmsprop": ("rmsprop-epsilon-inside-sqrt",),
             "sgd_momentum": ("momentum-is-nesterov",)}),
    Student("real-bugs-2", "a2_optimizers", {"adam": ADAM_TWO_BUGS},
            {"adam": ("adam-no-bias-correction", "adam-epsilon-inside-sqrt")}),
    Student("real-bugs-3", "a2_optimizers",
            {"adam": ADAM_EFFICIENT_EPSILON, "rmsprop": RMSPROP_SLIDES_EPSILON,
             "sgd_momentum": MOMENTUM_ADAMS_RATE},
            {"adam": ("adam-efficient-epsilon",), "rmsprop": ("rmsprop-epsilon-hard-coded",),
             "sgd_momentum": ("momentum-default-learning-rate",)}),
    Student("real-bugs-4", "a2_optimizers", {"adam": ADAM_T_GUARDED},
            {"adam": ("adam-t-incremented-after-use", "adam-t-starts-at-1")}),
    Student("real-dropout", "a6_regularization",
            {"dropout_forward": DROPOUT_ABOVE_P, "dropout_backward": DROPOUT_BACKWARD_IN_PLACE},
            {"dropout_forward": FULL, "dropout_backward": FULL}),
    Student("real-dropout-p-keep", "a6_regularization", {"dropout_forward": DROPOUT_P_AS_KEEP},
            {"dropout_forward": ("dropout-p-drop-as-keep-prob",)}),
    Student("real-pytorch-habits", "a1_initialization", {"xavier_normal": XAVIER_WITH_RNG_NORMAL},
            {"xavier_normal": FULL}),
    Student("real-pytorch-habits", "a4_second_order", {"bfgs_inverse_update": BFGS_IN_PLACE},
            {"bfgs_inverse_update": FULL}),
    Student("real-pytorch-habits", "a5_ensembles", {"ema_update": EMA_IN_PLACE},
            {"ema_update": FULL}),
    Student("real-pytorch-habits", "a8_transfer", {"freeze_backbone": FREEZE_BY_FLAG},
            {"freeze_backbone": FULL}),
]


def students_for(assignment: str) -> list[Student]:
    """The students of one assignment (a directory name under assignments/source)."""
    return [s for s in STUDENTS if s.assignment == assignment]
