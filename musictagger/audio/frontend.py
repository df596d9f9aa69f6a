"""The audio front end: decode → mono → resample → normalise → mel → log → windows.

This is the only implementation of that chain.  Training, the CLI, the GUI and the
microphone path all call :func:`features_from_signal` or :func:`features_from_file`, so what
the model sees never depends on where the audio came from.

Only the analysis windows are decoded and transformed.  The track's length comes from the
file's header; the windows are placed on it (:func:`~musictagger.audio.features.window_starts`);
each window's excerpt is read (seeking where the container allows, see
:mod:`musictagger.audio.reader`), mixed to mono and resampled with a margin, so that its edges
are what resampling the whole track would give.  The level, clipping and silence checks run
over the windows' audio — what the model is about to hear — and every window gets the same
offset and gain.  Time and memory are therefore flat in the track's length: a 3-hour concert
costs what a 90-s track does.  The full-track spectrogram for display is
:mod:`musictagger.audio.overview`'s.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from musictagger.audio.features import extend_to_window, log_compress, mel_power, reduce_noise, window_starts
from musictagger.audio.params import FeatureParams
from musictagger.audio.reader import ArrayReader, AudioReader, open_reader
from musictagger.audio.signal import SignalReport, as_channels, inspect_signal, normalise, resample, to_mono
from musictagger.errors import AudioTooShortError, ParameterError, SilentAudioError
from musictagger.tags.cue_sheet import disc_image_tracks

# Changes whenever what the model is given for the same file changes (window placement,
# level measurement): the library index re-analyses what an older front end analysed.
FRONT_END_VERSION = "frontend-2"

# Audio read beyond each side of an excerpt before resampling, so that the resampler's
# filter sees the neighbouring samples and the excerpt's edges come out exact.
RESAMPLE_MARGIN_S = 0.05

# A file whose audio ends this share of its announced length, and at least a second, before its
# header said is reported as cut short.
CUT_SHORT_SHARE = 0.02


@dataclass(frozen=True)
class Features:
    """Front-end output for one track.

    Attributes
    ----------
    windows
        Model input, ``(n_windows, window_frames, n_mels)`` float32.
    window_starts
        First frame of each window in the track's frames.
    n_frames
        Frames of the whole track (centred STFT frames, as a full-track spectrogram has).
    report
        Level, clipping, offset and gain measured on the windows' audio; ``duration_s`` is the track's.
    announced_duration_s
        The length the file's header announced, where the audio ended well before it (a damaged file,
        or one not copied whole); None otherwise.
    source_rate
        The decoded audio's sample rate, before resampling to the model's (0 where unknown).
    notes
        What the analysis must say about which audio of the file it heard: one of its audio tracks
        (:attr:`~musictagger.audio.reader.AudioReader.notes`), a whole disc's (a CD image,
        :func:`~musictagger.tags.cue_sheet.disc_image_tracks`).
    """

    windows: np.ndarray
    window_starts: np.ndarray
    n_frames: int
    report: SignalReport
    announced_duration_s: float | None = None
    source_rate: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Excerpt:
    """One window's mono samples at the model's rate, zero outside the track, and the decoded source."""

    samples: np.ndarray
    inside: slice
    source: np.ndarray


def track_frames(n_samples: int, params: FeatureParams) -> int:
    """Centred STFT frames of a track of ``n_samples`` at the model's rate (librosa's ``center=True``)."""
    return 1 + n_samples // params.hop_length


def target_samples(reader: AudioReader, params: FeatureParams) -> int:
    """The length of ``reader``'s audio as far as it knows it (less once it found the file ending before its header
    said), in samples at the model's rate."""
    return round(reader.n_samples * params.sample_rate / reader.sr)


def excerpt_span(first_frame: int, frames: int, params: FeatureParams) -> tuple[int, int]:
    """First and last-plus-one sample (at the model's rate) behind frames ``[first_frame, first_frame + frames)``
    of the track's centred STFT."""
    begin = first_frame * params.hop_length - params.n_fft // 2
    return begin, (first_frame + frames - 1) * params.hop_length + params.n_fft // 2


