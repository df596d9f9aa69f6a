"""Export a trained run to ``models/<name>.onnx`` plus its JSON sidecar.

The ONNX graph is the whole model (frozen backbone, resize, channel selection, recurrent
readers, hash layer, classifier on the quantised bits), so the app needs only
onnxruntime.  The graph is streamlined (:mod:`~musictagger.training.graph_rewrites`) as it is
written, and checked on the spot: torch and onnxruntime must agree to 1e-4 on probabilities
and code, and give the same bits, or nothing is written.  :func:`streamline_model` brings a
model written before a rewrite existed up to date, checked against its old graph the same way.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from musictagger.atomic_write import replacing
from musictagger.audio.params import FeatureParams
from musictagger.errors import ModelError
from musictagger.model.manifest import (
    EVIDENCE_OUTPUTS,
    LAYER_OUTPUTS,
    LayerInfo,
    ModelManifest,
    load_manifest,
    sha256_of,
    sidecar_path,
)
from musictagger.model.precision import int8_twin
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone
from musictagger.training.config import ModelConfig, config_from_dict
from musictagger.training.evidence import Evidence, Novelty, WindowTags
from musictagger.training.graph_rewrites import streamline
from musictagger.training.identity import IdentityHash
from musictagger.training.model import HashCNNLSTM, HashHead, LayerMaps

LAYER_NAMES = ("conv1", "conv2", "conv3", "conv4", "conv5")
OUTPUT_NAMES = ("probabilities", "code", *LAYER_OUTPUTS)
PARITY_TOLERANCE = 1e-4

BACKBONE_NAMES = {
    "musicnn_mtt_vgg.npz": "MTT_vgg",
    "musicnn_msd_vgg.npz": "MSD_vgg",
    "fcn5-64-distilled.npz": "MTT_vgg pruned to 64 channels per block and distilled on Emotify's training audio by musictagger distil",
}
TRAINED_WEIGHTS_LICENCE = {
    "component": "trained hash-CNN-LSTM weights",
    "licence": "CC BY-NC-SA (inherited from the training data)",
    "notice": "Trained on the Emotify set of Magnatune music (Aljanaki, Wiering & Veltkamp 2016), released "
    "under Creative Commons BY-NC-SA: these weights are for non-commercial use only.",
}


def licences(backbone_file: str) -> tuple[dict[str, str], ...]:
    """The licence notices of a model built on ``backbone_file``."""
    backbone = {
        "component": f"FCN-5 backbone weights (musicnn 0.1.0, {BACKBONE_NAMES.get(backbone_file, backbone_file)})",
        "licence": "ISC",
        "notice": "Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019; see models/backbone/LICENSE-musicnn.txt",
    }
    return (backbone, TRAINED_WEIGHTS_LICENCE)


def build_model(bundle: dict[str, Any], *, backbone_path: Path) -> HashCNNLSTM:
    """The full torch model of a training bundle (``run_dir/model.pt``), in eval mode."""
    if sha256_of(backbone_path) != bundle["backbone_sha256"]:
        raise ModelError(f"{backbone_path}: not the backbone this run was trained with (SHA-256 mismatch)")
    config = config_from_dict(ModelConfig, bundle["model_config"])
    backbone, tag_head, _ = load_backbone(backbone_path)
    head = HashHead(config, n_classes=len(bundle["labels"]), channel_index=bundle["head_state"]["channel_index"])
    head.load_state_dict(bundle["head_state"])
    layer_maps = LayerMaps(backbone, grid_time=config.grid_time, grid_freq=config.grid_freq)
    evidence = None
    if "novelty_mean" in bundle:
        novelty = Novelty(bundle["novelty_mean"].numpy(), bundle["novelty_whitening"].numpy())
        evidence = Evidence(WindowTags(tag_head), novelty)
    identity = None
    if config.identity_bits:
        state = bundle["identity_state"]
        identity = IdentityHash.empty(
            features=state["mean"].numel(), bits=config.identity_bits, maxima=config.identity_maxima
        )
        identity.load_state_dict(state)
    return HashCNNLSTM(layer_maps, head, evidence, identity).eval()


def output_names(model: HashCNNLSTM) -> tuple[str, ...]:
    """The ONNX outputs of ``model``: the evidence outputs only when it has a detector."""
    return OUTPUT_NAMES + (EVIDENCE_OUTPUTS if model.evidence is not None else ())


def example_input(params: FeatureParams, batch: int, seed: int = 0) -> torch.Tensor:
    """Log-mel-like input in the front end's value range, for tracing and parity checks."""
    generator = torch.Generator().manual_seed(seed)
    return 3.0 * torch.rand(batch, params.window_frames, params.n_mels, generator=generator)


