"""Test signals: band-limited noise, sines and recorded CSV/WAV files."""

import numpy as np
import pytest
import scipy.io.wavfile

from neurokit.errors import DataError
from neurokit.signals import make_signal, read_signal, white_noise
from neurokit.spec import InputSpec


def test_white_noise_rms_and_band():
    dt, n = 0.001, 4000
    u = white_noise(n, dt, band=10.0, rms=0.7, rng=np.random.default_rng(0))
    assert np.sqrt(np.mean(u**2)) == pytest.approx(0.7, rel=1e-12)
    spectrum = np.abs(np.fft.rfft(u)) ** 2
    freqs = np.fft.rfftfreq(n, dt)
    assert spectrum[freqs > 10.0].sum() < 1e-20 * spectrum.sum()
    assert spectrum[(freqs > 0) & (freqs <= 10.0)].min() > 0


def test_white_noise_same_seed_same_signal():
    a = make_signal(InputSpec(), 500, 0.001, seed=4)
    b = make_signal(InputSpec(), 500, 0.001, seed=4)
    c = make_signal(InputSpec(), 500, 0.001, seed=5)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_csv_with_time_column_is_resampled(tmp_path):
    # 5 Hz sine sampled at 100 Hz, read at dt = 1 ms (10x upsampling).
    t = np.arange(0, 2, 0.01)
    path = tmp_path / "rec.csv"
    rows = "\n".join(f"{ti:.5f},{np.sin(2 * np.pi * 5 * ti):.8f},0" for ti in t)
    path.write_text("time,voltage,other\n" + rows + "\n")

    u = read_signal(path, "voltage", 1500, 0.001, rms=1.0)
    # The reader removes the mean, and 1.5 s contains 7.5 periods of 5 Hz.
    expected = np.sin(2 * np.pi * 5 * 0.001 * np.arange(1500))
    expected -= expected.mean()
    expected /= np.sqrt(np.mean(expected**2))
    middle = slice(200, 1300)  # away from the resampler's edge effects
    assert np.max(np.abs(u[middle] - expected[middle])) < 0.05


def test_wav_channel_is_read(tmp_path):
    rate = 8000
    t = np.arange(rate) / rate
    data = np.stack([np.sin(2 * np.pi * 3 * t), np.zeros_like(t)], axis=1)
    path = tmp_path / "rec.wav"
    scipy.io.wavfile.write(path, rate, (data * 20000).astype(np.int16))

    u = read_signal(path, 0, 900, 0.001, rms=0.5)
    assert np.sqrt(np.mean(u**2)) == pytest.approx(0.5)
    expected = np.sin(2 * np.pi * 3 * 0.001 * np.arange(900))
    correlation = np.corrcoef(u[50:850], expected[50:850])[0, 1]
    assert correlation > 0.99


def test_recording_too_short(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("t,v\n" + "\n".join(f"{k * 0.01},{k % 3}" for k in range(20)))
    with pytest.raises(DataError, match="shorten run.duration"):
        read_signal(path, "v", 2000, 0.001, rms=1.0)


def test_csv_without_time_needs_sample_rate(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(str(k % 5) for k in range(100)))
    with pytest.raises(DataError, match="sample_rate"):
        read_signal(path, 0, 50, 0.001, rms=1.0)
    u = read_signal(path, 0, 50, 0.001, rms=1.0, sample_rate=1000.0)
    assert len(u) == 50


def test_unknown_csv_column(tmp_path):
    path = tmp_path / "rec.csv"
    path.write_text("t,v\n0,1\n0.001,2\n0.002,3\n")
    with pytest.raises(DataError, match="'w' is not a column"):
        read_signal(path, "w", 2, 0.001, rms=1.0)


def test_corrupt_wav(tmp_path):
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(DataError, match="not a readable WAV"):
        read_signal(path, 0, 10, 0.001, rms=1.0)


def test_csv_default_column_skips_time(tmp_path):
    path = tmp_path / "rec.csv"
    rows = "\n".join(f"{k * 0.001:.3f},{np.sin(k / 50):.6f}" for k in range(1000))
    path.write_text("t,x\n" + rows + "\n")
    u = read_signal(path, None, 800, 0.001, rms=1.0)
    expected = np.sin(np.arange(800) / 50)
    expected -= expected.mean()
    assert np.corrcoef(u, expected)[0, 1] > 0.999
