"""2-D landscapes and the trajectory runner (lecture7.optim.landscapes / .trajectory).

Oracles: finite differences (``torch.autograd.gradcheck``), gradients and Hessians
worked out by hand, and the behaviour the lecture describes, each measured.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lecture7.optim as l7
from lecture7.optim import (
    Landscape,
    distance_to,
    double_well,
    noisy,
    rosenbrock,
    rotated_taco_shell,
    run_trajectory,
    saddle,
    taco_shell,
)

LANDSCAPES = {
    "taco": lambda: taco_shell(20.0),
    "rotated": lambda: rotated_taco_shell(20.0, angle=0.6),
    "saddle": saddle,
    "double_well": double_well,
    "rosenbrock": lambda: rosenbrock(1.5, 30.0),
}


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
def test_gradients_match_finite_differences(name):
    landscape = LANDSCAPES[name]()
    points = torch.rand(5, 3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    (x0, x1), (y0, y1) = landscape.window
    points = points * torch.tensor([x1 - x0, y1 - y0]) + torch.tensor([x0, y0])
    assert torch.autograd.gradcheck(landscape, (points.requires_grad_(),))


def test_gradients_and_values_by_hand():
    xy = torch.tensor([[1.5, -0.5], [-2.0, 0.25]], dtype=torch.float64)
    x, y = xy[:, 0], xy[:, 1]
    torch.testing.assert_close(taco_shell(40.0)(xy), 0.5 * (x**2 + 40 * y**2))
    torch.testing.assert_close(taco_shell(40.0).gradient(xy), torch.stack([x, 40 * y], -1))
    torch.testing.assert_close(saddle().gradient(xy), torch.stack([2 * x, y**3 - y], -1))
    dx = (x + 1.5) * (x - 0.5) * (x - 1.0)
    torch.testing.assert_close(double_well().gradient(xy), torch.stack([dx, y], -1))
    a, b = 1.0, 100.0
    dros = torch.stack([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], -1)
    torch.testing.assert_close(rosenbrock().gradient(xy), dros)
    # rotating the point and the landscape together leaves the value unchanged
    angle = 0.7
    rot = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]],
                       dtype=torch.float64)
    torch.testing.assert_close(rotated_taco_shell(40.0, angle)(xy @ rot.T), taco_shell(40.0)(xy))


def hessian(landscape: Landscape, point) -> np.ndarray:
    return torch.autograd.functional.hessian(landscape, torch.tensor(point, dtype=torch.float64)).numpy()


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
def test_claimed_minima_and_saddles_are_what_they_claim(name):
    landscape = LANDSCAPES[name]()
    assert landscape.minima, "every landscape here knows its minimizers"
    for point in landscape.minima:
        np.testing.assert_allclose(landscape.gradient(point).numpy(), 0.0, atol=1e-12)
        assert np.linalg.eigvalsh(hessian(landscape, point)).min() > 0
    for point in landscape.saddle_points:
        np.testing.assert_allclose(landscape.gradient(point).numpy(), 0.0, atol=1e-12)
        eigenvalues = np.linalg.eigvalsh(hessian(landscape, point))
        assert eigenvalues.min() < 0 < eigenvalues.max()
    values = [landscape(point).item() for point in landscape.minima]
    assert values == sorted(values)  # lowest first
    _, _, z = landscape.grid(301)  # nothing on the plotting window is below the global minimum
    assert z.min() >= values[0] - 1e-12
    (x0, x1), (y0, y1) = landscape.window
    assert x0 <= landscape.start[0] <= x1 and y0 <= landscape.start[1] <= y1


def test_double_well_values_and_rosenbrock_minimum():
    well = double_well()
    assert well((-1.5, 0.0)).item() == pytest.approx(-1.828125, abs=1e-15)
    assert well((1.0, 0.0)).item() == pytest.approx(0.125, abs=1e-15)
    assert well.saddle_points == ((0.5, 0.0),)
    assert rosenbrock(2.0, 10.0).minima == ((2.0, 4.0),)
    assert rosenbrock(2.0, 10.0)((2.0, 4.0)).item() == 0.0


def test_grid_shape_and_bad_inputs():
    x, y, z = taco_shell().grid(50)
    assert x.shape == y.shape == z.shape == (50, 50)
    assert x[0, 0] == taco_shell().window[0][0] and y[-1, 0] == taco_shell().window[1][1]
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        saddle()(torch.zeros(4, 3))
    with pytest.raises(ValueError, match=r"condition_number: 0\.5"):
        taco_shell(0.5)
    with pytest.raises(ValueError, match="angle: nan"):
        rotated_taco_shell(10.0, float("nan"))
    with pytest.raises(ValueError, match="std: -1"):
        noisy(saddle(), std=-1.0, generator=torch.Generator())
    with pytest.raises(ValueError, match="generator: 0"):
        noisy(saddle(), std=1.0, generator=0)
    with pytest.raises(ValueError, match="resolution: 1"):
        saddle().grid(1)


def test_noisy_gradients_add_the_generators_gaussian_noise():
    base = rosenbrock()
    landscape = noisy(base, std=0.3, generator=torch.Generator().manual_seed(7))
    points = torch.tensor([[0.5, 0.5], [-1.0, 2.0]], dtype=torch.float64)
    expected_noise = 0.3 * torch.randn((2, 2), generator=torch.Generator().manual_seed(7),
                                       dtype=torch.float64)
    torch.testing.assert_close(landscape.gradient(points), base.gradient(points) + expected_noise)
    torch.testing.assert_close(landscape(points), base(points))  # values are not noisy
    many = torch.stack([landscape.gradient(points[0]) - base.gradient(points[0])
                        for _ in range(4000)])
    assert many.mean(0).abs().max() < 0.03 and (many.std(0) - 0.3).abs().max() < 0.02


# --- the runner -------------------------------------------------------------------------

PAIRS = [  # (rule, its config, class, its arguments): defined to give the same updates
    ("sgd", {"learning_rate": 1e-3}, l7.SGD, {"lr": 1e-3}),
    ("sgd_momentum", {"learning_rate": 1e-3, "momentum": 0.9}, l7.SGD, {"lr": 1e-3, "momentum": 0.9}),
    ("nesterov_momentum", {"learning_rate": 1e-3, "momentum": 0.9}, l7.SGD,
     {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"learning_rate": 0.3, "epsilon": 1e-8}, l7.Adagrad, {"lr": 0.3, "eps": 1e-8}),
    ("rmsprop", {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8}, l7.RMSprop,
     {"lr": 0.01, "alpha": 0.9, "eps": 1e-8}),
    ("adam", {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.99}, l7.Adam,
     {"lr": 0.05, "betas": (0.8, 0.99)}),
]


@pytest.mark.parametrize("pair", PAIRS, ids=[p[0] for p in PAIRS])
def test_a_rule_and_its_class_give_the_same_trajectory(pair):
    rule, config, cls, kwargs = pair
    landscape = rosenbrock()
    by_name = run_trajectory(landscape, rule, steps=60, **config)
    by_function = run_trajectory(landscape, l7.RULES[rule], steps=60, **config)
    by_class = run_trajectory(landscape, cls, steps=60, **kwargs)
    by_torch = run_trajectory(landscape, getattr(torch.optim, cls.__name__), steps=60,
                              foreach=False, **kwargs)
    assert by_name.points.shape == (61, 2) and by_name.losses.shape == (61,)
    np.testing.assert_array_equal(by_name.points, by_function.points)
    np.testing.assert_allclose(by_name.points, by_class.points, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(by_class.points, by_torch.points, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(by_name.losses, landscape(by_name.points).numpy(), rtol=1e-12)
    assert by_name.losses[-1] < by_name.losses[0]


def test_noisy_runs_are_reproducible_and_rules_match_classes():
    def run(optimizer, **hyper):
        landscape = noisy(saddle(), std=0.1, generator=torch.Generator().manual_seed(3))
        return run_trajectory(landscape, optimizer, steps=40, **hyper).points

    np.testing.assert_array_equal(run("sgd", learning_rate=0.05), run("sgd", learning_rate=0.05))
    np.testing.assert_allclose(run("sgd_momentum", learning_rate=0.05, momentum=0.9),
                               run(l7.SGD, lr=0.05, momentum=0.9), rtol=1e-9, atol=1e-12)


def test_a_students_rule_function_runs():
    def my_sgd(w, dw, config=None):
        config = config or {}
        return w - config.get("learning_rate", 0.1) * dw, config

    path = run_trajectory(taco_shell(4.0), my_sgd, start=(2.0, 1.0), steps=3, learning_rate=0.1)
    # x <- 0.9 x, y <- (1 - 0.4) y
    np.testing.assert_allclose(path.points, [[2.0, 1.0], [1.8, 0.6], [1.62, 0.36], [1.458, 0.216]])


def test_runner_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"'adamw'.*adam"):
        run_trajectory(saddle(), "adamw", steps=1)
    with pytest.raises(ValueError, match="steps: -1"):
        run_trajectory(saddle(), "sgd", steps=-1)
    with pytest.raises(ValueError, match=r"start: \(1.0, 2.0, 3.0\)"):
        run_trajectory(saddle(), "sgd", start=(1.0, 2.0, 3.0), steps=1)
    with pytest.raises(ValueError, match="optimizer: 42"):
        run_trajectory(saddle(), 42, steps=1)
    with pytest.raises(ValueError, match=r"bad_rule returned next_w of shape \(3,\)"):
        def bad_rule(w, dw, config=None):
            return np.zeros(3), config
        run_trajectory(saddle(), bad_rule, steps=1)


# --- what the lecture says, measured -------------------------------------------------------


def steep_coordinate(points: np.ndarray, angle: float) -> np.ndarray:
    return -math.sin(angle) * points[:, 0] + math.cos(angle) * points[:, 1]


def test_sgd_zigzags_on_the_taco_shell_and_momentum_gets_there_faster():
    landscape = taco_shell(50.0)
    sgd = run_trajectory(landscape, "sgd", steps=100, learning_rate=1.9 / 50)
    y = sgd.points[:, 1]
    assert (np.sign(y[1:]) != np.sign(y[:-1])).all()  # it overshoots the valley at every step
    assert np.abs(y[1:]).max() <= np.abs(y[0])  # ... but it is stable
    momentum = run_trajectory(landscape, "sgd_momentum", steps=100, learning_rate=1.0 / 50,
                              momentum=0.9)
    assert momentum.losses[-1] < sgd.losses[-1] / 10
    assert distance_to(momentum, (0, 0))[-1] < distance_to(sgd, (0, 0))[-1] / 3


def test_adam_beats_sgd_on_the_axis_aligned_taco_but_not_once_it_is_rotated():
    kappa, steps = 200.0, 100
    advantage = {}
    for label, landscape in (("aligned", taco_shell(kappa)), ("rotated", rotated_taco_shell(kappa))):
        sgd = run_trajectory(landscape, "sgd", steps=steps, learning_rate=1.9 / kappa)
        adam = run_trajectory(landscape, "adam", steps=steps, learning_rate=0.3)
        advantage[label] = sgd.losses[-1] / adam.losses[-1]
    assert advantage["aligned"] > 1000
    assert advantage["rotated"] < 10


@pytest.mark.parametrize(("rule", "learning_rate"), [("adagrad", 1.0), ("rmsprop", 0.1), ("adam", 0.1)])
def test_per_axis_methods_ignore_the_condition_number_only_when_axis_aligned(rule, learning_rate):
    """Dividing each coordinate's step by that coordinate's gradient size makes the path on
    the axis-aligned taco the same whatever the curvatures; rotated, curvature matters again."""
    def distance(landscape):
        path = run_trajectory(landscape, rule, start=(-8.0, 1.0), steps=200,
                              learning_rate=learning_rate)
        return distance_to(path, (0.0, 0.0))

    np.testing.assert_allclose(distance(taco_shell(10.0)), distance(taco_shell(1000.0)), rtol=1e-6)
    assert distance(taco_shell(1000.0))[-1] < 0.01
    easy, hard = distance(rotated_taco_shell(10.0)), distance(rotated_taco_shell(1000.0))
    assert hard[-1] > 4.0 and hard[-1] > 2 * easy[-1]


def test_sgd_and_momentum_do_not_care_about_the_rotation():
    angle = 0.9
    aligned, rotated = taco_shell(30.0), rotated_taco_shell(30.0, angle)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    for rule, hyper in (("sgd", {"learning_rate": 0.05}),
                        ("sgd_momentum", {"learning_rate": 0.02, "momentum": 0.9})):
        a = run_trajectory(aligned, rule, steps=50, **hyper)
        r = run_trajectory(rotated, rule, steps=50, **hyper)
        np.testing.assert_allclose(a.points @ rot.T, r.points, atol=1e-9)
        np.testing.assert_allclose(a.losses, r.losses, rtol=1e-9, atol=1e-12)


def test_a_saddle_point_stops_sgd_and_noisy_momentum_escapes():
    landscape = saddle()
    stuck = run_trajectory(landscape, "sgd", start=(0.0, 0.0), steps=200, learning_rate=0.1)
    assert (stuck.points == 0.0).all()  # zero gradient: nothing moves
    ridge = run_trajectory(landscape, "sgd_momentum", start=(1.8, 0.0), steps=200,
                           learning_rate=0.05, momentum=0.9)
    assert distance_to(ridge, (0.0, 0.0))[-1] < 1e-3  # on the ridge, it walks into the saddle
    for seed in range(3):
        shaken = noisy(landscape, std=0.1, generator=torch.Generator().manual_seed(seed))
        escaped = run_trajectory(shaken, "sgd_momentum", start=(0.0, 0.0), steps=200,
                                 learning_rate=0.05, momentum=0.9)
        assert min(distance_to(escaped, m)[-1] for m in landscape.minima) < 0.2
        assert escaped.losses[-1] < -0.2


def test_momentum_rolls_through_a_local_minimum():
    landscape = double_well()
    global_min, local_min = landscape.minima
    for lr in (0.02, 0.05):
        sgd = run_trajectory(landscape, "sgd", steps=500, learning_rate=lr)
        momentum = run_trajectory(landscape, "sgd_momentum", steps=500, learning_rate=lr,
                                  momentum=0.9)
        assert distance_to(sgd, local_min)[-1] < 1e-3
        assert distance_to(momentum, global_min)[-1] < 1e-3


def test_best_trajectory_picks_the_rate_with_the_lowest_final_loss():
    from lecture7.optim import best_trajectory, run_trajectory, taco_shell

    taco = taco_shell()
    rates = [1e-3, 1e-2, 0.03, 1.0]  # 1.0 diverges on the steep direction (2 / kappa < 1)
    lr, path = best_trajectory(taco, "sgd", rates, steps=40)
    finals = {r: run_trajectory(taco, "sgd", steps=40, learning_rate=r).losses[-1] for r in rates[:3]}
    assert lr == min(finals, key=finals.get)
    np.testing.assert_array_equal(path.points, run_trajectory(taco, "sgd", steps=40,
                                                              learning_rate=lr).points)
    lr_class, _ = best_trajectory(taco, torch.optim.SGD, rates, steps=40)
    assert lr_class == lr  # a class takes lr=..., with the same result
    with pytest.raises(ValueError, match="empty"):
        best_trajectory(taco, "sgd", [], steps=5)
