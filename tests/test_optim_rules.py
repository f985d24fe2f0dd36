"""The CS231n update rules and the kernels under them (lecture7.optim.rules / .kernels).

Oracles: the values published in the CS231n assignment, the CS231n reference code
written out literally (in place, NumPy) below, and numbers computed by hand.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from lecture7.optim import (
    RULES,
    AdagradState,
    AdamState,
    MomentumState,
    RMSpropState,
    adagrad,
    adagrad_update,
    adam,
    adam_update,
    amsgrad_update,
    centered_rmsprop_update,
    momentum_buffer_update,
    momentum_update,
    nesterov_momentum,
    nesterov_update,
    rmsprop,
    rmsprop_update,
    sgd,
    sgd_momentum,
)

# --- the CS231n reference code, written out literally (it mutates its config) --------------


def reference_sgd(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def reference_sgd_momentum(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def reference_nesterov_momentum(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v_prev = v
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w - config["momentum"] * v_prev + (1 + config["momentum"]) * v, config


def reference_adagrad(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    config["cache"] = config["cache"] + dw**2
    return w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]), config


def reference_rmsprop(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    rho = config["decay_rate"]
    config["cache"] = rho * config["cache"] + (1 - rho) * dw**2
    return w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]), config


def reference_adam(w, dw, config):
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw**2
    m_hat = config["m"] / (1 - b1 ** config["t"])
    v_hat = config["v"] / (1 - b2 ** config["t"])
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


REFERENCES = {
    "sgd": reference_sgd,
    "sgd_momentum": reference_sgd_momentum,
    "nesterov_momentum": reference_nesterov_momentum,
    "adagrad": reference_adagrad,
    "rmsprop": reference_rmsprop,
    "adam": reference_adam,
}
HYPER = {  # non-default hyperparameters, so that defaults are not all that is tested
    "sgd": {"learning_rate": 0.05},
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    "nesterov_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    "adagrad": {"learning_rate": 0.05, "epsilon": 1e-3},
    "rmsprop": {"learning_rate": 0.05, "decay_rate": 0.9, "epsilon": 1e-3},
    "adam": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-3},
}


def cs231n_inputs():
    """The inputs of the CS231n assignment's checks (N, D = 4, 5)."""
    n = 4 * 5
    w = np.linspace(-0.4, 0.6, num=n).reshape(4, 5)
    dw = np.linspace(-0.6, 0.4, num=n).reshape(4, 5)
    a = np.linspace(0.6, 0.9, num=n).reshape(4, 5)
    b = np.linspace(0.7, 0.5, num=n).reshape(4, 5)
    return w, dw, a, b


def test_published_cs231n_values():
    """First rows of the expected arrays printed in the CS231n assignment."""
    w, dw, a, b = cs231n_inputs()
    next_w, config = sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": a})
    np.testing.assert_allclose(next_w[0], [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789], rtol=1e-7)
    next_w, _ = nesterov_momentum(w, dw, {"learning_rate": 1e-3, "velocity": a})
    np.testing.assert_allclose(next_w[0], [0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421], rtol=1e-7)
    next_w, config = rmsprop(w, dw, {"learning_rate": 1e-2, "cache": a})
    np.testing.assert_allclose(next_w[0], [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247], rtol=1e-7)
    np.testing.assert_allclose(config["cache"][0], [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321], rtol=1e-7)
    next_w, config = adam(w, dw, {"learning_rate": 1e-2, "m": a, "v": b, "t": 5})
    np.testing.assert_allclose(next_w[0], [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977], rtol=1e-7)
    assert config["t"] == 6


