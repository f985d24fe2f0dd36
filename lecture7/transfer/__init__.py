"""Transfer learning: freeze, replace the head, fine-tune with smaller learning rates, probe.

Too little data overfits. The lecture's remedy: train once on a very large data
set (ImageNet), then reuse the network.

1. *Fixed feature extractor*: run the pretrained network without its classifier
   and keep the activations of a layer, the "CNN codes" (:func:`extract_features`);
   train a linear classifier (softmax or a linear SVM) on them
   (:func:`fit_linear_probe`). Razavian et al., 2014: "CNN Features off-the-shelf:
   an Astounding Baseline for Recognition", https://arxiv.org/abs/1403.6382.
2. *Fine-tuning*: replace and reinitialize the last fully-connected layer
   (:func:`replace_head`), :func:`freeze` the early layers, and continue
   back-propagation into the rest with a learning rate lower than the original
   training used (:func:`param_groups`, :func:`layerwise_lr_groups`): the weights
   are already good, large steps would destroy them. Early layers learn generic
   features (edges, colour blobs) and transfer well; later layers are specific to
   the original task. Yosinski et al., 2014: "How transferable are features in
   deep neural networks?", https://arxiv.org/abs/1411.1792.

Which one to use is the lecture's four-way table (:func:`recommend_strategy`).

Modules: :mod:`.freezing` (freeze, heads, learning-rate groups), :mod:`.features`
(CNN codes), :mod:`.probe` (linear classifiers on features), :mod:`.strategy`
(the table).
"""

from __future__ import annotations

from lecture7.transfer.features import evaluating, extract_features
from lecture7.transfer.freezing import (
    freeze,
    layerwise_lr_groups,
    param_groups,
    replace_head,
    trainable_parameters,
    unfreeze,
)
from lecture7.transfer.probe import LinearProbe, fit_linear_probe
from lecture7.transfer.strategy import Strategy, recommend_strategy

__all__ = [
    "LinearProbe",
    "Strategy",
    "evaluating",
    "extract_features",
    "fit_linear_probe",
    "freeze",
    "layerwise_lr_groups",
    "param_groups",
    "recommend_strategy",
    "replace_head",
    "trainable_parameters",
    "unfreeze",
]
