"""Checks of assignment 4 (second-order methods): the Newton step, L-BFGS, the BFGS update.

Test cells call them with the student's code::

    from lecture7.grading.second_order import check_newton_step
    check_newton_step(newton_step)                          # visible: by hand, shapes
    check_newton_step(newton_step, hidden=True, points=3)   # hidden: vs lecture7.second_order

Inputs are float64 tensors on :func:`lecture7.default_device` (float32 on Apple's
MPS); outputs come back as NumPy arrays, with a record of which inputs the
student's code changed in place. The references are
:func:`lecture7.second_order.lbfgs_direction`,
:func:`lecture7.second_order.bfgs_inverse_update` and, for the Newton step (the
students' version takes the gradient and Hessian, the library's a function),
:func:`reference_newton_step`, which calls :func:`lecture7.second_order.newton_step`
on the quadratic model with that gradient and Hessian.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from lecture7.grading.core import Case, Check
from lecture7.grading.observe import MODIFIED, NONE, array, modified, note, snapshot, tensor

__all__ = ["check_bfgs_inverse_update", "check_lbfgs_direction", "check_newton_step",
           "reference_newton_step"]

#: Students must not run the reference.
FORBIDDEN = ("lecture7.second_order",)


def reference_newton_step(grad: torch.Tensor, hess: torch.Tensor, *,
                          damping: float = 0.0) -> torch.Tensor:
    r"""The damped Newton step :math:`-(H + \lambda I)^{-1} g`, by the library.

    :func:`lecture7.second_order.newton_step` takes a function: the quadratic
    model :math:`m(z) = g^\top z + \tfrac12 z^\top H z` has gradient :math:`g`
    and Hessian :math:`H` (symmetric) at :math:`z = 0`.
    """
    from lecture7.second_order import newton_step

    def model(z: torch.Tensor) -> torch.Tensor:
        return grad @ z + 0.5 * z @ (hess @ z)

    return newton_step(model, torch.zeros_like(grad), damping=damping)


# -- shared random inputs ---------------------------------------------------------------------

def spd(rng: np.random.Generator, n: int, condition: float = 100.0) -> np.ndarray:
    """A random symmetric positive definite matrix with the given condition number."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.geomspace(1.0, condition, n) * float(10 ** rng.uniform(-1, 1))
    rng.shuffle(eigenvalues)
    matrix = (q * eigenvalues) @ q.T
    return (matrix + matrix.T) / 2


def curvature_pairs(rng: np.random.Generator, n: int, m: int) -> tuple[list, list]:
    """m pairs (s, y = A s) of a random SPD matrix A: s . y > 0, as on a quadratic."""
    a = spd(rng, n, condition=float(rng.uniform(5, 50)))
    s = [rng.standard_normal(n) * float(10 ** rng.uniform(-1, 0)) for _ in range(m)]
    return s, [a @ v for v in s]


# -- the Newton step -------------------------------------------------------------------------------

def run_newton_step(objects: Mapping[str, Any], inputs: dict) -> dict:
    """newton_step(grad, hess[, damping=...]) on tensors; the step and what changed."""
    grad, hess = tensor(inputs["grad"]), tensor(inputs["hess"])
    before = [snapshot(grad), snapshot(hess)]
    if inputs["damping"] is None:
        step = objects["newton_step"](grad, hess)
    else:
        step = objects["newton_step"](grad, hess, damping=inputs["damping"])
    return {"step": array(step, "the step"),
            MODIFIED: modified(("grad", "hess"), before, (grad, hess))}


def _newton_case(group: str, grad: Any, hess: Any, damping: float | None,
                 step: list | None = None) -> Case:
    expected = None if step is None else {"step": np.array(step), MODIFIED: NONE}
    return Case(group, {"grad": np.asarray(grad, dtype=np.float64),
                        "hess": np.asarray(hess, dtype=np.float64), "damping": damping}, expected)


def _newton_visible(rng: np.random.Generator) -> list[Case]:
    by_hand = "g = [1, 0], H = [[2, 1], [1, 2]], by hand"
    return [
        # H^-1 = [[2, -1], [-1, 2]] / 3, so -H^-1 g = [-2/3, 1/3]
        _newton_case(by_hand + " (no damping argument)", [1.0, 0.0], [[2.0, 1.0], [1.0, 2.0]],
                     None, [-2 / 3, 1 / 3]),
        # H + I = [[3, 1], [1, 3]], inverse [[3, -1], [-1, 3]] / 8: -[3/8, -1/8]
        _newton_case(by_hand + ", damping=1", [1.0, 0.0], [[2.0, 1.0], [1.0, 2.0]], 1.0,
                     [-3 / 8, 1 / 8]),
        _newton_case("a random 5-dimensional problem", rng.standard_normal(5), spd(rng, 5), 0.0),
    ]