@dataclass(frozen=True)
class Parity:
    max_abs_probabilities: float
    max_abs_code: float
    bits_equal: bool
    max_rel_evidence: float = 0.0


def relative_difference(actual: np.ndarray, reference: np.ndarray) -> float:
    """The largest difference between two outputs, relative to the reference's size (at least 1)."""
    return float(np.abs(actual - reference).max() / max(float(np.abs(reference).max()), 1.0))


def check_parity(model: HashCNNLSTM, onnx_path: Path, log_mel: torch.Tensor) -> Parity:
    """Compare torch and onnxruntime on the same input (the evidence outputs relative to their size)."""
    with torch.no_grad():
        reference = [t.numpy() for t in model(log_mel)]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    actual = session.run(None, {"log_mel": log_mel.numpy()})
    evidence = [
        relative_difference(a, r)
        for a, r in zip(actual[len(OUTPUT_NAMES) :], reference[len(OUTPUT_NAMES) :], strict=True)
    ]
    return Parity(
        max_abs_probabilities=float(np.abs(actual[0] - reference[0]).max()),
        max_abs_code=float(np.abs(actual[1] - reference[1]).max()),
        bits_equal=bool(np.array_equal(actual[1] >= 0.5, reference[1] >= 0.5)),
        max_rel_evidence=max(evidence, default=0.0),
    )


def export_onnx(
    model: torch.nn.Module, params: FeatureParams, onnx_path: Path, *, outputs: Sequence[str]
) -> dict[str, int]:
    """Trace ``model`` (input ``log_mel``, outputs named ``outputs``) with a dynamic batch axis and write a
    self-contained ONNX file, streamlined (:mod:`~musictagger.training.graph_rewrites`): the shipped
    model, and the backbone that ``int8_views`` quantises.  Returns the rewrites made."""
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.onnx.export(
        model,
        (example_input(params, 2),),
        input_names=["log_mel"],
        output_names=list(outputs),
        dynamic_shapes={"log_mel": {0: batch}},
        dynamo=True,
        external_data=False,
        verbose=False,
    )
    program.save(str(onnx_path))
    graph = onnx.load(str(onnx_path))
    rewrites = streamline(graph)
    onnx.save(graph, str(onnx_path))
    return rewrites


def export_run(
    bundle_path: Path, *, backbone_path: Path | None, out_dir: Path, name: str
) -> tuple[ModelManifest, Parity]:
    """Export ``run_dir/model.pt`` to ``out_dir/<name>.onnx`` and ``.json``; refuse on a parity failure.

    ``backbone_path`` defaults to the backbone file the run names, in ``models/backbone/``.
    """
    bundle = torch.load(bundle_path, weights_only=True)
    backbone_path = backbone_path or DEFAULT_BACKBONE.with_name(bundle.get("backbone_file", DEFAULT_BACKBONE.name))
    model = build_model(bundle, backbone_path=backbone_path)
    params = FeatureParams.from_dict(bundle["front_end"])
    onnx_path = out_dir / f"{name}.onnx"
    with replacing(onnx_path) as partial:
        rewrites = export_onnx(model, params, partial, outputs=output_names(model))
        parity = check_parity(model, partial, example_input(params, 3, seed=1))
        worst = max(parity.max_abs_probabilities, parity.max_abs_code, parity.max_rel_evidence)
        if worst > PARITY_TOLERANCE or not parity.bits_equal:
            raise ModelError(f"ONNX export disagrees with torch: {parity}")

    with torch.no_grad():
        outputs = model(example_input(params, 1))
    channel_index = bundle["head_state"]["channel_index"].tolist()
    layers = tuple(
        LayerInfo(
            name=layer,
            output=output,
            shape=(model.layer_maps.backbone.blocks[i].conv.out_channels, *out.shape[2:]),
            channels=tuple(channel_index[i]),
        )
        for i, (layer, output, out) in enumerate(zip(LAYER_NAMES, LAYER_OUTPUTS, outputs[2:7], strict=True))
    )
    manifest = ModelManifest(
        name=name,
        onnx_file=onnx_path.name,
        onnx_sha256=sha256_of(onnx_path),
        labels=tuple(bundle["labels"]),
        bits=bundle["model_config"]["bits"],
        front_end=params,
        windows_per_track=bundle["train_config"]["eval_windows"],
        layers=layers,
        model={**bundle["model_config"], "graph_rewrites": rewrites},
        training={**bundle["training"], "train_config": bundle["train_config"]},
        metrics={"valid": bundle["valid_metrics"]},
        licences=licences(bundle.get("backbone_file", backbone_path.name)),
        created=time.strftime("%Y-%m-%d"),
        tag_names=tuple(load_backbone(backbone_path)[2]) if model.evidence is not None else (),
        verdict=bundle.get("verdict", {}),
    )
    manifest.save(sidecar_path(onnx_path))
    return manifest, parity


