"""Freezing, head replacement and per-layer learning rates for fine-tuning.

Conventions: a parameter *name* is its ``model.named_parameters()`` name; a
prefix ``"layer1"`` selects ``"layer1"`` and ``"layer1.*"`` but not ``"layer10.*"``.
Freezing sets ``requires_grad = False``: the parameter gets no ``.grad``, so
``torch.optim`` skips it even if it is in the optimizer. It does *not* stop
BatchNorm from updating its running statistics in train mode; put frozen
BatchNorm layers in eval mode if they must stay fixed (``lecture7.train.fit(...,
eval_modules=...)`` keeps them there while the rest of the model trains).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "freeze",
    "layerwise_lr_groups",
    "param_groups",
    "replace_head",
    "trainable_parameters",
    "unfreeze",
]


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _by_prefix(
    named: list[tuple[str, nn.Parameter]], names: str | Sequence[str], *, argument: str
) -> list[tuple[str, nn.Parameter]]:
    """The entries of ``named`` under any prefix in ``names``; each prefix must match something."""
    prefixes = [names] if isinstance(names, str) else list(names)
    if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
        raise TypeError(f"{argument} must be a non-empty name or sequence of names, got {names!r}")
    for p in prefixes:
        if not any(_matches(n, p) for n, _ in named):
            raise ValueError(f"{argument}: no parameter is named {p!r} or {p + '.*'!r}")
    return [(n, t) for n, t in named if any(_matches(n, p) for p in prefixes)]


def _select(
    model: nn.Module, names: str | Sequence[str] | None, up_to: int | None
) -> list[tuple[str, nn.Parameter]]:
    """The named parameters picked by ``names`` (prefixes) or ``up_to`` (first children); all if neither."""
    if names is not None and up_to is not None:
        raise ValueError(f"give names or up_to, not both (got names={names!r}, up_to={up_to!r})")
    named = list(model.named_parameters())
    if names is not None:
        return _by_prefix(named, names, argument="names")
    if up_to is not None:
        children = [name for name, _ in model.named_children()]
        if isinstance(up_to, bool) or not isinstance(up_to, int) or not 0 <= up_to <= len(children):
            raise ValueError(f"up_to must be an int in [0, {len(children)}], got {up_to!r}")
        return [(n, t) for n, t in named if any(_matches(n, c) for c in children[:up_to])]
    return named


def freeze(
    model: nn.Module, *, names: str | Sequence[str] | None = None, up_to: int | None = None
) -> list[str]:
    """Stop training some parameters (``requires_grad = False``); return their names.

    Args:
        names: a name prefix or prefixes, e.g. ``["conv1", "layer1"]``.
        up_to: freeze the first ``up_to`` top-level children (``model.named_children()``
            order, input side first), i.e. the generic early layers.
        Neither: freeze every parameter (then :func:`replace_head` adds a trainable head).
    """
    selected = _select(model, names, up_to)
    for _, p in selected:
        p.requires_grad_(False)
    return [n for n, _ in selected]


def unfreeze(
    model: nn.Module, *, names: str | Sequence[str] | None = None, up_to: int | None = None
) -> list[str]:
    """The reverse of :func:`freeze` (same selection rules); return the names made trainable."""
    selected = _select(model, names, up_to)
    for _, p in selected:
        p.requires_grad_(True)
    return [n for n, _ in selected]


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters with ``requires_grad``: what to hand to the optimizer."""
    return [p for p in model.parameters() if p.requires_grad]


def _last_linear(model: nn.Module) -> str:
    linears = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears or linears[-1] == "":
        raise ValueError(f"{type(model).__name__} has no nn.Linear submodule to use as the head")
    return linears[-1]