def test_adam_first_element_by_hand():
    # t = 6; m = 0.9*0.6 + 0.1*(-0.6) = 0.48; v = 0.999*0.7 + 0.001*0.36 = 0.69966
    m_hat, v_hat = 0.48 / (1 - 0.9**6), 0.69966 / (1 - 0.999**6)
    expected = -0.4 - 1e-2 * m_hat / (np.sqrt(v_hat) + 1e-8)
    w, dw, a, b = cs231n_inputs()
    next_w, config = adam(w, dw, {"learning_rate": 1e-2, "m": a, "v": b, "t": 5})
    assert next_w[0, 0] == pytest.approx(expected, rel=1e-12)
    assert config["m"][0, 0] == pytest.approx(0.48, rel=1e-12)
    assert config["v"][0, 0] == pytest.approx(0.69966, rel=1e-12)


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("use_defaults", [True, False])
def test_rules_match_the_cs231n_reference_over_many_steps(name, use_defaults):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(7, 3))
    ours, ours_config = w.copy(), None if use_defaults else dict(HYPER[name])
    ref, ref_config = w.copy(), {} if use_defaults else dict(HYPER[name])
    for _ in range(25):
        dw = rng.normal(size=w.shape) * rng.uniform(0.01, 10)
        ours, ours_config = RULES[name](ours, dw.copy(), ours_config)
        ref, ref_config = REFERENCES[name](ref, dw.copy(), ref_config)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)
    assert ours_config.keys() == ref_config.keys()
    for key, value in ref_config.items():
        np.testing.assert_allclose(ours_config[key], value, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rules_never_modify_their_inputs(name):
    rng = np.random.default_rng(1)
    w, dw = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    _, config = RULES[name](w, dw, None)  # a config with state arrays
    w_before, dw_before, config_before = w.copy(), dw.copy(), copy.deepcopy(config)
    next_w, next_config = RULES[name](w, dw, config)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(dw, dw_before)
    assert config.keys() == config_before.keys()
    for key, value in config_before.items():
        np.testing.assert_array_equal(config[key], value)
    assert next_config is not config
    assert not np.shares_memory(next_w, w)
    for key, value in next_config.items():
        if isinstance(value, np.ndarray):
            assert all(not np.shares_memory(value, v) for v in (w, dw, *config.values())
                       if isinstance(v, np.ndarray)), key


@pytest.mark.parametrize("name", sorted(RULES))
def test_rules_never_modify_torch_inputs(name):
    """The rules return new arrays and leave what they were given as it was (tensors too)."""
    generator = torch.Generator().manual_seed(1)
    w, dw = torch.randn(4, 6, generator=generator), torch.randn(4, 6, generator=generator)
    _, config = RULES[name](w, dw, None)
    w_before, dw_before, config_before = w.clone(), dw.clone(), copy.deepcopy(config)
    next_w, next_config = RULES[name](w, dw, config)
    assert torch.equal(w, w_before) and torch.equal(dw, dw_before)
    for key, value in config_before.items():
        assert torch.equal(config[key], value) if torch.is_tensor(value) else config[key] == value
    inputs = {t.data_ptr() for t in (w, dw, *config.values()) if torch.is_tensor(t)}
    assert next_w.data_ptr() not in inputs
    for key, value in next_config.items():
        if torch.is_tensor(value):
            assert value.data_ptr() not in inputs, key


@pytest.mark.parametrize("name", sorted(RULES))
def test_integer_inputs_get_floating_point_state(name):
    """The rules' copies of the state take the dtype out-of-place arithmetic would give them."""
    w, dw = np.array([[1, -2], [3, 0]]), np.array([[2, 1], [-1, 3]])
    ours_w, ours_config = RULES[name](w, dw, dict(HYPER[name]))
    float_w, float_config = RULES[name](w.astype(float), dw.astype(float), dict(HYPER[name]))
    np.testing.assert_array_equal(ours_w, float_w)
    for key, value in float_config.items():
        np.testing.assert_array_equal(ours_config[key], value, err_msg=key)
        if isinstance(value, np.ndarray):
            assert ours_config[key].dtype == np.float64, key
    # float32 state next to float64 weights is promoted, as float32 + float64 would be
    if name in ("sgd_momentum", "adagrad"):
        key = {"sgd_momentum": "velocity", "adagrad": "cache"}[name]
        _, config = RULES[name](w.astype(float), dw.astype(float),
                                {key: np.ones((2, 2), dtype=np.float32)})
        assert config[key].dtype == np.float64


# kernel, its state, hyperparameters: every kernel and every state array
KERNELS = {
    "momentum": (momentum_update, lambda w: MomentumState.init(w),
                 {"learning_rate": 0.1, "momentum": 0.9}),
    "nesterov": (nesterov_update, lambda w: MomentumState.init(w),
                 {"learning_rate": 0.1, "momentum": 0.9}),
    "buffer-nesterov": (momentum_buffer_update, lambda w: MomentumState.init(w),
                        {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "buffer": (momentum_buffer_update, lambda w: MomentumState.init(w),
               {"learning_rate": 0.1, "momentum": 0.9}),
    "adagrad": (adagrad_update, lambda w: AdagradState.init(w, initial_accumulator_value=0.1),
                {"learning_rate": 0.1, "epsilon": 1e-8}),
    "rmsprop": (rmsprop_update, lambda w: RMSpropState.init(w),
                {"learning_rate": 0.1, "decay_rate": 0.9, "epsilon": 1e-8}),
    "rmsprop-centered-momentum": (
        centered_rmsprop_update, lambda w: RMSpropState.init(w, centered=True, momentum=0.9),
        {"learning_rate": 0.1, "decay_rate": 0.9, "epsilon": 1e-8, "momentum": 0.9,
         "centered": True}),
    "adam": (adam_update, lambda w: AdamState.init(w),
             {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-8}),
    "amsgrad": (amsgrad_update, lambda w: AdamState.init(w, amsgrad=True),
                {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-8}),
}


@pytest.mark.parametrize("library", ["numpy", "torch"])
@pytest.mark.parametrize("kernel_name", sorted(KERNELS))
def test_kernels_compute_out_of_place_and_return_a_new_state(kernel_name, library):
    kernel, init, hyper = KERNELS[kernel_name]
    rng = np.random.default_rng(4)
    w, dw = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    if library == "torch":
        w, dw = torch.tensor(w), torch.tensor(dw)
    copy_of = (lambda x: x.clone()) if library == "torch" else (lambda x: x.copy())
    state = init(w)
    dw_before = copy_of(dw)
    for _ in range(2):  # the second step starts from the new state
        arrays = {k: v for k, v in state._asdict().items() if v is not None and k != "t"}
        before = {k: copy_of(v) for k, v in arrays.items()}
        step, state_next = kernel(dw, state, **hyper)
        assert tuple(step.shape) == tuple(w.shape)
        np.testing.assert_array_equal(dw, dw_before)  # dw is never modified
        for key, array in arrays.items():
            np.testing.assert_array_equal(array, before[key])  # nor the state it was given
            new = getattr(state_next, key)
            assert new is not array and not np.array_equal(new, array), key
        state = state_next
    if kernel_name in ("adam", "amsgrad"):
        assert state.t == 2


def test_kernels_equal_the_cs231n_reference_formulas():
    """Each kernel's step, applied to w, is the CS231n reference rule's next_w."""
    rng = np.random.default_rng(6)
    w, dw = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for name, kernel, state in (
        ("sgd_momentum", momentum_update, MomentumState.init(w)),
        ("nesterov_momentum", nesterov_update, MomentumState.init(w)),
        ("adagrad", adagrad_update, AdagradState.init(w)),
        ("rmsprop", rmsprop_update, RMSpropState.init(w)),
        ("adam", adam_update, AdamState.init(w)),
    ):
        ref_w, ref_config = w.copy(), dict(HYPER[name])
        ours_w = w.copy()
        for _ in range(3):
            ref_w, ref_config = REFERENCES[name](ref_w, dw.copy(), ref_config)
            step, state = kernel(dw, state, **HYPER[name])
            ours_w = ours_w + step
        np.testing.assert_allclose(ours_w, ref_w, rtol=1e-12, err_msg=name)


DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1},
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_defaults_are_cs231n_and_filled_in(name):
    w, dw = np.ones((2, 2)), np.full((2, 2), 0.5)
    _, config = RULES[name](w, dw)
    for key, value in DEFAULTS[name].items():
        assert config[key] == value, key


def test_first_steps_by_hand():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -4.0])
    np.testing.assert_allclose(sgd(w, dw)[0], [1.0 - 0.005, -2.0 + 0.04])
    # momentum from zero velocity: v = -lr*dw, so the first step equals SGD's
    np.testing.assert_allclose(sgd_momentum(w, dw)[0], sgd(w, dw)[0], rtol=1e-15)
    # Nesterov from zero velocity: w + mu*v - lr*dw = w - (1 + mu)*lr*dw
    np.testing.assert_allclose(nesterov_momentum(w, dw)[0], w - 1.9 * 1e-2 * dw, rtol=1e-15)
    # AdaGrad's first step is lr * sign(dw) (up to eps)
    np.testing.assert_allclose(adagrad(w, dw)[0], w - 1e-2 * np.sign(dw), rtol=1e-7)
    # RMSProp's first step is lr / sqrt(1 - decay) * sign(dw) = 10x the learning rate
    np.testing.assert_allclose(rmsprop(w, dw)[0], w - 0.1 * np.sign(dw), rtol=1e-7)
    # Adam's bias-corrected first step is lr * sign(dw), whatever the gradient's scale
    np.testing.assert_allclose(adam(w, dw)[0], w - 1e-3 * np.sign(dw), rtol=1e-7)
    np.testing.assert_allclose(adam(w, 1e-4 * dw)[0], w - 1e-3 * np.sign(dw), rtol=1e-6)


