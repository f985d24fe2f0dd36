"""Experiment sizes for the book's chapters, in one place.

Every chapter reads its sizes (epochs, models in an ensemble, data set sizes...)
from here with ``chapter_settings("<chapter>")``. On a CPU the sizes keep each
chapter under a minute on two cores; with a GPU (``default_device()`` is CUDA)
the ``gpu`` entries make the same experiments bigger. Set ``LECTURE7_SCALE`` to
``cpu`` or ``gpu`` to force either set of sizes.
"""

from __future__ import annotations

import os
from types import MappingProxyType, SimpleNamespace

from lecture7.device import default_device

__all__ = ["CHAPTERS", "SCALE_ENV", "chapter_settings", "current_scale"]

SCALE_ENV = "LECTURE7_SCALE"

# chapter -> {"cpu": {...}, "gpu": {...}}; the two dicts have the same keys.
CHAPTERS: MappingProxyType = MappingProxyType(
    {
        "initialization": {
            "cpu": {"stats_depth": 10, "stats_width": 500, "stats_samples": 1000,
                    "train_depth": 10, "train_width": 128, "epochs": 10, "batch_size": 64},
            "gpu": {"stats_depth": 10, "stats_width": 500, "stats_samples": 1000,
                    "train_depth": 10, "train_width": 256, "epochs": 20, "batch_size": 64},
        },
        "optimizers": {
            "cpu": {"path_steps": 150, "lr_grid_size": 8, "kappas": [10, 100, 1000, 10000],
                    "hessian_dims": 6, "hessian_samples": 100000, "check_steps": 10,
                    "hidden_sizes": [128, 128], "epochs": 10, "batch_size": 32,
                    "lrs": {"SGD": 0.3, "SGD+momentum": 0.03, "Nesterov": 0.03,
                            "AdaGrad": 0.03, "RMSProp": 0.003, "Adam": 0.003}},
            "gpu": {"path_steps": 150, "lr_grid_size": 16, "kappas": [10, 100, 1000, 10000],
                    "hessian_dims": 7, "hessian_samples": 1000000, "check_steps": 20,
                    "hidden_sizes": [256, 256], "epochs": 20, "batch_size": 32,
                    "lrs": {"SGD": 0.3, "SGD+momentum": 0.03, "Nesterov": 0.03,
                            "AdaGrad": 0.03, "RMSProp": 0.003, "Adam": 0.003}},
        },
        "lr_decay": {
            "cpu": {"epochs": 20, "batch_size": 32, "hidden_size": 64},
            "gpu": {"epochs": 40, "batch_size": 32, "hidden_size": 128},
        },
        "second_order": {
            "cpu": {"quadratic_dim": 50, "full_batch_iters": 200, "batch_size": 32,
                    "stochastic_epochs": 10},
            "gpu": {"quadratic_dim": 200, "full_batch_iters": 400, "batch_size": 32,
                    "stochastic_epochs": 20},
        },
        "ensembles": {
            "cpu": {"widths": (16, 32), "batch_size": 32, "lr": 0.05, "n_models": 6, "member_epochs": 40,
                    "small_per_class": 20,
                    "snapshot_cycles": 6, "cycle_epochs": 5, "snapshot_lr": 0.1,
                    "ema_epochs": 20, "ema_lr": 0.1, "ema_decay": 0.99},
            "gpu": {"widths": (32, 64), "batch_size": 32, "lr": 0.05, "n_models": 10, "member_epochs": 60,
                    "small_per_class": 20,
                    "snapshot_cycles": 10, "cycle_epochs": 6, "snapshot_lr": 0.1,
                    "ema_epochs": 40, "ema_lr": 0.1, "ema_decay": 0.995},
        },
        "regularization": {
            "cpu": {"n_per_class": 20, "hidden_size": 256, "epochs": 100, "batch_size": 32,
                    "n_masks": 10000, "mc_passes": 300},
            "gpu": {"n_per_class": 40, "hidden_size": 512, "epochs": 150, "batch_size": 32,
                    "n_masks": 20000, "mc_passes": 3000},
        },
        "augmentation": {
            "cpu": {"photo_size": 128, "pca_patches": 2000, "digit_size": 16, "digits_per_class": 20,
                    "digit_epochs": 50, "digit_lr": 3e-3, "batch_size": 32,
                    "shapes_train": 500, "shapes_test": 1000, "shapes_size": 16, "shapes_crop": 12,
                    "shapes_epochs": 20, "shapes_batch_size": 64},
            "gpu": {"photo_size": 256, "pca_patches": 20000, "digit_size": 16, "digits_per_class": 20,
                    "digit_epochs": 50, "digit_lr": 3e-3, "batch_size": 32,
                    "shapes_train": 500, "shapes_test": 5000, "shapes_size": 16, "shapes_crop": 12,
                    "shapes_epochs": 20, "shapes_batch_size": 64},
        },
        "transfer": {
            # pretraining: images of the 10 source shape classes (the stand-in for ImageNet)
            # little / lots: labelled images per class of each target task
            "cpu": {"pretrain_images": 2500, "pretrain_epochs": 5, "batch_size": 32,
                    "little_per_class": 5, "little_batch_size": 10, "little_epochs": 20,
                    "lots_per_class": 50, "lots_epochs": 5, "head_epochs": 60,
                    "test_images": 1000},
            "gpu": {"pretrain_images": 20000, "pretrain_epochs": 10, "batch_size": 64,
                    "little_per_class": 5, "little_batch_size": 10, "little_epochs": 40,
                    "lots_per_class": 100, "lots_epochs": 20, "head_epochs": 200,
                    "test_images": 4000},
        },
    }
)


def current_scale() -> str:
    """``"gpu"`` when the default device is CUDA (or ``$LECTURE7_SCALE`` says so), else ``"cpu"``."""
    forced = os.environ.get(SCALE_ENV, "").strip().lower()
    if forced:
        if forced not in ("cpu", "gpu"):
            raise ValueError(f"Invalid {SCALE_ENV} value: {forced!r} (expected 'cpu' or 'gpu')")
        return forced
    return "gpu" if default_device().type == "cuda" else "cpu"


def chapter_settings(chapter: str) -> SimpleNamespace:
    """The sizes for ``chapter`` at the current scale, as attributes."""
    if chapter not in CHAPTERS:
        raise ValueError(f"Unknown chapter {chapter!r}; known: {sorted(CHAPTERS)}")
    return SimpleNamespace(**CHAPTERS[chapter][current_scale()])
