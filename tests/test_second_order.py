"""lecture7.second_order against numpy linear algebra, scipy.optimize and torch.optim.LBFGS."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so
import torch
from sklearn.datasets import load_breast_cancer

from lecture7 import second_order as SO

pytestmark = pytest.mark.filterwarnings("error")

F64 = torch.float64


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    """sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, as scipy.optimize.rosen."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _spd(n: int, seed: int, condition: float = 50.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(np.geomspace(1.0, condition, n)) @ q.T


def _quadratic(a: np.ndarray, b: np.ndarray):
    at, bt = torch.tensor(a), torch.tensor(b)
    return lambda x: 0.5 * x @ (at.to(x.device) @ x) - bt.to(x.device) @ x


def _logistic_regression():
    """Standardized breast_cancer with a bias column, labels +-1, L2 weight 1e-2: (numpy f, grad, torch f)."""
    features, labels = load_breast_cancer(return_X_y=True)
    features = (features - features.mean(0)) / features.std(0)
    X = np.hstack([features, np.ones((len(features), 1))])
    y, lam = 2.0 * labels - 1.0, 1e-2

    def np_f(w):
        return np.logaddexp(0.0, -y * (X @ w)).mean() + 0.5 * lam * w @ w

    def np_grad(w):
        return -(X.T @ (y / (1.0 + np.exp(y * (X @ w))))) / len(X) + lam * w

    Xt, yt = torch.tensor(X), torch.tensor(y)

    def torch_f(w):
        return torch.nn.functional.softplus(-yt * (Xt @ w)).mean() + 0.5 * lam * w @ w

    return np_f, np_grad, torch_f, np.zeros(X.shape[1])


def _problem(name):
    """(numpy f, numpy grad, torch f, x0)."""
    if name == "rosenbrock2":
        return so.rosen, so.rosen_der, rosenbrock, np.array([-1.2, 1.0])
    if name == "rosenbrock10":
        return so.rosen, so.rosen_der, rosenbrock, np.zeros(10)
    return _logistic_regression()


PROBLEMS = ["rosenbrock2", "rosenbrock10", "logistic_regression"]
TOL = 1e-9  # on ||grad||_inf, for us and scipy alike


def test_rosenbrock_fixture_matches_scipy():
    x = np.random.default_rng(0).standard_normal(10)
    xt = torch.tensor(x, requires_grad=True)
    value = rosenbrock(xt)
    value.backward()
    np.testing.assert_allclose(value.item(), so.rosen(x), rtol=1e-13)
    np.testing.assert_allclose(xt.grad.numpy(), so.rosen_der(x), rtol=1e-12)


@pytest.mark.parametrize("n", [2, 10])
def test_hessian_matches_scipy_rosen_hess(n):
    x = np.random.default_rng(n).standard_normal(n)
    np.testing.assert_allclose(
        SO.hessian(rosenbrock, torch.tensor(x)).numpy(), so.rosen_hess(x), rtol=1e-12
    )


def test_newton_solves_a_quadratic_in_one_step():
    a = _spd(6, seed=1, condition=1e3)
    b = np.random.default_rng(2).standard_normal(6)
    x0 = torch.tensor(np.random.default_rng(3).standard_normal(6))
    result = SO.newton(_quadratic(a, b), x0, tol=1e-8)
    assert result.n_iter == 1 and result.converged
    np.testing.assert_allclose(result.x.numpy(), np.linalg.solve(a, b), rtol=0, atol=1e-10)
    assert len(result.fun_history) == 2 and result.x_history.shape == (2, 6)
    np.testing.assert_array_equal(result.x_history[0].numpy(), x0.numpy())


def test_newton_step_is_the_damped_solve():
    x = np.array([1.1, 1.2, 1.3, 1.6])
    h, g = so.rosen_hess(x), so.rosen_der(x)
    assert np.linalg.eigvalsh(h)[0] > 0  # a convex spot: the pure step exists
    for damping in (0.0, 0.3, 50.0):
        step = SO.newton_step(rosenbrock, torch.tensor(x), damping=damping)
        expected = -np.linalg.solve(h + damping * np.eye(4), g)
        np.testing.assert_allclose(step.numpy(), expected, rtol=1e-10)


