import pytest

from lecture7.settings import CHAPTERS, SCALE_ENV, chapter_settings, current_scale

BOOK_CHAPTERS = [
    "initialization", "optimizers", "lr_decay", "second_order",
    "ensembles", "regularization", "augmentation", "transfer",
]


def test_every_chapter_has_cpu_and_gpu_sizes_with_the_same_keys():
    assert sorted(CHAPTERS) == sorted(BOOK_CHAPTERS)
    for name, scales in CHAPTERS.items():
        assert set(scales) == {"cpu", "gpu"}, name
        assert scales["cpu"].keys() == scales["gpu"].keys(), name


@pytest.mark.parametrize("scale", ["cpu", "gpu"])
def test_scale_can_be_forced(monkeypatch, scale):
    monkeypatch.setenv(SCALE_ENV, scale)
    assert current_scale() == scale
    got = chapter_settings("transfer")
    assert vars(got) == CHAPTERS["transfer"][scale]


def test_default_scale_follows_the_device(monkeypatch):
    monkeypatch.delenv(SCALE_ENV, raising=False)
    monkeypatch.setenv("LECTURE7_DEVICE", "cpu")
    assert current_scale() == "cpu"


def test_bad_scale_and_unknown_chapter_are_clear_errors(monkeypatch):
    monkeypatch.setenv(SCALE_ENV, "tpu")
    with pytest.raises(ValueError, match=SCALE_ENV):
        current_scale()
    monkeypatch.delenv(SCALE_ENV)
    with pytest.raises(ValueError, match="Unknown chapter 'optimisers'"):
        chapter_settings("optimisers")
