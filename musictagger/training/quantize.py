"""Static int8 quantisation of a shipped model's backbone, with calibration windows from the training split.

Only the convolutions are quantised (per output channel, weights int8, activations uint8,
onnxruntime's QOperator format): they are 87% of the model's time, and the recurrent
readers, the hash layer and the classifier stay in float32, where their few operations
are cheap and their outputs most sensitive.  Activation ranges come from windows of
tracks of the training split (one window at a random place in each of ``n_tracks``
tracks, seeded), run through the shipped front end.  The int8 model gets its own sidecar:
the float sidecar's labels, front end and verdict policy, its own file digest, and a
``precision`` section naming the float model it was made from.

Needs the ``train`` extra (onnx, which onnxruntime's quantiser imports).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quant_pre_process, quantize_static

from musictagger.audio.frontend import features_from_file
from musictagger.model.manifest import ModelManifest, load_manifest, sha256_of, sidecar_path
from musictagger.model.precision import INT8_SUFFIX


class _Windows(CalibrationDataReader):
    """Feeds calibration windows to the quantiser one at a time."""

    def __init__(self, input_name: str, windows: list[np.ndarray]) -> None:
        self._feeds: Iterator[dict[str, np.ndarray]] = iter({input_name: w[np.newaxis]} for w in windows)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def calibration_windows(manifest: ModelManifest, tracks: list[Path], *, seed: int = 0) -> list[np.ndarray]:
    """One window per track, at a random one of its analysis windows."""
    rng = np.random.default_rng(seed)
    windows = []
    for track in tracks:
        features = features_from_file(track, params=manifest.front_end, n_windows=manifest.windows_per_track)
        windows.append(features.windows[rng.integers(len(features.windows))])
    return windows


def quantize_model(float_path: Path, tracks: list[Path], *, out_dir: Path | None = None, seed: int = 0) -> Path:
    """Write ``<name>-int8.onnx`` and its sidecar beside ``float_path`` (or in ``out_dir``); returns its path."""
    manifest = load_manifest(float_path)
    out_dir = out_dir or float_path.parent
    name = manifest.name + INT8_SUFFIX
    out = out_dir / f"{name}.onnx"
    import onnxruntime as ort

    input_name = ort.InferenceSession(str(float_path), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    windows = calibration_windows(manifest, tracks, seed=seed)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(float_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            _Windows(input_name, windows),
            quant_format=QuantFormat.QOperator,
            op_types_to_quantize=["Conv"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
    int8 = dataclasses.replace(
        manifest,
        name=name,
        onnx_file=out.name,
        onnx_sha256=sha256_of(out),
        model={
            **manifest.model,
            "precision": {
                "weights": "int8 convolutions (per channel), uint8 activations; recurrent readers and heads float32",
                "float_model": manifest.name,
                "float_sha256": manifest.onnx_sha256,
                "calibration_tracks": len(tracks),
                "calibration_seed": seed,
            },
        },
    )
    int8.save(sidecar_path(out))
    return out
