"""Benchmark EP and BPTT training on Fashion-MNIST, 784-512-10, prototypical setting.

Settings (networks/ep-fashion.toml): T = 40, K = 15, beta = 0.1, batch 20,
learning rates 0.08 (hidden) and 0.04 (output), sigmoid 1/(1+exp(-4(x-0.5))).
BPTT runs through the last K steps of the free phase.

Two parts:

1. Speed. One epoch of each of neurokit's numpy EP and BPTT, and, when
   PyTorch is installed, one epoch each of a plain PyTorch implementation of
   the same EP and BPTT steps written for this script. The four epochs run
   back to back in the same process on the same shuffled order, so the
   numpy/PyTorch ratios share the machine's load.
2. Accuracy. neurokit's EP and BPTT are trained from the same initial
   weights for --epochs epochs, and the test error after each epoch goes to
   CSV files in --output.

Usage:
    python scripts/benchmark_ep.py --epochs 10 --output neurokit-results/benchmark
"""

import argparse
import copy
import logging
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from neurokit.datasets import one_hot  # noqa: E402
from neurokit.ep.build import build_model, check_compatible, load_dataset  # noqa: E402
from neurokit.ep.spec import load_spec  # noqa: E402
from neurokit.ep.training import TrainingConfig, evaluate, train  # noqa: E402

logger = logging.getLogger("benchmark_ep")

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "networks", "ep-fashion.toml")


def torch_peer(model, dataset, config, order):
    """Train one epoch with a plain PyTorch EP or BPTT step; return (seconds, test error, model).

    The dynamics, nudge and updates are the same as neurokit's
    PrototypicalMLP with the sigmoid activation: one hidden layer, both
    layers updated synchronously, the input drive x W0 + b0 computed once
    per batch. EP needs no autograd. BPTT uses autograd through the last K
    free steps.
    """
    import torch

    weights = [torch.tensor(p) for p in model.params]
    w0, b0, w1, b1 = weights
    x_all = torch.tensor(dataset.x_train)
    y_all = torch.tensor(one_hot(dataset.y_train, 10))
    lr_hidden, lr_output = config.learning_rates
    T, K, beta, batch_size = config.T, config.K, config.beta, config.batch_size

    def rho(a):
        return torch.sigmoid(4.0 * a - 2.0)

    def relax(drive, s1, s2, steps, y=None):
        for _ in range(steps):
            a2 = s1 @ w1 + b1
            if y is not None:
                a2 = a2 - beta * (s2 - y)
            s1, s2 = rho(drive + s2 @ w1.T), rho(a2)
        return s1, s2

    started = time.perf_counter()
    for start in range(0, len(order), batch_size):
        index = torch.from_numpy(order[start:start + batch_size])
        x, y = x_all[index], y_all[index]
        n = x.shape[0]
        if config.algorithm == "ep":
            with torch.no_grad():
                drive = x @ w0 + b0
                zero1, zero2 = torch.zeros(n, w0.shape[1]), torch.zeros(n, w1.shape[1])
                free1, free2 = relax(drive, zero1, zero2, T)
                nudged1, nudged2 = relax(drive, free1, free2, K, y)
                scale = 1.0 / (beta * n)
                w0 += lr_hidden * scale * (x.T @ (nudged1 - free1))
                b0 += lr_hidden * scale * (nudged1 - free1).sum(0)
                w1 += lr_output * scale * (nudged1.T @ nudged2 - free1.T @ free2)
                b1 += lr_output * scale * (nudged2 - free2).sum(0)
        else:
            for w in weights:
                w.requires_grad_(True)
            with torch.no_grad():
                drive = x @ w0 + b0
                s1, s2 = relax(drive, torch.zeros(n, w0.shape[1]), torch.zeros(n, w1.shape[1]), T - K)
            drive = x @ w0 + b0
            s1, s2 = relax(drive, s1, s2, K)
            loss = 0.5 * ((s2 - y) ** 2).sum() / n
            grads = torch.autograd.grad(loss, weights)
            with torch.no_grad():
                for w, g, lr in zip(weights, grads, (lr_hidden, lr_hidden, lr_output, lr_output)):
                    w -= lr * g
            for w in weights:
                w.requires_grad_(False)
    seconds = time.perf_counter() - started

    trained = copy.deepcopy(model)
    trained.set_params([w.detach().numpy() for w in weights])
    return seconds, evaluate(trained, dataset.x_test, dataset.y_test, T), trained


