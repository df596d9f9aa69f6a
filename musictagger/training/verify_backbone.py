"""Proof of the backbone conversion on real music: MagnaTagATune tags as genre detectors.

A faithful port of musicnn's ``MTT_vgg`` fed by this project's front end must still tag
music as the original did: its "classical" tag should rank classical tracks above all
others, its "techno" and "electronic" tags electronic ones.  For every track of a
folder-per-genre collection (``DATA_DIR/<genre>/<file>``, e.g. Emotify) this tool computes
the log-mel with :func:`musictagger.audio.frontend.features_from_file`, cuts it into
non-overlapping 187-frame patches (musicnn's default), averages the tag probabilities over
the patches, and prints the ROC-AUC of each genre's tags for that genre against the rest.

Usage::

    python -m musictagger.training.verify_backbone DATA_DIR [--param name=value ...]

``--param`` overrides a field of :class:`~musictagger.audio.params.FeatureParams`, e.g.
``--param noise_reduction=0.5``, to see how a front-end setting affects the backbone.  The
exit status is 1 when a genre tag misses its target AUC.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import warnings
from dataclasses import astuple, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from musictagger.audio.features import extend_to_window
from musictagger.audio.frontend import features_from_file
from musictagger.audio.overview import overview_from_file
from musictagger.audio.params import FeatureParams
from musictagger.cli.options import add_front_end_option, front_end_params, load_data
from musictagger.collection import label_named
from musictagger.errors import MusictaggerError
from musictagger.evaluation.metrics import bootstrap_ci
from musictagger.training.backbone import DEFAULT_BACKBONE, PATCH_FRAMES, load_backbone, tag_probabilities

BOOTSTRAP_RESAMPLES = 1000
PATCH_BATCH = 64


@dataclass(frozen=True)
class GenreCheck:
    """One row of the table: ``tag``'s probability as a detector of ``genre`` vs the rest."""

    genre: str
    tag: str
    target: float | None  # minimum AUC a faithful conversion reaches; None: reported only


CHECKS = (
    GenreCheck("classical", "classical", 0.95),
    GenreCheck("electronic", "techno", 0.9),
    GenreCheck("electronic", "electronic", 0.9),
    GenreCheck("rock", "rock", None),
    GenreCheck("pop", "pop", None),
)
CHECK_GENRES = tuple(dict.fromkeys(check.genre for check in CHECKS))


def track_patches(path: Path, *, params: FeatureParams) -> np.ndarray | str:
    """Non-overlapping 187-frame log-mel patches ``(n, 187, 96)`` of one file, or why there are none.

    A tail shorter than a patch is dropped, as musicnn does; a track shorter than one patch
    is repeat-padded to one (the front end's boundary extension).
    """
    try:
        report = features_from_file(path, params=params, n_windows=1).report
        log_mel = overview_from_file(path, params=params, report=report, max_columns=sys.maxsize).log_mel
    except MusictaggerError as exc:
        return str(exc)
    log_mel = extend_to_window(log_mel, window_frames=PATCH_FRAMES)
    n_patches = log_mel.shape[0] // PATCH_FRAMES
    return log_mel[: n_patches * PATCH_FRAMES].reshape(n_patches, PATCH_FRAMES, log_mel.shape[1])


def score_tracks(
    tracks: list[tuple[Path, str]], *, params: FeatureParams, weights: Path, workers: int
) -> tuple[np.ndarray, list[str], list[str]]:
    """Mean tag probabilities ``(n_tracks, n_tags)``, the tag names, and the genre of each scored track.

    Feature extraction runs in ``workers`` processes while this one runs the backbone.
    Tracks the front end rejects are reported and left out.
    """
    backbone, head, labels = load_backbone(weights)
    scores: list[np.ndarray] = []
    genres: list[str] = []
    extract = partial(track_patches, params=params)
    context = multiprocessing.get_context("spawn")  # no fork of a process running torch's thread pool
    with context.Pool(workers) as pool, torch.inference_mode():
        results = pool.imap(extract, [path for path, _ in tracks])
        for (path, genre), patches in zip(tracks, tqdm(results, total=len(tracks), desc="tracks"), strict=True):
            if isinstance(patches, str):
                tqdm.write(f"skipped {path}: {patches}")
                continue
            chunks = torch.from_numpy(patches).split(PATCH_BATCH)  # bounded memory for long tracks
            probabilities = torch.cat([tag_probabilities(backbone, head, chunk) for chunk in chunks])
            scores.append(probabilities.mean(dim=0).numpy())
            genres.append(genre)
    if not scores:
        raise MusictaggerError("the front end rejected every track; nothing to evaluate")
    return np.stack(scores), labels, genres