def _newton_hidden(rng: np.random.Generator) -> list[Case]:
    out = [_newton_case("random gradient and positive definite Hessian, no damping",
                        rng.standard_normal(n), spd(rng, n), 0.0) for n in (3, 8, 20)]
    out += [_newton_case("damping > 0", rng.standard_normal(n), spd(rng, n),
                         float(10 ** rng.uniform(-1, 1))) for n in (4, 10)]
    n = 6
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.concatenate([-rng.uniform(0.5, 2.0, 2), rng.uniform(0.5, 5.0, n - 2)])
    indefinite = (q * eigenvalues) @ q.T
    indefinite = (indefinite + indefinite.T) / 2
    out.append(_newton_case("an indefinite Hessian made positive definite by damping",
                            rng.standard_normal(n), indefinite, float(3.0 + rng.uniform(0, 2))))
    out += [_newton_case("edge cases: one dimension, an ill-conditioned Hessian, zero gradient",
                         rng.standard_normal(1), [[float(rng.uniform(0.1, 10))]], 0.0),
            _newton_case("edge cases: one dimension, an ill-conditioned Hessian, zero gradient",
                         rng.standard_normal(5), spd(rng, 5, condition=1e4), 0.0),
            _newton_case("edge cases: one dimension, an ill-conditioned Hessian, zero gradient",
                         np.zeros(4), spd(rng, 4), 0.5)]
    return out


# -- the L-BFGS two-loop recursion -------------------------------------------------------------

def run_lbfgs_direction(objects: Mapping[str, Any], inputs: dict) -> dict:
    """lbfgs_direction(grad, s_history, y_history) on tensors; the direction and what changed."""
    grad = tensor(inputs["grad"])
    s_history = [tensor(s) for s in inputs["s_history"]]
    y_history = [tensor(y) for y in inputs["y_history"]]
    names = ["grad", *(f"s_history[{i}]" for i in range(len(s_history))),
             *(f"y_history[{i}]" for i in range(len(y_history)))]
    inputs_now = [grad, *s_history, *y_history]
    before = [snapshot(t) for t in inputs_now]
    direction = objects["lbfgs_direction"](grad, list(s_history), list(y_history))
    return {"direction": array(direction, "the direction"),
            MODIFIED: modified(names, before, inputs_now)}


def _lbfgs_case(group: str, grad: Any, s: list, y: list, direction: list | None = None) -> Case:
    expected = None if direction is None else {"direction": np.array(direction),
                                               MODIFIED: NONE}
    return Case(group, {"grad": np.asarray(grad, dtype=np.float64),
                        "s_history": [np.asarray(v, dtype=np.float64) for v in s],
                        "y_history": [np.asarray(v, dtype=np.float64) for v in y]}, expected)


def _lbfgs_visible(rng: np.random.Generator) -> list[Case]:
    # Two pairs of H = diag(2, 4), oldest first: s0 = [1, 0], y0 = [2, 0]; s1 = [0, 1],
    # y1 = [0, 4]. g = [2, 4]. rho = [1/2, 1/4].
    # First loop (newest first): a1 = rho1 s1.q = 1, q = [2, 4] - 1 y1 = [2, 0];
    #   a0 = rho0 s0.q = 1, q = [2, 0] - 1 y0 = [0, 0].
    # gamma = s1.y1 / y1.y1 = 4/16 = 1/4; r = gamma q = [0, 0].
    # Second loop (oldest first): b0 = rho0 y0.r = 0, r = r + (a0 - b0) s0 = [1, 0];
    #   b1 = rho1 y1.r = 0, r = r + (a1 - b1) s1 = [1, 1]. Direction -r = [-1, -1] = -H^-1 g.
    hand = _lbfgs_case("two curvature pairs of H = diag(2, 4), by hand", [2.0, 4.0],
                       [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]], [-1.0, -1.0])
    # One pair s = [1, 1], y = [1, 3] (rho = 1/4, gamma = 4/10), g = [1, 0]:
    # a = 1/4, q = [3/4, -3/4]; r = 0.4 q = [0.3, -0.3]; b = (0.3 - 0.9)/4 = -0.15;
    # r = r + 0.4 s = [0.7, 0.1]; direction [-0.7, -0.1].
    one = _lbfgs_case("one curvature pair s = [1, 1], y = [1, 3], by hand", [1.0, 0.0],
                      [[1.0, 1.0]], [[1.0, 3.0]], [-0.7, -0.1])
    s, y = curvature_pairs(rng, 6, 3)
    return [hand, one, _lbfgs_case("a random 6-dimensional problem with 3 pairs",
                                   rng.standard_normal(6), s, y)]


def _lbfgs_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, m in ((5, 2), (12, 5), (30, 8)):
        s, y = curvature_pairs(rng, n, m)
        out.append(_lbfgs_case("random curvature pairs (y = A s, A positive definite)",
                               rng.standard_normal(n), s, y))
    n = 7
    s = [rng.standard_normal(n) for _ in range(4)]
    y = [v * float(rng.uniform(0.5, 3.0)) + 0.1 * rng.standard_normal(n) for v in s]
    s, y = zip(*[(a, b) for a, b in zip(s, y, strict=True) if a @ b > 0], strict=True)
    out.append(_lbfgs_case("pairs that do not come from one matrix", rng.standard_normal(n),
                           list(s), list(y)))
    s, y = curvature_pairs(rng, 4, 1)
    out.append(_lbfgs_case("edge cases: one pair, no pairs (steepest descent)",
                           rng.standard_normal(4), s, y))
    out.append(_lbfgs_case("edge cases: one pair, no pairs (steepest descent)",
                           rng.standard_normal(4), [], []))
    n = 4
    a = spd(rng, n, condition=10.0)
    s = [rng.standard_normal(n) for _ in range(n)]
    out.append(_lbfgs_case("as many pairs as dimensions", rng.standard_normal(n), s,
                           [a @ v for v in s]))
    return out


