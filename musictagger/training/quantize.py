"""Static int8 quantisation of a model's backbone, with calibration windows from the training split.

Which convolutions run in int8 is a choice between speed and agreement with the float32
model.  The shipped twin runs every convolution but the first in int8
(:data:`INT8_CONVOLUTIONS`; the first reads one channel, the log-mel, and is cheap), weights int8
per output channel, each ReLU fused into its uint8 output (so the output's 256 levels cover what
the ReLU keeps, not the negative half it discards).  The recurrent readers, the hash layers and
the classifier stay float32.  The classifier reads the bits, so one bit that int8 flips in one
window can turn a near-tie verdict: alone, this twin gave another verdict than float32 for 10 of
Emotify's 400 tracks and 3 of the dev set's 45 clips.  So the twin *defers*: when its answer is within
reach of its own error (two genres nearly tied, or evidence next to a threshold of the verdict
policy) the app runs the float32 model instead (:class:`~musictagger.model.precision.Deferral`).
How near is :data:`DEFERRAL_SAFETY` times the largest difference between twin and float32 seen
on the calibration tracks (:func:`measure_deferral`); ``musictagger quantize`` then measures the
agreement, and the share of tracks deferred, on every track of the data set and the dev set.

Activation ranges are the 99.999th percentile of each tensor's histogram over the
calibration windows (min–max let a few outlying values stretch the 256 levels), collected
:data:`CALIBRATION_CHUNK` windows at a time to bound memory.

:func:`~musictagger.training.graph_rewrites.fold_batch_norm_through_pool` rewrites each conv → ReLU → batch norm → max pool block
exactly into conv → max pool → per-channel clamp and shift, so the pools run on int8 too.  It
is faster (``bench/int8_graph.py``) but its conv outputs keep both signs (channels whose batch
norm is negative need the negative half), which halves their precision: its twin of the third
model, every convolution but the first int8, gave the same verdict as float32 on 95.3 % of Emotify's
tracks against 97.5 % unfolded, and with the same deferral rule would hand float32 more than
half of them.  ``quantize_graph(fold=True)`` builds it.

The third model's identity bits read all 640 channel means, standardised; int8 moves those
means by a little that standardisation amplifies into half the bits.  :func:`refit_identity_inputs`
fits, per channel, the line from the twin's channel means to the float model's on the
calibration tracks' windows and folds it into the twin's standardisation, so both read the
same numbers (the previous build's twin of the third model: a median 22 bits from float32 on
Emotify without the refit, 1 with it).

Activation ranges come from one window at a random place in each of ``count`` training tracks
(:func:`calibration_tracks`, seeded), run through the shipped front end.  Training an int8-ready
model (:mod:`musictagger.training.int8_views`) and writing its twin (:func:`quantize_model`)
use the same tracks and seed, so the twin reproduces the quantisation the model was fitted to.
The twin gets its own sidecar: the float sidecar's labels, front end and verdict policy, its
own file digest, a ``precision`` section naming the float model it was made from, and no
metrics until ``musictagger evaluate --record`` measures the twin's own.

Needs the ``train`` extra (onnx, which onnxruntime's quantiser imports).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)

from musictagger.atomic_write import replacing_together
from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.model.manifest import ModelManifest, load_manifest, sha256_of, sidecar_path
from musictagger.model.precision import INT8_SUFFIX, Deferral
from musictagger.model.runtime import GenreModel
from musictagger.training.graph_rewrites import _option, fold_batch_norm_through_pool

CALIBRATION_TRACKS = 64
CALIBRATION_PERCENTILE = 99.999
CALIBRATION_CHUNK = 8
INT8_CONVOLUTIONS = (1, 2, 3, 4)
DEFERRAL_SAFETY = 2.0


class _Windows(CalibrationDataReader):
    """Feeds calibration windows to the quantiser one at a time, a range of them per call
    (``set_range``: the quantiser collects histograms a chunk at a time)."""

    def __init__(self, input_name: str, windows: list[np.ndarray]) -> None:
        self._input_name, self._windows = input_name, windows
        self.set_range(0, len(windows))

    def __len__(self) -> int:
        return len(self._windows)

    def set_range(self, start_index: int, end_index: int) -> None:
        chunk = self._windows[start_index:end_index]
        self._feeds: Iterator[dict[str, np.ndarray]] = iter({self._input_name: w[np.newaxis]} for w in chunk)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def calibration_tracks(train: Sequence[Path], *, count: int | None = None, seed: int = 0) -> list[Path]:
    """``count`` (default :data:`CALIBRATION_TRACKS`) tracks of the training split, drawn with ``seed``,
    in their split order."""
    count = count or CALIBRATION_TRACKS
    picked = np.random.default_rng(seed).choice(len(train), size=min(count, len(train)), replace=False)
    return [train[i] for i in sorted(picked)]


def track_windows(tracks: list[Path], *, params: FeatureParams, n_windows: int) -> list[np.ndarray]:
    """Each track's ``n_windows`` analysis windows ``(n, frames, bands)``, as the app reads them."""
    return [features_from_file(track, params=params, n_windows=n_windows).windows for track in tracks]


