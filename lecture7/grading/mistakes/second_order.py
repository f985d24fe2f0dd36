"""Classic mistakes in the second-order methods of assignment 4.

Every variant is a complete, self-contained function with exactly one bug,
written the way students write it (see :mod:`lecture7.grading.mistakes` for the
rules variants follow). The correct versions are in :mod:`lecture7.second_order`.
"""

import torch

from lecture7.grading.mistakes import mistake

# -- the Newton step: p = -(H + damping I)^-1 g ---------------------------------------------------


@mistake("newton_step", "newton-sign-flipped",
         "the Newton step goes DOWNHILL: p = -(H + damping * I)^-1 g. Solving "
         "(H + damping * I) p = g gives the step towards increasing loss; negate it.")
def newton_sign_flipped(grad, hess, *, damping=0.0):
    matrix = hess + damping * torch.eye(grad.numel(), dtype=hess.dtype, device=hess.device)
    return torch.linalg.solve(matrix, grad)


@mistake("newton_step", "newton-multiplies-by-hessian",
         "the step uses the INVERSE of the Hessian: solve (H + damping * I) p = -g "
         "(torch.linalg.solve), do not multiply g by H.")
def newton_times_hessian(grad, hess, *, damping=0.0):
    matrix = hess + damping * torch.eye(grad.numel(), dtype=hess.dtype, device=hess.device)
    return -(matrix @ grad)


@mistake("newton_step", "newton-ignores-damping",
         "damping adds damping * I to the Hessian before solving: "
         "(H + damping * I) p = -g. The result ignores the damping argument.")
def newton_no_damping(grad, hess, *, damping=0.0):
    return -torch.linalg.solve(hess, grad)


@mistake("newton_step", "newton-damping-added-to-every-entry",
         "damping is added to the DIAGONAL only: H + damping * I "
         "(torch.eye(n) times damping). H + damping adds it to every entry of the matrix.")
def newton_damping_everywhere(grad, hess, *, damping=0.0):
    return -torch.linalg.solve(hess + damping, grad)


# -- L-BFGS two-loop recursion -----------------------------------------------------------------------


@mistake("lbfgs_direction", "lbfgs-second-loop-newest-first",
         "the two loops run in opposite orders: the first from the newest pair to the "
         "oldest, the second from the OLDEST to the newest (histories are oldest first, so "
         "the second loop is range(m), not reversed).")
def lbfgs_second_loop_reversed(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad.clone(), [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    gamma = torch.dot(s_history[-1], y_history[-1]) / torch.dot(y_history[-1], y_history[-1])
    r = gamma * q
    for i in reversed(range(m)):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r


@mistake("lbfgs_direction", "lbfgs-no-initial-scaling",
         "start the second loop from r = gamma * q with gamma = s'y / y'y of the NEWEST pair "
         "(H0 = gamma I), not from H0 = I: without it the step has the wrong scale.")
def lbfgs_no_gamma(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad.clone(), [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    r = q
    for i in range(m):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r


@mistake("lbfgs_direction", "lbfgs-gamma-from-oldest-pair",
         "gamma = s'y / y'y comes from the NEWEST pair, the last one in the histories "
         "(s_history[-1], y_history[-1]), not the first: it estimates the current curvature.")
def lbfgs_gamma_oldest(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad.clone(), [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    gamma = torch.dot(s_history[0], y_history[0]) / torch.dot(y_history[0], y_history[0])
    r = gamma * q
    for i in range(m):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r


@mistake("lbfgs_direction", "lbfgs-rho-not-inverted",
         "rho_i is the INVERSE of the curvature: rho_i = 1 / (y_i . s_i), not y_i . s_i.")
def lbfgs_rho_not_inverted(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad.clone(), [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    gamma = torch.dot(s_history[-1], y_history[-1]) / torch.dot(y_history[-1], y_history[-1])
    r = gamma * q
    for i in range(m):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r


@mistake("lbfgs_direction", "lbfgs-returns-ascent-direction",
         "the two loops compute r = H g, an approximation of the Newton step's H^-1 g; the "
         "search direction is DOWNHILL: return -r.")
def lbfgs_plus(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return grad.clone()
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad.clone(), [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q = q - alpha[i] * y_history[i]
    gamma = torch.dot(s_history[-1], y_history[-1]) / torch.dot(y_history[-1], y_history[-1])
    r = gamma * q
    for i in range(m):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return r


@mistake("lbfgs_direction", "lbfgs-modifies-grad-in-place",
         "q = grad makes q another name for the caller's gradient, and q -= ... then "
         "overwrites it. Start from a copy (q = grad.clone()) or use q = q - ... .")
def lbfgs_in_place(grad, s_history, y_history):
    m = len(s_history)
    if m == 0:
        return -grad
    rho = [1.0 / torch.dot(y_history[i], s_history[i]) for i in range(m)]
    q, alpha = grad, [None] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * torch.dot(s_history[i], q)
        q -= alpha[i] * y_history[i]
    gamma = torch.dot(s_history[-1], y_history[-1]) / torch.dot(y_history[-1], y_history[-1])
    r = gamma * q
    for i in range(m):
        beta = rho[i] * torch.dot(y_history[i], r)
        r = r + (alpha[i] - beta) * s_history[i]
    return -r


# -- BFGS inverse-Hessian update ------------------------------------------------------------------


@mistake("bfgs_inverse_update", "bfgs-transposes-swapped",
         "the outer products are the other way round: "
         "(I - rho s y^T) H (I - rho y s^T) + rho s s^T, i.e. torch.outer(s, y) on the left "
         "and torch.outer(y, s) on the right. Check the secant equation H_new @ y == s.")
def bfgs_swapped(h_inv, s, y):
    rho = 1.0 / torch.dot(y, s)
    eye = torch.eye(s.numel(), dtype=s.dtype, device=s.device)
    left = eye - rho * torch.outer(y, s)
    right = eye - rho * torch.outer(s, y)
    return left @ h_inv @ right + rho * torch.outer(s, s)


@mistake("bfgs_inverse_update", "bfgs-missing-rank-one-term",
         "the update ends with + rho * s s^T (torch.outer(s, s)): without it the new matrix "
         "maps y to 0 instead of s (the secant equation H_new @ y == s fails).")
def bfgs_no_ss(h_inv, s, y):
    rho = 1.0 / torch.dot(y, s)
    eye = torch.eye(s.numel(), dtype=s.dtype, device=s.device)
    left = eye - rho * torch.outer(s, y)
    right = eye - rho * torch.outer(y, s)
    return left @ h_inv @ right


@mistake("bfgs_inverse_update", "bfgs-rho-not-inverted",
         "rho is the INVERSE of the curvature: rho = 1 / (y . s), not y . s.")
def bfgs_rho(h_inv, s, y):
    rho = torch.dot(y, s)
    eye = torch.eye(s.numel(), dtype=s.dtype, device=s.device)
    left = eye - rho * torch.outer(s, y)
    right = eye - rho * torch.outer(y, s)
    return left @ h_inv @ right + rho * torch.outer(s, s)


@mistake("bfgs_inverse_update", "bfgs-hessian-update-formula",
         "that is the BFGS update of the Hessian B (B - B s s^T B / s^T B s + y y^T / y^T s), "
         "applied to the INVERSE. For H = B^-1 use (I - rho s y^T) H (I - rho y s^T) + rho s s^T.")
def bfgs_direct_formula(h_inv, s, y):
    hs = h_inv @ s
    return h_inv - torch.outer(hs, hs) / torch.dot(s, hs) + torch.outer(y, y) / torch.dot(y, s)