def read_excerpt(reader: AudioReader, first_frame: int, frames: int, n_target: int, params: FeatureParams) -> Excerpt:
    """The samples behind frames ``[first_frame, first_frame + frames)`` of the track's centred STFT."""
    rate = params.sample_rate
    begin, end = excerpt_span(first_frame, frames, params)
    lo, hi = max(begin, 0), min(end, n_target)
    if reader.sr == rate:
        source = reader.read(lo, hi)
        mono = to_mono(source)
    else:
        # Whole resampler periods, so that the excerpt's first sample falls on a target sample.
        step = math.gcd(reader.sr, rate)
        per_source, per_target = reader.sr // step, rate // step
        margin = round(RESAMPLE_MARGIN_S * rate)
        t0 = ((lo - margin) // per_target) * per_target
        t1 = -((-(hi + margin)) // per_target) * per_target
        raw = reader.read(t0 // per_target * per_source, t1 // per_target * per_source)
        resampled = resample(to_mono(raw), orig_sr=reader.sr, target_sr=rate)
        mono = np.zeros(hi - lo, np.float32)
        part = resampled[lo - t0 : hi - t0]
        mono[: part.size] = part
        first = round(lo * reader.sr / rate) - t0 // per_target * per_source
        source = raw[:, first : first + round((hi - lo) * reader.sr / rate)]
    samples = np.zeros(end - begin, np.float32)
    samples[lo - begin : hi - begin] = mono
    return Excerpt(samples, slice(lo - begin, hi - begin), source)


def features_from_reader(reader: AudioReader, *, params: FeatureParams, n_windows: int, source: str | Path) -> Features:
    """Run the front end on the windows of ``reader``'s audio (see the module docstring).

    Raises
    ------
    AudioTooShortError
        The audio is shorter than ``params.min_duration_s``.
    SilentAudioError
        The windows' level is below ``params.silence_dbfs``: any genre would be a guess.
    """
    read: dict[tuple[int, int, int], Excerpt] = {}  # by first frame, frames and where the track's end cuts them
    while True:
        n_samples = reader.n_samples
        duration_s = n_samples / reader.sr
        if duration_s < params.min_duration_s:
            raise AudioTooShortError(
                source, f"only {duration_s:.3f} s of audio; at least {params.min_duration_s:g} s is needed"
            )
        n_target = target_samples(reader, params)
        n_frames = track_frames(n_target, params)
        starts = window_starts(n_frames, window_frames=params.window_frames, n_windows=n_windows)
        frames = min(params.window_frames, n_frames)
        keys = [(int(start), frames, min(excerpt_span(int(start), frames, params)[1], n_target)) for start in starts]
        read = {key: read.get(key) or read_excerpt(reader, key[0], frames, n_target, params) for key in keys}
        excerpts = [read[key] for key in keys]
        if reader.n_samples == n_samples:
            break  # else the file ended before its header said: place the windows again on its true length
    heard = np.concatenate([e.samples[e.inside] for e in excerpts])
    decoded = np.concatenate([e.source for e in excerpts], axis=1)
    report = dataclasses.replace(
        inspect_signal(heard, sr=params.sample_rate, params=params, source=decoded), duration_s=duration_s
    )
    if report.silent:
        level = (
            f"level {report.rms_dbfs:.1f} dBFS, below {params.silence_dbfs:g} dBFS"
            if np.isfinite(report.rms_dbfs)
            else "every sample is zero"
        )
        raise SilentAudioError(source, f"the audio is silent ({level})")
    mels = []
    for excerpt in excerpts:
        samples = excerpt.samples.copy()
        samples[excerpt.inside] = normalise(samples[excerpt.inside], report=report)
        mels.append(mel_power(samples, params=params, center=False))
    denoised = reduce_noise(np.concatenate(mels), strength=params.noise_reduction, quantile=params.noise_quantile)
    logs = log_compress(denoised, multiplier=params.log_multiplier).reshape(len(excerpts), frames, params.n_mels)
    windows = np.stack([extend_to_window(log, window_frames=params.window_frames) for log in logs])
    # A shortfall of a second or 2 %, not the few milliseconds an estimated length (an MP3 without a table
    # of contents, its encoder's padding) may be off by.
    missing = reader.announced_samples - reader.n_samples
    cut_short = missing > max(reader.sr, CUT_SHORT_SHARE * reader.announced_samples)
    return Features(
        windows=windows,
        window_starts=starts,
        n_frames=n_frames,
        report=report,
        announced_duration_s=reader.announced_samples / reader.sr if cut_short else None,
        source_rate=int(reader.sr),
        notes=reader.notes,
    )


def features_from_signal(
    y: npt.ArrayLike, *, sr: int, params: FeatureParams, n_windows: int, source: str | Path = "<signal>"
) -> Features:
    """Run the front end on decoded samples, as :func:`~musictagger.audio.signal.as_channels` takes them, at
    ``sr`` samples per second (see :func:`features_from_reader`).

    Raises
    ------
    ParameterError
        ``sr`` is not a positive whole number (a rate of 0.5 divided by zero, 44100.5 was taken for 44100),
        or ``y`` is not audio (:func:`~musictagger.audio.signal.as_channels`).
    """
    if isinstance(sr, bool) or not isinstance(sr, numbers.Real) or sr <= 0 or sr != int(sr):
        raise ParameterError(f"sample rate must be a positive whole number of samples per second, got {sr!r}")
    return features_from_reader(ArrayReader(as_channels(y), int(sr)), params=params, n_windows=n_windows, source=source)


def features_from_file(path: str | Path, *, params: FeatureParams, n_windows: int) -> Features:
    """Read the windows of ``path`` and run the front end on them (see :func:`features_from_reader`), noting a CD
    image's tracks."""
    with open_reader(path) as reader:
        features = features_from_reader(reader, params=params, n_windows=n_windows, source=path)
    image = disc_image_tracks(Path(path))
    return features if image is None else dataclasses.replace(features, notes=(*features.notes, image.note))
