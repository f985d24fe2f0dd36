"""lecture7.plots: each figure holds exactly the data it was given (a schematic: what the
library computes), and saves as PNG."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from lecture7.augment import five_crop, five_crop_boxes
from lecture7.plots import (
    draw_dropout_network,
    draw_nesterov_lookahead,
    draw_snapshot_cycles,
    draw_ten_crop_layout,
    draw_transfer_strategies,
    nesterov_vectors,
    plot_history,
    plot_landscape,
    plot_layer_histograms,
    plot_layer_stats,
    plot_losses,
    plot_schedules,
    plot_trajectories,
    show_images,
)
from lecture7.plots.schematics import LAYER_ROLES, transfer_roles
from lecture7.regularization.dropout import draw_keep_mask
from lecture7.schedules import cycle_end_steps
from lecture7.train import History
from lecture7.transfer import recommend_strategy


def bowl(w: torch.Tensor) -> torch.Tensor:
    return w[..., 0] ** 2 + w[..., 1] ** 2


def _lines(ax):
    return [(line.get_xdata(), line.get_ydata()) for line in ax.get_lines()]


@pytest.fixture(autouse=True)
def no_figures_left_open():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


@pytest.fixture
def histories():
    a = History(train_loss=[2.0, 1.0, 0.5], val_loss=[2.1, 1.5, 1.4], train_acc=[0.3, 0.6, 0.9], val_acc=[0.3, 0.5, 0.55])
    b = History(train_loss=[1.0, 0.8], train_acc=[0.5, 0.7])
    return {"big": a, "small": b}


def test_plot_history(histories):
    fig = plot_history(histories, metric="loss")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["big train", "big val", "small train"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-"]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    np.testing.assert_array_equal(lines[1].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [2.1, 1.5, 1.4])
    acc = plot_history(histories["big"], metric="accuracy").axes[0]
    np.testing.assert_array_equal(acc.get_lines()[0].get_ydata(), [0.3, 0.6, 0.9])
    assert acc.get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="acc"):
        plot_history(histories, metric="acc")


def test_plot_losses_and_schedules():
    fig = plot_losses({"sgd": [4.0, 3.0, 2.0, 1.0], "adam": torch.tensor([1.0, 0.5])}, logy=True)
    (x0, y0), (x1, y1) = _lines(fig.axes[0])
    np.testing.assert_array_equal(x0, [0, 1, 2, 3])
    np.testing.assert_array_equal(y0, [4, 3, 2, 1])
    np.testing.assert_array_equal(x1, [0, 1])
    np.testing.assert_array_equal(y1, [1.0, 0.5])
    assert fig.axes[0].get_yscale() == "log"
    smooth = _lines(plot_losses({"sgd": [4.0, 2.0, 3.0, 1.0]}, window=2).axes[0])[0]
    np.testing.assert_array_equal(smooth[0], [1, 2, 3])
    np.testing.assert_allclose(smooth[1], [3.0, 2.5, 2.0])  # trailing means, by hand
    with pytest.raises(ValueError, match="window: 0"):
        plot_losses({"a": [1.0]}, window=0)
    sched = plot_schedules({"step": np.array([0.1, 0.1, 0.01]), "cos": [0.1, 0.05, 0.0]})
    ax = sched.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["step", "cos"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.1, 0.1, 0.01])
    assert ax.get_ylabel() == "learning rate"


def test_plot_landscape_draws_the_right_level_sets():
    fig = plot_landscape(bowl, xlim=(-2, 2), ylim=(-1.5, 1.5), levels=[0.25, 1.0], resolution=101)
    ax = fig.axes[0]
    (contours,) = ax.collections
    np.testing.assert_array_equal(contours.levels, [0.25, 1.0])
    for radius, segments in zip([0.5, 1.0], contours.allsegs, strict=True):
        points = np.concatenate(segments)
        np.testing.assert_allclose(np.hypot(points[:, 0], points[:, 1]), radius, atol=2e-3)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1.5, 1.5)
    with pytest.raises(ValueError, match=r"\(5,\)"):
        plot_landscape(lambda w: w[..., 0].sum(-1), xlim=(0, 1), ylim=(0, 1), resolution=5)


def test_plot_trajectories():
    paths = {"sgd": np.array([[1.0, 1.0], [0.5, 0.8], [0.1, 0.2]]), "adam": torch.tensor([[-1.0, 0.5], [0.0, 0.0]])}
    fig = plot_trajectories(bowl, paths, minimum=(0.0, 0.0), levels=5)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3 * 2 + 1
    np.testing.assert_array_equal(lines[0].get_xdata(), [1.0, 0.5, 0.1])
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 0.8, 0.2])
    np.testing.assert_array_equal(lines[1].get_xydata(), [[1.0, 1.0]])  # start
    np.testing.assert_array_equal(lines[2].get_xydata(), [[0.1, 0.2]])  # end
    np.testing.assert_array_equal(lines[3].get_xydata(), [[-1.0, 0.5], [0.0, 0.0]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    assert x_lo < -1.0 and x_hi > 1.0 and y_lo < 0.0 and y_hi > 1.0  # every point is visible
    with pytest.raises(ValueError, match="bad"):
        plot_trajectories(bowl, {"bad": np.zeros((3, 3))})


def test_plot_layer_histograms():
    edges = np.linspace(-1, 1, 6)
    counts = [np.array([0, 1, 5, 1, 0]), np.array([3, 2, 1, 2, 3]), torch.tensor([1, 1, 1, 1, 1])]
    fig = plot_layer_histograms(counts, edges, titles=["a", "b", "c"])
    assert len(fig.axes) == 3
    for ax, c, title in zip(fig.axes, counts, "abc", strict=True):
        (patch,) = ax.patches
        np.testing.assert_array_equal(patch.get_data().values, np.asarray(c))
        np.testing.assert_array_equal(patch.get_data().edges, edges)
        assert ax.get_title() == title
    wrapped = plot_layer_histograms(np.ones((12, 5)), list(edges))
    assert len(wrapped.axes) == 12 and wrapped.axes[11].get_title() == "layer 12"
    per_layer = plot_layer_histograms(counts[:2], [edges, 2 * edges])
    np.testing.assert_array_equal(per_layer.axes[1].patches[0].get_data().edges, 2 * edges)
    with pytest.raises(ValueError, match="5 counts need 6 edges"):
        plot_layer_histograms(counts, np.linspace(-1, 1, 5))
    with pytest.raises(ValueError, match="2 titles"):
        plot_layer_histograms(counts, edges, titles=["a", "b"])


def test_plot_layer_stats():
    fig = plot_layer_stats([0.0, 0.1, -0.1], np.array([1.0, 0.5, 0.25]))
    mean_ax, std_ax = fig.axes
    np.testing.assert_array_equal(mean_ax.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(mean_ax.get_lines()[0].get_ydata(), [0.0, 0.1, -0.1])
    np.testing.assert_array_equal(std_ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    assert mean_ax.get_legend() is None
    compared = plot_layer_stats({"xavier": [0, 0], "small": [0, 0]}, {"xavier": [1, 1], "small": [0.1, 0.01]})
    std_ax = compared.axes[1]
    assert [line.get_label() for line in std_ax.get_lines()] == ["xavier", "small"]
    np.testing.assert_array_equal(std_ax.get_lines()[1].get_ydata(), [0.1, 0.01])
    with pytest.raises(ValueError, match="different runs"):
        plot_layer_stats({"a": [0]}, {"b": [1]})


def test_show_images_gray_and_rgb():
    g = torch.Generator().manual_seed(0)
    rgb = torch.rand(5, 3, 4, 6, generator=g)
    fig = show_images(rgb, titles=list("abcde"), ncols=3)
    assert len(fig.axes) == 5  # the sixth grid cell is removed
    for ax, image, title in zip(fig.axes, rgb, "abcde", strict=True):
        np.testing.assert_allclose(ax.images[0].get_array(), image.permute(1, 2, 0).numpy(), rtol=1e-6)
        assert ax.get_title() == title
    gray = [torch.tensor([[[-0.5, 0.5], [1.5, 1.0]]])]
    ax = show_images(gray).axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[0.0, 0.5], [1.0, 1.0]])  # clipped
    assert ax.images[0].get_cmap().name == "gray" and ax.images[0].get_clim() == (0.0, 1.0)
    with pytest.raises(ValueError, match=r"\(2, 4, 4\)"):
        show_images(torch.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="1 titles"):
        show_images(rgb, titles=["a"])


@pytest.mark.parametrize(
    "make",
    [
        lambda h: plot_history(h),
        lambda h: plot_losses({"a": [1.0, 2.0]}),
        lambda h: plot_schedules({"a": [1.0, 2.0]}),
        lambda h: plot_landscape(bowl, xlim=(-1, 1), ylim=(-1, 1), resolution=20, filled=True),
        lambda h: plot_trajectories(bowl, {"a": [[1.0, 1.0], [0.0, 0.0]]}),
        lambda h: plot_layer_histograms([[1, 2]], [0.0, 1.0, 2.0]),
        lambda h: plot_layer_stats([0.0], [1.0]),
        lambda h: show_images(torch.rand(2, 1, 8, 8)),
    ],
)
def test_figures_save_as_png(make, histories, tmp_path):
    fig = make(histories)
    path = tmp_path / "figure.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_drawing_into_a_given_axes(histories):
    fig, (left, right) = plt.subplots(1, 2)
    plt.close(fig)
    assert plot_history(histories, ax=left) is fig
    assert plot_trajectories(bowl, {"a": [[1.0, 1.0], [0.0, 0.0]]}, ax=right) is fig
    assert len(fig.axes) == 2 and len(right.get_lines()) == 3


# --- schematics: each drawing shows what the library computes -------------------------------

def quadratic(w):
    return 0.5 * (w[..., 0] ** 2 + 10.0 * w[..., 1] ** 2)


def test_nesterov_vectors_are_the_two_updates():
    w, v, mu, lr = np.array([-2.0, 0.5]), np.array([1.0, -1.0]), 0.9, 0.05
    grad = lambda p: np.array([p[0], 10.0 * p[1]])  # noqa: E731
    arrows = nesterov_vectors(w, v, grad, momentum=mu, learning_rate=lr)
    ahead = w + mu * v
    np.testing.assert_allclose(arrows["momentum"]["step"][1], w + mu * v - lr * grad(w))
    np.testing.assert_allclose(arrows["nesterov"]["step"][1], w + mu * v - lr * grad(ahead))
    np.testing.assert_allclose(arrows["nesterov"]["gradient"][0], ahead)
    # the look-ahead step is the one the CS231n rule takes, seen from the ball w = w~ - mu v
    assert not np.allclose(arrows["momentum"]["step"][1], arrows["nesterov"]["step"][1])


def test_nesterov_figure_draws_those_arrows():
    w, v = (-2.0, 0.5), (1.0, -1.0)
    fig = draw_nesterov_lookahead(quadratic, w, v, momentum=0.9, learning_rate=0.05,
                                  xlim=(-3, 1), ylim=(-1.5, 1.5))
    grad = lambda p: np.array([p[0], 10.0 * p[1]])  # noqa: E731
    expected = nesterov_vectors(w, v, grad, momentum=0.9, learning_rate=0.05)
    for ax, name in zip(fig.axes[:2], ("momentum", "nesterov"), strict=True):
        drawn = [(np.array(a.xyann), np.array(a.xy)) for a in ax.texts]
        assert len(drawn) == 3
        for (start, end), (s, e) in zip(drawn, expected[name].values(), strict=True):
            np.testing.assert_allclose(start, s)
            np.testing.assert_allclose(end, e)


def test_dropout_network_drops_the_units_of_the_mask():
    sizes, p_drop, seed = (3, 5, 4, 2), 0.5, 3
    fig = draw_dropout_network(sizes, p_drop=p_drop, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    kept = [sizes[0]] + [int(draw_keep_mask(torch.zeros(()), (n,), keep_prob=1 - p_drop,
                                            generator=generator).sum()) for n in sizes[1:-1]]
    kept.append(sizes[-1])
    full, thinned = fig.axes
    edges = lambda ax: sum(line.get_gid() == "edge" for line in ax.lines)  # noqa: E731
    assert edges(full) == sum(a * b for a, b in itertools.pairwise(sizes))
    assert edges(thinned) == sum(a * b for a, b in itertools.pairwise(kept))
    dropped = sum(line.get_gid() == "dropped" for line in thinned.lines)
    assert dropped == sum(sizes) - sum(kept) > 0


def test_snapshot_cycles_mark_the_cycle_ends():
    fig = draw_snapshot_cycles(250, cycle_length=60)
    (marks,) = [line for line in fig.axes[0].lines if line.get_gid() == "snapshots"]
    assert list(marks.get_xdata()) == cycle_end_steps(250, cycle_length=60) == [59, 119, 179, 239]


def test_ten_crop_layout_shows_the_crops_of_five_crop():
    image = torch.arange(40 * 50, dtype=torch.float32).reshape(1, 40, 50)
    boxes = five_crop_boxes((40, 50), 30)
    for crop, (top, left, h, w) in zip(five_crop(image, 30), boxes, strict=True):
        assert torch.equal(crop, image[:, top : top + h, left : left + w])
    fig = draw_ten_crop_layout((40, 50), 30)
    for ax in fig.axes[:2]:
        drawn = [(int(p.get_y()), int(p.get_x()), int(p.get_height()), int(p.get_width()))
                 for p in ax.patches if p.get_gid() == "crop"]
        assert drawn == boxes


@pytest.mark.parametrize("similarity", ["similar", "different"])
@pytest.mark.parametrize("size", ["small", "large"])
def test_transfer_strategy_pictures_follow_recommend_strategy(size, similarity):
    roles = transfer_roles(size, similarity, n_blocks=3)
    rec = recommend_strategy(data_size=size, similarity=similarity)
    assert roles[-1] == "new"
    assert ("fine-tuned" in roles) == (rec.backbone_lr_mult > 0)
    assert ("unused" in roles) == (rec.feature_layer == "earlier")
    fig = draw_transfer_strategies(n_blocks=3)
    row = ("similar", "different").index(similarity)
    col = ("small", "large").index(size)
    ax = fig.axes[2 * row + col]
    assert [p.get_gid() for p in ax.patches] == roles
    assert set(roles) <= set(LAYER_ROLES)
