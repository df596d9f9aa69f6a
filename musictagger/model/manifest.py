"""The JSON sidecar that travels with every ONNX model.

It holds what the runtime needs to use the model correctly (labels, front-end parameters,
bits, output names) and what a user needs to trust it (metrics with the split they were
measured on, training data, licences).  Training writes it; everything else reads it from
here, and a sidecar that does not fit its model is refused rather than half-used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from musictagger import atomic_write
from musictagger.audio.params import FeatureParams
from musictagger.disk import disk_trouble
from musictagger.errors import FileError, ModelError, ParameterError
from musictagger.model.recognition import RecognitionPolicy
from musictagger.model.verdict import VerdictPolicy

FORMAT = "musictagger-model"
FORMAT_VERSION = 1
LAYER_OUTPUTS = ("layer1", "layer2", "layer3", "layer4", "layer5")
# Outputs a model may add after the layers: the detector's evidence (see musictagger.model.verdict).
EVIDENCE_OUTPUTS = ("novelty", "tags")


@dataclass(frozen=True)
class LayerInfo:
    """One conv block as the model exposes it: output name, full shape, channels shown."""

    name: str
    output: str
    shape: tuple[int, ...]
    channels: tuple[int, ...]


@dataclass(frozen=True)
class ModelManifest:
    """Contents of ``<model>.json``.

    ``shape`` of a layer is ``(channels, time, freq)`` of its full activation for one
    window; ``channels`` are the backbone channel indices the model outputs (and reads).
    ``metrics`` maps a split name (``valid``, ``test``) to its figures.  ``tag_names`` names
    the columns of the optional ``tags`` output (the backbone's own tags); ``verdict`` is the
    :class:`~musictagger.model.verdict.VerdictPolicy` as a dictionary.
    """

    name: str
    onnx_file: str
    onnx_sha256: str
    labels: tuple[str, ...]
    bits: int
    front_end: FeatureParams
    windows_per_track: int
    layers: tuple[LayerInfo, ...]
    model: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    licences: tuple[dict[str, str], ...] = ()
    created: str = ""
    tag_names: tuple[str, ...] = ()
    verdict: dict[str, Any] = field(default_factory=dict)
    recognition: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict_policy(self) -> VerdictPolicy:
        """Calibration and the "unknown" detector (identity policy when the sidecar has none)."""
        return VerdictPolicy.from_dict(self.verdict)

    @property
    def recognition_policy(self) -> RecognitionPolicy | None:
        """When live listening names the nearest library track as playing; None: never (no section)."""
        return RecognitionPolicy.from_dict(self.recognition)

    @property
    def match_bits(self) -> int:
        """The code's last bits that tell which music it is, and that the library's search compares: the identity
        bits where the model has them, else all.  The learnt bits before them say the genre; compared too, a room
        capture whose genre the room made doubtful lost its own track from the search's shortlist (README,
        "Search")."""
        return int(self.model.get("identity_bits") or self.bits)

    def test_figure(self, name: str) -> tuple[float, tuple[float, float] | None] | None:
        """A figure measured on the test split (``accuracy``, ``macro_f1`` …) and its 95 % interval
        where recorded; None when the sidecar has no such figure (a converted model, an old sidecar)."""
        figure = self.metrics.get("test", {}).get(name)
        if not isinstance(figure, dict) or "value" not in figure:
            return None
        interval = figure.get("ci95")
        return float(figure["value"]), (float(interval[0]), float(interval[1])) if interval else None

    @property
    def function_sha256(self) -> str:
        """The digest of the ONNX file as it was before the graph rewrites that kept its function (``musictagger
        streamline``, checked output for output), else the file's own.  ``model.same_function`` names the file it
        was recorded for, so a sidecar copied for another file (an int8 twin's, built from this model's) or a file
        replaced by hand does not take it."""
        same = self.model.get("same_function", {})
        return str(same["as"]) if same.get("file") == self.onnx_sha256 else self.onnx_sha256

    @property
    def model_id(self) -> str:
        """Short identity of what makes a verdict: the weights, and the verdict policy when there is one.

        The library index re-analyses a file whose stored ``model_id`` differs, so a policy
        retuned in the sidecar (same ONNX file) must change it too, and so must an int8 twin's
        deferral to its float32 model; a sidecar without either keeps the id it had before they existed.
        A rewrite that computes the same function faster keeps the id (:attr:`function_sha256`): its
        answers differ from the old graph's by float rounding, as another CPU's do, so a library is not
        analysed again for it.
        """
        model_id = f"{self.name}@{self.function_sha256[:12]}"
        defer = self.model.get("precision", {}).get("defer")
        for part, section in (("verdict", self.verdict), ("defer", defer)):
            if section:
                model_id += f"+{part}-{hashlib.sha256(json.dumps(section, sort_keys=True).encode()).hexdigest()[:8]}"
        return model_id

    def to_dict(self) -> dict[str, Any]:
        """The sidecar's JSON document: its format and version, then every field."""
        data = asdict(self)
        data["front_end"] = self.front_end.to_dict()
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelManifest:
        data = data if isinstance(data, dict) else {}  # JSON of another kind: a list, a number
        if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"not a {FORMAT} v{FORMAT_VERSION} sidecar (format={data.get('format')!r}, "
                f"version={data.get('format_version')!r})"
            )
        body = {k: v for k, v in data.items() if k not in ("format", "format_version")}
        try:
            _check_kinds(body)
            body["front_end"] = FeatureParams.from_dict(body["front_end"])
            body["labels"] = tuple(body["labels"])
            body["layers"] = tuple(
                LayerInfo(name=x["name"], output=x["output"], shape=tuple(x["shape"]), channels=tuple(x["channels"]))
                for x in body["layers"]
            )
            body["licences"] = tuple(body.get("licences", ()))
            body["tag_names"] = tuple(body.get("tag_names", ()))
            manifest = cls(**body)
            manifest.verdict_policy  # noqa: B018 (validates the sections now, not at first use)
            manifest.recognition_policy  # noqa: B018
            return manifest
        except (KeyError, TypeError, ParameterError) as exc:
            raise ModelError(f"malformed model sidecar: {exc}") from exc

    def save(self, path: Path) -> None:
        """Write the sidecar ``path`` (:func:`save_sidecars`)."""
        save_sidecars({path: self})


