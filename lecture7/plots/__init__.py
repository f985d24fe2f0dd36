"""The book's figures, drawn with matplotlib: measurements and schematics.

* :mod:`~lecture7.plots.measured`: figures of measured data (loss curves, trajectories
  over a landscape, layer statistics, images).
* :mod:`~lecture7.plots.schematics`: the lecture's explanatory drawings, computed
  from the library itself so that they stay in sync with it (Nesterov's look-ahead,
  a network with dropped units, snapshot cycles, the 10-crop layout, the transfer
  strategies).

Every function returns a ``matplotlib.figure.Figure`` and never calls ``plt.show()``.
"""

from lecture7.plots.measured import (
    plot_history,
    plot_landscape,
    plot_layer_histograms,
    plot_layer_stats,
    plot_losses,
    plot_schedules,
    plot_trajectories,
    show_images,
)
from lecture7.plots.schematics import (
    draw_dropout_network,
    draw_nesterov_lookahead,
    draw_snapshot_cycles,
    draw_ten_crop_layout,
    draw_transfer_strategies,
    nesterov_vectors,
)

__all__ = [
    "draw_dropout_network",
    "draw_nesterov_lookahead",
    "draw_snapshot_cycles",
    "draw_ten_crop_layout",
    "draw_transfer_strategies",
    "nesterov_vectors",
    "plot_history",
    "plot_landscape",
    "plot_layer_histograms",
    "plot_layer_stats",
    "plot_losses",
    "plot_schedules",
    "plot_trajectories",
    "show_images",
]