def genre_truth_and_score(
    scores: np.ndarray, labels: list[str], genres: list[str], check: GenreCheck
) -> tuple[np.ndarray, np.ndarray] | None:
    """Whether each track is of ``check.genre``, and its ``check.tag`` score; None when no AUC exists."""
    truth = np.array([genre == check.genre for genre in genres])
    if check.tag not in labels or truth.all() or not truth.any():
        return None
    return truth, scores[:, labels.index(check.tag)]


def tag_auc(truth: np.ndarray, score: np.ndarray) -> tuple[float, float, float]:
    """ROC-AUC with its 95 % bootstrap interval over tracks.

    Resamples holding one class only have no AUC; bootstrap_ci leaves them out, so sklearn's
    warning about them is noise here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return astuple(bootstrap_ci(roc_auc_score, truth, score, n_resamples=BOOTSTRAP_RESAMPLES))


def report(scores: np.ndarray, labels: list[str], genres: list[str]) -> bool:
    """Print the AUC table; True when every check with a target meets it.  ``genres`` are as the collection's folders
    name them: ``Classical`` is the checks' ``classical`` (:func:`~musictagger.collection.label_named`), the rule of
    every command, where a collection filed so held no track of it and every target was MISSED."""
    genres = [label_named(genre, CHECK_GENRES) or genre for genre in genres]
    print(f"\n{'genre':<12}{'tag':<12}{'tracks':>7}{'AUC':>8}{'95% CI':>15}{'target':>9}")
    passed = True
    for check in CHECKS:
        data = genre_truth_and_score(scores, labels, genres, check)
        auc, low, high = (float("nan"),) * 3 if data is None else tag_auc(*data)
        target = "" if check.target is None else f"≥ {check.target:.2f}"
        ok = check.target is None or auc >= check.target  # a missing AUC (nan) fails its target
        passed = passed and ok
        print(
            f"{check.genre:<12}{check.tag:<12}{genres.count(check.genre):>7}{auc:>8.3f}"
            f"{f'{low:.3f}–{high:.3f}':>15}{target:>9}{'' if ok else '  MISSED'}"
        )
    return passed


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring); returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="folder-per-genre audio collection")
    add_front_end_option(parser)
    parser.add_argument("--weights", type=Path, default=DEFAULT_BACKBONE, help="converted backbone (.npz)")
    parser.add_argument("--workers", type=int, default=2, help="feature-extraction processes")
    args = parser.parse_args(argv)
    try:
        params = front_end_params(args.param)
        collection = load_data(args.data_dir, by_split=False)  # every track is scored: a folder without audio said
    except (MusictaggerError, ValueError) as exc:  # a bad --param value is a plain ValueError
        parser.error(str(exc))
    changed = {name: value for name, value in params.to_dict().items() if value != getattr(FeatureParams(), name)}
    tracks = [(t.path, collection.labels[t.label]) for t in collection.all_tracks()]
    print(f"{len(tracks)} tracks; front end: defaults{''.join(f', {k}={v}' for k, v in changed.items())}")
    scores, labels, genres = score_tracks(tracks, params=params, weights=args.weights, workers=args.workers)
    return 0 if report(scores, labels, genres) else 1


if __name__ == "__main__":
    raise SystemExit(main())
