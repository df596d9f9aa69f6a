"""Training a personal head on the tagged part of the library, and measuring it before it is offered.

The features are the embeddings the index already holds (no audio is decoded again).  The head is
a standardised multinomial logistic regression with balanced class weights (a small library is
rarely balanced).  It is measured by cross-validation with folds grouped by artist
(``StratifiedGroupKFold``), so one artist's tracks never sit on both sides; the out-of-fold
scores then choose the calibration temperature (:func:`fit_temperature`), the novelty radius beyond
which a track is unlike every training track (:func:`novelty_space`, :data:`FAMILIAR_SHARE`) and
the "not one of my labels" threshold (see :func:`choose_threshold`).  The saved head is fitted on
every tagged track.
scikit-learn is imported only when learning runs: the CLI and the window import this module at start.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from musictagger.errors import MusictaggerError
from musictagger.library.store import Library
from musictagger.model.head import (
    UNFAMILIAR_BELOW,
    PersonalHead,
    familiarity_of,
    linear_logits,
    nearest_distances,
)
from musictagger.model.verdict import NOT_MUSIC, softmax
from musictagger.personal.store import active_name, check_name, save_model
from musictagger.personal.vocabulary import EXCLUDED_BY_YOU, LabelSurvey, current_model_id, survey

MAX_FOLDS = 5
REGULARISATION = 0.05
"""Inverse L2 strength of the logistic regression (chosen on Emotify, see reports/learn.md)."""
TARGET_PRECISION = 0.8
"""The unknown threshold keeps a proposal only where out-of-fold proposals were right this often."""
MIN_COVERAGE = 0.1
CONFUSION_SHARE = 0.15
"""A confusion is reported when at least this share of a label's tracks (and two) went to another."""
NOT_MUSIC_SHARE = 0.1
"""A label is said to be mostly out of reach when the base model calls at least this share of its tracks (and two)
not music: the personal model gives those no label, whatever it learnt."""
FAMILIAR_SHARE = 0.95
"""The novelty radius keeps this share of held-out tagged tracks (artists the fold did not learn) familiar."""
NOVELTY_DIMENSIONS = 32
"""Familiarity is measured along the standardised embeddings' main directions: as discriminating on Emotify
as all 434 values, and a nearest neighbour there is cheap."""
MAX_REFERENCES = 1024
"""Beyond this many training tracks, familiarity is measured to k-means prototypes of each label (speed)."""


class LearnError(MusictaggerError):
    """There is nothing to learn from (too few labels, no embeddings …); the message says what to do."""


class LearnCancelledError(MusictaggerError):
    """``should_stop()`` turned true: nothing was saved."""

    def __init__(self) -> None:
        super().__init__("learning cancelled: nothing was saved")


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float
    f1: float
    measured: bool = True
    """False when none of its tracks was held out by a fold that had learnt the label (they are all by one
    artist): its recall and F1 are then 0 by construction and say nothing of another artist's tracks."""


@dataclass(frozen=True)
class LearnReport:
    """The cross-validated figures of a personal model (folds grouped by artist)."""

    accuracy: float
    macro_f1: float
    per_label: tuple[LabelScore, ...]
    confusions: tuple[str, ...]
    """In words: ``often mixes Trip-Hop with Downtempo (12 of 40)``."""
    indistinguishable: tuple[str, ...]
    """Labels it cannot tell apart, reported not hidden."""
    unmeasured: tuple[str, ...]
    """In words, the labels it could not be measured on: ``was never measured on Classical: its 8 tracks are
    all by one artist …`` (see :attr:`LabelScore.measured`)."""
    unknown_rate: float
    """Share of held-out tagged tracks the unknown verdict withholds."""
    folds: int
    seconds: float
    not_music_rate: float = 0.0
    """Share of the tagged tracks the base model calls not music: the personal model keeps that verdict (no label),
    which the cross-validated figures, of its own scores, do not count."""
    not_music: tuple[str, ...] = ()
    """In words, the labels many of whose tracks are not music to the base model: ``the shipped model calls many
    tracks of these labels not music, … Hip-Hop 14 of 14, Ambient 5 of 15``."""

    def accuracy_words(self) -> str:
        """``accuracy 0.83, macro-F1 0.71`` (of the labels it was measured on, when some were not), or that it has
        none: the accuracy of a model measured on no label is the folds' zeros, not a measurement."""
        if not any(score.measured for score in self.per_label):
            return "no accuracy, as it was measured on no label"
        measured_only = " (of the labels it was measured on)" if self.unmeasured else ""
        return f"accuracy {self.accuracy:.2f}, macro-F1 {self.macro_f1:.2f}{measured_only}"