def one_window_each(windows_of_tracks: list[np.ndarray], *, seed: int = 0) -> list[np.ndarray]:
    """A random one of each track's windows (the calibration windows)."""
    rng = np.random.default_rng(seed)
    return [windows[rng.integers(len(windows))] for windows in windows_of_tracks]


def calibration_windows(
    tracks: list[Path], *, params: FeatureParams, n_windows: int, seed: int = 0
) -> list[np.ndarray]:
    """One window per track, at a random one of its ``n_windows`` analysis windows."""
    return one_window_each(track_windows(tracks, params=params, n_windows=n_windows), seed=seed)


def quantize_graph(
    float_path: Path,
    out_path: Path,
    windows: list[np.ndarray],
    *,
    fold: bool = False,
    int8_convolutions: Sequence[int] = INT8_CONVOLUTIONS,
) -> None:
    """Write the int8 version of the ONNX graph ``float_path`` (input ``log_mel``) to ``out_path``.

    ``int8_convolutions`` are the positions (in graph order) of the convolutions run in int8;
    the others stay float32.  Unfolded, each int8 convolution's ReLU is fused into its output;
    ``fold=True`` folds the batch norms through the pools first and runs those pools on int8
    too.  The twin's build is the default; ``bench/int8_graph.py`` times the others.
    """
    model = onnx.load(str(float_path))
    if fold:
        fold_batch_norm_through_pool(model)
    every_convolution = [node for node in model.graph.node if node.op_type == "Conv"]
    # The backbone's, by position; the 1×1 ones that give the grid maps their dropped dead channels back
    # (training/dead_channels.py) are not among them, and stay float32.
    backbone = [node.name for node in every_convolution if _option(node, "kernel_shape") != [1, 1]]
    int8_names = {name for position, name in enumerate(backbone) if position in set(int8_convolutions)}
    kept_float = [node.name for node in every_convolution if node.name not in int8_names]
    chunk = max(size for size in range(1, CALIBRATION_CHUNK + 1) if len(windows) % size == 0)
    with tempfile.TemporaryDirectory() as scratch:
        rewritten, prepared = Path(scratch) / "rewritten.onnx", Path(scratch) / "prepared.onnx"
        onnx.save(model, str(rewritten))
        quant_pre_process(str(rewritten), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out_path),
            _Windows("log_mel", windows),
            quant_format=QuantFormat.QOperator,
            op_types_to_quantize=["Conv", "MaxPool"] if fold else ["Conv", "Relu"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=kept_float,
            calibrate_method=CalibrationMethod.Percentile,
            extra_options={"CalibPercentile": CALIBRATION_PERCENTILE, "CalibStridedMinMax": chunk},
        )


def refit_identity_inputs(twin_path: Path, float_path: Path, windows: np.ndarray) -> bool:
    """Fold into the twin's identity standardisation the per-channel line that maps its channel
    means onto the float model's, fitted on ``windows``; False (and the twin untouched) if the
    model has no identity bits.

    The identity layer computes ``(means − μ) / σ``.  With the float means ≈ ``a · twin means + b``
    per channel (least squares), ``μ' = (μ − b) / a`` and ``σ' = σ / a`` make the twin's standardised
    means the float model's.  A channel constant on ``windows`` gets ``a = 1`` and the difference of means.
    """
    twin = onnx.load(str(twin_path))
    initializers = {i.name: i for i in twin.graph.initializer}
    if "identity.mean" not in initializers:
        return False
    reader = next(node for node in twin.graph.node if "identity.mean" in node.input)
    means_name = next(name for name in reader.input if name != "identity.mean")
    float_means, int8_means = (_tensor_of(path, means_name, windows) for path in (float_path, twin_path))
    centred = int8_means - int8_means.mean(axis=0)
    spread = (centred**2).sum(axis=0)
    covariance = (centred * (float_means - float_means.mean(axis=0))).sum(axis=0)
    varies = spread > 1e-12 * max(float(spread.max()), 1e-30)
    slope = np.divide(covariance, spread, out=np.ones_like(spread), where=varies)
    slope[slope <= 0] = 1.0
    intercept = float_means.mean(axis=0) - slope * int8_means.mean(axis=0)
    mean = numpy_helper.to_array(initializers["identity.mean"]).astype(np.float64)
    scale = numpy_helper.to_array(initializers["identity.scale"]).astype(np.float64)
    for name, values in (("identity.mean", (mean - intercept) / slope), ("identity.scale", scale / slope)):
        initializers[name].CopyFrom(numpy_helper.from_array(values.astype(np.float32), name))
    onnx.save(twin, str(twin_path))
    return True


def _tensor_of(path: Path, name: str, windows: np.ndarray, batch: int = 16) -> np.ndarray:
    """The graph's intermediate tensor ``name`` for every window, float64."""
    model = onnx.load(str(path))
    model.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    runs = [
        session.run([name], {"log_mel": windows[i : i + batch].astype(np.float32)})[0]
        for i in range(0, len(windows), batch)
    ]
    return np.concatenate(runs).astype(np.float64)


