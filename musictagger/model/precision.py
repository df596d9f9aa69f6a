"""Choosing between the shipped model and its int8 twin by their measured speed on this machine.

``models/`` may hold ``<name>-int8.onnx`` beside ``<name>.onnx`` (see
:mod:`musictagger.training.quantize`).  Whether int8 is faster depends on the CPU: with
VNNI instructions (AVX-512 VNNI, AVX-VNNI) onnxruntime's int8 convolutions beat float32;
on plain AVX2 they can be slower.  So the first use on a machine times both on one window
and keeps the faster (int8 only when clearly so), remembering the choice in the user cache
dir per (CPU, onnxruntime version, pair of models, share of tracks the twin defers): a later
start costs a file read.
A twin is a candidate only if it agrees with its float32 model closely enough (the same
verdict and the same unknown/genre decision on 99 % of tracks, codes a median of at most 2
bits apart, as ``musictagger quantize`` measured and recorded in its sidecar, with the two
models' ids it measured: a record made before either model's weights, verdict policy or
deferral changed says nothing about them and does not count): speed never buys different
answers unasked.  ``$MUSICTAGGER_PRECISION`` (``auto``, ``float32`` or
``int8``) overrides the choice: ``int8`` runs a twin whatever its agreement.

A twin whose sidecar has a ``defer`` section (:class:`Deferral`) hands a track to its float32
model when its own answer is within reach of its rounding error: two genres nearly tied, or
evidence next to a threshold of the verdict policy.  Its agreement is measured with the deferral,
and so is its speed: one int8 run plus a float32 run for the share of tracks it deferred.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from musictagger.errors import ModelError
from musictagger.model.manifest import ModelManifest, load_manifest
from musictagger.model.verdict import Verdict, VerdictPolicy
from musictagger.userdirs import cache_dir, write_json

INT8_SUFFIX = "-int8"
PRECISION_ENV_VAR = "MUSICTAGGER_PRECISION"
PRECISIONS = ("auto", "float32", "int8")
# int8 must be at least this much faster to be chosen: on a tie float32 is the reference.
REQUIRED_SPEED_UP = 1.1
# How closely a twin must agree with its float32 model, on every set ``musictagger quantize``
# measured and recorded in the twin's sidecar, to stand in for it unasked.
REQUIRED_AGREEMENT = 0.99  # same verdict, same unknown/genre decision, same genre written by `tag`
MAX_MEDIAN_HAMMING = 2
TIMED_RUNS = 3


@dataclass(frozen=True)
class Deferral:
    """When an int8 twin hands a track to its float32 model: when its answer is within reach of its error.

    ``margin``: the twin defers when its best genre leads the second by less than this (calibrated
    probabilities).  ``evidence``: per value of :attr:`Verdict.evidence`, how near a threshold of the
    verdict policy (:meth:`VerdictPolicy.boundaries`) it defers.  ``musictagger quantize`` sets each to a
    multiple of the largest difference between twin and float32 on its calibration tracks.
    """

    margin: float
    evidence: dict[str, float]

    def defers(self, probabilities: np.ndarray, verdict: Verdict, policy: VerdictPolicy) -> bool:
        """Whether the twin's calibrated ``probabilities`` and ``verdict`` are too near a change of answer."""
        return any(distance < tolerance for _, distance, tolerance in self.distances(probabilities, verdict, policy))

    def distances(
        self, probabilities: np.ndarray, verdict: Verdict, policy: VerdictPolicy
    ) -> Iterator[tuple[str, float, float]]:
        """Each way the answer could change: its name (``"lead"`` or an evidence key), how far the twin's
        answer is from it, and the tolerance within which the twin defers."""
        top = np.sort(probabilities)[::-1]
        if len(top) > 1:
            yield "lead", float(top[0] - top[1]), self.margin
        for key, thresholds in policy.boundaries().items():
            for threshold in thresholds:
                yield key, abs(verdict.evidence[key] - threshold), self.evidence[key]

    def to_dict(self) -> dict:
        """The deferral rule as its sidecar stores it."""
        return asdict(self)

    @classmethod
    def of(cls, manifest: ModelManifest) -> Deferral | None:
        """The deferral a twin's sidecar records, if any; one that does not cover every threshold of the
        twin's verdict policy is a :class:`ModelError`."""
        section = manifest.model.get("precision", {}).get("defer")
        if section is None:
            return None
        try:
            deferral = cls(
                margin=float(section["margin"]), evidence={k: float(v) for k, v in section["evidence"].items()}
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"{manifest.name}: malformed 'defer' section in its sidecar ({exc!r})") from exc
        missing = set(manifest.verdict_policy.boundaries()) - set(deferral.evidence)
        if missing:
            raise ModelError(f"{manifest.name}: its 'defer' section has no tolerance for {sorted(missing)}")
        return deferral


