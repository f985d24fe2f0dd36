import numpy as np
import pytest
import torch

from lecture7.device import DEVICE_ENV, default_device, seed_everything


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_default_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    import lecture7.device as device_module

    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(device_module, "_mps_available", lambda: mps)
    assert default_device() == torch.device(expected)


def test_environment_variable_overrides(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert default_device() == torch.device("cpu")


@pytest.mark.parametrize("value", ["banana", "cuda:99" if torch.cuda.is_available() else "cuda"])
def test_bad_or_missing_device_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv(DEVICE_ENV, value)
    with pytest.raises(ValueError, match=DEVICE_ENV):
        default_device()


def test_seed_everything_reproduces_all_generators():
    rng = seed_everything(123)
    a = (rng.standard_normal(3), np.random.rand(3), torch.rand(3))  # noqa: NPY002
    rng = seed_everything(123)
    b = (rng.standard_normal(3), np.random.rand(3), torch.rand(3))  # noqa: NPY002
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert torch.equal(a[2], b[2])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "3", True])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(seed)