def test_adam_increments_t_before_using_it():
    w, dw = np.array([1.0]), np.array([2.0])
    next_w, config = adam(w, dw, {"t": 0})
    assert config["t"] == 1
    # with t = 1: m_hat = dw, v_hat = dw**2, so the step is lr * dw / (|dw| + eps)
    assert next_w[0] == pytest.approx(1.0 - 1e-3 * 2.0 / (2.0 + 1e-8), rel=1e-14)
    # an implementation that used t before incrementing it would divide by 1 - beta**0 = 0
    assert np.isfinite(next_w).all()


def test_adagrad_cache_is_the_sum_of_squared_gradients():
    w = np.zeros(3)
    g1, g2 = np.array([1.0, -2.0, 0.5]), np.array([3.0, 0.0, -0.5])
    w1, config = adagrad(w, g1)
    _, config = adagrad(w1, g2, config)
    np.testing.assert_allclose(config["cache"], g1**2 + g2**2)


def test_rules_accept_torch_tensors_and_agree_with_numpy(device):
    rng = np.random.default_rng(2)
    w, dw = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    for name, rule in RULES.items():
        expected_w, expected_config = rule(w, dw, dict(HYPER[name]))
        tw, tconfig = rule(torch.tensor(w, device=device), torch.tensor(dw, device=device),
                           dict(HYPER[name]))
        assert isinstance(tw, torch.Tensor) and tw.device.type == device.type
        np.testing.assert_allclose(tw.cpu().numpy(), expected_w, rtol=1e-12, err_msg=name)
        for key, value in expected_config.items():
            got = tconfig[key]
            got = got.cpu().numpy() if isinstance(got, torch.Tensor) else got
            np.testing.assert_allclose(got, value, rtol=1e-12, err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_misspelled_key_is_rejected_not_ignored(name):
    w = np.zeros(3)
    with pytest.raises(ValueError, match=r"learning_rte.*learning_rate"):
        RULES[name](w, w, {"learning_rte": 0.5})


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("sgd", "learning_rate", -0.1),
        ("sgd", "learning_rate", float("nan")),
        ("sgd", "learning_rate", "0.1"),
        ("sgd_momentum", "momentum", 1.0),
        ("sgd_momentum", "momentum", -0.5),
        ("nesterov_momentum", "momentum", 1.5),
        ("adagrad", "epsilon", -1e-8),
        ("rmsprop", "decay_rate", 1.0),
        ("rmsprop", "epsilon", float("inf")),
        ("adam", "beta1", 1.0),
        ("adam", "beta2", -0.1),
        ("adam", "t", -1),
        ("adam", "t", 1.5),
        ("adam", "t", True),
    ],
)
def test_out_of_range_values_name_the_key_and_value(name, key, value):
    w = np.zeros(3)
    with pytest.raises(ValueError) as info:
        RULES[name](w, w, {key: value})
    assert key in str(info.value) and repr(value) in str(info.value)