def test_newton_step_names_the_problem():
    saddle = lambda x: x[0] ** 2 - x[1] ** 2  # noqa: E731
    flat = lambda x: (x[0] + x[1]) ** 2  # noqa: E731
    x = torch.tensor([0.5, 0.3], dtype=F64)
    with pytest.raises(
        ValueError, match=r"not positive definite .*smallest eigenvalue -2.*damping > 2"
    ):
        SO.newton_step(saddle, x)
    with pytest.raises(ValueError, match="singular"):
        SO.newton_step(flat, x)
    step = SO.newton_step(flat, x, damping=1.0)
    expected = -np.linalg.solve(np.array([[3.0, 2.0], [2.0, 3.0]]), 2 * 0.8 * np.ones(2))
    np.testing.assert_allclose(step.numpy(), expected, rtol=1e-14)


def test_newton_on_rosenbrock():
    # 2-D from (-1.2, 1): the pure method converges in a few steps
    result = SO.newton(rosenbrock, torch.tensor([-1.2, 1.0], dtype=F64), tol=TOL)
    assert result.converged and result.n_iter <= 10
    np.testing.assert_allclose(result.x.numpy(), [1.0, 1.0], atol=1e-10)
    # 10-D from (-1.2, 1, -1.2, 1, ...): full steps reach a non-convex region
    x0 = np.tile([-1.2, 1.0], 5)
    with pytest.raises(ValueError, match="not positive definite"):
        SO.newton(rosenbrock, torch.tensor(x0))
    # a step size < 1 gets through, to the stationary point scipy's BFGS finds too
    result = SO.newton(rosenbrock, torch.tensor(x0), step_size=0.5, max_iter=500, tol=TOL)
    reference = so.minimize(so.rosen, x0, jac=so.rosen_der, method="BFGS", options={"gtol": 1e-7})
    # scipy may stop with "precision loss" just short of gtol (it does with numpy 2.4.6 and
    # scipy 1.17.1); what matters is that its point is stationary, and that ours is that point
    assert result.converged and np.linalg.norm(so.rosen_der(reference.x)) < 1e-5
    np.testing.assert_allclose(result.x.numpy(), reference.x, atol=1e-5)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("ours, scipy_method", [(SO.bfgs, "BFGS"), (SO.lbfgs, "L-BFGS-B")])
def test_quasi_newton_matches_scipy(name, ours, scipy_method):
    np_f, np_grad, torch_f, x0 = _problem(name)
    options = {"gtol": TOL} if scipy_method == "BFGS" else {"gtol": TOL, "ftol": 1e-15}
    reference = so.minimize(np_f, x0, jac=np_grad, method=scipy_method, options=options)
    assert reference.success
    result = ours(torch_f, torch.tensor(x0), tol=TOL)
    assert result.converged, result
    np.testing.assert_allclose(result.x.numpy(), reference.x, rtol=0, atol=1e-5)
    np.testing.assert_allclose(result.fun, reference.fun, rtol=1e-10, atol=1e-14)
    assert result.n_iter <= 2 * reference.nit, (result.n_iter, reference.nit)
    assert result.grad_norm == pytest.approx(np.abs(np_grad(result.x.numpy())).max(), rel=1e-6)


