"""Figures of measured data, drawn with matplotlib.

Every function returns a ``matplotlib.figure.Figure`` and never calls
``plt.show()``. The figure is closed in pyplot right away, so that it is shown
exactly once: when it is the value of a notebook cell (end the cell with
``fig``, or call ``display(fig)``), and ``fig.savefig(path)`` works anywhere
(no display needed). Functions that draw on one panel take ``ax=`` to draw
into an existing figure instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lecture7.train import History

__all__ = [
    "plot_history",
    "plot_landscape",
    "plot_layer_histograms",
    "plot_layer_stats",
    "plot_losses",
    "plot_schedules",
    "plot_trajectories",
    "show_images",
]


def _figure(nrows: int = 1, ncols: int = 1, *, figsize=(6.0, 4.0), **kwargs):
    """A new figure and its axes (an ndarray unless 1x1), detached from pyplot's list."""
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)
    plt.close(fig)
    return fig, axes


def _axes(ax: Axes | None, figsize=(6.0, 4.0)) -> tuple[Figure, Axes]:
    return (ax.figure, ax) if ax is not None else _figure(figsize=figsize)


def _numpy(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def plot_history(
    histories: Mapping[str, History] | History,
    *,
    metric: str = "loss",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Per-epoch curves of one or more training runs: train solid, validation dashed.

    One color per run, so the gap between a run's two curves (over-fitting) shows.
    ``metric`` is ``"loss"`` or ``"accuracy"``; epochs are numbered from 1.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"Invalid metric: {metric!r} (expected 'loss' or 'accuracy')")
    if isinstance(histories, History):
        histories = {"": histories}
    fig, ax = _axes(ax)
    key = "loss" if metric == "loss" else "acc"
    for i, (name, history) in enumerate(histories.items()):
        color = f"C{i}"
        prefix = f"{name} " if name else ""
        train, val = getattr(history, f"train_{key}"), getattr(history, f"val_{key}")
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, "-", color=color, label=f"{prefix}train")
        if val:
            ax.plot(np.arange(1, len(val) + 1), val, "--", color=color, label=f"{prefix}val")
    ax.set(xlabel="epoch", ylabel=metric, title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return fig


def _plot_curves(curves, *, xlabel, ylabel, logy, ax, window: int = 1) -> Figure:
    if window < 1:
        raise ValueError(f"Invalid window: {window} (expected >= 1)")
    fig, ax = _axes(ax)
    for name, values in curves.items():
        y = _numpy(values).astype(float).ravel()
        x = np.arange(y.size)
        if window > 1:
            y = np.convolve(y, np.ones(window) / window, mode="valid")
            x = x[window - 1 :]
        ax.plot(x, y, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def plot_losses(
    curves: Mapping[str, Sequence[float] | np.ndarray | torch.Tensor],
    *,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = False,
    window: int = 1,
    ax: Axes | None = None,
) -> Figure:
    """One line per named loss curve (e.g. ``History.step_loss``), x = 0, 1, 2, ...

    ``window > 1`` draws a trailing moving average of that many points
    (point ``t`` is the mean of ``values[t - window + 1 : t + 1]``).
    """
    return _plot_curves(curves, xlabel=xlabel, ylabel=ylabel, logy=logy, ax=ax, window=window)


def plot_schedules(
    schedules: Mapping[str, Sequence[float] | np.ndarray | torch.Tensor],
    *,
    xlabel: str = "step",
    ylabel: str = "learning rate",
    logy: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """One line per named learning-rate schedule (its value at step 0, 1, 2, ...)."""
    return _plot_curves(schedules, xlabel=xlabel, ylabel=ylabel, logy=logy, ax=ax)


def _grid(f: Callable[[torch.Tensor], torch.Tensor], xlim, ylim, resolution: int):
    """Evaluate ``f`` on a (resolution, resolution, 2) grid of points; return X, Y, Z."""
    if resolution < 2:
        raise ValueError(f"Invalid resolution: {resolution} (expected >= 2)")
    xs = torch.linspace(float(xlim[0]), float(xlim[1]), resolution, dtype=torch.float64)
    ys = torch.linspace(float(ylim[0]), float(ylim[1]), resolution, dtype=torch.float64)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([grid_x, grid_y], dim=-1)  # (R, R, 2)
    with torch.no_grad():
        values = _numpy(f(points))
    if values.shape != points.shape[:2]:
        raise ValueError(f"f must map (..., 2) points to (...); got shape {values.shape}")
    return grid_x.numpy(), grid_y.numpy(), values


def plot_landscape(
    f: Callable[[torch.Tensor], torch.Tensor],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    levels: int | Sequence[float] = 30,
    resolution: int = 200,
    filled: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Contour lines of a 2-D function ``f``: (..., 2) float64 tensor -> (...) values.

    ``levels`` is a count or explicit values (e.g. ``np.geomspace`` for steep valleys).
    """
    fig, ax = _axes(ax, figsize=(5.0, 4.5))
    x, y, z = _grid(f, xlim, ylim, resolution)
    (ax.contourf if filled else ax.contour)(x, y, z, levels=levels, cmap="viridis")
    ax.set(xlim=xlim, ylim=ylim, xlabel="$w_1$", ylabel="$w_2$")
    return fig


def plot_trajectories(
    f: Callable[[torch.Tensor], torch.Tensor],
    trajectories: Mapping[str, np.ndarray | torch.Tensor],
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | Sequence[float] = 30,
    minimum: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Optimizer paths over the contours of ``f``.

    Each trajectory (T, 2) is drawn as a line with small markers (the path, labelled
    with its name), a circle at its start and a square at its end (unlabelled).
    ``minimum`` marks the optimum with a black star. Limits default to the paths'
    extent plus a 10% margin.
    """
    paths = {name: _numpy(t).astype(float) for name, t in trajectories.items()}
    for name, path in paths.items():
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
            raise ValueError(f"Trajectory {name!r} must have shape (T, 2); got {path.shape}")
    if xlim is None or ylim is None:
        stacked = np.concatenate([*paths.values(), *([np.asarray([minimum])] if minimum else [])])
        low, high = stacked.min(0), stacked.max(0)
        margin = 0.1 * np.maximum(high - low, 1e-3)
        xlim = xlim or (low[0] - margin[0], high[0] + margin[0])
        ylim = ylim or (low[1] - margin[1], high[1] + margin[1])
    fig = plot_landscape(f, xlim=xlim, ylim=ylim, levels=levels, ax=ax)
    ax = ax if ax is not None else fig.axes[0]
    for i, (name, path) in enumerate(paths.items()):
        color = f"C{i}"
        ax.plot(path[:, 0], path[:, 1], ".-", color=color, markersize=3, label=name)
        ax.plot(path[:1, 0], path[:1, 1], "o", color=color)
        ax.plot(path[-1:, 0], path[-1:, 1], "s", color=color)
    if minimum is not None:
        ax.plot([minimum[0]], [minimum[1]], "*", color="black", markersize=12)
    ax.legend()
    return fig


def plot_layer_histograms(
    histograms: Sequence[np.ndarray | torch.Tensor] | np.ndarray | torch.Tensor,
    bin_edges: np.ndarray | torch.Tensor | Sequence[np.ndarray | torch.Tensor],
    *,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    xlabel: str = "activation",
) -> Figure:
    """One small histogram panel per layer (the lecture's activation-statistics figure).

    ``histograms`` holds L count vectors (B,) (or an (L, B) array); ``bin_edges`` is
    one (B + 1,) edge vector shared by all layers or one per layer. Panels share x;
    ``ncols`` defaults to all panels in one row (at most 10 per row).
    """
    counts = [_numpy(h).astype(float) for h in histograms]
    if isinstance(bin_edges, (np.ndarray, torch.Tensor)) or np.ndim(bin_edges[0]) == 0:
        array = _numpy(bin_edges).astype(float)  # (B + 1,) shared, or (L, B + 1)
        edges = [array] * len(counts) if array.ndim == 1 else list(array)
    else:
        edges = [_numpy(e).astype(float) for e in bin_edges]
    if not counts or len(edges) != len(counts):
        raise ValueError(f"Got {len(counts)} histograms and {len(edges)} edge vectors")
    for i, (c, e) in enumerate(zip(counts, edges, strict=True)):
        if e.shape != (c.shape[0] + 1,):
            raise ValueError(f"Layer {i}: {c.shape[0]} counts need {c.shape[0] + 1} edges, got {e.shape}")
    if titles is not None and len(titles) != len(counts):
        raise ValueError(f"Got {len(titles)} titles for {len(counts)} layers")
    ncols = ncols or min(len(counts), 10)
    nrows = -(-len(counts) // ncols)
    fig, axes = _figure(nrows, ncols, figsize=(1.8 * ncols, 1.8 * nrows), sharex=True, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(counts):
            fig.delaxes(ax)
            continue
        ax.stairs(counts[i], edges[i], fill=True)
        ax.set_title(titles[i] if titles is not None else f"layer {i + 1}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    fig.supxlabel(xlabel, fontsize=9)
    return fig


def plot_layer_stats(
    means: Mapping[str, Sequence[float]] | Sequence[float] | np.ndarray | torch.Tensor,
    stds: Mapping[str, Sequence[float]] | Sequence[float] | np.ndarray | torch.Tensor,
) -> Figure:
    """Two panels, the mean and the standard deviation of each layer's activations.

    Pass arrays (L,) for one network, or dicts ``name -> (L,)`` to compare several
    (e.g. initializations); layers are numbered from 1.
    """
    if isinstance(means, Mapping) != isinstance(stds, Mapping):
        raise ValueError("means and stds must both be dicts or both be arrays")
    if not isinstance(means, Mapping):
        means, stds = {"": means}, {"": stds}
    if set(means) != set(stds):
        raise ValueError(f"means and stds name different runs: {sorted(means)} vs {sorted(stds)}")
    fig, (ax_mean, ax_std) = _figure(1, 2, figsize=(9.0, 3.5))
    for ax, values, label in ((ax_mean, means, "mean"), (ax_std, stds, "std")):
        for name, series in values.items():
            y = _numpy(series).astype(float)
            ax.plot(np.arange(1, y.size + 1), y, "o-", label=name or None)
        ax.set(xlabel="layer", title=f"layer {label}")
        if any(name for name in values):
            ax.legend()
    return fig


def show_images(
    images: torch.Tensor | np.ndarray | Sequence[torch.Tensor],
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    scale: float = 1.5,
) -> Figure:
    """A grid of (C, H, W) images with values in [0, 1]; C is 1 (gray) or 3 (RGB).

    ``images`` is (N, C, H, W) or a sequence of (C, H, W). Values are clipped to
    [0, 1]. There is one axes per image (``ncols`` per row), each ``scale`` inches wide.
    """
    arrays = [_numpy(im).astype(float) for im in images]
    if not arrays:
        raise ValueError("show_images() got no images")
    for i, im in enumerate(arrays):
        if im.ndim != 3 or im.shape[0] not in (1, 3):
            raise ValueError(f"Image {i} must have shape (C, H, W) with C = 1 or 3; got {im.shape}")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"Got {len(titles)} titles for {len(arrays)} images")
    if ncols < 1:
        raise ValueError(f"Invalid ncols: {ncols} (expected >= 1)")
    ncols = min(ncols, len(arrays))
    nrows = -(-len(arrays) // ncols)
    fig, axes = _figure(nrows, ncols, figsize=(scale * ncols, scale * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(arrays):
            fig.delaxes(ax)
            continue
        im = np.clip(arrays[i], 0.0, 1.0)
        if im.shape[0] == 1:
            ax.imshow(im[0], cmap="gray", vmin=0.0, vmax=1.0)
        else:
            ax.imshow(im.transpose(1, 2, 0))
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    return fig