@dataclass(frozen=True)
class LearnedModel:
    name: str
    field: str
    labels: tuple[str, ...]
    counts: dict[str, int]
    report: LearnReport
    base_model_id: str
    path: Path
    replaced_active: bool = False
    """It replaced the active model of its name: it is in use from now on, with nothing to choose."""


LearnProgress = Callable[[float, str], None]


@dataclass(frozen=True)
class TrainingSet:
    """Embeddings ``x`` (n, d), label indices ``y`` (n,), artist groups (n,), each track's labels, and which tracks
    the base model calls not music (n,; None: none)."""

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    label_sets: list[frozenset[int]]
    labels: tuple[str, ...]
    not_music: np.ndarray | None = None


def learn(
    library: Library,
    *,
    field: str = "genre",
    min_per_label: int = 10,
    exclude: Sequence[str] = (),
    name: str | None = None,
    on_progress: LearnProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LearnedModel:
    """Train, cross-validate, calibrate and SAVE (not activate) a personal model.

    Raises :class:`LearnError` when there is nothing to learn, :class:`LearnCancelledError` when stopped.
    """
    started = time.perf_counter()
    name = check_name(field if name is None else name)
    progress = on_progress or (lambda fraction, text: None)
    progress(0.0, f"reading the {field} tags")
    base_model_id = current_model_id(verify_digest=True)
    found = survey(library, field=field, min_per_label=min_per_label, exclude=exclude, base_model_id=base_model_id)
    data = training_set(library, found)
    head, report = fit_head(
        data, name=name, base_model_id=base_model_id, on_progress=progress, should_stop=should_stop, started=started
    )
    counts = {label: int((data.y == i).sum()) for i, label in enumerate(data.labels)}
    sidecar = {
        "format": "musictagger-personal-model",
        "name": name,
        "field": field,
        "labels": list(data.labels),
        "counts": counts,
        "spellings": {label: list(found.spellings[label]) for label in data.labels},
        "excluded": found.excluded,
        "metrics": asdict(report),
        "temperature": head.temperature,
        "threshold": head.threshold,
        "novelty_radius": head.novelty_radius,
        "base_model_id": base_model_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = save_model(head, sidecar)
    progress(1.0, "saved")
    return LearnedModel(name, field, data.labels, counts, report, base_model_id, path, active_name() == name)


def _nothing_tagged(found: LabelSurvey) -> str:
    """Why ``found`` has no label at all, and what would give it some: tracks to index, or to tag."""
    if found.unread_tracks:
        tracks = "1 track" if found.unread_tracks == 1 else f"{found.unread_tracks:,} tracks"
        return (
            f"the index has not read the {found.field} tags of {tracks} an earlier release indexed:"
            " run `musictagger index` first (it reads them)"
        )
    if found.to_index:
        return f"{found.to_index_words()}: run `musictagger index` first (it analyses them again)"
    if found.untagged_tracks or found.missing_embeddings:
        return f"no indexed track has a {found.field}: tag some tracks first"
    return "the library index holds no track: run `musictagger index` on your music folders first"


def _more_labels(found: LabelSurvey) -> str:
    """What would give ``found`` more labels to learn, by why the others were left out: a lower --min-per-label
    only where some had too few tracks, fewer exclusions only where the user excluded some."""
    reasons = set(found.excluded.values())
    ways = [f"run `musictagger index` ({found.to_index_words()})"] if found.to_index else []
    ways += ["lower --min-per-label"] if reasons - {EXCLUDED_BY_YOU} else []
    ways += ["exclude fewer labels"] if EXCLUDED_BY_YOU in reasons else []
    return " or ".join([*ways, "tag more tracks"])


def training_set(library: Library, found: LabelSurvey) -> TrainingSet:
    """The tagged tracks of ``found`` (whose embedding its base model computed), one row per track
    (labelled with its most common kept label; all its kept labels count as right)."""
    if not found.tracks:
        raise LearnError(_nothing_tagged(found))
    if len(found.labels) < 2:
        kept = ", ".join(found.labels) or "none"
        raise LearnError(
            f"need at least two {found.field} labels with enough tracks to learn, found {len(found.labels)} ({kept});"
            f" {_more_labels(found)}"
        )
    rows = {row.id: row for row in library.tag_rows()}
    ids = list(found.track_labels)  # each kept label has min_per_label of them, all with an embedding of the base's
    labels = tuple(found.labels)
    index = {label: i for i, label in enumerate(labels)}
    label_sets = [frozenset(index[label] for label in found.track_labels[i]) for i in ids]
    y = np.array([index[found.track_labels[i][0]] for i in ids])
    groups = np.array([artist_group(rows[i].artist, rows[i].album, rows[i].path) for i in ids])
    not_music = np.array([rows[i].reason == NOT_MUSIC for i in ids])
    return TrainingSet(library.embeddings(ids), y, groups, label_sets, labels, not_music)


def artist_group(artist: str | None, album: str | None, path: str) -> str:
    """What keeps tracks together across folds: the artist, else the album, else the folder."""
    if artist and artist.strip():
        return "artist:" + artist.strip().casefold()
    if album and album.strip():
        return "album:" + album.strip().casefold()
    return "folder:" + str(Path(path).parent)


def fit_head(
    data: TrainingSet,
    *,
    name: str,
    base_model_id: str,
    on_progress: LearnProgress,
    should_stop: Callable[[], bool] | None = None,
    started: float | None = None,
) -> tuple[PersonalHead, LearnReport]:
    """Cross-validate, calibrate and fit the head on ``data`` (see the module docstring)."""
    started = time.perf_counter() if started is None else started
    splits = fold_splits(data)
    n_labels = len(data.labels)
    logits = np.zeros((len(data.y), n_labels))
    distances = np.zeros(len(data.y))
    learnt = np.zeros(len(data.y), dtype=bool)  # the track's label was among its fold's training labels
    dimensions = min(NOVELTY_DIMENSIONS, data.x.shape[1], min(len(train) for train, _test in splits) - 1)
    for fold, (train, test) in enumerate(splits):
        if should_stop and should_stop():
            raise LearnCancelledError()
        on_progress(0.05 + 0.8 * fold / (len(splits) + 1), f"cross-validating: fold {fold + 1} of {len(splits)}")
        model = _fit(data.x[train], data.y[train], n_labels)
        logits[test] = model.logits(data.x[test])
        learnt[test] = np.isin(data.y[test], data.y[train])
        basis, references = novelty_space(model.standardise(data.x[train]), data.y[train], dimensions)
        distances[test] = nearest_distances(model.standardise(data.x[test]) @ basis, references)
    if should_stop and should_stop():
        raise LearnCancelledError()
    on_progress(0.05 + 0.8 * len(splits) / (len(splits) + 1), "training on every tagged track")
    # A label absent from a fold's training tracks gets a score it never wins (_fit), not a calibrated one:
    # fitted on those tracks too, the temperature went to its grid's ceiling and every proposal to 1/labels.
    temperature = fit_temperature(logits[learnt], data.y[learnt]) if learnt.any() else 1.0
    radius = familiar_radius(distances)
    probabilities = softmax(logits / temperature) * familiarity_of(distances, radius)[:, None]
    familiar = probabilities.sum(axis=1) >= UNFAMILIAR_BELOW
    predicted = probabilities.argmax(axis=1)
    truth = np.array([p if p in labels else y for p, y, labels in zip(predicted, data.y, data.label_sets, strict=True)])
    threshold = choose_threshold(probabilities.max(axis=1)[familiar], (predicted == truth)[familiar])
    final = _fit(data.x, data.y, n_labels)
    basis, references = novelty_space(final.standardise(data.x), data.y, dimensions)
    head = PersonalHead(
        name=name,
        labels=data.labels,
        mean=final.mean,
        scale=final.scale,
        weights=final.weights,
        bias=final.bias,
        temperature=temperature,
        threshold=threshold,
        base_model_id=base_model_id,
        novelty_basis=basis,
        novelty_references=references,
        novelty_radius=radius,
    )
    not_music = np.zeros(len(data.y), dtype=bool) if data.not_music is None else data.not_music
    report = make_report(
        truth,
        predicted,
        data.labels,
        unknown_rate=float(((probabilities.max(axis=1) < threshold) | ~familiar).mean()),
        measured=np.bincount(data.y[learnt], minlength=n_labels) > 0,
        artists=[len(set(data.groups[data.y == i].tolist())) for i in range(n_labels)],
        folds=len(splits),
        seconds=time.perf_counter() - started,
    )
    return head, dataclasses.replace(
        report,
        not_music_rate=float(not_music.mean()),
        not_music=not_music_words(np.bincount(data.y[not_music], minlength=n_labels), report.per_label),
    )


def not_music_words(not_music: np.ndarray, per_label: Sequence[LabelScore]) -> tuple[str, ...]:
    """What the base model's *not music* verdicts (``not_music``: per label, of its tracks) take from the labels
    where they are many, in one sentence (none when there are none): the cross-validation scores the head alone,
    which would name those tracks well."""
    many = sorted(
        (
            (count, score)
            for count, score in zip(not_music.tolist(), per_label, strict=True)
            if count >= max(2, NOT_MUSIC_SHARE * score.support)
        ),
        key=lambda item: -item[0] / item[1].support,
    )
    if not many:
        return ()
    counts = ", ".join(f"{score.label} {count} of {score.support}" for count, score in many)
    return (
        "the shipped model calls many tracks of these labels not music, and this model gives them (and tracks like "
        f"them) no label: {counts}",
    )


def fold_splits(data: TrainingSet) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to five folds grouped by artist, stratified by label; each track its own group when there
    are too few artists to make two folds."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = data.groups
    counts = np.bincount(data.y)
    smallest = int(counts[counts > 0].min())
    if len(set(groups.tolist())) < 2:
        groups = np.arange(len(data.y)).astype(str)
    folds = max(2, min(MAX_FOLDS, len(set(groups.tolist())), smallest))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    return [(train, test) for train, test in splitter.split(data.x, strata(data.y, folds), groups) if len(test)]


def strata(y: np.ndarray, folds: int) -> np.ndarray:
    """The labels ``folds`` folds of tracks labelled ``y`` are stratified by: ``y``, a label of fewer tracks than
    folds (one track, in two folds, which are meant: the fold without it gives it a score it never wins) counted as
    the most common label.  Such a label cannot be spread over the folds, and scikit-learn warns of it as of a
    mistake; silencing that warning took ``warnings.catch_warnings``, which swaps the process's filters while it
    lasts, so a learning run on a worker thread dropped or left behind the filters of the threads beside it."""
    counts = np.bincount(y)
    return np.where(counts[y] < folds, counts.argmax(), y)


@dataclass(frozen=True)
class _Linear:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        return linear_logits(x, self.mean, self.scale, self.weights, self.bias)

    def standardise(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale


def _fit(x: np.ndarray, y: np.ndarray, n_labels: int) -> _Linear:
    """Standardise, then a class-balanced logistic regression; the weights laid out for all ``n_labels``
    (a label absent from this fold's training tracks gets a score it never wins).  A fold whose training
    tracks all have one label (every track of the others is by the artists it holds out) predicts that
    label: the regression needs two, and a label learnt from one artist alone is not known for another's."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    weights = np.zeros((x.shape[1], n_labels))
    bias = np.full(n_labels, -1e3)
    classes = np.unique(y)
    if len(classes) == 1:
        bias[classes[0]] = 0.0
        return _Linear(scaler.mean_, scale, weights, bias)
    regression = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=500, tol=1e-3)
    regression.fit(((x - scaler.mean_) / scale).astype(np.float32), y)  # float32: half the time of float64
    if len(classes) == 2:  # one score for the second class against the first
        weights[:, classes[1]], bias[classes[1]] = regression.coef_[0], regression.intercept_[0]
        bias[classes[0]] = 0.0
    else:
        weights[:, classes] = regression.coef_.T
        bias[classes] = regression.intercept_
    return _Linear(scaler.mean_, scale, weights, bias)


def novelty_space(z: np.ndarray, y: np.ndarray, dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """Where familiarity is measured, from standardised training embeddings ``z`` (n, d) and their labels:
    the basis ``(d, k)`` of their ``dimensions`` main directions (as many for every fold and the final
    head: distances in more dimensions are longer), and the references ``(m, k)``
    — the tracks themselves, or beyond :data:`MAX_REFERENCES` of them k-means prototypes of each label
    in proportion to its tracks."""
    centred = z - z.mean(axis=0)
    _values, vectors = np.linalg.eigh(centred.T @ centred)  # ascending
    basis = vectors[:, ::-1][:, : max(dimensions, 1)]
    points = z @ basis
    if len(points) <= MAX_REFERENCES:
        return basis, points
    from sklearn.cluster import KMeans

    prototypes = []
    for label in np.unique(y):
        members = points[y == label]
        k = max(1, min(len(members), round(MAX_REFERENCES * len(members) / len(points))))
        prototypes.append(KMeans(k, n_init=1, random_state=0).fit(members).cluster_centers_)
    return basis, np.concatenate(prototypes)


def familiar_radius(distances: np.ndarray) -> float:
    """The out-of-fold distance within which a new tagged track falls :data:`FAMILIAR_SHARE` of the time:
    the ``⌈(n + 1)·share⌉``-th smallest of ``n`` (the finite-sample quantile; the largest below 19 tracks)."""
    ordered = np.sort(distances)
    rank = min(len(ordered), int(np.ceil((len(ordered) + 1) * FAMILIAR_SHARE)))
    return float(ordered[rank - 1])


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature of least log-loss of the out-of-fold scores (a grid search over 0.05–50), the truth
    softened as if one held-out track more than there were had been of any label (Laplace's rule of
    succession: ``1 / (n + 2)`` of each track's weight spread over the labels).  Without it, folds that
    separate perfectly drive the temperature to its floor and every proposal to 1.00; with it, no
    number of right answers claims more certainty than they can show."""
    n, n_labels = logits.shape
    doubt = 1.0 / (n + 2)
    truth = np.full((n, n_labels), doubt / n_labels)
    truth[np.arange(n), y] += 1.0 - doubt
    temperatures = np.geomspace(0.05, 50.0, 100)
    losses = [-np.mean(np.sum(truth * np.log(np.clip(softmax(logits / t), 1e-300, 1.0)), axis=1)) for t in temperatures]
    return float(temperatures[int(np.argmin(losses))])


def choose_threshold(confidence: np.ndarray, correct: np.ndarray) -> float:
    """The lowest confidence from which the out-of-fold proposals are right :data:`TARGET_PRECISION`
    of the time, keeping at least :data:`MIN_COVERAGE` of the tracks; when no threshold gets there,
    the one most often right at that coverage (0 when every proposal is right anyway)."""
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    minimum = max(int(np.ceil(MIN_COVERAGE * len(order))), 1)
    reaching = np.flatnonzero(hits[minimum - 1 :] >= TARGET_PRECISION)
    kept = minimum + int(reaching[-1] if len(reaching) else np.argmax(hits[minimum - 1 :]))
    if kept >= len(order):
        return 0.0
    return float(confidence[order[kept - 1]])


def _whose_tracks(tracks: int, artists: int) -> str:
    """Why a label was never measured: ``its 5 tracks are all by one artist``, ``its 1 track is by one artist``
    (not ``its 1 tracks``), or ``its 9 tracks are by 2 artists the folds held out together``."""
    if tracks == 1:
        return "its 1 track is by one artist"
    return f"its {tracks} tracks are " + (
        "all by one artist" if artists == 1 else f"by {artists} artists the folds held out together"
    )


def make_report(
    truth: np.ndarray,
    predicted: np.ndarray,
    labels: tuple[str, ...],
    *,
    unknown_rate: float,
    measured: np.ndarray,
    artists: Sequence[int],
    folds: int,
    seconds: float,
) -> LearnReport:
    """Accuracy, macro-F1, per-label scores and the confusions in words, from out-of-fold predictions.

    ``measured`` (per label) says which labels were held out by a fold that had learnt them: the
    others' tracks could only be called something else, so their misses are not reported as confusions or
    as a label it cannot tell apart, but as a label it was never measured on (``artists``: each label's), and
    every figure is of the measured labels' tracks (of all, when none was measured): called Rock by a fold that
    could not know better, they do not lower Rock's precision either."""
    from sklearn.metrics import precision_recall_fscore_support

    indices = list(range(len(labels)))
    scored = measured if measured.any() else np.ones_like(measured)  # the labels the figures are of
    on = scored[truth]  # their tracks (an unmeasured label's were called another by a fold that never learnt it)
    precision, recall, f1, _support = precision_recall_fscore_support(
        truth[on], predicted[on], labels=indices, zero_division=0.0
    )
    support = np.bincount(truth, minlength=len(labels))
    per_label = tuple(
        LabelScore(labels[i], int(support[i]), float(precision[i]), float(recall[i]), float(f1[i]), bool(measured[i]))
        for i in indices
    )
    confusions = []
    for i in np.flatnonzero(measured):
        mistaken = np.bincount(predicted[truth == i], minlength=len(labels))
        for j in np.argsort(-mistaken, kind="stable"):
            if j != i and mistaken[j] >= max(2, CONFUSION_SHARE * support[i]):
                confusions.append(f"often mixes {labels[i]} with {labels[j]} ({mistaken[j]} of {support[i]})")
    chance = 1.0 / len(labels)
    indistinguishable = tuple(
        f"cannot tell {score.label} from the others (recall {score.recall:.2f}, chance {chance:.2f})"
        for score in per_label
        if score.measured and score.recall <= chance
    )
    unmeasured = tuple(
        f"was never measured on {score.label}: {_whose_tracks(score.support, artists[i])}, and it is measured only "
        "on artists it did not learn from (tag tracks of another artist to measure it)"
        for i, score in enumerate(per_label)
        if not score.measured
    )
    return LearnReport(
        accuracy=float((truth == predicted)[on].mean()),
        macro_f1=float(np.mean(f1[scored])),
        per_label=per_label,
        confusions=tuple(confusions),
        indistinguishable=indistinguishable,
        unmeasured=unmeasured,
        unknown_rate=unknown_rate,
        folds=folds,
        seconds=seconds,
    )