def save_sidecars(sidecars: Mapping[Path, ModelManifest]) -> None:
    """Write each sidecar (its path, its manifest) as pretty JSON, all of them or none
    (:func:`~musictagger.atomic_write.replacing_together`): stopped (Ctrl-C) or failing, each is left as it was and no
    ``.partial`` file beside it.  A model's and its int8 twin's, written one after the other, disagreed when the second
    write failed or was stopped.  A sidecar that cannot be written (a read-only folder or mount, a full disk) is a
    FileError naming it and why, not an OSError's traceback (``recognition --write`` ended in one after its run)."""
    path = next(iter(sidecars))
    try:
        with atomic_write.replacing_together(*sidecars) as temporaries:
            for path, temporary in zip(sidecars, temporaries, strict=True):
                temporary.write_text(json.dumps(sidecars[path].to_dict(), indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise FileError(path, disk_trouble(path.parent) or f"cannot be written ({error.strerror or error})") from None


def _check_kinds(body: dict[str, Any]) -> None:
    """Refuse a sidecar whose values are not of their kind (a hand edit's ``"windows_per_track": "3"``, a label
    that is not text), which failed as a ``TypeError`` or ``AttributeError`` at the first analysis."""
    labels = body["labels"]
    if not isinstance(labels, list) or not labels or not all(isinstance(label, str) and label for label in labels):
        raise ParameterError(f"labels must be a list of names, got {labels!r}")
    for name in ("bits", "windows_per_track"):
        if isinstance(body[name], bool) or not isinstance(body[name], int) or body[name] < 1:
            raise ParameterError(f"{name} must be a whole number of at least 1, got {body[name]!r}")
    for name in ("front_end", "model", "training", "metrics", "verdict", "recognition"):
        if not isinstance(body.get(name, {}), dict):
            raise ParameterError(f"{name} must be a section of named values, got {body[name]!r}")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar_path(onnx_path: Path) -> Path:
    """``models/x.onnx`` → ``models/x.json``."""
    return onnx_path.with_suffix(".json")


def load_manifest(onnx_path: Path, *, verify_digest: bool = True) -> ModelManifest:
    """Read and check the sidecar of ``onnx_path``.

    Raises
    ------
    ModelError
        ``onnx_path`` is not an ``.onnx`` file (a sidecar given for its model was refused as describing
        "a different model than" itself), the sidecar is missing or malformed, or (with ``verify_digest``)
        the ONNX file is missing or the sidecar describes a different one.
    """
    if verify_digest and not Path(onnx_path).is_file():
        raise ModelError(f"{onnx_path}: model file not found")
    if Path(onnx_path).suffix.lower() != ".onnx":  # its sidecar was looked for as itself, or as a .json it never had
        raise ModelError(f"{onnx_path}: not a model: a model is an .onnx file, read with the .json sidecar beside it")
    path = sidecar_path(onnx_path)
    if not path.is_file():
        raise ModelError(f"{path}: the model's sidecar is missing (every .onnx needs its .json)")
    try:
        manifest = ModelManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from exc
    if verify_digest and sha256_of(onnx_path) != manifest.onnx_sha256:
        raise ModelError(f"{path}: describes a different model than {onnx_path.name} (SHA-256 mismatch)")
    return manifest
