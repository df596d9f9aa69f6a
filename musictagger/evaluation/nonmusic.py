"""Generated sounds that are not music, for the "not music" check of the unknown detector.

Each generator makes ``seconds`` of mono float32 audio at ``sr`` from a seeded generator:
noise of three colours, steady and warbling tones, sweeps, mains hum under near-silence,
clicks, and a speech-like babble (a glottal pulse train through moving formants, in
syllables).  None of it is music, so a model that trusts its verdicts must give none of it
a genre.  The threshold is chosen on one seed and checked on another.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from musictagger.audio.augment import pink_noise

# scipy.signal (1-2 s to import on a loaded 2-core machine) is imported where it is used: every command's start-up
# reaches this module (cli.recognition -> evaluation), and none of them needs it until it generates a sound.

Generator = Callable[[np.random.Generator, int, float], np.ndarray]

CHOICE_SEED = 1
"""The seed of the non-music the unknown detector's thresholds are chosen on (in training)."""
CHOICE_RATE = 16000
"""The rate the non-music the thresholds are chosen on is rendered at (training, ``musictagger verdict``): the
model's own, not a file's (:data:`EVALUATION_RATE`), so its noises hold energy up to 8 kHz that no resampled file
does.  Choosing on sounds rendered at a file's rate, which may move the thresholds, is left to their owner."""
EVALUATION_SEED = 2
"""The seed of the non-music the evaluation measures on: other sounds than the choice saw."""
EVALUATION_RATE = 44100
"""The rate the evaluation renders its non-music at: a CD's, the rate most of a user's files come at, so that each
sound reaches the model through the front end's resampling as a file does.  Rendered at the model's own 16 kHz, a
noise held energy up to 8 kHz that the resampler's anti-aliasing filter takes from every file (the top mel band
0.9 log units fuller), and the third model called white noise "not music" (novelty 3.72, its threshold 3.59) that
it calls "not one of my genres" from a 44.1 kHz file (3.21), as it does the 16 kHz noise resampled up and down
(3.11)."""


def _unit(y: np.ndarray, level_dbfs: float = -20.0) -> np.ndarray:
    rms = float(np.sqrt(np.mean(y**2))) + 1e-12
    return (y * (10.0 ** (level_dbfs / 20.0) / rms)).astype(np.float32)


def white_noise(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    return _unit(rng.standard_normal(int(sr * seconds)))


def pink(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    return _unit(pink_noise(int(sr * seconds), rng))


def brown_noise(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    from scipy import signal as sps

    walk = np.cumsum(rng.standard_normal(int(sr * seconds)))
    return _unit(sps.detrend(walk))


def steady_tone(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return _unit(np.sin(2 * np.pi * rng.uniform(200.0, 2000.0) * t))


def warbling_tone(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    centre, depth, rate = rng.uniform(300.0, 1500.0), rng.uniform(20.0, 200.0), rng.uniform(0.5, 6.0)
    phase = 2 * np.pi * np.cumsum(centre + depth * np.sin(2 * np.pi * rate * t)) / sr
    return _unit(np.sin(phase))


def sweep(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    from scipy import signal as sps

    t = np.arange(int(sr * seconds)) / sr
    return _unit(sps.chirp(t, f0=rng.uniform(30.0, 200.0), t1=seconds, f1=rng.uniform(4000.0, 7500.0), method="log"))


def hum(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    """Mains hum and its harmonics over a faint noise floor: a silent room through a bad cable."""
    t = np.arange(int(sr * seconds)) / sr
    mains = rng.choice([50.0, 60.0])
    y = sum(np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 2 * np.pi)) / k for k in (1, 2, 3, 5))
    return _unit(y + 0.05 * rng.standard_normal(t.size), level_dbfs=-45.0)


def clicks(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    """Irregular clicks (a Geiger counter, a crackling record with nothing on it)."""
    from scipy import signal as sps

    y = np.zeros(int(sr * seconds))
    positions = rng.choice(y.size, size=int(seconds * rng.uniform(3.0, 30.0)), replace=False)
    y[positions] = rng.choice([-1.0, 1.0], size=positions.size)
    return _unit(sps.lfilter([1.0], [1.0, -0.9], y) + 0.01 * rng.standard_normal(y.size))


def babble(rng: np.random.Generator, sr: int, seconds: float) -> np.ndarray:
    """Speech-like sound: a pitch-gliding pulse train through three formants, cut into syllables."""
    from scipy import signal as sps

    n = int(sr * seconds)
    t = np.arange(n) / sr
    pitch = rng.uniform(90.0, 220.0) * (1.0 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.2, 0.8) * t))
    pulses = (np.diff(np.floor(np.cumsum(pitch) / sr), prepend=0.0) > 0).astype(float)
    out = np.zeros(n)
    syllable = int(0.2 * sr)
    for start in range(0, n, syllable):
        segment = pulses[start : start + syllable]
        for formant in (rng.uniform(300, 800), rng.uniform(900, 2200), rng.uniform(2300, 3200)):
            b, a = sps.iirpeak(formant, 8.0, fs=sr)
            out[start : start + segment.size] += sps.lfilter(b, a, segment)
    envelope = (np.sin(np.pi * (np.arange(n) % syllable) / syllable) ** 2) * (rng.random(n // syllable + 1) > 0.25)[
        np.arange(n) // syllable
    ]
    return _unit(out * envelope + 0.002 * rng.standard_normal(n))


GENERATORS: dict[str, Generator] = {
    "white noise": white_noise,
    "pink noise": pink,
    "brown noise": brown_noise,
    "steady tone": steady_tone,
    "warbling tone": warbling_tone,
    "sweep": sweep,
    "hum": hum,
    "clicks": clicks,
    "babble": babble,
}


def non_music(seed: int, *, sr: int = 16000, seconds: float = 30.0, per_kind: int = 2) -> list[tuple[str, np.ndarray]]:
    """``per_kind`` examples of every generator, named ``"<kind> #<i>"``, from one seed."""
    rng = np.random.default_rng(seed)
    return [(f"{kind} #{i + 1}", make(rng, sr, seconds)) for kind, make in GENERATORS.items() for i in range(per_kind)]


def seed_and_rate(seed: int, sr: int) -> str:
    """``seed 2 at 44.1 kHz``: which generated non-music a figure or a choice was made on, as reports and sidecars say
    it (the rate decides what the noises hold near 8 kHz, and with it some verdicts)."""
    return f"seed {seed} at {sr / 1000:g} kHz"


def kind_of(name: str) -> str:
    """The generator of a sound named by :func:`non_music`: ``"brown noise #2"`` → ``"brown noise"``."""
    return name.rsplit(" #", 1)[0]
