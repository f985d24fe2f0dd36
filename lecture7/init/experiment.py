r"""The lecture's activation-statistics experiment: what each initialization does to a deep net.

A fully-connected net of ``depth`` layers, each ``width`` units wide and without
biases, maps ``n_samples`` standard-normal inputs :math:`x \in \mathbb{R}^{N \times D}`
(``N = n_samples``, ``D = width``) through

.. math::

    h_0 = x, \qquad h_\ell = \phi(h_{\ell-1} W_\ell^\top), \quad \ell = 1, \dots, L,

with :math:`\phi` = ``activation`` and :math:`L` = ``depth``. Every :math:`W_\ell`
is drawn by ``init``. For each layer we record the mean, the standard deviation
and a histogram of :math:`h_\ell` (one common set of bin edges for all layers,
so the figure compares like with like), then backpropagate the loss

.. math::

    \mathcal{L} = \frac{1}{N} \sum_{n, j} R_{nj}\, (h_L)_{nj},
    \qquad R_{nj} \sim \mathcal{N}(0, 1)

and record :math:`\lVert \partial \mathcal{L} / \partial W_\ell \rVert_F`. The
upstream gradient :math:`R / N` is a unit-scale random signal that does not depend
on the initialization, so each gradient norm measures only what the network does
to it on the way back (the CS231n ``dout = randn(...)`` convention).

What the lecture shows (Glorot & Bengio, 2010; He et al., 2015:
https://arxiv.org/abs/1502.01852): with ``"small"`` weights the activations collapse
to 0 and the gradients vanish; with ``"large"`` weights tanh saturates at
:math:`\pm 1`; ``"xavier"`` keeps tanh healthy and ``"kaiming"`` keeps ReLU healthy.
The run is on the CPU in float32 and is deterministic given ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import torch

from lecture7._checks import check_int
from lecture7.init.initializers import INITIALIZERS, Initializer

__all__ = ["ACTIVATIONS", "ActivationStats", "activation_statistics"]

ACTIVATIONS: MappingProxyType[str, Callable[[torch.Tensor], torch.Tensor]] = MappingProxyType(
    {"tanh": torch.tanh, "relu": torch.relu}
)
# phi'(z) written in terms of h = phi(z)
_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": lambda h: 1.0 - h**2,
    "relu": lambda h: (h > 0).astype(h.dtype),
}


class ActivationStats(NamedTuple):
    r"""Per-layer measurements; index ``l`` is hidden layer ``l + 1``.

    Attributes:
        means: ``(depth,)`` mean of each layer's activations :math:`h_\ell`.
        stds: ``(depth,)`` standard deviation of each layer's activations.
        hist_counts: ``(depth, bins)`` histogram counts of each layer's activations.
        bin_edges: ``(bins + 1,)`` the edges shared by every layer's histogram.
        grad_norms: ``(depth,)`` Frobenius norm of :math:`\partial\mathcal{L}/\partial W_\ell`.
        local_grad_means: ``(depth,)`` mean of the activation's derivative
            :math:`\phi'` at each layer's pre-activations (tanh: :math:`1 - h^2`,
            relu: :math:`\mathbb{1}[h > 0]`): near 0 where units saturate.
    """

    means: np.ndarray
    stds: np.ndarray
    hist_counts: np.ndarray
    bin_edges: np.ndarray
    grad_norms: np.ndarray
    local_grad_means: np.ndarray


def _resolve_init(init: str | Initializer) -> Initializer:
    if callable(init):
        return init
    if init not in INITIALIZERS:
        raise ValueError(f"Unknown init {init!r}; known: {sorted(INITIALIZERS)}")
    return INITIALIZERS[init]


def activation_statistics(
    *,
    init: str | Initializer,
    activation: str = "tanh",
    depth: int = 10,
    width: int = 500,
    n_samples: int = 1000,
    bins: int = 50,
    hist_range: tuple[float, float] | None = None,
    seed: int = 0,
) -> ActivationStats:
    """Run the deep-MLP experiment once and measure every layer (see the module docstring).

    Args:
        init: a name in :data:`INITIALIZERS` or a callable ``init_(tensor, generator=g)``.
        activation: ``"tanh"`` or ``"relu"``.
        depth: number of hidden layers :math:`L`.
        width: units per layer :math:`D` (inputs too).
        n_samples: number of inputs :math:`N`.
        bins: number of histogram bins.
        hist_range: ``(lo, hi)`` of the common bins; by default the smallest and
            largest activation over all layers.
        seed: seeds the ``torch.Generator`` that draws inputs, weights and :math:`R`.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; known: {sorted(ACTIVATIONS)}")
    for name, value in (("depth", depth), ("width", width), ("n_samples", n_samples), ("bins", bins)):
        check_int(name, value, minimum=1)
    if hist_range is not None and not hist_range[0] < hist_range[1]:
        raise ValueError(f"Invalid hist_range: {hist_range!r} (expected lo < hi)")
    init_ = _resolve_init(init)
    phi = ACTIVATIONS[activation]
    generator = torch.Generator().manual_seed(seed)

    x = torch.randn(n_samples, width, generator=generator)  # (N, D)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)  # (out, in), as nn.Linear
        init_(w, generator=generator)
        weights.append(w.requires_grad_())
    upstream = torch.randn(n_samples, width, generator=generator)  # R, (N, D)

    # 1) forward: h_l = phi(h_{l-1} W_l^T)
    hidden = []
    h = x
    for w in weights:
        h = phi(h @ w.T)
        hidden.append(h)
    # 2) backward of L = (1/N) sum R * h_L
    loss = (upstream * h).sum() / n_samples
    grads = torch.autograd.grad(loss, weights)

    # 3) measurements
    acts = [a.detach().double().numpy() for a in hidden]
    if hist_range is None:
        lo = min(float(a.min()) for a in acts)
        hi = max(float(a.max()) for a in acts)
        hist_range = (lo, hi) if lo < hi else (lo - 0.5, hi + 0.5)
    edges = np.linspace(hist_range[0], hist_range[1], bins + 1)
    return ActivationStats(
        means=np.array([a.mean() for a in acts]),
        stds=np.array([a.std() for a in acts]),
        hist_counts=np.stack([np.histogram(a, bins=edges)[0] for a in acts]),
        bin_edges=edges,
        grad_norms=np.array([float(g.double().norm()) for g in grads]),
        local_grad_means=np.array([_DERIVATIVES[activation](a).mean() for a in acts]),
    )
