"""Test signals that drive the LMU: white noise, sines and recorded files.

Every signal is returned as a float64 array with one value per simulation
step, sample k belonging to time t_k = (k + 1)·dt as in Nengo.
"""

import csv
import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy.io.wavfile
import scipy.signal

from neurokit.errors import DataError, SpecError

logger = logging.getLogger(__name__)


def make_signal(input_spec, n_steps, dt, seed):
    """Return the input u for ``n_steps`` steps of ``dt`` seconds."""
    rng = np.random.default_rng(seed)
    if input_spec.kind == "white_noise":
        return white_noise(n_steps, dt, input_spec.band, input_spec.rms, rng)
    if input_spec.kind == "sine":
        phase = rng.uniform(0, 2 * np.pi)
        t = dt * np.arange(1, n_steps + 1)
        return np.sqrt(2) * input_spec.rms * np.sin(2 * np.pi * input_spec.frequency * t + phase)
    if input_spec.kind == "file":
        return read_signal(input_spec.path, input_spec.column, n_steps, dt,
                           input_spec.rms, input_spec.sample_rate)
    raise SpecError(f"input.kind = {input_spec.kind!r} is unknown; use white_noise, sine or file")


def white_noise(n_steps, dt, band, rms, rng):
    """Return periodic white noise band-limited to ``band`` Hz with the given RMS.

    Each frequency bin in (0, band] gets a complex Gaussian coefficient, so
    the spectrum is flat up to the cut-off and zero above it.
    """
    freqs = np.fft.rfftfreq(n_steps, dt)
    inband = (freqs > 0) & (freqs <= band)
    if not inband.any():
        raise SpecError(
            f"input.band = {band} Hz is below the frequency resolution "
            f"{1 / (n_steps * dt):.3g} Hz of a {n_steps * dt} s run; raise band or duration"
        )
    coefficients = np.zeros(len(freqs), dtype=complex)
    count = inband.sum()
    coefficients[inband] = rng.standard_normal(count) + 1j * rng.standard_normal(count)
    signal = np.fft.irfft(coefficients, n=n_steps)
    return signal * (rms / np.sqrt(np.mean(signal**2)))


def read_signal(path, column, n_steps, dt, rms, sample_rate=None):
    """Read one column of a CSV or one channel of a WAV file, resampled to dt.

    The mean is removed and the result scaled to ``rms``. A CSV file may have
    a header; a column named ``t`` or ``time`` (seconds) sets the sample rate,
    otherwise ``sample_rate`` (Hz) must be given. ``column`` None takes the
    first column that is not time, or WAV channel 0.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"input file {str(path)!r} was not found; check input.path")
    if path.suffix.lower() == ".wav":
        rate, values = _read_wav(path, column)
    else:
        rate, values = _read_csv(path, column, sample_rate)

    resampled = _resample(values, rate, 1.0 / dt)
    needed = n_steps * dt
    if len(resampled) < n_steps:
        raise DataError(
            f"input file {path.name} contains {len(values) / rate:.3g} s of signal but the run "
            f"needs {needed:.3g} s; shorten run.duration or use a longer recording"
        )
    signal = resampled[:n_steps] - np.mean(resampled[:n_steps])
    power = np.sqrt(np.mean(signal**2))
    if not np.isfinite(power) or power == 0:
        raise DataError(f"input file {path.name} is constant or not finite over the first {needed:.3g} s")
    logger.info("read %s: %d samples at %g Hz, resampled to %g Hz", path.name, len(values), rate, 1 / dt)
    return signal * (rms / power)


def _read_wav(path, channel):
    try:
        rate, data = scipy.io.wavfile.read(path)
    except (ValueError, OSError) as error:
        raise DataError(f"input file {path.name} is not a readable WAV file: {error}") from None
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if channel is None:
        channel = 0
    if not isinstance(channel, int) or not 0 <= channel < data.shape[1]:
        raise DataError(
            f"input.column = {channel!r} is not a channel of {path.name}, which has "
            f"{data.shape[1]}; use a channel index from 0 to {data.shape[1] - 1}"
        )
    return float(rate), data[:, channel]


def _read_csv(path, column, sample_rate):
    with path.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and not row[0].startswith("#")]
    if not rows:
        raise DataError(f"input file {path.name} is empty")

    header = None
    try:
        float(rows[0][0])
    except ValueError:
        header, rows = [name.strip() for name in rows[0]], rows[1:]

    time_index = None
    if header is not None:
        time_index = next((i for i, name in enumerate(header) if name.lower() in ("t", "time")), None)
    if column is None:
        # The first column that is not the time column carries the signal.
        column = 1 if time_index == 0 else 0
    index = _column_index(column, header, len(rows[0]) if rows else 0, path.name)
    try:
        table = np.array([[float(cell) for cell in row] for row in rows])
    except ValueError as error:
        raise DataError(f"input file {path.name} has a non-numeric cell: {error}") from None
    if table.ndim != 2 or len(table) < 2:
        raise DataError(f"input file {path.name} needs at least two rows of numbers")

    if time_index is not None and time_index != index:
        steps = np.diff(table[:, time_index])
        if np.any(steps <= 0):
            raise DataError(f"the time column of {path.name} is not increasing")
        rate = 1.0 / float(np.median(steps))
    elif sample_rate is not None:
        rate = float(sample_rate)
    else:
        raise DataError(
            f"input file {path.name} has no time column; add a 't' column in seconds "
            "or set input.sample_rate in Hz"
        )
    return rate, table[:, index]


def _column_index(column, header, n_columns, filename):
    if isinstance(column, str):
        if header is None or column not in header:
            raise DataError(
                f"input.column {column!r} is not a column name in {filename}; "
                f"its columns are {header or 'unnamed'}"
            )
        return header.index(column)
    if not 0 <= column < n_columns:
        raise DataError(
            f"input.column = {column} is out of range for {filename}, which has "
            f"{n_columns} columns; use an index from 0 to {n_columns - 1}"
        )
    return column


def _resample(values, rate, target_rate):
    ratio = Fraction(target_rate / rate).limit_denominator(1000)
    if ratio == 1:
        return values
    # resample_poly low-pass filters before decimation, so no aliasing.
    return scipy.signal.resample_poly(values, ratio.numerator, ratio.denominator)
