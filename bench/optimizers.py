"""Step time of lecture7's optimizers against torch.optim (not a test).

    python bench/optimizers.py [--steps 10] [--repeats 5] [--device cpu|cuda]
                               [--threads N] [--clock wall|cpu]

For each optimizer setting, three copies of one ~10M-parameter model (a stack of
big ``nn.Linear`` layers) hold the same fixed gradients: one stepped by
``lecture7.optim``'s class (which runs the kernels' in-place fast path,
``lecture7.optim.fused``), one by ``torch.optim`` with ``foreach=False`` (its
per-parameter loop) and one by ``torch.optim`` with its default (the
``foreach`` path on CUDA; on a CPU the default is the same loop). Repetitions are
interleaved (each repetition times every variant) so that the machine's load
affects all alike; the table gives the median time of one ``step()`` and the
ratios lecture7 / torch. The target is lecture7 <= 1.5x torch ``foreach=False``
on a CPU.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

import lecture7.optim as l7
from lecture7.device import default_device

# (label, lecture7 class, torch class, hyperparameters shared by both)
SETTINGS: list[tuple[str, type, type, dict]] = [
    ("SGD", l7.SGD, torch.optim.SGD, dict(lr=1e-3)),
    ("SGD momentum", l7.SGD, torch.optim.SGD, dict(lr=1e-3, momentum=0.9)),
    ("SGD nesterov+wd", l7.SGD, torch.optim.SGD,
     dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adagrad", l7.Adagrad, torch.optim.Adagrad, dict(lr=1e-2)),
    ("RMSprop", l7.RMSprop, torch.optim.RMSprop, dict(lr=1e-3)),
    ("RMSprop centered+mom", l7.RMSprop, torch.optim.RMSprop,
     dict(lr=1e-3, centered=True, momentum=0.9)),
    ("Adam", l7.Adam, torch.optim.Adam, dict(lr=1e-3)),
    ("Adam amsgrad+wd", l7.Adam, torch.optim.Adam, dict(lr=1e-3, amsgrad=True, weight_decay=1e-4)),
]


def make_model(device: torch.device, seed: int = 0) -> nn.Module:
    """About 10M parameters in four Linear layers, with fixed random gradients."""
    generator = torch.Generator().manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(1024, 2048), nn.Linear(2048, 2048), nn.Linear(2048, 1024), nn.Linear(1024, 1024)
    ).to(device)
    for p in model.parameters():
        p.grad = (0.01 * torch.randn(p.shape, generator=generator)).to(device)
    return model


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


def time_steps(
    optimizer: torch.optim.Optimizer, steps: int, sync: Callable[[], None], clock: str = "wall"
) -> list[float]:
    now, times = CLOCKS[clock], []
    for _ in range(steps):
        sync()
        start = now()
        optimizer.step()
        sync()
        times.append(now() - start)
    return times


def bench_setting(lecture7_cls, torch_cls, hyper, device, steps, repeats, clock) -> dict[str, float]:
    base = make_model(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    variants = {}
    for name, make in (
        ("lecture7", lambda ps: lecture7_cls(ps, **hyper)),
        ("torch foreach=False", lambda ps: torch_cls(ps, foreach=False, **hyper)),
        ("torch default", lambda ps: torch_cls(ps, **hyper)),
    ):
        model = copy.deepcopy(base)
        for p, q in zip(model.parameters(), base.parameters(), strict=True):
            p.grad = q.grad.clone()
        variants[name] = make(model.parameters())
        time_steps(variants[name], 2, sync)  # warm up: creates the state
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, optimizer in variants.items():
            times[name] += time_steps(optimizer, steps, sync, clock)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per repetition")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: default_device())")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall time, or this process's CPU time (steadier on a busy machine)")
    args = parser.parse_args()
    if args.steps < 1 or args.repeats < 1:
        parser.error(f"--steps and --repeats must be >= 1, got {args.steps} and {args.repeats}")
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else default_device()
    n_params = sum(p.numel() for p in make_model(torch.device("cpu")).parameters())
    print(f"device={device} params={n_params / 1e6:.1f}M threads={torch.get_num_threads()} "
          f"torch={torch.__version__} steps={args.steps} repeats={args.repeats} clock={args.clock}")
    header = (f"{'setting':<22}{'lecture7 ms':>12}{'torch loop':>12}{'torch dflt':>12}"
              f"{'l7/loop':>9}{'l7/dflt':>9}")
    print(header)
    print("-" * len(header))
    for label, lecture7_cls, torch_cls, hyper in SETTINGS:
        ms = bench_setting(lecture7_cls, torch_cls, hyper, device, args.steps, args.repeats,
                           args.clock)
        ours, loop, default = ms["lecture7"], ms["torch foreach=False"], ms["torch default"]
        print(f"{label:<22}{ours:>12.2f}{loop:>12.2f}{default:>12.2f}"
              f"{ours / loop:>9.2f}{ours / default:>9.2f}")


if __name__ == "__main__":
    main()