def replace_head(
    model: nn.Module,
    *,
    num_classes: int,
    attr: str | None = None,
    generator: torch.Generator | None = None,
) -> nn.Linear:
    """Swap the final ``nn.Linear`` for a freshly initialized one with ``num_classes`` outputs.

    The head is ``model.get_submodule(attr)`` (e.g. ``"fc"``, ``"classifier.6"``),
    or the last ``nn.Linear`` in ``model.named_modules()`` order. The new layer
    keeps ``in_features``, the bias flag, device and dtype, is trainable, and is
    initialized as ``nn.Linear`` initializes itself (weights and bias uniform on
    :math:`\\pm 1/\\sqrt{\\text{in\\_features}}`), but drawn from ``generator``.
    Returns the new layer (already in the model).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    attr = _last_linear(model) if attr is None else attr
    try:
        old = model.get_submodule(attr)
    except AttributeError:
        raise ValueError(f"{type(model).__name__} has no submodule named {attr!r}") from None
    if not isinstance(old, nn.Linear):
        raise TypeError(f"the head {attr!r} must be an nn.Linear, got {type(old).__name__}")
    # Build on "meta" (no global-RNG draw), initialize where the generator lives, then move.
    head = nn.Linear(old.in_features, num_classes, bias=old.bias is not None, device="meta")
    head = head.to_empty(device=generator.device if generator is not None else "cpu")
    bound = 1.0 / math.sqrt(old.in_features)
    with torch.no_grad():
        nn.init.kaiming_uniform_(head.weight, a=math.sqrt(5), generator=generator)  # = U(+-bound)
        if head.bias is not None:
            nn.init.uniform_(head.bias, -bound, bound, generator=generator)
    head = head.to(device=old.weight.device, dtype=old.weight.dtype)
    parent_name, _, child = attr.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, head)
    return head


def _check_lr(lr: float, name: str = "lr") -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {lr!r}")
    return float(lr)


def param_groups(
    model: nn.Module, *, lr: float, backbone_lr_mult: float = 0.1,
    head: str | Sequence[str] | None = None,
) -> list[dict]:
    """Optimizer groups: the head at ``lr``, the pretrained backbone at ``lr * backbone_lr_mult``.

    The fine-tuning rule: pretrained weights are already good, so they move with
    a smaller learning rate (commonly 1/10) than the freshly initialized head.
    ``head`` names the head's parameter prefix(es); by default the last
    ``nn.Linear``. Frozen parameters are left out; every trainable parameter is
    in exactly one group; empty groups are dropped. Each group has a ``"name"``.
    Use as ``torch.optim.SGD(param_groups(model, lr=0.01), lr=0.01, momentum=0.9)``.
    """
    lr = _check_lr(lr)
    mult = _check_lr(backbone_lr_mult, "backbone_lr_mult")
    named = list(model.named_parameters())
    in_head = {n for n, _ in _by_prefix(named, _last_linear(model) if head is None else head,
                                        argument="head")}
    groups: dict[str, list[nn.Parameter]] = {"backbone": [], "head": []}
    for n, t in named:
        if t.requires_grad:
            groups["head" if n in in_head else "backbone"].append(t)
    rates = {"backbone": lr * mult, "head": lr}
    return [{"params": ps, "lr": rates[k], "name": k} for k, ps in groups.items() if ps]


def layerwise_lr_groups(model: nn.Module, *, lr: float, decay: float = 0.5) -> list[dict]:
    """One group per top-level child, the learning rate shrinking toward the input.

    With children :math:`c_0, \\dots, c_{L-1}` (input side first), child
    :math:`c_l` gets :math:`\\text{lr} \\cdot \\text{decay}^{L-1-l}`: the output layer
    the full ``lr``, generic early layers much less ("discriminative fine-tuning",
    Howard & Ruder, 2018, https://arxiv.org/abs/1801.06146). ``L`` counts every
    child that owns parameters, frozen or not, so freezing does not shift the
    rates; frozen parameters are left out and empty groups dropped. Parameters
    registered on ``model`` itself count as one more "child" of their own.
    """
    lr = _check_lr(lr)
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay <= 1:
        raise ValueError(f"decay must be in (0, 1], got {decay!r}")
    blocks: dict[str, list[nn.Parameter]] = {}
    for n, t in model.named_parameters():
        blocks.setdefault(n.split(".")[0], []).append(t)
    depth = len(blocks)
    groups = []
    for index, (name, params) in enumerate(blocks.items()):
        trainable = [p for p in params if p.requires_grad]
        if trainable:
            groups.append({"params": trainable, "lr": lr * decay ** (depth - 1 - index), "name": name})
    return groups
