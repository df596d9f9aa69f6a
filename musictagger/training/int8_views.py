"""The int8 backbone's grid maps of training windows: how an int8 twin will see them.

An int8 twin (:mod:`musictagger.training.quantize`) moves every backbone map a little.  The
identity bits amplify small directions of the channel means (they whiten what varies little
within a track), so a model fitted on float32 maps alone lost 14 of its 64 bits to its twin.
Given these maps as one more view of each training track, the identity fit counts the
quantisation's movement as within-track variation and the head learns to read through it, as
it does rooms and crops; the twin then agrees with the float model it was made from.

The quantised backbone here is the one the twin will have: the same graph rewrite, the same
calibration tracks and seed (:func:`~musictagger.training.quantize.calibration_tracks`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.training.export import export_onnx
from musictagger.training.model import LayerMaps
from musictagger.training.quantize import calibration_tracks, calibration_windows, quantize_graph


class Int8LayerMaps:
    """:class:`~musictagger.training.model.LayerMaps` quantised as an int8 twin's backbone is."""

    def __init__(self, layer_maps: LayerMaps, *, params: FeatureParams, calibration: list[np.ndarray]) -> None:
        self.params = params
        with tempfile.TemporaryDirectory() as scratch:
            float_path, int8_path = Path(scratch) / "layer_maps.onnx", Path(scratch) / "layer_maps-int8.onnx"
            export_onnx(layer_maps.eval(), params, float_path, outputs=["maps"])
            quantize_graph(float_path, int8_path, calibration)
            options = ort.SessionOptions()
            options.intra_op_num_threads = torch.get_num_threads()
            self.session = ort.InferenceSession(str(int8_path), options, providers=["CPUExecutionProvider"])

    @classmethod
    def for_training(
        cls, layer_maps: LayerMaps, train: list[Path], *, params: FeatureParams, n_windows: int, seed: int
    ) -> Int8LayerMaps:
        """Calibrated as ``musictagger quantize`` will calibrate the twin of a model trained on ``train``
        whose sidecar reads ``n_windows`` windows per track."""
        tracks = calibration_tracks(train, seed=seed)
        return cls(
            layer_maps,
            params=params,
            calibration=calibration_windows(tracks, params=params, n_windows=n_windows, seed=seed),
        )

    def maps(self, windows: np.ndarray) -> np.ndarray:
        """Grid maps ``(n, 5, 128, Tg, Fg)`` float16 (as cached float maps are) of log-mel windows."""
        return np.concatenate(
            [self.session.run(None, {"log_mel": w[np.newaxis].astype(np.float32)})[0] for w in windows]
        ).astype(np.float16)

    def of_file(self, path: Path, *, n_windows: int) -> np.ndarray:
        """The maps of the clean windows the app analyses in ``path``."""
        return self.maps(features_from_file(path, params=self.params, n_windows=n_windows).windows)