@pytest.mark.parametrize("name", PROBLEMS)
def test_lbfgs_matches_torch_lbfgs(name):
    _, _, torch_f, x0 = _problem(name)
    x = torch.tensor(x0, requires_grad=True)
    opt = torch.optim.LBFGS(
        [x],
        lr=1,
        max_iter=2000,
        history_size=10,
        tolerance_grad=TOL,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        loss = torch_f(x)
        loss.backward()
        return loss

    opt.step(closure)
    result = SO.lbfgs(torch_f, torch.tensor(x0), history_size=10, tol=TOL)
    np.testing.assert_allclose(result.x.numpy(), x.detach().numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("method", [SO.bfgs, SO.lbfgs])
def test_history_records_a_decreasing_loss(method):
    _, _, torch_f, x0 = _problem("rosenbrock2")
    result = method(torch_f, torch.tensor(x0), tol=1e-6)
    losses = np.array(result.fun_history)
    assert len(losses) == result.n_iter + 1 == len(result.x_history)
    assert np.all(np.diff(losses) < 0)  # every Wolfe step decreases f
    assert result.fun == losses[-1] == pytest.approx(so.rosen(result.x.numpy()), rel=1e-12)
    np.testing.assert_array_equal(result.x_history[-1].numpy(), result.x.numpy())
    assert method(torch_f, torch.tensor(x0), record_points=False).x_history is None


def _explicit_inverse_hessian(s_list, y_list):
    """H_k: BFGS updates (N&W eq. 6.17, product form) of gamma I, gamma from the newest pair."""
    n = len(s_list[0])
    h = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1]) * np.eye(n)
    for s, y in zip(s_list, y_list, strict=True):
        rho = 1.0 / (y @ s)
        h = (np.eye(n) - rho * np.outer(s, y)) @ h @ (np.eye(n) - rho * np.outer(y, s))
        h += rho * np.outer(s, s)
    return h


@pytest.mark.parametrize("seed, m", [(0, 1), (1, 3), (2, 7), (3, 12)])
def test_two_loop_recursion_equals_explicit_bfgs_matrix(seed, m):
    rng = np.random.default_rng(seed)
    n = 9
    a = _spd(n, seed=seed + 10)
    s_list = [rng.standard_normal(n) for _ in range(m)]
    # curvature pairs from a Hessian for half, and arbitrary pairs with s'y > 0 for the rest
    y_list = [a @ s if i % 2 else rng.standard_normal(n) for i, s in enumerate(s_list)]
    y_list = [y if y @ s > 0 else -y for s, y in zip(s_list, y_list, strict=True)]
    g = rng.standard_normal(n)
    direction = SO.lbfgs_direction(
        torch.tensor(g), [torch.tensor(s) for s in s_list], [torch.tensor(y) for y in y_list]
    )
    expected = -_explicit_inverse_hessian(s_list, y_list) @ g
    np.testing.assert_allclose(
        direction.numpy(), expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max()
    )


def test_two_loop_without_history_is_steepest_descent():
    g = torch.tensor([1.0, -2.0, 3.0], dtype=F64)
    np.testing.assert_array_equal(SO.lbfgs_direction(g, [], []).numpy(), -g.numpy())


