"""Copies of the first model with another verdict policy, for the tests of "unknown" verdicts.

The first model (``models/hash-cnn-lstm-emotify``) has no ``verdict`` section and no evidence
outputs, whatever model the app ships by default.  The sidecar's ``onnx_sha256`` covers the
ONNX file only, so a copy with a ``verdict`` section added to its sidecar is a real model the
app loads like any other: the same weights, another decision rule.  :data:`ALWAYS_UNKNOWN` makes every track "not one of" its genres,
:data:`CALIBRATED` never says unknown but calibrates (its confidences are lower than the
shipped model's), and :func:`model_with_novelty` adds the ``novelty`` output a model needs to
say "not music".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from musictagger.model.manifest import sha256_of, sidecar_path
from musictagger.model.runtime import DEFAULT_MODEL_NAME

MODELS = Path(__file__).resolve().parents[2] / "models"

# With T = 4 no calibrated probability of four genres reaches 0.999: calibrate() clips the
# others at 1e-12, so the best is at most 1 / (1 + 3·(1e-12)^(1/4)) ≈ 0.997.
ALWAYS_UNKNOWN: dict[str, Any] = {"temperature": 4.0, "min_confidence": 0.999, "chosen_on": "tests"}
CALIBRATED: dict[str, Any] = {"temperature": 2.0, "min_confidence": 0.0, "chosen_on": "tests"}
NOT_MUSIC: dict[str, Any] = {"temperature": 1.0, "not_music_novelty": 0.5, "chosen_on": "tests"}


def shipped_model() -> Path:
    """The model the app ships, whatever ``MUSICTAGGER_MODEL`` says."""
    return MODELS / f"{DEFAULT_MODEL_NAME}.onnx"


def first_model() -> Path:
    """The first model: no verdict section (it never says unknown), no ``novelty`` or ``tags`` output."""
    return MODELS / "hash-cnn-lstm-emotify.onnx"


def model_with_verdict(folder: Path, verdict: dict[str, Any], *, source: Path | None = None) -> Path:
    """A copy of ``source`` (default: the first model) in ``folder`` whose sidecar has ``verdict``."""
    source = source or first_model()
    folder.mkdir(parents=True, exist_ok=True)
    onnx_path = folder / source.name
    if source != onnx_path:
        shutil.copy(source, onnx_path)
    sidecar = json.loads(sidecar_path(source).read_text(encoding="utf-8"))
    sidecar["verdict"] = verdict
    sidecar_path(onnx_path).write_text(json.dumps(sidecar, indent=2), encoding="utf-8")
    return onnx_path


def model_with_novelty(folder: Path, novelty: float) -> Path:
    """A copy of the first model whose graph also outputs ``novelty`` (batch,), equal to ``novelty``
    for every window, as a model with the "unknown" detector's evidence does (its sidecar unchanged)."""
    import onnx
    from onnx import TensorProto, helper

    source = first_model()
    model = onnx.load(str(source))
    graph = model.graph
    graph.initializer.extend(
        [
            helper.make_tensor("novelty_axes", TensorProto.INT64, [1], [1]),
            helper.make_tensor("novelty_value", TensorProto.FLOAT, [], [novelty]),
        ]
    )
    # Σ probabilities over genres is 1 for every window: times the value, a constant per window.
    graph.node.extend(
        [
            helper.make_node("ReduceSum", ["probabilities", "novelty_axes"], ["novelty_one"], keepdims=0),
            helper.make_node("Mul", ["novelty_one", "novelty_value"], ["novelty"]),
        ]
    )
    graph.output.append(helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["batch"]))
    folder.mkdir(parents=True, exist_ok=True)
    onnx_path = folder / source.name
    onnx.save(model, str(onnx_path))
    sidecar = json.loads(sidecar_path(source).read_text(encoding="utf-8"))
    sidecar["onnx_sha256"] = sha256_of(onnx_path)
    sidecar_path(onnx_path).write_text(json.dumps(sidecar, indent=2), encoding="utf-8")
    return onnx_path
