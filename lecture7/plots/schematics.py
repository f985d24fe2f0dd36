"""The lecture's explanatory drawings, computed from the library so that they stay in sync.

Each drawing takes what it shows from the code it explains: the Nesterov arrows from
the update's own formula (:func:`nesterov_vectors`), the dropped units from
:func:`~lecture7.regularization.dropout.draw_keep_mask`, the snapshot cycles from
:func:`~lecture7.schedules.cyclic_cosine` and
:func:`~lecture7.schedules.cycle_end_steps`, the 10 crops from
:func:`~lecture7.augment.five_crop_boxes`, and the transfer table from
:func:`~lecture7.transfer.recommend_strategy`. Every function returns a
``matplotlib.figure.Figure``, closed in pyplot (show it by ending a cell with it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lecture7.augment.functional import five_crop_boxes
from lecture7.plots.measured import plot_landscape
from lecture7.regularization.dropout import draw_keep_mask
from lecture7.schedules import cycle_end_steps, cyclic_cosine
from lecture7.transfer.strategy import recommend_strategy

__all__ = [
    "draw_dropout_network",
    "draw_nesterov_lookahead",
    "draw_snapshot_cycles",
    "draw_ten_crop_layout",
    "draw_transfer_strategies",
    "nesterov_vectors",
]

Vectors = dict[str, tuple[np.ndarray, np.ndarray]]


def _figure(ncols: int, figsize, nrows: int = 1):
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False)
    plt.close(fig)
    return fig, axes


def nesterov_vectors(
    w: Sequence[float], velocity: Sequence[float], gradient: Callable[[np.ndarray], np.ndarray],
    *, momentum: float, learning_rate: float,
) -> dict[str, Vectors]:
    r"""The arrows of the momentum and Nesterov pictures, each ``(start, end)``.

    Momentum adds the velocity step :math:`\mu v` and the gradient step at the current
    point, :math:`-\alpha \nabla f(w)`; Nesterov takes the gradient step at the
    look-ahead point :math:`w + \mu v` instead. ``"step"`` is the resulting update.
    """
    w, v = np.asarray(w, float), np.asarray(velocity, float)
    ahead = w + momentum * v
    heavy = -learning_rate * np.asarray(gradient(w), float)
    look = -learning_rate * np.asarray(gradient(ahead), float)
    return {
        "momentum": {"velocity": (w, ahead), "gradient": (ahead, ahead + heavy),
                     "step": (w, ahead + heavy)},
        "nesterov": {"velocity": (w, ahead), "gradient": (ahead, ahead + look),
                     "step": (w, ahead + look)},
    }


def _arrow(ax: Axes, start, end, color: str, label: str) -> None:
    ax.annotate("", xy=tuple(end), xytext=tuple(start), annotation_clip=False,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=2, shrinkA=0, shrinkB=0))
    ax.plot([], [], color=color, lw=2, label=label)  # the legend entry


def draw_nesterov_lookahead(
    f: Callable[[torch.Tensor], torch.Tensor], w: Sequence[float], velocity: Sequence[float],
    *, momentum: float = 0.9, learning_rate: float = 0.1,
    xlim: tuple[float, float], ylim: tuple[float, float],
) -> Figure:
    """The lecture's picture: momentum's gradient at the current point, Nesterov's at the
    look-ahead point, over the contours of ``f``. Left momentum, right Nesterov."""

    def gradient(point: np.ndarray) -> np.ndarray:
        x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        return torch.autograd.grad(f(x), x)[0].numpy()

    vectors = nesterov_vectors(w, velocity, gradient, momentum=momentum,
                               learning_rate=learning_rate)
    fig, axes = _figure(2, (9.0, 4.0))
    titles = {"momentum": "momentum: gradient where we are",
              "nesterov": "Nesterov: gradient where the velocity leads"}
    for ax, (name, arrows) in zip(axes[0], vectors.items(), strict=True):
        plot_landscape(f, xlim=xlim, ylim=ylim, levels=12, ax=ax)
        _arrow(ax, *arrows["velocity"], "C0", r"velocity step $\mu v$")
        _arrow(ax, *arrows["gradient"], "C3", r"gradient step $-\alpha \nabla f$")
        _arrow(ax, *arrows["step"], "black", "the update")
        ax.plot(*arrows["step"][0], "ko")
        ax.set_title(titles[name])
        ax.legend(loc="lower left", fontsize=8)
    return fig


def draw_dropout_network(
    layer_sizes: Sequence[int] = (4, 6, 6, 3), *, p_drop: float = 0.5, seed: int = 0
) -> Figure:
    """A fully connected network (left) and one dropout sub-network of it (right): each
    hidden unit is dropped with probability ``p_drop``, with its connections."""
    generator = torch.Generator().manual_seed(seed)
    like = torch.zeros(())
    keep = [np.ones(n, bool) for n in layer_sizes]
    for i in range(1, len(layer_sizes) - 1):  # hidden layers only
        mask = draw_keep_mask(like, (layer_sizes[i],), keep_prob=1 - p_drop, generator=generator)
        keep[i] = mask.numpy().astype(bool)
    fig, axes = _figure(2, (9.0, 3.6))
    for ax, masks, title in ((axes[0, 0], [np.ones(n, bool) for n in layer_sizes],
                              "the full network"),
                             (axes[0, 1], keep, f"one training pass, p = {p_drop:g}")):
        ys = [np.linspace(0, 1, n + 2)[1:-1] for n in layer_sizes]
        for i in range(len(layer_sizes) - 1):
            for a in np.flatnonzero(masks[i]):
                for b in np.flatnonzero(masks[i + 1]):
                    ax.plot([i, i + 1], [ys[i][a], ys[i + 1][b]], color="0.55", lw=0.8,
                            gid="edge")
        for i, n in enumerate(layer_sizes):
            for j in range(n):
                kept = masks[i][j]
                ax.plot(i, ys[i][j], "o", markersize=13, mec="black",
                        color="C0" if kept else "white", gid="unit" if kept else "dropped")
                if not kept:
                    ax.plot(i, ys[i][j], "x", color="C3", markersize=11, mew=2)
        ax.set(title=title, xlim=(-0.4, len(layer_sizes) - 0.6), ylim=(0, 1))
        ax.axis("off")
    return fig


def draw_snapshot_cycles(
    total_steps: int, *, cycle_length: int, lr0: float = 1.0, lr_min: float = 0.0
) -> Figure:
    """Cyclic cosine learning rate with a snapshot saved at the end of every cycle."""
    steps = np.arange(total_steps)
    rates = [cyclic_cosine(int(t), lr0=lr0, cycle_length=cycle_length, lr_min=lr_min)
             for t in steps]
    ends = cycle_end_steps(total_steps, cycle_length=cycle_length)
    fig, axes = _figure(1, (7.0, 3.0))
    ax = axes[0, 0]
    ax.plot(steps, rates, color="C0", label="learning rate (cyclic cosine)")
    ax.plot(ends, [rates[t] for t in ends], "v", color="C3", markersize=11, label="snapshot saved",
            gid="snapshots")
    for k, t in enumerate(ends, start=1):
        ax.annotate(f"model {k}", (t, rates[t]), xytext=(0, 12), textcoords="offset points",
                    ha="center", fontsize=9, color="C3")
        ax.axvline(t + 0.5, color="0.7", lw=0.8, ls=":")
    ax.set(xlabel="step", ylabel="learning rate", ylim=(lr_min - 0.05 * lr0, 1.25 * lr0),
           title="one run, several models: restart, anneal, save")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def _letter_f(ax: Axes, height: int, width: int, mirror: bool) -> None:
    """A big "F" (an asymmetric shape) so that the mirrored image looks mirrored."""
    strokes = [((0.3, 0.2), (0.3, 0.8)), ((0.3, 0.2), (0.7, 0.2)), ((0.3, 0.5), (0.6, 0.5))]
    for (x0, y0), (x1, y1) in strokes:
        if mirror:
            x0, x1 = 1 - x0, 1 - x1
        ax.plot([x0 * width, x1 * width], [y0 * height, y1 * height], color="0.4", lw=6)


def draw_ten_crop_layout(image_size: Sequence[int] = (256, 256), crop_size: int = 224) -> Figure:
    """The 10 test-time crops: four corners and the center of the image (left), and the
    same five boxes of its mirror image (right), from ``five_crop_boxes``."""
    height, width = image_size
    boxes = five_crop_boxes((height, width), crop_size)
    names = ["top left", "top right", "bottom left", "bottom right", "center"]
    fig, axes = _figure(2, (8.0, 4.0))
    for ax, mirror in zip(axes[0], (False, True), strict=True):
        ax.add_patch(Rectangle((0, 0), width, height, color="0.92"))
        _letter_f(ax, height, width, mirror)
        for k, ((top, left, h, w), name) in enumerate(zip(boxes, names, strict=True)):
            ax.add_patch(Rectangle((left, top), w, h, fill=False, lw=2, ls="--" if k == 4 else "-",
                                   edgecolor=f"C{k}", label=name, gid="crop"))
        ax.set(xlim=(-4, width + 4), ylim=(height + 4, -4), aspect="equal",
               title=("the image" if not mirror else "its mirror image")
               + f": 5 crops of {crop_size}")
        ax.set_xticks([0, width])
        ax.set_yticks([0, height])
    axes[0, 1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    return fig


#: How each layer is treated, and its color in :func:`draw_transfer_strategies`.
LAYER_ROLES = {
    "frozen": "0.75",  # pretrained, not trained
    "fine-tuned": "C0",  # pretrained, trained at a lower learning rate
    "new": "C1",  # freshly initialized and trained (the classifier)
    "unused": "white",  # not used: the classifier reads an earlier layer
}


def transfer_roles(data_size: str, similarity: str, n_blocks: int = 3) -> list[str]:
    """The role of each conv block and of the classifier in one cell of the table."""
    rec = recommend_strategy(data_size=data_size, similarity=similarity)
    if rec.train == "head":
        if rec.feature_layer == "earlier":
            read = n_blocks - 1  # the classifier reads the block below the last
            return ["frozen"] * read + ["unused"] * (n_blocks - read) + ["new"]
        return ["frozen"] * n_blocks + ["new"]
    tuned = 1 if rec.train == "top layers + head" else n_blocks
    return ["frozen"] * (n_blocks - tuned) + ["fine-tuned"] * tuned + ["new"]


def draw_transfer_strategies(n_blocks: int = 3) -> Figure:
    """The lecture's table as pictures: which layers are frozen, fine-tuned or new, for
    similar/different data (rows) and little/lots of it (columns)."""
    fig, axes = _figure(2, (8.5, 3.6), nrows=2)
    names = [f"conv {i + 1}" for i in range(n_blocks)] + ["classifier"]
    for row, similarity in enumerate(("similar", "different")):
        for col, (size, label) in enumerate((("small", "little data"), ("large", "lots of data"))):
            ax = axes[row, col]
            roles = transfer_roles(size, similarity, n_blocks)
            for i, (name, role) in enumerate(zip(names, roles, strict=True)):
                ax.add_patch(Rectangle((i, 0), 0.85, 1, facecolor=LAYER_ROLES[role],
                                       edgecolor="black", ls=":" if role == "unused" else "-",
                                       gid=role))
                ax.text(i + 0.425, 0.5, name, ha="center", va="center", fontsize=8)
            ax.set(xlim=(-0.1, len(names)), ylim=(-0.1, 1.1),
                   title=f"{similarity} data, {label}")
            ax.axis("off")
    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="black") for c in LAYER_ROLES.values()]
    fig.legend(handles, list(LAYER_ROLES), loc="outside lower center", ncols=4, fontsize=8)
    return fig
