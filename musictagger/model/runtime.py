"""Running the shipped model with onnxruntime: windows in, genre, hash code and layer maps out.

No torch here: the app ships the ONNX export and its sidecar, and this module is all it
needs to use them.  A track is analysed as a few windows spread over it, never overlapping
(see :func:`musictagger.audio.features.window_starts`), run through the model one by one;
window probabilities are averaged, and the track's bits are the majority vote of the
windows' bits (the mean relaxed code ≥ ½).  An int8 twin that defers
(:class:`~musictagger.model.precision.Deferral`) loads the float32 model it was built from and
hands it the tracks whose answer its rounding could have changed.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from musictagger.audio.frontend import Features, features_from_file, features_from_signal
from musictagger.errors import ModelError, ParameterError
from musictagger.model import choice, codes
from musictagger.model.embedding import track_embedding
from musictagger.model.head import PersonalHead
from musictagger.model.location import model_file
from musictagger.model.manifest import EVIDENCE_OUTPUTS, LAYER_OUTPUTS, ModelManifest, load_manifest
from musictagger.model.precision import Deferral, fastest_variant
from musictagger.model.verdict import NOT_MUSIC, Verdict, calibrate, decide, not_one_of_mine

# The third model (the second's calibration and unknown detector, and codes whose last 48 bits
# tell tracks apart) is the default; the first, the paper's configuration, and the second stay in
# models/ as hash-cnn-lstm-emotify and hash-cnn-lstm-emotify-v2.
DEFAULT_MODEL_NAME = "hash-cnn-lstm-emotify-v3"
# The same recipe on a 64-channel backbone distilled from MTT_vgg: about twice as fast, a little less sure.
FAST_MODEL_NAME = "hash-cnn-lstm-emotify-v4"
SHIPPED_MODELS = {"accurate": DEFAULT_MODEL_NAME, "fast": FAST_MODEL_NAME}
"""The shipped model of each :data:`musictagger.model.choice.CHOICES`."""
MODEL_ENV_VAR = "MUSICTAGGER_MODEL"

# The prediction is called uncertain when the best genre is below this probability or
# leads the runner-up by less than the margin: then the user sees both, not a verdict.
UNCERTAIN_BELOW = 0.6
UNCERTAIN_MARGIN = 0.2


def default_model_path() -> Path:
    """The model to use: ``$MUSICTAGGER_MODEL`` if set (exactly that file), else the shipped one the user
    chose (:func:`chosen_model_file`) — or its int8 twin where that runs faster on this machine
    (:mod:`musictagger.model.precision`)."""
    override = os.environ.get(MODEL_ENV_VAR)
    if override:
        return Path(override)
    return fastest_variant(chosen_model_file())


def installed_choices() -> tuple[str, ...]:
    """The choices whose shipped model is here (see :mod:`musictagger.model.location`)."""
    return tuple(choice for choice, name in SHIPPED_MODELS.items() if model_file(name).is_file())


def chosen_model_file() -> Path:
    """The float32 file of the shipped model the user chose (:mod:`musictagger.model.choice`); the
    default where the chosen one is not installed."""
    path = model_file(SHIPPED_MODELS[choice.chosen()])
    return path if path.is_file() else model_file(DEFAULT_MODEL_NAME)


@dataclass(frozen=True)
class WindowOutputs:
    """Raw model outputs for a batch of windows."""

    probabilities: np.ndarray
    code: np.ndarray
    layers: tuple[np.ndarray, ...]
    novelty: np.ndarray | None = None
    tags: np.ndarray | None = None


@dataclass(frozen=True)
class Judgement:
    """What a model's window outputs say about the track: calibrated probabilities (per window and their
    mean), the verdict, and the window-averaged evidence it was decided on."""

    window_probabilities: np.ndarray
    mean: np.ndarray
    verdict: Verdict
    novelty: float | None
    tags: np.ndarray | None


@dataclass(frozen=True)
class GenreScore:
    label: str
    probability: float


def is_uncertain(ranking: tuple[GenreScore, ...]) -> bool:
    """True when the best genre is below :data:`UNCERTAIN_BELOW` or leads by less than the margin."""
    best = ranking[0].probability
    runner_up = ranking[1].probability if len(ranking) > 1 else 0.0
    return best < UNCERTAIN_BELOW or best - runner_up < UNCERTAIN_MARGIN


def ranking_of(labels: Sequence[str], probabilities: np.ndarray) -> tuple[GenreScore, ...]:
    """Every label with its probability, most probable first (ties in ``labels``' order)."""
    probabilities = np.asarray(probabilities)
    return tuple(GenreScore(labels[i], float(probabilities[i])) for i in np.argsort(-probabilities, kind="stable"))


def uncertain_over(labels: Sequence[str], probabilities: np.ndarray, verdict: Verdict) -> bool:
    """Whether a verdict with a label is uncertain (:func:`is_uncertain`), from ``labels``' ``probabilities``."""
    return not verdict.unknown and is_uncertain(ranking_of(labels, probabilities))


def confidence_text(confidence: float, uncertain: bool) -> str:
    """A confidence as the window's tables write it: ``0.86``, or ``0.51 ?`` when the verdict is uncertain."""
    return f"{confidence:.2f}" + (" ?" if uncertain else "")


def verdict_text(ranking: tuple[GenreScore, ...], verdict: Verdict | None = None, field: str = "genre") -> str:
    """A verdict in words: ``pop 0.82``, ``uncertain: pop 0.41 / rock 0.38`` when unsure,
    ``not music`` or ``not one of my genres (nearest: rock 0.45)`` when the model has no genre for it
    (``not one of my moods …`` for a model of ``field`` mood: :func:`not_one_of_mine`)."""
    best = f"{ranking[0].label} {ranking[0].probability:.2f}"
    if verdict is not None and verdict.unknown:
        return NOT_MUSIC if verdict.reason == NOT_MUSIC else f"{not_one_of_mine(field)} (nearest: {best})"
    if not is_uncertain(ranking):
        return best
    return f"uncertain: {best} / {ranking[1].label} {ranking[1].probability:.2f}"


@dataclass(frozen=True)
class Analysis:
    """Everything the model says about one track.

    ``probabilities`` are the track's calibrated genre probabilities in the model's label
    order (the mean over windows); ``ranking`` lists every genre, most probable first.
    ``verdict`` says whether the model has a genre for the track at all: ``genre`` is ``None``
    when it does not, and ``nearest_genre`` is then the most probable one, for display.  ``bits`` is the K-bit hash code,
    ``relaxed_code`` the mean of the windows' sigmoid codes it was thresholded from, and
    ``window_codes`` those codes ``(n_windows, K)``: the library keeps them, so that a query made
    of one part of a track (a microphone's capture) finds the track by that part.
    ``warnings`` holds notes that lower trust in the result (e.g. clipping).  ``novelty`` and
    ``tags`` are the window-averaged evidence outputs of a model that has them (``None`` otherwise),
    kept so that a caller smoothing several analyses (the live recogniser) can decide again.
    ``embedding`` is what a personal head reads (:mod:`musictagger.model.embedding`).  Read through
    a personal head, ``probabilities``, ``ranking`` and ``verdict`` are the head's, over the user's
    labels, and ``window_probabilities`` is their one row (the head sees the track, not windows).
    """

    source: str
    probabilities: np.ndarray
    ranking: tuple[GenreScore, ...]
    bits: np.ndarray
    relaxed_code: np.ndarray
    duration_s: float
    window_starts_s: tuple[float, ...]
    window_probabilities: np.ndarray
    warnings: tuple[str, ...]
    model_id: str
    features: Features
    layers: tuple[np.ndarray, ...]
    verdict: Verdict
    window_codes: np.ndarray
    novelty: float | None = None
    tags: np.ndarray | None = None
    embedding: np.ndarray | None = None
    field: str = "genre"
    """The tag field the labels are values of (a personal head's, once read through it)."""
    deferred: bool = False
    """An int8 twin handed this track to its float32 model (:class:`~musictagger.model.precision.Deferral`)."""

    @property
    def genre(self) -> str | None:
        """The genre, or ``None`` when the verdict is unknown."""
        return self.verdict.genre

    def through(self, head: PersonalHead) -> Analysis:
        """This analysis with ``head``'s labels, probabilities and verdict in place of the base model's."""
        probabilities, verdict = head.judge(self.embedding, base=self.verdict)
        return dataclasses.replace(
            self,
            probabilities=probabilities,
            ranking=ranking_of(head.labels, probabilities),
            window_probabilities=probabilities[None],
            verdict=verdict,
            model_id=head.model_id,
            field=head.field,
        )

    @property
    def nearest_genre(self) -> str:
        """The most probable of the model's genres, whatever the verdict."""
        return self.ranking[0].label

    @property
    def unknown(self) -> bool:
        """Whether the verdict is "not one of my genres" or "not music" (:attr:`genre` is then ``None``)."""
        return self.verdict.unknown

    @property
    def confidence(self) -> float:
        """Calibrated probability of the most probable genre."""
        return self.ranking[0].probability

    @property
    def uncertain(self) -> bool:
        """Whether a genre verdict is uncertain (:func:`is_uncertain`: below 0.6, or less than 0.2 ahead of the
        runner-up); an unknown verdict never is."""
        return not self.unknown and is_uncertain(self.ranking)

    @property
    def code_hex(self) -> str:
        """The 64-bit code as 16 hex digits, its first bit the highest of the first digit (:func:`codes.to_hex`)."""
        return codes.to_hex(self.bits)

    def without_details(self) -> Analysis:
        """This analysis without its model input windows and layer maps (tens of MB): the verdict and code stay."""
        windows = self.features.windows
        light = dataclasses.replace(self.features, windows=np.zeros((0, *windows.shape[1:]), dtype=windows.dtype))
        return dataclasses.replace(self, features=light, layers=())

    def summary(self) -> str:
        """The verdict in words (see :func:`verdict_text`)."""
        return verdict_text(self.ranking, self.verdict, self.field)

    def to_dict(self, *, top_k: int | None = None) -> dict:
        """JSON-ready summary (no arrays beyond the code)."""
        ranking = self.ranking[:top_k] if top_k else self.ranking
        return {
            "file": self.source,
            "genre": self.genre,
            "verdict": self.verdict.kind,
            "reason": self.verdict.reason or None,
            "nearest_genre": self.nearest_genre,
            "confidence": round(self.confidence, 4),
            "uncertain": self.uncertain,
            "summary": self.summary(),
            "top": [{"genre": s.label, "probability": round(s.probability, 4)} for s in ranking],
            "code_hex": self.code_hex,
            "bits": "".join(str(int(b)) for b in self.bits),
            "duration_s": round(self.duration_s, 3),
            "windows_start_s": [round(s, 3) for s in self.window_starts_s],
            "warnings": list(self.warnings),
            "model": self.model_id,
        }


class GenreModel:
    """An ONNX hash-CNN-LSTM and its sidecar, ready to analyse audio.

    With a personal ``head`` (see :mod:`musictagger.personal`), analyses are read through it: the
    user's labels and verdicts.  ``labels`` stays the base model's (what its outputs mean);
    ``output_labels`` are the labels analyses carry.

    One model serves many threads at once: it keeps nothing between analyses, and onnxruntime runs one
    session from several threads; load it once (:func:`load_model`) and share it, rather than hold a
    copy of its arrays per thread.
    """

    def __init__(self, onnx_path: str | Path, *, threads: int | None = None, head: PersonalHead | None = None) -> None:
        self.path = Path(onnx_path)
        self.head = head
        self.manifest: ModelManifest = load_manifest(self.path)  # refuses a missing file too
        self.deferral = Deferral.of(self.manifest)
        self.reference = self._reference(threads) if self.deferral else None
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        _register_shared_arena()
        options.add_session_config_entry("session.use_env_allocators", "1")
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise ModelError(f"{self.path}: onnxruntime cannot load it ({exc})") from exc
        self._check_signature()

    def _reference(self, threads: int | None) -> GenreModel:
        """The float32 model this int8 twin defers to: the one beside it that it was built from."""
        precision = self.manifest.model["precision"]
        path = self.path.with_name(f"{precision['float_model']}.onnx")
        if not path.is_file():
            raise ModelError(f"{self.path}: the float32 model it defers to, {path.name}, is not beside it")
        reference = GenreModel(path, threads=threads)
        if reference.manifest.onnx_sha256 != precision.get("float_sha256"):
            raise ModelError(f"{self.path}: {path.name} beside it is not the float32 model it was built from")
        if reference.manifest.verdict != self.manifest.verdict:  # shared by the pair (verdict_choice.write_policy)
            raise ModelError(
                f"{self.path}: its verdict policy is not that of {path.name}, the float32 model it shares it with and "
                f"defers to (one sidecar edited, or written without the other): run `musictagger verdict {path} DATA "
                "--dev-set DEV --write` again, which writes both",
                paths=[self.path],
            )
        return reference

    def _check_signature(self) -> None:
        params = self.manifest.front_end
        (model_input,) = self.session.get_inputs()
        if list(model_input.shape[1:]) != [params.window_frames, params.n_mels]:
            raise ModelError(
                f"{self.path}: input shape {model_input.shape} does not match the sidecar's front end "
                f"({params.window_frames} frames × {params.n_mels} mels)"
            )
        names = [o.name for o in self.session.get_outputs()]
        expected = ["probabilities", "code", *LAYER_OUTPUTS]
        extras = names[len(expected) :]
        if names[: len(expected)] != expected or [n for n in EVIDENCE_OUTPUTS if n in extras] != extras:
            raise ModelError(f"{self.path}: outputs {names}, expected {expected} then any of {list(EVIDENCE_OUTPUTS)}")
        if "tags" in extras and not self.manifest.tag_names:
            raise ModelError(f"{self.path}: the model outputs tags but its sidecar names none")
        probabilities, code = (output.shape[-1] for output in self.session.get_outputs()[:2])
        for size, named, what in ((probabilities, len(self.labels), "labels"), (code, self.manifest.bits, "bits")):
            if isinstance(size, int) and size != named:  # a label left out analysed as IndexError
                raise ModelError(f"{self.path}: the model outputs {size} {what}, its sidecar names {named}")
        self.input_name = model_input.name
        self.output_names = names
        self.policy = self.manifest.verdict_policy

    @property
    def labels(self) -> tuple[str, ...]:
        """The base model's genres, in the order of its outputs (its sidecar's ``labels``)."""
        return self.manifest.labels

    @property
    def output_labels(self) -> tuple[str, ...]:
        """The labels of this model's analyses: the personal head's, else the base model's."""
        return self.head.labels if self.head else self.labels

    def run(self, windows: np.ndarray) -> WindowOutputs:
        """Model outputs for log-mel windows ``(n, window_frames, n_mels)``.

        The windows go through the model one at a time: a batch holds every window's activations
        at once (the first convolution's alone are 90 MB a window), and is no faster on a CPU,
        whose convolutions are already large enough to keep the cores busy.  (onnxruntime's memory
        arena stays on: without it each run allocates afresh, 60 % slower on this machine.)
        """
        runs = [self.session.run(None, {self.input_name: window[None].astype(np.float32)}) for window in windows]
        values = {name: np.concatenate(outputs) for name, *outputs in zip(self.output_names, *runs, strict=True)}
        return WindowOutputs(
            probabilities=values["probabilities"],
            code=values["code"],
            layers=tuple(values[name] for name in LAYER_OUTPUTS),
            novelty=values.get("novelty"),
            tags=values.get("tags"),
        )

    def decide(self, probabilities: np.ndarray, *, novelty: float | None, tags: np.ndarray | None) -> Verdict:
        """The verdict on calibrated ``probabilities`` and the evidence, under this model's policy."""
        return decide(
            probabilities,
            labels=self.labels,
            policy=self.policy,
            novelty=novelty,
            tags=tags,
            tag_names=self.manifest.tag_names,
        )

    def judge(self, outputs: WindowOutputs) -> Judgement:
        """The track's calibrated probabilities and verdict from its windows' raw ``outputs``."""
        window_probabilities = calibrate(outputs.probabilities, self.policy.temperature)
        mean = window_probabilities.mean(axis=0)
        novelty = float(outputs.novelty.mean()) if outputs.novelty is not None else None
        tags = outputs.tags.mean(axis=0) if outputs.tags is not None else None
        verdict = self.decide(mean, novelty=novelty, tags=tags)
        return Judgement(window_probabilities, mean, verdict, novelty, tags)

    def analyze_features(self, features: Features, *, source: str, through_head: bool = True) -> Analysis:
        """Aggregate the model's view of each window of ``features`` into one verdict (read through the personal
        head unless ``through_head`` is false: a caller smoothing several analyses applies it itself)."""
        outputs = self.run(features.windows)
        judged = self.judge(outputs)
        deferred = self.reference is not None and self.deferral.defers(judged.mean, judged.verdict, self.policy)
        if deferred:
            outputs = self.reference.run(features.windows)
            judged = self.judge(outputs)
        relaxed = outputs.code.mean(axis=0)
        params = self.manifest.front_end
        warnings = list(features.notes)
        if features.report.clipped:
            warnings.append(f"clipped: {features.report.clipped_fraction:.1%} of samples at full scale")
        if features.announced_duration_s is not None:
            warnings.append(
                f"cut short: the audio ends at {features.report.duration_s:.1f} s of the "
                f"{features.announced_duration_s:.1f} s its header announces (damaged, or not copied whole)"
            )
        if 0 < features.source_rate < params.sample_rate:
            warnings.append(
                f"narrow band: sampled at {features.source_rate} Hz, it holds nothing above "
                f"{features.source_rate / 2000:g} kHz of the {params.sample_rate / 2000:g} kHz the model hears; "
                "trust the verdict less"
            )
        if features.report.duration_s < params.window_seconds:
            warnings.append(
                f"short: {features.report.duration_s:.1f} s, padded to a {params.window_seconds:.2f} s window by repetition"
            )
        analysis = Analysis(
            source=source,
            probabilities=judged.mean,
            ranking=ranking_of(self.labels, judged.mean),
            bits=codes.binarize(relaxed),
            relaxed_code=relaxed,
            duration_s=features.report.duration_s,
            window_starts_s=tuple(params.frames_to_seconds(s) for s in features.window_starts),
            window_probabilities=judged.window_probabilities,
            warnings=tuple(warnings),
            model_id=self.manifest.model_id,
            features=features,
            layers=outputs.layers,
            verdict=judged.verdict,
            novelty=judged.novelty,
            tags=judged.tags,
            embedding=track_embedding(outputs.layers, judged.tags, relaxed),
            deferred=deferred,
            window_codes=outputs.code,
        )
        return analysis.through(self.head) if self.head and through_head else analysis

    def _windows_or_default(self, n_windows: int | None) -> int:
        """``n_windows``, or the sidecar's windows per track where it is None.  0 is a count like any other, refused
        by the front end as below 1: it was taken for None, and analysed as many windows as the sidecar says."""
        return self.manifest.windows_per_track if n_windows is None else n_windows

    def analyze_file(self, path: str | bytes | Path, *, n_windows: int | None = None) -> Analysis:
        """Decode and analyse a file; ``n_windows`` defaults to the sidecar's windows per track."""
        if isinstance(path, bytes):  # a name as os.listdir(b".") gives it
            path = os.fsdecode(path)
        if not isinstance(path, str | os.PathLike):  # an array was "expected str, bytes or os.PathLike object"
            raise ParameterError(
                f"a file's path is analysed, not {type(path).__name__}: samples go to analyze_signal(y, sr=rate)"
            )
        features = features_from_file(
            path, params=self.manifest.front_end, n_windows=self._windows_or_default(n_windows)
        )
        return self.analyze_features(features, source=str(path))

    def analyze_signal(
        self,
        y: npt.ArrayLike,
        *,
        sr: int,
        n_windows: int | None = None,
        source: str = "<signal>",
        through_head: bool = True,
    ) -> Analysis:
        """Analyse decoded samples (e.g. a microphone buffer) through the same front end, with the sidecar's
        parameters, as a file is analysed.

        ``y`` is 1-D, ``(channels, samples)`` or ``(samples, channels)``, float at full scale ±1 or integer PCM
        (:func:`~musictagger.audio.signal.as_channels`); ``sr`` its samples per second.  An array that is not
        audio, NaN samples among them, is a :class:`~musictagger.errors.ParameterError`."""
        features = features_from_signal(
            y,
            sr=sr,
            params=self.manifest.front_end,
            n_windows=self._windows_or_default(n_windows),
            source=source,
        )
        return self.analyze_features(features, source=source, through_head=through_head)


@lru_cache(maxsize=1)
def _register_shared_arena() -> None:
    """Give onnxruntime one CPU memory arena for every model of this process, registered once.

    Each session otherwise keeps its own arena, grown to its largest run (~350 MB for a window of
    the backbone's activations).  An int8 twin and the float32 model it defers to run one after
    the other, never together, so one arena serves both: analysing 10 Emotify test clips (2 of
    them deferred), the twin's process peaked at 518 MB with it and 879 MB without, the float32
    model's alone at 512 MB, equally fast (measured by hand).
    """
    cpu = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(cpu, None)


_loading = threading.Lock()
"""Held while a model is chosen and loaded: threads that ask for their first model at once (a pool mapping
:func:`analyze` over files) share one load, where each loaded its own and timed the int8 twin against the
others' runs (:func:`~musictagger.model.precision.fastest_variant`)."""


def load_model(path: str | Path | None = None) -> GenreModel:
    """The model at ``path`` (default: :func:`default_model_path`, read now), loaded once per process and
    shared by every thread that asks for it (see :class:`GenreModel` on threads)."""
    with _loading:
        return _load_model(Path(path) if path else default_model_path())


@lru_cache(maxsize=4)
def _load_model(path: Path) -> GenreModel:
    return GenreModel(path)


def analyze(
    path: str | bytes | Path, *, model: GenreModel | str | Path | None = None, n_windows: int | None = None
) -> Analysis:
    """Analyse one audio file with the shipped model (or ``model``, loaded or the path of one: another shipped
    model's ``.onnx`` file, or its int8 twin): genre, confidence, hash code.

    Raises
    ------
    DecodeError
        The file is missing, not audio, or damaged beyond use (:mod:`musictagger.errors` has them all, under
        :class:`~musictagger.errors.MusictaggerError`).
    AudioTooShortError, SilentAudioError
        The audio is under a second long, or silent: any genre would be a guess.
    ModelError
        ``model`` (or ``$MUSICTAGGER_MODEL``) is not a model, or its sidecar does not fit it.
    """
    loaded = model if isinstance(model, GenreModel) else load_model(model)
    return loaded.analyze_file(path, n_windows=n_windows)