@pytest.mark.parametrize("name", sorted(RULES))
def test_bad_arrays_are_rejected(name):
    rule = RULES[name]
    with pytest.raises(ValueError, match=r"same shape.*\(2, 3\).*\(3, 2\)"):
        rule(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="list"):
        rule([1.0, 2.0], np.zeros(2))
    with pytest.raises(ValueError, match="both"):
        rule(np.zeros(2), torch.zeros(2))
    with pytest.raises(ValueError, match="config"):
        rule(np.zeros(2), np.zeros(2), [("learning_rate", 0.1)])


@pytest.mark.parametrize("name", ["sgd_momentum", "adagrad", "rmsprop", "adam"])
def test_state_arrays_of_the_wrong_shape_are_rejected(name):
    key = {"sgd_momentum": "velocity", "adagrad": "cache", "rmsprop": "cache", "adam": "m"}[name]
    with pytest.raises(ValueError, match=rf"{key}.*\(4,\).*\(3,\)"):
        RULES[name](np.zeros(3), np.zeros(3), {key: np.zeros(4)})


def test_velocity_and_buffer_forms_agree_only_for_a_constant_learning_rate():
    """v = -lr * b while lr is constant; after the rate is cut they part ways."""
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(20, 4))

    def run(rates, kernel):
        w, state = np.zeros(4), MomentumState.init(np.zeros(4))
        for lr, g in zip(rates, grads, strict=True):
            step, state = kernel(g, state, learning_rate=lr, momentum=0.9)
            w = w + step
        return w, state.velocity

    constant = [0.1] * 20
    w_v, velocity = run(constant, momentum_update)
    w_b, buffer = run(constant, momentum_buffer_update)
    np.testing.assert_allclose(w_v, w_b, rtol=1e-12)
    np.testing.assert_allclose(velocity, -0.1 * buffer, rtol=1e-12)
    cut = [0.1] * 10 + [0.01] * 10  # step decay at step 10
    w_v, _ = run(cut, momentum_update)
    w_b, _ = run(cut, momentum_buffer_update)
    assert np.abs(w_v - w_b).max() > 1e-2 * np.abs(w_b).max()


def test_nesterov_forms_agree():
    """CS231n's look-ahead form and PyTorch's buffer form are one update (v = -lr * b)."""
    rng = np.random.default_rng(7)
    w_v = w_b = np.zeros(3)
    state_v = state_b = MomentumState.init(np.zeros(3))
    for g in rng.normal(size=(15, 3)):
        step_v, state_v = nesterov_update(g, state_v, learning_rate=0.1, momentum=0.9)
        step_b, state_b = momentum_buffer_update(g, state_b, learning_rate=0.1, momentum=0.9,
                                                 nesterov=True)
        w_v, w_b = w_v + step_v, w_b + step_b
    np.testing.assert_allclose(w_v, w_b, rtol=1e-12)
