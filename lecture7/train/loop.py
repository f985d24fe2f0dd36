"""The training loop every chapter uses: :func:`fit`, :func:`evaluate`, :func:`predict_proba`.

``fit`` runs mini-batch training for a number of epochs and returns a
:class:`History` of per-epoch and per-step numbers. Batches are moved to the
device of the model's first parameter; the loop itself never takes a device.
Losses and correct counts are summed on that device and read back once per
epoch, so a GPU is not stalled every step.

Hooks, in the order they run on each training batch ``(x, y)``::

    x = augment(x)                      # random transforms of the inputs
    x, y = mix(x, y)                    # mixup-style: y may become (B, K) class probabilities
    loss = loss_fn(model(x), y)         # recorded in the history
    (loss + regularizer(model)).backward()
    clip_grad_norm_(..., grad_clip); optimizer.step()
    scheduler.step()                    # if scheduler_interval == "step"
    callback.on_step_end(state)         # e.g. an EMA (Polyak) update

and after each epoch: validation, ``scheduler.step()`` (``"epoch"``), then
``callback.on_epoch_end(state)`` (e.g. saving a snapshot).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import ReduceLROnPlateau
from tqdm import tqdm

from lecture7.data import Split
from lecture7.train.evaluation import LossFn, _hard_labels, _model_device, evaluate

__all__ = ["Callback", "FitState", "History", "LambdaCallback", "fit"]


@dataclass
class History:
    """What :func:`fit` measured. Per epoch: ``train_loss``, ``train_acc`` (on the
    augmented training batches, in training mode), ``val_loss``, ``val_acc`` (empty
    without a validation loader), ``lr`` (group 0's rate at the epoch's first step).
    Per optimizer step: ``step_loss`` and ``step_lr``. Losses exclude the regularizer.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


@dataclass
class FitState:
    """What a callback sees: ``epoch`` (0-based), ``step`` (steps done so far),
    ``loss`` (the last step's detached loss tensor) and the live objects."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    history: History
    epoch: int = 0
    step: int = 0
    loss: torch.Tensor | None = None


class Callback:
    """Subclass and override either hook; both do nothing by default."""

    def on_step_end(self, state: FitState) -> None:
        """Called after every optimizer (and per-step scheduler) step."""

    def on_epoch_end(self, state: FitState) -> None:
        """Called after every epoch, once the history holds its numbers."""


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_step_end=lambda s: ...)``."""

    def __init__(
        self,
        *,
        on_step_end: Callable[[FitState], None] | None = None,
        on_epoch_end: Callable[[FitState], None] | None = None,
    ) -> None:
        self._step, self._epoch = on_step_end, on_epoch_end

    def on_step_end(self, state: FitState) -> None:
        if self._step is not None:
            self._step(state)

    def on_epoch_end(self, state: FitState) -> None:
        if self._epoch is not None:
            self._epoch(state)


@contextmanager
def _seeded(seed: int | None, device: torch.device):
    """Run with the CPU (and the model's accelerator) generator seeded, then restore them."""
    if seed is None:
        yield
        return
    devices, device_type = [], "cuda"
    if device.type in ("cuda", "mps"):
        device_type = device.type
        devices = [device.index if device.index is not None else 0]
    with torch.random.fork_rng(devices=devices, device_type=device_type):
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(devices[0]):
                torch.cuda.manual_seed(seed)
        elif device.type == "mps":
            torch.mps.manual_seed(seed)
        yield


def _validate(epochs: int, scheduler_interval: str, grad_clip: float | None, callbacks) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"Invalid epochs: {epochs!r} (expected an integer >= 1)")
    if scheduler_interval not in ("step", "epoch"):
        raise ValueError(f"Invalid scheduler_interval: {scheduler_interval!r} ('step' or 'epoch')")
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"Invalid grad_clip: {grad_clip} (expected > 0 or None)")
    for cb in callbacks:
        if not (hasattr(cb, "on_step_end") or hasattr(cb, "on_epoch_end")):
            raise ValueError(f"Invalid callback {cb!r}: it has neither on_step_end nor on_epoch_end")


def _run_epoch(model, loader, optimizer, loss_fn, hooks, state, bar, device) -> None:
    """One pass over ``loader``; appends the epoch's training numbers to the history."""
    augment, mix, regularizer, scheduler, grad_clip, step_callbacks, eval_modules = hooks
    history = state.history
    model.train()
    for module in eval_modules:  # e.g. frozen BatchNorm layers keep their statistics
        module.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    count, step_losses = 0, []
    first_lr = optimizer.param_groups[0]["lr"]
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if augment is not None:
            x = augment(x)
        if mix is not None:
            x, y = mix(x, y)
        history.step_lr.append(float(optimizer.param_groups[0]["lr"]))
        logits = model(x)  # (B, K)
        loss = loss_fn(logits, y)
        objective = loss if regularizer is None else loss + regularizer(model)
        optimizer.zero_grad(set_to_none=True)
        objective.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss = loss.detach()
        loss_sum += loss * y.shape[0]
        correct += (logits.detach().argmax(1) == _hard_labels(y)).sum()
        count += y.shape[0]
        step_losses.append(loss)
        state.step, state.loss = state.step + 1, loss
        for on_step_end in step_callbacks:
            on_step_end(state)
        bar.update()
    if count == 0:
        raise ValueError("train_loader yielded no batches (is it empty?)")
    history.step_loss.extend(torch.stack(step_losses).tolist())
    history.train_loss.append(loss_sum.item() / count)
    history.train_acc.append(correct.item() / count)
    history.lr.append(float(first_lr))


