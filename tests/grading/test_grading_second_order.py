"""The run logic of assignment 4's checks: tensors on the device, in-place changes, the adapter."""

import numpy as np
import pytest
import torch

from lecture7.grading.second_order import (
    check_bfgs_inverse_update,
    check_newton_step,
    reference_newton_step,
    spd,
)


def test_the_newton_reference_is_the_solution_of_the_damped_system():
    rng = np.random.default_rng(0)
    hess = torch.tensor(spd(rng, 5), dtype=torch.float64)
    grad = torch.tensor(rng.standard_normal(5), dtype=torch.float64)
    expected = -torch.linalg.solve(hess + 0.5 * torch.eye(5, dtype=torch.float64), grad)
    torch.testing.assert_close(reference_newton_step(grad, hess, damping=0.5), expected)


def test_an_inverse_instead_of_a_solve_passes():
    def newton_step(grad, hess, *, damping=0.0):
        eye = torch.eye(len(grad), dtype=grad.dtype, device=grad.device)
        return -torch.linalg.inv(hess + damping * eye) @ grad

    assert check_newton_step(newton_step, hidden=True, points=3) == 3


def test_changing_an_input_in_place_is_named(capsys):
    def newton_step(grad, hess, *, damping=0.0):
        hess += damping * torch.eye(len(grad), dtype=grad.dtype, device=grad.device)
        return -torch.linalg.solve(hess, grad)

    score = check_newton_step(newton_step, hidden=True, points=3)
    out = capsys.readouterr().out
    assert 0 < score < 3 and "inputs modified in place: expected 'none', got 'hess'" in out


def test_a_numpy_result_and_a_wrong_shape_are_reported():
    def bfgs_inverse_update(h_inv, s, y):
        h, s, y = (t.cpu().numpy() for t in (h_inv, s, y))
        rho = 1 / (y @ s)
        eye = np.eye(len(s))
        return (eye - rho * np.outer(s, y)) @ h @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)

    assert check_bfgs_inverse_update(bfgs_inverse_update, hidden=True, points=3) == 3
    with pytest.raises(AssertionError, match=r"h_inv: has shape \(4,\), expected shape \(2, 2\)"):
        check_bfgs_inverse_update(lambda h_inv, s, y: h_inv.flatten())