def numpy_epoch(model, dataset, config, order):
    """Train one epoch with neurokit on the given order; return (seconds, test error, model)."""
    from neurokit.ep.training import apply_update, batch_gradient

    targets = one_hot(dataset.y_train, 10)
    started = time.perf_counter()
    for start in range(0, len(order), config.batch_size):
        index = order[start:start + config.batch_size]
        grads, _ = batch_gradient(model, dataset.x_train[index], targets[index], config)
        apply_update(model, grads, config.learning_rates)
    seconds = time.perf_counter() - started
    return seconds, evaluate(model, dataset.x_test, dataset.y_test, config.T), model


def speed(initial, dataset, base_config, threads):
    order = np.random.default_rng(0).permutation(len(dataset.y_train))
    try:
        import torch

        torch.set_num_threads(threads)
        peers = [("pytorch " + torch.__version__, torch_peer)]
    except ImportError:
        logger.warning("PyTorch is not installed; timing neurokit only")
        peers = []

    rows = []
    for algorithm in ("ep", "bptt"):
        config = copy.copy(base_config)
        config.algorithm = algorithm
        for name, runner in [("neurokit numpy " + np.__version__, numpy_epoch)] + peers:
            seconds, error, _ = runner(copy.deepcopy(initial), dataset, config, order)
            rows.append((algorithm, name, seconds, error))
            print(f"speed: {algorithm:4s} {name:22s} {seconds:7.1f} s/epoch, test error after 1 epoch "
                  f"{100 * error:.2f}%", flush=True)
    return rows


def accuracy(initial, dataset, base_config, epochs, output):
    os.makedirs(output, exist_ok=True)
    results = {}
    for algorithm in ("ep", "bptt"):
        config = copy.copy(base_config)
        config.algorithm = algorithm
        config.epochs = epochs
        csv_path = os.path.join(output, f"fashion-{algorithm}.csv")
        records = train(copy.deepcopy(initial), dataset, config, csv_path=csv_path)
        results[algorithm] = records
        last = records[-1]
        print(f"accuracy: {algorithm:4s} after {epochs} epochs: train error {100 * last.train_error:.2f}%, "
              f"test error {100 * last.test_error:.2f}% (best {100 * min(r.test_error for r in records):.2f}%), "
              f"mean {np.mean([r.seconds for r in records]):.1f} s/epoch; {csv_path}", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="training epochs for the accuracy part (default 10)")
    parser.add_argument("--output", default="neurokit-results/benchmark", help="directory for the per-epoch CSV files")
    parser.add_argument("--skip-speed", action="store_true", help="skip the side-by-side one-epoch timings")
    parser.add_argument("--skip-accuracy", action="store_true", help="skip the multi-epoch accuracy runs")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for numpy and intra-op threads for PyTorch (default 1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    spec = load_spec(SPEC)
    dataset = load_dataset(spec)
    initial = build_model(spec)
    check_compatible(initial, dataset)
    config = TrainingConfig.from_spec(spec)
    print(f"Fashion-MNIST {len(dataset.y_train)} train / {len(dataset.y_test)} test, sizes {spec.network['sizes']}, "
          f"T={config.T}, K={config.K}, beta={config.beta}, batch {config.batch_size}, "
          f"learning rates {list(config.learning_rates)}, {os.cpu_count()} CPUs, {args.threads} thread(s)", flush=True)

    # threadpoolctl comes with scikit-learn. The batch-20 products are small,
    # and on a loaded 2-core machine two OpenBLAS threads made them about 5x
    # slower than one, so both libraries get the same explicit thread count.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        if not args.skip_speed:
            speed(initial, dataset, config, args.threads)
        if not args.skip_accuracy:
            accuracy(initial, dataset, config, args.epochs, args.output)


if __name__ == "__main__":
    main()