def measure_deferral(twin_path: Path, float_path: Path, windows_of_tracks: list[np.ndarray]) -> Deferral:
    """How near a change of answer the twin must defer: :data:`DEFERRAL_SAFETY` times the largest
    difference between its judgement and the float32 model's over ``windows_of_tracks`` (each a
    track's windows), in the lead of its best genre over its second and in each evidence value the
    verdict policy has thresholds for."""
    twin, reference = GenreModel(twin_path), GenreModel(float_path)
    margin_error = 0.0
    evidence_error = dict.fromkeys(reference.policy.boundaries(), 0.0)
    for windows in windows_of_tracks:
        ours, theirs = twin.judge(twin.run(windows)), reference.judge(reference.run(windows))
        best, second = np.argsort(-ours.mean, kind="stable")[:2]
        lead_error = (ours.mean[best] - ours.mean[second]) - (theirs.mean[best] - theirs.mean[second])
        margin_error = max(margin_error, abs(float(lead_error)))
        for key in evidence_error:
            error = abs(ours.verdict.evidence[key] - theirs.verdict.evidence[key])
            evidence_error[key] = max(evidence_error[key], error)
    return Deferral(
        margin=DEFERRAL_SAFETY * margin_error,
        evidence={key: DEFERRAL_SAFETY * error for key, error in evidence_error.items()},
    )


def borrowed_recognition(manifest: ModelManifest) -> dict[str, Any]:
    """The twin's ``recognition`` section, lent by its float32 model (``manifest``) until ``musictagger recognition``
    chooses the twin's own on its own outputs: the distance and the margin, so that live listening on the twin still
    names what is playing (the third model's are 1.325 and 0.754, its twin's own 1.330 and 0.759), but not the
    figures, which are the float32 model's, and a ``chosen_on`` that says whose it is.  Empty when the float32 model
    has none."""
    policy = manifest.recognition_policy
    if policy is None:
        return {}
    lent = f"{manifest.name}'s, its float32 model's, until musictagger recognition chooses this twin's: "
    return dataclasses.replace(policy, chosen_on=lent + policy.chosen_on, figures=None).to_dict()


def quantize_model(float_path: Path, tracks: list[Path], *, seed: int = 0) -> Path:
    """Write ``<name>-int8.onnx`` and its sidecar beside ``float_path`` (where the twin finds the model it
    defers to), calibrated on ``tracks``, with its deferral measured on them; returns its path.

    The pair is written whole (:func:`~musictagger.atomic_write.replacing_together`): stopped (Ctrl-C, SIGTERM,
    SIGHUP) or failing, it leaves the twin that was there as it was and nothing beside it.  The twin was written in
    place, so a stop while its deferral was measured left the new graph beside the old sidecar, which names another
    file (the twin refused), or, the first time, a sidecar that records no deferral."""
    manifest = load_manifest(float_path)
    name = manifest.name + INT8_SUFFIX
    out = float_path.parent / f"{name}.onnx"
    windows_of_tracks = track_windows(tracks, params=manifest.front_end, n_windows=manifest.windows_per_track)
    # The sidecar's temporary path is sidecar_path(twin) (the same stem; suffixes of one length), which
    # measure_deferral's GenreModel(twin) reads.
    with replacing_together(out, sidecar_path(out)) as (twin, sidecar):
        quantize_graph(float_path, twin, one_window_each(windows_of_tracks, seed=seed))
        refitted = refit_identity_inputs(twin, float_path, np.concatenate(windows_of_tracks))
        precision = {
            "weights": f"int8 convolutions at positions {list(INT8_CONVOLUTIONS)} (weights per channel, "
            f"ReLU fused into the uint8 output, ranges the {CALIBRATION_PERCENTILE}th percentile); the other "
            "convolutions, recurrent readers and heads float32",
            "identity_inputs_refitted": refitted,
            "float_model": manifest.name,
            "float_sha256": manifest.onnx_sha256,
            "calibration_tracks": len(tracks),
            "calibration_seed": seed,
        }
        int8 = dataclasses.replace(
            manifest,
            name=name,
            onnx_file=out.name,
            onnx_sha256=sha256_of(twin),
            model={**manifest.model, "precision": precision},
            metrics={},  # the float32 model's figures are not the twin's: `musictagger evaluate --record` measures them
            recognition=borrowed_recognition(manifest),
        )
        int8.save(sidecar)
        deferral = measure_deferral(twin, float_path, windows_of_tracks)
        precision["defer"] = {
            **deferral.to_dict(),
            "chosen_on": f"{DEFERRAL_SAFETY:g}× the largest difference from float32 on the {len(tracks)} calibration "
            "tracks",
        }
        dataclasses.replace(int8, model={**manifest.model, "precision": precision}).save(sidecar)
    return out