def streamline_model(onnx_path: Path) -> dict[str, int]:
    """Streamline ``onnx_path`` in place, and the int8 twin beside it (which names the float model's
    digest); returns the rewrites made to ``onnx_path`` (none: nothing written).

    The new graph must give the old one's outputs on example windows (to :data:`PARITY_TOLERANCE`
    relative to each output's size, and the same bits), or nothing is written.  The sidecar gets
    the new digest and ``model.graph_rewrites`` counts each rewrite ever made to the file.  A float32
    model keeps its id (``model.same_function`` keeps the digest it is made of: the function is the same
    up to float rounding), so a library does not analyse its files again and the twin's recorded agreement
    still holds; an int8 twin's id follows its file, since a rounding moved before one of its quantisation
    steps can move a value by a whole step.
    """
    manifest, twin = load_manifest(onnx_path), int8_twin(onnx_path)
    graph = onnx.load(str(onnx_path))
    rewrites = streamline(graph)
    if any(rewrites.values()):
        with replacing(onnx_path) as partial:
            onnx.save(graph, str(partial))
            windows = example_input(manifest.front_end, 3, seed=1).numpy()
            before, after = (
                ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"log_mel": windows})
                for path in (onnx_path, partial)
            )
            worst = max(relative_difference(a, b) for a, b in zip(after, before, strict=True))
            if worst > PARITY_TOLERANCE or not np.array_equal(after[1] >= 0.5, before[1] >= 0.5):
                raise ModelError(
                    f"{onnx_path}: the streamlined graph disagrees with the old one (largest difference {worst:.1e})"
                )
        done = dict(manifest.model.get("graph_rewrites", {}))
        for name, count in rewrites.items():
            if count:
                done[name] = done.get(name, 0) + count
        old_digest, new_digest = manifest.onnx_sha256, sha256_of(onnx_path)
        model = {**manifest.model, "graph_rewrites": done}
        if "float_model" not in manifest.model.get("precision", {}):  # a twin's int8 steps round anew: its id moves
            model["same_function"] = {"file": new_digest, "as": manifest.function_sha256}
        manifest = dataclasses.replace(manifest, onnx_sha256=new_digest, model=model)
        manifest.save(sidecar_path(onnx_path))
        if twin is not None:
            _follow_float_model(twin, old_digest, manifest.onnx_sha256)
    if twin is not None:
        streamline_model(twin)
    return rewrites


def _follow_float_model(twin: Path, old_digest: str, new_digest: str) -> None:
    """Point ``twin``'s sidecar at its float model's new digest, if it named the old one."""
    manifest = load_manifest(twin)
    precision = manifest.model.get("precision", {})
    if precision.get("float_sha256") == old_digest:
        model = {**manifest.model, "precision": {**precision, "float_sha256": new_digest}}
        dataclasses.replace(manifest, model=model).save(sidecar_path(twin))