def int8_twin(path: Path) -> Path | None:
    """``<name>-int8.onnx`` beside ``<name>.onnx`` (with its sidecar), if there is one."""
    twin = path.with_name(f"{path.stem}{INT8_SUFFIX}{path.suffix}")
    return twin if twin.is_file() and twin.with_suffix(".json").is_file() else None


def float_model(path: Path) -> Path:
    """The float32 model of ``path``: the one an int8 twin's name says it was built from, else ``path`` itself."""
    return path.with_name(path.stem.removesuffix(INT8_SUFFIX) + path.suffix)


def cpu_name() -> str:
    """The CPU's model name and its int8 dot-product instructions, as the kernel reports them."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    return " ".join([model, *sorted(f for f in flags if "vnni" in f or f == "avx2" or f == "avx512f")])


def seconds_per_window(path: Path) -> float:
    """Best of :data:`TIMED_RUNS` timed runs of one window of noise, after one untimed run."""
    manifest = load_manifest(path, verify_digest=False)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    shape = (1, manifest.front_end.window_frames, manifest.front_end.n_mels)
    feed = {session.get_inputs()[0].name: np.random.default_rng(0).uniform(0, 3, shape).astype(np.float32)}
    return best_of_runs(session, feed)


def best_of_runs(session: ort.InferenceSession, feed: dict[str, np.ndarray], runs: int = TIMED_RUNS) -> float:
    """Seconds of the fastest of ``runs`` timed runs of ``feed``, after one untimed run (also ``bench/``'s timer)."""
    session.run(None, feed)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - started)
    return min(times)


def measured_pair(twin: Path) -> dict[str, str]:
    """The model ids of ``twin`` and its float32 model as they are now: what an agreement record must name."""
    return {
        "float32": load_manifest(float_model(twin), verify_digest=False).model_id,
        "int8": load_manifest(twin, verify_digest=False).model_id,
    }


def recorded_agreement(twin: Path) -> list[dict]:
    """The twin's agreement with its float32 model on each set ``musictagger quantize`` measured; none
    when the record was made with other models (other weights, verdict policy or deferral) than these."""
    precision = load_manifest(twin, verify_digest=False).model.get("precision", {})
    if precision.get("agreement_measured_with") != measured_pair(twin):
        return []
    return list(precision.get("agreement", {}).values())


def deferred_share(sets: list[dict]) -> float:
    """The largest share of tracks the twin handed to its float32 model on any set of its
    :func:`recorded_agreement` (0 if none)."""
    return max((float(result.get("deferred", 0.0)) for result in sets), default=0.0)


def agrees_enough(sets: list[dict]) -> bool:
    """Whether a twin's :func:`recorded_agreement` with its float32 model meets the bar on every set."""
    return bool(sets) and all(
        result["same_verdict"] >= REQUIRED_AGREEMENT
        and result["same_decision"] >= REQUIRED_AGREEMENT
        and result.get("same_tag_decision", 0.0) >= REQUIRED_AGREEMENT  # unmeasured (an older record): not enough
        and result["median_hamming"] <= MAX_MEDIAN_HAMMING
        for result in sets
    )


def fastest_variant(path: Path) -> Path:
    """``path`` or its int8 twin, whichever runs faster here (measured once per machine, then remembered;
    a deferring twin's time includes the float32 runs of the share of tracks it deferred) if the twin agrees
    enough (:func:`agrees_enough`), unless ``$MUSICTAGGER_PRECISION`` says which."""
    precision = os.environ.get(PRECISION_ENV_VAR, "auto")
    if precision not in PRECISIONS:
        raise ModelError(f"${PRECISION_ENV_VAR} is {precision!r}; it must be one of {', '.join(PRECISIONS)}")
    twin = int8_twin(path)
    if twin is None or precision == "float32":
        return path
    if precision == "int8":
        return twin
    sets = recorded_agreement(twin)
    if not agrees_enough(sets):
        return path
    share = deferred_share(sets)  # in the key: an agreement measured again may defer another share
    # The files (not the models' ids, which a rewrite that keeps the function keeps) are what runs at a speed.
    files = " ".join(load_manifest(p, verify_digest=False).onnx_sha256[:12] for p in (path, twin))
    key = f"{cpu_name()} | onnxruntime {ort.__version__} | {files} | deferring {share:g}"
    record = cache_dir() / "precision.json"
    try:
        choices = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        choices = {}
    if key not in choices:
        float_s, int8_s = seconds_per_window(path), seconds_per_window(twin)
        expected_s = int8_s + share * float_s  # a deferred track runs both
        choices[key] = {
            "float32_s": float_s,
            "int8_s": int8_s,
            "deferred_share": share,
            "int8": float_s >= REQUIRED_SPEED_UP * expected_s,
        }
        write_json(record, choices)
    return twin if choices[key]["int8"] else path