# -- the BFGS inverse-Hessian update ---------------------------------------------------------------

def run_bfgs_update(objects: Mapping[str, Any], inputs: dict) -> dict:
    """Apply bfgs_inverse_update once per pair, feeding back its result; record every H.

    h_inv updated in place and returned is accepted (the caller replaces h_inv by the
    result); s and y must be left as they were."""
    update = objects["bfgs_inverse_update"]
    h_inv = tensor(inputs["h_inv"])
    pairs = list(zip(inputs["s"], inputs["y"], strict=True))
    observation: dict[str, Any] = {}
    changed: list[str] = []
    for k, (s_k, y_k) in enumerate(pairs, 1):
        s, y = tensor(s_k), tensor(y_k)
        before = [snapshot(t) for t in (h_inv, s, y)]
        result = update(h_inv, s, y)
        if modified(("h_inv",), before[:1], (h_inv,)) != NONE:
            note(observation, "h_inv was updated in place and returned: accepted")
        changed += [n for n in modified(("s", "y"), before[1:], (s, y)).split(", ")
                    if n != NONE and n not in changed]
        key = f"update {k}: h_inv" if len(pairs) > 1 else "h_inv"
        observation[key] = array(result, "the updated h_inv")
        h_inv = tensor(observation[key])
    observation[MODIFIED] = ", ".join(changed) or NONE
    return observation


def _bfgs_case(group: str, h_inv: Any, s: list, y: list, expected: Any = None) -> Case:
    exp = None if expected is None else {"h_inv": np.array(expected), MODIFIED: NONE}
    return Case(group, {"h_inv": np.asarray(h_inv, dtype=np.float64),
                        "s": [np.asarray(v, dtype=np.float64) for v in s],
                        "y": [np.asarray(v, dtype=np.float64) for v in y]}, exp)


def _bfgs_visible(rng: np.random.Generator) -> list[Case]:
    # H = I, s = [1, 0], y = [2, 1]: rho = 1/2.
    # I - rho s y' = [[0, -1/2], [0, 1]]; (I - rho s y') (I - rho y s') = [[1/4, -1/2], [-1/2, 1]];
    # plus rho s s' = [[1/2, 0], [0, 0]]: [[3/4, -1/2], [-1/2, 1]]. Secant: H y = [1, 0] = s.
    hand = _bfgs_case("H = I, s = [1, 0], y = [2, 1], by hand", np.eye(2), [[1.0, 0.0]],
                      [[2.0, 1.0]], [[0.75, -0.5], [-0.5, 1.0]])
    s, y = curvature_pairs(rng, 5, 1)
    return [hand, _bfgs_case("a random 5x5 inverse Hessian", spd(rng, 5, 10.0), s, y)]


def _bfgs_hidden(rng: np.random.Generator) -> list[Case]:
    out = []
    for n in (3, 8, 15):
        s, y = curvature_pairs(rng, n, 1)
        out.append(_bfgs_case("a random positive definite H and one pair",
                              spd(rng, n, float(rng.uniform(2, 50))), s, y))
    s, y = curvature_pairs(rng, 6, 5)
    out.append(_bfgs_case("five updates in a row from H = I", np.eye(6), s, y))
    s, y = curvature_pairs(rng, 4, 1)
    out.append(_bfgs_case("edge cases: tiny and huge steps", spd(rng, 4), [1e-4 * s[0]],
                          [1e-4 * y[0]]))
    out.append(_bfgs_case("edge cases: tiny and huge steps", spd(rng, 4), [1e3 * s[0]],
                          [1e3 * y[0]]))
    return out


check_newton_step = Check(
    "newton_step", reference="lecture7.grading.second_order:reference_newton_step",
    run=run_newton_step, visible=_newton_visible, hidden=_newton_hidden, rtol=1e-6, atol=1e-10,
    forbidden=FORBIDDEN, mistakes="second_order")
check_lbfgs_direction = Check(
    "lbfgs_direction", reference="lecture7.second_order:lbfgs_direction",
    run=run_lbfgs_direction, visible=_lbfgs_visible, hidden=_lbfgs_hidden, rtol=1e-6,
    atol=1e-10, mistakes="second_order")
check_bfgs_inverse_update = Check(
    "bfgs_inverse_update", reference="lecture7.second_order:bfgs_inverse_update",
    run=run_bfgs_update, visible=_bfgs_visible, hidden=_bfgs_hidden, rtol=1e-6, atol=1e-10,
    mistakes="second_order")