def test_bfgs_inverse_update_matches_product_form_and_secant_equation():
    rng = np.random.default_rng(5)
    h = _spd(6, seed=6)
    s, y = rng.standard_normal(6), _spd(6, seed=7) @ rng.standard_normal(6)
    y = y if s @ y > 0 else -y
    rho = 1.0 / (y @ s)
    expected = (np.eye(6) - rho * np.outer(s, y)) @ h @ (
        np.eye(6) - rho * np.outer(y, s)
    ) + rho * np.outer(s, s)
    updated = SO.bfgs_inverse_update(torch.tensor(h), torch.tensor(s), torch.tensor(y)).numpy()
    np.testing.assert_allclose(updated, expected, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(updated @ y, s, rtol=1e-10)


def _wolfe_cases():
    x = np.array([-1.2, 1.0])
    g = so.rosen_der(x)
    yield "zoom", x, -g, 1.0  # far too long: must shrink
    yield "extrapolate", x, -g, 1e-7  # far too short: must grow
    x10 = np.linspace(-1.0, 1.5, 10)
    yield (
        "newton_direction",
        x10,
        -np.linalg.solve(so.rosen_hess(x10) + 100 * np.eye(10), so.rosen_der(x10)),
        1.0,
    )


@pytest.mark.parametrize("c2", [0.9, 0.1])
@pytest.mark.parametrize("case", list(_wolfe_cases()), ids=lambda c: c[0])
def test_line_search_satisfies_strong_wolfe(case, c2):
    _, x, d, step0 = case
    c1 = 1e-4
    result = SO.wolfe_line_search(
        rosenbrock, torch.tensor(x), torch.tensor(d), step0=step0, c1=c1, c2=c2
    )
    assert result.success and result.step > 0
    x_new = x + result.step * d
    assert so.rosen(x_new) <= so.rosen(x) + c1 * result.step * (so.rosen_der(x) @ d)
    assert abs(so.rosen_der(x_new) @ d) <= c2 * abs(so.rosen_der(x) @ d)
    np.testing.assert_allclose(result.fun, so.rosen(x_new), rtol=1e-12)
    np.testing.assert_allclose(result.grad.numpy(), so.rosen_der(x_new), rtol=1e-10)
    assert result.n_fev >= 2  # f(x) plus at least one trial


@pytest.mark.parametrize("method", [SO.newton, SO.bfgs, SO.lbfgs])
def test_stays_on_the_device_of_x0(method, device):
    a, b = _spd(5, seed=8), np.arange(5.0)
    result = method(_quadratic(a, b), torch.zeros(5, dtype=F64, device=device), tol=1e-10)
    assert result.x.device.type == device.type and result.x_history.device.type == device.type
    np.testing.assert_allclose(result.x.cpu().numpy(), np.linalg.solve(a, b), atol=1e-8)


def test_hessian_memory_bytes():
    assert SO.hessian_memory_bytes(1000) == 4_000_000
    assert SO.hessian_memory_bytes(10**8) == 4 * 10**16  # 40 PB for a 100M-parameter network
    assert SO.hessian_memory_bytes(3, dtype_bytes=8) == 72


X0 = torch.zeros(3, dtype=F64)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SO.bfgs(rosenbrock, torch.zeros(2, 2, dtype=F64)), r"x0: .*shape \(2, 2\)"),
        (
            lambda: SO.lbfgs(rosenbrock, torch.zeros(3, dtype=torch.int64)),
            "x0: .*dtype torch.int64",
        ),
        (lambda: SO.newton(rosenbrock, [0.0, 0.0]), "x0: expected a torch.Tensor"),
        (lambda: SO.lbfgs(rosenbrock, X0, history_size=0), "history_size: 0"),
        (lambda: SO.bfgs(rosenbrock, X0, max_iter=-1), "max_iter: -1"),
        (lambda: SO.lbfgs(rosenbrock, X0, tol=-1e-3), "tol: -0.001"),
        (lambda: SO.newton(rosenbrock, X0, step_size=0.0), "step_size: 0.0"),
        (lambda: SO.newton_step(rosenbrock, X0, damping=-1.0), "damping: -1.0"),
        (lambda: SO.bfgs(lambda x: x**2, X0), r"scalar tensor, got \(3,\)"),
        (lambda: SO.bfgs("rosenbrock", X0), "f: 'rosenbrock'"),
        (lambda: SO.lbfgs_direction(X0, [X0], []), "1 s vectors but 0 y vectors"),
        (lambda: SO.lbfgs_direction(X0, [torch.ones(2, dtype=F64)], [X0]), "pair 0"),
        (
            lambda: SO.lbfgs_direction(X0 + 1, [X0 + 1, X0 + 1], [X0 + 1, -X0 - 1]),
            r"pair 1: s \. y = -3",
        ),
        (lambda: SO.bfgs_inverse_update(torch.eye(3, dtype=F64), X0 + 1, -X0 - 1), r"s \. y = -3"),
        (lambda: SO.wolfe_line_search(rosenbrock, X0, X0 - 1), "not a descent direction"),
        (lambda: SO.wolfe_line_search(rosenbrock, X0, X0 + 1, c1=0.5, c2=0.4), "c1, c2: 0.5, 0.4"),
        (lambda: SO.hessian_memory_bytes(0), "n_params: 0"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
