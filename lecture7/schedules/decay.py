r"""Learning-rate decay: the learning rate as a pure function of the step.

Each schedule maps the step :math:`t` (the argument ``step``, an integer
``>= 0``: the number of optimizer updates already taken) to the learning rate
:math:`\eta_t` used for the next update. :math:`\eta_0` is the argument ``lr0``.
Hyperparameters are keyword-only. The functions hold no state, so a
scheduler built on them (:mod:`lecture7.schedules.schedulers`) is closed-form
and its ``state_dict`` is just the step.

Conventions, the same as ``torch.optim.lr_scheduler`` and optax: step 0 uses
the first value of the schedule; a schedule with a finite length
(``total_steps``) holds its final value afterwards.
"""

from __future__ import annotations

import math

from lecture7._checks import check_int, check_real

__all__ = [
    "cosine_decay",
    "exponential_decay",
    "inverse_time_decay",
    "linear_decay",
    "linear_warmup",
    "step_decay",
    "warmup_cosine",
]


def _check_step(step: object) -> int:
    return check_int("step", step, minimum=0)


def _check_lr0(lr0: object) -> float:
    return check_real("lr0", lr0, minimum=0.0)


def _check_lr_min(lr_min: object, lr0: float) -> float:
    lr_min = check_real("lr_min", lr_min, minimum=0.0)
    if lr_min > lr0:
        raise ValueError(f"Invalid lr_min: {lr_min} (expected lr_min <= lr0 = {lr0})")
    return lr_min


