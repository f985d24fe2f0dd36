"""Where tensors live, and how runs are made reproducible.

``default_device()`` picks the fastest backend present (CUDA, then Apple's MPS,
then the CPU). Set the environment variable ``LECTURE7_DEVICE`` (``cpu``,
``cuda``, ``cuda:1``, ``mps``) to override it, e.g. to grade on the CPU on a
machine that has a GPU.

The algorithms in this package never take a device argument: their state is
created next to the parameters (``torch.zeros_like(p)``). Only the code that
*creates* data or models (chapters, tests, grading) asks ``default_device()``.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["DEVICE_ENV", "default_device", "seed_everything"]

DEVICE_ENV = "LECTURE7_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def default_device() -> torch.device:
    """The device the course runs on: ``$LECTURE7_DEVICE``, else cuda, mps, cpu.

    Raises:
        ValueError: ``LECTURE7_DEVICE`` names something torch does not know,
            or a backend that is not available on this machine.
    """
    requested = os.environ.get(DEVICE_ENV, "").strip()
    if requested:
        try:
            device = torch.device(requested)
        except RuntimeError as err:
            raise ValueError(f"Invalid {DEVICE_ENV} value: {requested!r} ({err})") from None
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available(),
            "mps": _mps_available(),
        }.get(device.type, False)
        if not available:
            raise ValueError(
                f"{DEVICE_ENV}={requested!r} but that device is not available on this machine"
            )
        if device.type == "cuda" and device.index is not None:
            if device.index >= torch.cuda.device_count():
                raise ValueError(
                    f"{DEVICE_ENV}={requested!r} but only "
                    f"{torch.cuda.device_count()} CUDA device(s) are present"
                )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's, NumPy's and torch's global generators; return a fresh NumPy one.

    Library code takes its randomness as an argument (a ``np.random.Generator``,
    a ``torch.Generator`` or a seed); this helper is for scripts, chapters and
    tests that also want torch's global state fixed (weight initialization
    inside ``nn.Module`` constructors uses it).

    Returns:
        ``np.random.default_rng(seed)``, to pass on to library functions.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"Invalid seed: {seed!r} (expected an integer)")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"Invalid seed: {seed} (expected 0 <= seed < 2**32)")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeding the legacy global generator is the point
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)
