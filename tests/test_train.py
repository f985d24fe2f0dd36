"""lecture7.train: fit() against a hand-written loop, and its hooks against known equivalences."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecture7.data import Split, load_digits, make_loader
from lecture7.models import MLP
from lecture7.train import (
    Callback,
    History,
    LambdaCallback,
    accuracy,
    evaluate,
    fit,
    predict_proba,
)


@pytest.fixture(scope="module")
def toy() -> Split:
    """48 points in 5-D, three classes given by a fixed linear rule."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(48, 5, generator=g)
    w = torch.randn(5, 3, generator=g)
    return Split(x, (x @ w).argmax(1))


def _loader(data, seed=0, batch_size=16):
    return make_loader(data, batch_size=batch_size, shuffle=True, seed=seed)


def _params(model):
    return [p.detach().clone() for p in model.parameters()]


def _fit(toy, *, model_seed=0, epochs=2, lr=0.1, **kwargs):
    model = MLP(5, [8], 3, seed=model_seed, **kwargs.pop("model_kwargs", {}))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, **kwargs.pop("optim_kwargs", {}))
    history = fit(model, _loader(toy), optimizer=optimizer, epochs=epochs, progress=False, **kwargs)
    return model, history


def test_fit_equals_a_hand_written_training_loop(toy):
    model, history = _fit(toy, epochs=3)
    ref = MLP(5, [8], 3, seed=0)
    optimizer = torch.optim.SGD(ref.parameters(), lr=0.1)
    step_losses, epoch_losses, epoch_accs = [], [], []
    loader = _loader(toy)
    for _ in range(3):
        total, correct = 0.0, 0
        for x, y in loader:
            logits = ref(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step_losses.append(loss.item())
            total += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        epoch_losses.append(total / len(toy))
        epoch_accs.append(correct / len(toy))
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    assert history.step_loss == pytest.approx(step_losses, rel=1e-6)
    assert history.train_loss == pytest.approx(epoch_losses, rel=1e-6)
    assert history.train_acc == pytest.approx(epoch_accs)
    assert history.lr == [0.1] * 3 and history.step_lr == [0.1] * 9
    assert history.val_loss == [] and history.epochs == 3


def test_fit_learns_digits():
    digits = load_digits(seed=0)
    model = MLP(64, [64], 10, seed=0)
    history = fit(
        model,
        make_loader(digits.train, batch_size=64, shuffle=True, seed=0),
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
        epochs=8,
        val_loader=make_loader(digits.val, batch_size=256),
        progress=False,
    )
    assert len(history.val_acc) == 8 and history.val_acc[-1] > 0.9
    assert history.train_loss[-1] < history.train_loss[0] / 3
    assert history.val_loss[-1] == pytest.approx(evaluate(model, digits.val)[0], rel=1e-5)


def test_same_seeds_give_identical_runs_and_global_state_is_kept(toy):
    state = torch.get_rng_state()
    runs = [_fit(toy, model_kwargs={"dropout_p_drop": 0.5}, seed=s) for s in (1, 1, 2)]
    assert torch.equal(torch.get_rng_state(), state)
    (m1, h1), (m2, h2), (_, h3) = runs
    assert h1 == h2 and all(torch.equal(p, q) for p, q in zip(_params(m1), _params(m2), strict=True))
    assert h1.step_loss != h3.step_loss  # other dropout masks


def test_scheduler_per_step_and_per_epoch(toy):
    def run(interval):
        model = MLP(5, [8], 3, seed=0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.8)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        return fit(model, _loader(toy), optimizer=optimizer, epochs=2, scheduler=scheduler,
                   scheduler_interval=interval, progress=False)  # fmt: skip

    per_step = run("step")
    assert per_step.step_lr == pytest.approx([0.8 * 0.5**k for k in range(6)])
    assert per_step.lr == pytest.approx([0.8, 0.1])
    per_epoch = run("epoch")
    assert per_epoch.step_lr == pytest.approx([0.8] * 3 + [0.4] * 3)
    assert per_epoch.lr == pytest.approx([0.8, 0.4])


def test_reduce_on_plateau_gets_the_epoch_loss(toy):
    flat = lambda logits, y: (logits * 0).sum() + 1.0  # noqa: E731  (a plateau: loss is always 1)
    model = MLP(5, [8], 3, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    history = fit(model, _loader(toy), optimizer=optimizer, epochs=4, loss_fn=flat,
                  scheduler=plateau, scheduler_interval="epoch", val_loader=toy, progress=False)  # fmt: skip
    assert history.lr == [1.0, 1.0, 0.5, 0.25] and history.val_loss == [1.0] * 4
    with pytest.raises(ValueError, match="step"):
        fit(model, _loader(toy), optimizer=optimizer, epochs=1, scheduler=plateau, progress=False)


def test_l2_regularizer_equals_sgd_weight_decay(toy):
    wd = 0.1
    decayed, _ = _fit(toy, optim_kwargs={"weight_decay": wd})
    penalty = lambda m: 0.5 * wd * sum((p**2).sum() for p in m.parameters())  # noqa: E731
    penalized, history = _fit(toy, regularizer=penalty)
    plain, plain_history = _fit(toy)
    for p, q in zip(decayed.parameters(), penalized.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-5)
    assert history.step_loss[0] == plain_history.step_loss[0]  # the penalty is not recorded
    assert not torch.allclose(plain.fc.weight, penalized.fc.weight)


def test_augment_equals_training_on_transformed_data(toy):
    flipped = Split(toy.x.flip(-1), toy.y)
    model_a, history_a = _fit(toy, augment=lambda x: x.flip(-1))
    model_b = MLP(5, [8], 3, seed=0)
    history_b = fit(model_b, _loader(flipped), optimizer=torch.optim.SGD(model_b.parameters(), lr=0.1),
                    epochs=2, progress=False)  # fmt: skip
    assert history_a == history_b
    torch.testing.assert_close(model_a.fc.weight, model_b.fc.weight)


def test_mix_with_one_hot_targets_equals_plain_labels(toy):
    one_hot = lambda x, y: (x, F.one_hot(y, 3).float())  # noqa: E731
    model_a, history_a = _fit(toy, mix=one_hot)
    model_b, history_b = _fit(toy)
    assert history_a.train_acc == history_b.train_acc
    assert history_a.step_loss == pytest.approx(history_b.step_loss, rel=1e-6)
    torch.testing.assert_close(model_a.fc.weight, model_b.fc.weight)


def test_grad_clip_bounds_the_update(toy):
    start = MLP(5, [8], 3, seed=0)

    def distance(model):
        pairs = zip(model.parameters(), start.parameters(), strict=True)
        return torch.cat([(p - q).flatten() for p, q in pairs]).norm().item()

    # one SGD step (lr 1) on a clipped gradient moves the weights by exactly the clip norm
    one_step, _ = _fit(Split(toy.x[:16], toy.y[:16]), epochs=1, lr=1.0, grad_clip=1e-3)
    assert distance(one_step) == pytest.approx(1e-3, rel=1e-4)
    unclipped, _ = _fit(Split(toy.x[:16], toy.y[:16]), epochs=1, lr=1.0)
    assert distance(unclipped) > 1e-2
    three_steps, _ = _fit(toy, epochs=1, lr=1.0, grad_clip=1e-3)
    assert distance(three_steps) <= 3e-3 * (1 + 1e-5)


def test_callbacks_see_every_step_and_epoch(toy):
    seen = []

    class Recorder(Callback):
        def on_step_end(self, state):
            seen.append(("step", state.epoch, state.step, state.loss.item()))

        def on_epoch_end(self, state):
            seen.append(("epoch", state.epoch, state.step, len(state.history.train_loss)))

    epochs_only = []
    _, history = _fit(toy, callbacks=[Recorder(), LambdaCallback(on_epoch_end=lambda s: epochs_only.append(s.epoch))])
    steps = [s for s in seen if s[0] == "step"]
    assert [s[2] for s in steps] == list(range(1, 7)) and [s[1] for s in steps] == [0] * 3 + [1] * 3
    assert [s[3] for s in steps] == pytest.approx(history.step_loss)
    assert [s for s in seen if s[0] == "epoch"] == [("epoch", 0, 3, 1), ("epoch", 1, 6, 2)]
    assert epochs_only == [0, 1]


def test_progress_bar_writes_only_when_asked(toy, capsys):
    _fit(toy)
    assert capsys.readouterr() == ("", "")
    model = MLP(5, [8], 3, seed=0)
    fit(model, _loader(toy), optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    out, err = capsys.readouterr()
    assert "3/3" in out and err == ""


def test_evaluate_and_predict_proba_match_a_direct_computation(toy):
    model = MLP(5, [16], 3, dropout_p_drop=0.5, seed=0)  # in training mode
    with torch.no_grad():
        logits = model.eval()(toy.x)
    model.train()
    loss, acc = evaluate(model, make_loader(toy, batch_size=7))
    assert loss == pytest.approx(F.cross_entropy(logits, toy.y).item(), rel=1e-5)
    assert acc == pytest.approx((logits.argmax(1) == toy.y).float().mean().item())
    assert model.training  # mode restored
    probs = predict_proba(model, toy.x, batch_size=10)
    torch.testing.assert_close(probs, F.softmax(logits, 1))
    torch.testing.assert_close(predict_proba(model, make_loader(toy, batch_size=5)), probs)
    torch.testing.assert_close(predict_proba(model, toy), probs)
    assert model.training
    assert evaluate(model.eval(), (toy.x, toy.y)) == pytest.approx((loss, acc)) and not model.training


def test_accuracy_by_hand():
    scores = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(scores, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"\(2,\)"):
        accuracy(scores, torch.tensor([1, 0]))


def _empty_batches():
    yield from ()


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"epochs": 0}, "epochs: 0"),
        ({"epochs": 1.5}, "epochs: 1.5"),
        ({"scheduler_interval": "batch"}, "batch"),
        ({"grad_clip": -1.0}, "-1.0"),
        ({"callbacks": [object()]}, "neither"),
        ({"train_loader": Split(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long))}, "make_loader"),
        ({"train_loader": make_loader((torch.zeros(0, 5), torch.zeros(0, dtype=torch.long)), batch_size=4)}, "empty"),
        ({"train_loader": _empty_batches()}, "no batches"),
    ],
)
def test_fit_rejects_bad_arguments(toy, kwargs, bad):
    model = MLP(5, [8], 3, seed=0)
    args = {"train_loader": _loader(toy), "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "epochs": 1, "progress": False, **kwargs}  # fmt: skip
    with pytest.raises(ValueError, match=bad):
        fit(model, args.pop("train_loader"), **args)


def test_models_without_parameters_are_rejected(toy):
    with pytest.raises(ValueError, match="Flatten"):
        evaluate(nn.Flatten(), toy)


def test_fit_moves_batches_to_the_model_device(toy, device):
    model = MLP(5, [8], 3, seed=0).to(device)
    history = fit(model, _loader(toy), optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
                  epochs=2, val_loader=toy, progress=False, seed=0)  # fmt: skip
    assert isinstance(history, History) and all(math.isfinite(v) for v in history.step_loss)
    assert predict_proba(model, toy.x).device == toy.x.device


def test_eval_modules_keep_frozen_batchnorm_statistics():
    """A frozen backbone's BatchNorm must not drift: fit keeps eval_modules in eval mode."""
    from lecture7.models import SmallCNN

    torch.manual_seed(0)
    model = SmallCNN(1, 3, widths=(4,), batchnorm=True, seed=0)
    bn = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [b.running_mean.clone() for b in bn]
    x, y = torch.rand(16, 1, 8, 8), torch.randint(0, 3, (16,))
    loader = make_loader((x, y), batch_size=8)
    optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)
    fit(model, loader, optimizer=optimizer, epochs=2, progress=False, eval_modules=bn)
    for b, old in zip(bn, before, strict=True):
        assert torch.equal(b.running_mean, old)
    fit(model, loader, optimizer=optimizer, epochs=1, progress=False)  # without: they move
    assert not all(torch.equal(b.running_mean, old) for b, old in zip(bn, before, strict=True))


def test_eval_modules_must_belong_to_the_model():
    model = torch.nn.Linear(2, 2)
    loader = make_loader((torch.rand(4, 2), torch.randint(0, 2, (4,))), batch_size=2)
    with pytest.raises(ValueError, match="eval_modules"):
        fit(model, loader, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            progress=False, eval_modules=[torch.nn.BatchNorm1d(2)])


def test_accuracies_tie_within_two_standard_errors():
    from lecture7.train import accuracies_tie

    # n = 100: the standard error of 0.80 vs 0.85 is sqrt((0.16 + 0.1275) / 100) = 0.0536
    assert accuracies_tie(0.80, 0.85, 100)
    assert not accuracies_tie(0.80, 0.95, 100)
    assert not accuracies_tie(0.80, 0.85, 10_000)  # more examples, smaller error
    assert accuracies_tie(1.0, 1.0, 50) and not accuracies_tie(1.0, 0.999, 10**9)
    with pytest.raises(ValueError, match="n"):
        accuracies_tie(0.5, 0.5, 0)
    with pytest.raises(ValueError, match="accuracy a"):
        accuracies_tie(1.5, 0.5, 10)
