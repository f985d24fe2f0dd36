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

__all__ = ["SCALE_ENV", "CHAPTERS", "chapter_settings", "current_scale"]

SCALE_ENV = "LECTURE7_SCALE"

# chapter -> {"cpu": {...}, "gpu": {...}}; the two dicts have the same keys.
CHAPTERS: MappingProxyType = MappingProxyType({})


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
