"""Shared pytest set-up: CUDA-only tests skip cleanly where no GPU is present."""

import pytest
import torch

# Tests are small: one thread avoids oversubscribing the 2-core CI machines
# (and makes reductions run in a fixed order).
torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_cuda = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip_cuda)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request):
    """Run a test on the CPU, and again on CUDA where a GPU is present."""
    return torch.device(request.param)