def step_decay(step: int, *, lr0: float, step_size: int, gamma: float = 0.1) -> float:
    r"""Step decay: cut the learning rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}

    with :math:`s` = ``step_size`` and :math:`\gamma` = ``gamma``. This is the
    ResNet recipe (He et al., 2016: https://arxiv.org/abs/1512.03385, divide by
    10 when the error plateaus): the loss curve shows a plateau, then a sudden
    drop at each cut. Same as ``torch.optim.lr_scheduler.StepLR``.
    """
    t = _check_step(step)
    lr0 = _check_lr0(lr0)
    step_size = check_int("step_size", step_size, minimum=1)
    gamma = check_real("gamma", gamma, minimum=0.0, strict=True)
    return lr0 * gamma ** (t // step_size)


def exponential_decay(step: int, *, lr0: float, gamma: float) -> float:
    r"""Exponential decay: multiply the learning rate by ``gamma`` every step.

    .. math:: \eta_t = \eta_0 \, \gamma^{t}

    with :math:`\gamma` = ``gamma`` (e.g. 0.99). The lecture writes it
    :math:`\eta_0 e^{-k t}`, i.e. :math:`\gamma = e^{-k}`. Same as
    ``torch.optim.lr_scheduler.ExponentialLR``.
    """
    t = _check_step(step)
    lr0 = _check_lr0(lr0)
    gamma = check_real("gamma", gamma, minimum=0.0, strict=True)
    return lr0 * gamma**t


def inverse_time_decay(step: int, *, lr0: float, decay_rate: float) -> float:
    r"""1/t decay.

    .. math:: \eta_t = \frac{\eta_0}{1 + k t}

    with :math:`k` = ``decay_rate``. This is the classic Robbins-Monro rate of
    stochastic approximation (Robbins & Monro, 1951: "A Stochastic
    Approximation Method", Ann. Math. Statist. 22(3)). Convention: :math:`k t`
    with :math:`t` in steps, as ``tf.keras.optimizers.schedules.InverseTimeDecay``
    with ``decay_steps=1``; torch has no equivalent class.
    """
    t = _check_step(step)
    lr0 = _check_lr0(lr0)
    decay_rate = check_real("decay_rate", decay_rate, minimum=0.0)
    return lr0 / (1.0 + decay_rate * t)


def cosine_decay(step: int, *, lr0: float, total_steps: int, lr_min: float = 0.0) -> float:
    r"""Cosine decay from ``lr0`` to ``lr_min`` over ``total_steps`` steps.

    .. math::
        \eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_0 - \eta_{\min})
                 \left(1 + \cos\left(\pi \, \frac{\min(t, T)}{T}\right)\right)

    with :math:`T` = ``total_steps`` and :math:`\eta_{\min}` = ``lr_min``.
    Loshchilov & Hutter, 2017: https://arxiv.org/abs/1608.03983 (one cycle of
    SGDR). Equal to ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T,
    eta_min=lr_min)`` for :math:`t \le T`. Convention: after :math:`T` the rate
    stays at :math:`\eta_{\min}` (as in optax and nanoGPT), whereas torch keeps
    following the cosine back up.
    """
    t = _check_step(step)
    lr0 = _check_lr0(lr0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    lr_min = _check_lr_min(lr_min, lr0)
    progress = min(t, total_steps) / total_steps
    return lr_min + 0.5 * (lr0 - lr_min) * (1.0 + math.cos(math.pi * progress))


def linear_decay(
    step: int,
    *,
    lr0: float,
    total_steps: int,
    start_factor: float = 1.0,
    end_factor: float = 0.0,
) -> float:
    r"""Linear interpolation of the factor on ``lr0`` over ``total_steps`` steps.

    .. math::
        \eta_t = \eta_0 \left(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\right)

    with :math:`f_s` = ``start_factor``, :math:`f_e` = ``end_factor`` and
    :math:`T` = ``total_steps``. Same as ``torch.optim.lr_scheduler.LinearLR``
    (which requires :math:`0 < f_s`; here any non-negative factors are allowed,
    so the same function also ramps up: see :func:`linear_warmup`).
    """
    t = _check_step(step)
    lr0 = _check_lr0(lr0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    start_factor = check_real("start_factor", start_factor, minimum=0.0)
    end_factor = check_real("end_factor", end_factor, minimum=0.0)
    progress = min(t, total_steps) / total_steps
    return lr0 * (start_factor + (end_factor - start_factor) * progress)


def linear_warmup(step: int, *, lr0: float, warmup_steps: int, start_factor: float = 0.0) -> float:
    r"""Linear warmup: ramp from ``start_factor * lr0`` to ``lr0``, then stay there.

    .. math::
        \eta_t = \eta_0 \left(f_s + (1 - f_s)\,\frac{\min(t, W)}{W}\right)

    with :math:`W` = ``warmup_steps`` and :math:`f_s` = ``start_factor``;
    :math:`W = 0` means no warmup (:math:`\eta_t = \eta_0`). Goyal et al., 2017:
    https://arxiv.org/abs/1706.02677 (gradual warmup for large batches).
    Convention: step 0 uses :math:`f_s \eta_0` (0 by default, as torch's
    ``LinearLR``) and step :math:`W` is the first at full rate; nanoGPT instead
    starts at :math:`\eta_0 / W`. It is :func:`linear_decay` with
    ``end_factor=1``.
    """
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    if warmup_steps == 0:
        _check_step(step)
        check_real("start_factor", start_factor, minimum=0.0)
        return _check_lr0(lr0)
    return linear_decay(
        step, lr0=lr0, total_steps=warmup_steps, start_factor=start_factor, end_factor=1.0
    )


def warmup_cosine(
    step: int, *, lr0: float, warmup_steps: int, total_steps: int, lr_min: float = 0.0
) -> float:
    r"""Linear warmup for ``warmup_steps`` steps, then cosine decay to ``lr_min``.

    .. math::
        \eta_t = \begin{cases}
            \eta_0 \, t / W & t < W \\
            \eta_{\min} + \tfrac{1}{2}(\eta_0 - \eta_{\min})
            \left(1 + \cos\left(\pi \frac{\min(t - W,\, T - W)}{T - W}\right)\right) & t \ge W
        \end{cases}

    with :math:`W` = ``warmup_steps``, :math:`T` = ``total_steps`` (warmup
    included, :math:`W < T`) and :math:`\eta_{\min}` = ``lr_min``. The recipe of
    nanoGPT and most transformer training: :func:`linear_warmup` composed with
    :func:`cosine_decay` shifted by :math:`W` steps.
    """
    t = _check_step(step)
    _check_lr_min(lr_min, _check_lr0(lr0))
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"Invalid warmup_steps: {warmup_steps} (expected warmup_steps < total_steps = {total_steps})"
        )
    # 1) linear warmup
    if t < warmup_steps:
        return linear_warmup(t, lr0=lr0, warmup_steps=warmup_steps)
    # 2) cosine decay over the remaining steps
    return cosine_decay(
        t - warmup_steps, lr0=lr0, total_steps=total_steps - warmup_steps, lr_min=lr_min
    )