def fit(
    model: nn.Module,
    train_loader: Iterable,
    *,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    loss_fn: LossFn = F.cross_entropy,
    val_loader: Iterable | None = None,
    scheduler=None,
    scheduler_interval: str = "step",
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    mix: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None,
    regularizer: Callable[[nn.Module], torch.Tensor] | None = None,
    callbacks: Sequence[Callback] = (),
    grad_clip: float | None = None,
    progress: bool = True,
    seed: int | None = None,
    eval_modules: Sequence[nn.Module] = (),
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return its :class:`History`.

    Args:
        train_loader: yields ``(x, y)`` batches (e.g. :func:`lecture7.data.make_loader`).
        optimizer: over ``model``'s parameters (``torch.optim`` or ``lecture7.optim``).
        loss_fn: ``(logits (B, K), targets) -> mean loss``; targets are class
            indices (B,) or, after ``mix``, class probabilities (B, K).
        val_loader: evaluated with :func:`evaluate` after every epoch.
        scheduler: anything with ``.step()`` (a ``torch.optim.lr_scheduler``),
            stepped after every optimizer step or every epoch (``scheduler_interval``);
            ``ReduceLROnPlateau`` (epoch only) is given the val loss, else the train loss.
        augment: ``x -> x``, applied to each training batch on the model's device.
        mix: ``(x, y) -> (x, targets)``, e.g. mixup; training accuracy then
            compares with ``targets.argmax(-1)``.
        regularizer: ``model -> scalar`` added to the loss before ``backward``
            (e.g. an L2 penalty); not included in the recorded losses.
        callbacks: :class:`Callback` objects (``on_step_end`` / ``on_epoch_end``).
        grad_clip: if given, clip the global gradient norm to this value.
        progress: show a tqdm bar on stdout; ``False`` prints nothing at all.
        seed: if given, seed torch's CPU generator (and the model's GPU one) for
            the run (dropout masks...), restoring the global state afterwards.
            Shuffling follows the loader's own generator.
        eval_modules: submodules of ``model`` kept in eval mode while the rest
            trains, e.g. the BatchNorm layers of a frozen backbone, whose running
            statistics would otherwise keep moving (``lecture7.transfer.freeze``
            stops the gradients, not the statistics).
    """
    if isinstance(train_loader, (Split, torch.Tensor, tuple, list)):
        raise ValueError(
            f"train_loader must yield batches; got a {type(train_loader).__name__}: "
            "wrap it with lecture7.data.make_loader(data, batch_size=..., shuffle=True, seed=...)"
        )
    callbacks = list(callbacks or ())
    _validate(epochs, scheduler_interval, grad_clip, callbacks)
    device = _model_device(model)
    if isinstance(scheduler, ReduceLROnPlateau) and scheduler_interval != "epoch":
        raise ValueError("ReduceLROnPlateau needs scheduler_interval='epoch', got 'step'")
    step_scheduler = scheduler if scheduler_interval == "step" else None
    step_callbacks = [cb.on_step_end for cb in callbacks if hasattr(cb, "on_step_end")]
    epoch_callbacks = [cb.on_epoch_end for cb in callbacks if hasattr(cb, "on_epoch_end")]
    eval_modules = list(eval_modules)
    owned = {id(m) for m in model.modules()}
    for module in eval_modules:
        if not isinstance(module, nn.Module) or id(module) not in owned:
            raise ValueError(f"Invalid eval_modules entry {module!r}: not a submodule of the model")
    hooks = (augment, mix, regularizer, step_scheduler, grad_clip, step_callbacks, eval_modules)
    state = FitState(model=model, optimizer=optimizer, history=History())
    history = state.history
    steps = len(train_loader) if hasattr(train_loader, "__len__") else None
    if steps == 0:
        raise ValueError("train_loader is empty (len(train_loader) == 0)")
    total = None if steps is None else steps * epochs
    bar = tqdm(total=total, disable=not progress, file=sys.stdout, unit="step", mininterval=0.5)
    with bar, _seeded(seed, device):
        for epoch in range(epochs):
            state.epoch = epoch
            _run_epoch(model, train_loader, optimizer, loss_fn, hooks, state, bar, device)
            postfix = {"loss": f"{history.train_loss[-1]:.4f}"}
            if val_loader is not None:
                val_loss, val_acc = evaluate(model, val_loader, loss_fn=loss_fn)
                history.val_loss.append(val_loss)
                history.val_acc.append(val_acc)
                postfix["val_acc"] = f"{val_acc:.3f}"
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(history.val_loss[-1] if history.val_loss else history.train_loss[-1])
            elif scheduler is not None and scheduler_interval == "epoch":
                scheduler.step()
            for on_epoch_end in epoch_callbacks:
                on_epoch_end(state)
            bar.set_postfix(postfix, refresh=False)
    return history
