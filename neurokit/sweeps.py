"""Scaling sweeps: many (backend, neuron type, m, seed) runs, stored as they finish.

Rows are appended to ``results.csv.partial`` and flushed one whole line at a
time, so an interrupted sweep keeps every finished run. When all runs are
done the file is renamed to ``results.csv``. A later sweep into the same
directory moves an interrupted file aside to ``results-interrupted-*.csv``.
"""

import csv
import itertools
import logging
import multiprocessing
import os
import signal
import time
from pathlib import Path

from neurokit.analysis import evaluate
from neurokit.backends import NEURON_TYPES, get_backend
from neurokit.errors import DataError, SpecError
from neurokit.task import build_task

logger = logging.getLogger(__name__)

BASE_COLUMNS = [
    "network", "backend", "neuron_type", "n_neurons", "order", "seed",
    "nrmse", "state_nrmse", "ideal_nrmse", "build_s", "compile_s", "run_s",
    "theta", "tau", "dt", "duration",
]


def plan_runs(spec, backends, neuron_types, n_neurons, seeds, backend_options=None):
    """Validate a sweep and return its (backend, neuron_type, m, seed) runs.

    Every neuron count is checked against the spec and each backend's limits,
    and the input signal is built once, so bad input fails before any run
    or file is made. Repeated backends, neuron types and counts run once.
    """
    if not n_neurons:
        raise SpecError("no neuron counts given; pass at least one, e.g. --neurons 1000 4000")
    if int(seeds) < 1:
        raise SpecError(f"seeds = {seeds} is invalid; use at least 1 seed")
    backends = list(dict.fromkeys(backends))
    neuron_types = list(dict.fromkeys(neuron_types))
    n_neurons = sorted({int(m) for m in n_neurons})

    for m in n_neurons:
        spec.replace(n_neurons=m)
    for name in neuron_types:
        if name not in NEURON_TYPES:
            raise SpecError(f"neuron type {name!r} is unknown; use one of: {', '.join(NEURON_TYPES)}")
    for name in backends:
        backend = get_backend(name, **(backend_options or {}).get(name, {}))
        for neuron_type in neuron_types:
            if neuron_type not in backend.neuron_types:
                raise SpecError(
                    f"backend {name!r} cannot run neuron type {neuron_type!r}; use "
                    f"--neuron-types {','.join(backend.neuron_types)} for it"
                )
        for m in n_neurons:
            backend.check(spec, m)

    # Reading a recorded input and checking the system's stability happen
    # here, so a bad input file fails before the output directory exists.
    build_task(spec.replace(n_neurons=n_neurons[0]), 0)
    return list(itertools.product(backends, neuron_types, n_neurons, range(int(seeds))))


def run_one(spec, backend, neuron_type, n_neurons, seed, backend_options=None):
    """Run one configuration and return its CSV row as a dict."""
    task = build_task(spec.replace(n_neurons=n_neurons), seed)
    result = get_backend(backend, **(backend_options or {})).run(task, n_neurons, neuron_type, seed)
    row = {
        "network": spec.name, "backend": backend, "neuron_type": result.neuron_type,
        "n_neurons": n_neurons, "order": spec.order, "seed": seed,
        "build_s": round(result.build_s, 4), "run_s": round(result.run_s, 4),
        "theta": spec.theta, "tau": spec.tau, "dt": spec.dt, "duration": spec.duration,
    }
    row.update(evaluate(result, spec.settle))
    for key, value in result.extra.items():
        if isinstance(value, (int, float)):
            row[key] = value
    return row


def run_scaling(spec, n_neurons, seeds, out_dir, backends=("nengo",),
                neuron_types=NEURON_TYPES, jobs=1, progress=None, backend_options=None):
    """Run a scaling sweep and write ``out_dir/results.csv``; return the rows.

    Every spec value is validated before the output directory is touched.
    ``progress`` is called with each finished row, e.g. to advance a bar.
    ``jobs`` > 1 runs configurations in that many worker processes.
    """
    runs = plan_runs(spec, backends, neuron_types, n_neurons, seeds, backend_options)

    out_dir = Path(out_dir)
    partial = out_dir / "results.csv.partial"
    columns = BASE_COLUMNS + [f"nrmse_delay_{d:g}" for d in spec.delays]
    rows = []

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _keep_interrupted(partial)
        handle = partial.open("w", newline="")
    except OSError as error:
        raise DataError(f"cannot write results to {str(out_dir)!r}: {error.strerror}; "
                        "give a writable directory with --out") from None

    with handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        handle.flush()
        for row in _execute(spec, runs, jobs, backend_options or {}):
            writer.writerow(row)
            handle.flush()
            rows.append(row)
            if progress is not None:
                progress(row)

    os.replace(partial, out_dir / "results.csv")
    logger.info("wrote %d runs to %s", len(rows), out_dir / "results.csv")
    return rows


def _execute(spec, runs, jobs, backend_options):
    if jobs <= 1:
        for backend, neuron_type, m, seed in runs:
            yield run_one(spec, backend, neuron_type, m, seed, backend_options.get(backend))
        return
    # Workers ignore Ctrl-C; the sweep process stops them with terminate().
    pool = multiprocessing.Pool(processes=jobs, initializer=signal.signal,
                                initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        tasks = [(spec, b, nt, m, s, backend_options.get(b)) for b, nt, m, s in runs]
        yield from pool.imap_unordered(_run_packed, tasks)
        pool.close()
    except BaseException:
        # On an error or Ctrl-C the workers stop at once; otherwise they
        # would finish every queued run after the sweep stopped storing rows.
        pool.terminate()
        raise
    finally:
        pool.join()


def _run_packed(arguments):
    return run_one(*arguments)


def _keep_interrupted(partial):
    """Move the rows of an earlier interrupted sweep aside instead of overwriting them."""
    if not partial.exists():
        return
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(partial.stat().st_mtime))
    destination = partial.with_name(f"results-interrupted-{stamp}.csv")
    os.replace(partial, destination)
    logger.warning("moved the rows of an earlier interrupted sweep to %s", destination)


def read_results(path):
    """Read a results CSV back into a list of dicts with numeric values."""
    path = Path(path)
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"results file {str(path)!r} could not be read: {error}") from None
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise DataError(f"line {number} of {path} does not match its header; "
                            "give an unedited results.csv from `neurokit scaling`")
        for key, value in row.items():
            try:
                row[key] = int(value)
            except ValueError:
                try:
                    row[key] = float(value)
                except ValueError:
                    pass
    return rows
