"""How well a personal model learns real labels from a partly tagged library (issue 12), beside a plain
logistic regression on the same features.

    nice -n 10 python bench/learn_quality.py [--cache /tmp/musictagger-learn-cache] [--draws 10]

Libraries simulated from ../shared/datasets (read-only; the audio is analysed once by the shipped
model and its outputs cached by ``bench/learn_embeddings.py``):

- Emotify genres (4) and Emotify's dominant GEMS emotion (the most reported of nine), artist-disjoint:
  30 % or 50 % of the artists are "tagged", the head learns from their tracks, and predicts the others;
- GTZAN-dev genres (9, five clips each; no artist data, so each clip is its own group): 2 or 3 clips
  per genre tagged, the rest predicted.  Tiny: counts are printed.

First the features are chosen: cross-validated accuracy (artist-grouped, 5 folds) of the head on all
Emotify tracks for each candidate embedding, stored as float16 as the index stores it.  Then, per
task and fraction, over ``--draws`` random draws of the tagged artists: accuracy and macro-F1 on the
untagged tracks whose label the head knows, the unknown verdict's coverage (share given a label) and
the accuracy on what it covers; the plain baseline is StandardScaler + LogisticRegression (sklearn
defaults), always answering.  Prints Markdown tables (reports/learn.md).
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from learn_embeddings import DEFAULT_CACHE, cached_parts, dataset_rows  # beside this script
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from musictagger.personal import learn as learning
from musictagger.personal.learn import TrainingSet, fit_head

GEMS = (
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
)
CANDIDATES = {
    "layer statistics (320)": ("layers",),
    "tags (50)": ("tags",),
    "relaxed code (64)": ("code",),
    "layer statistics + tags (370)": ("layers", "tags"),
    "layer statistics + tags + code (434, shipped)": ("layers", "tags", "code"),
}
MIN_TAGGED = 3
"""Labels with fewer tagged tracks than this are left out, as ``learn --min-per-label`` would (GTZAN: 2)."""


def features(parts: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """The chosen parts side by side, through float16 as the index stores them."""
    return np.concatenate([parts[name] for name in names], axis=1).astype(np.float16).astype(np.float32)


def head_predictions(x: np.ndarray, y: np.ndarray, groups: np.ndarray, x_new: np.ndarray, labels: tuple[str, ...]):
    """The personal head as ``learn`` trains it: its labels and confidences for ``x_new``, and its CV report."""
    data = TrainingSet(x, y, groups, [frozenset([int(v)]) for v in y], labels)
    head, report = fit_head(data, name="bench", base_model_id="bench", on_progress=lambda f, t: None)
    probabilities = head.probabilities(x_new)
    return probabilities.argmax(axis=1), probabilities.max(axis=1) >= head.threshold, report


def plain_predictions(x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> np.ndarray:
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    return baseline.predict(x_new)


def choose_features(parts: dict[str, np.ndarray], y: np.ndarray, groups: np.ndarray, labels: tuple[str, ...]) -> None:
    print("\n### Which embedding: cross-validated on all 400 Emotify tracks (genre, artist-grouped)\n")
    print("| embedding | accuracy | macro-F1 |\n|---|---|---|")
    for name, part_names in CANDIDATES.items():
        x = features(parts, part_names)
        data = TrainingSet(x, y, groups, [frozenset([int(v)]) for v in y], labels)
        _, report = fit_head(data, name="bench", base_model_id="bench", on_progress=lambda f, t: None)
        print(f"| {name} | {report.accuracy:.3f} | {report.macro_f1:.3f} |")
    print("\n### Regularisation of the head (shipped embedding, same protocol)\n")
    print("| C | accuracy | macro-F1 |\n|---|---|---|")
    x = features(parts, CANDIDATES["layer statistics + tags + code (434, shipped)"])
    chosen = learning.REGULARISATION
    for c in (0.005, 0.02, 0.05, 0.2, 1.0):
        learning.REGULARISATION = c
        data = TrainingSet(x, y, groups, [frozenset([int(v)]) for v in y], labels)
        _, report = fit_head(data, name="bench", base_model_id="bench", on_progress=lambda f, t: None)
        print(f"| {c}{' (used)' if c == chosen else ''} | {report.accuracy:.3f} | {report.macro_f1:.3f} |")
    learning.REGULARISATION = chosen


def simulate(
    title: str,
    x: np.ndarray,
    truth: np.ndarray,
    groups: np.ndarray,
    fractions: tuple[float, ...],
    draw_tagged: Callable[[np.random.Generator, float], np.ndarray],
    draws: int,
    min_tagged: int = MIN_TAGGED,
) -> None:
    """Tag a fraction of the groups, learn, predict the rest; mean ± sd over ``draws``."""
    print(f"\n### {title}\n")
    print(
        "| tagged | tracks tagged / predicted | labels learnt | head accuracy | head macro-F1 | coverage "
        "| accuracy on covered | head CV accuracy (tagged part) | plain LR accuracy | plain LR macro-F1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for fraction in fractions:
        rows: list[list[float]] = []
        for seed in range(draws):
            rng = np.random.default_rng(seed)
            tagged = draw_tagged(rng, fraction)
            counts = Counter(truth[tagged].tolist())
            labels = tuple(sorted(label for label, n in counts.items() if n >= min_tagged))
            index = {label: i for i, label in enumerate(labels)}
            train = tagged & np.isin(truth, labels)
            test = ~tagged & np.isin(truth, labels)
            y = np.array([index[t] for t in truth[train]])
            y_test = np.array([index[t] for t in truth[test]])
            predicted, covered, report = head_predictions(x[train], y, groups[train], x[test], labels)
            plain = plain_predictions(x[train], y, x[test])
            rows.append(
                [
                    train.sum(),
                    test.sum(),
                    len(labels),
                    (predicted == y_test).mean(),
                    f1_score(y_test, predicted, average="macro", labels=range(len(labels)), zero_division=0.0),
                    covered.mean(),
                    (predicted == y_test)[covered].mean() if covered.any() else math.nan,
                    report.accuracy,
                    (plain == y_test).mean(),
                    f1_score(y_test, plain, average="macro", labels=range(len(labels)), zero_division=0.0),
                ]
            )
        table = np.array(rows, dtype=float)
        mean, sd = np.nanmean(table, axis=0), np.nanstd(table, axis=0)
        cells = [f"{fraction:.0%}", f"{mean[0]:.0f} / {mean[1]:.0f}", f"{mean[2]:.1f}"]
        cells += [f"{m:.2f} ± {s:.2f}" for m, s in zip(mean[3:], sd[3:], strict=True)]
        print("| " + " | ".join(cells) + " |")


def by_group(groups: np.ndarray) -> Callable[[np.random.Generator, float], np.ndarray]:
    """Tag every track of a random ``fraction`` of the groups (artists)."""
    unique = np.unique(groups)

    def draw(rng: np.random.Generator, fraction: float) -> np.ndarray:
        chosen = rng.choice(unique, size=round(fraction * len(unique)), replace=False)
        return np.isin(groups, chosen)

    return draw


def per_label(truth: np.ndarray) -> Callable[[np.random.Generator, float], np.ndarray]:
    """Tag ``ceil(fraction × n)`` random clips of each label."""

    def draw(rng: np.random.Generator, fraction: float) -> np.ndarray:
        tagged = np.zeros(len(truth), dtype=bool)
        for label in np.unique(truth):
            members = np.flatnonzero(truth == label)
            tagged[rng.choice(members, size=math.ceil(fraction * len(members)), replace=False)] = True
        return tagged

    return draw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--draws", type=int, default=10)
    args = parser.parse_args()
    shipped = CANDIDATES["layer statistics + tags + code (434, shipped)"]

    emotify = dataset_rows("emotify")
    parts = cached_parts("emotify", args.cache)
    assert list(parts["paths"]) == [row["file"] for row in emotify]
    artists = np.array([learning.artist_group(row["artist"], row["album"], row["file"]) for row in emotify])
    genres = np.array([row["genre"] for row in emotify])
    emotions = np.array([GEMS[int(np.argmax([float(row[g]) for g in GEMS]))] for row in emotify])
    print(
        f"Emotify: {len(emotify)} tracks, {len(np.unique(artists))} artists; dominant emotions: "
        + ", ".join(f"{e} {n}" for e, n in Counter(emotions.tolist()).most_common())
    )
    genre_labels = tuple(sorted(set(genres.tolist())))
    choose_features(parts, np.array([genre_labels.index(g) for g in genres]), artists, genre_labels)

    x = features(parts, shipped)
    simulate("Emotify genres, artist-disjoint", x, genres, artists, (0.3, 0.5), by_group(artists), args.draws)
    simulate(
        "Emotify dominant GEMS emotion, artist-disjoint",
        x,
        emotions,
        artists,
        (0.3, 0.5),
        by_group(artists),
        args.draws,
    )
    x_layers = features(parts, CANDIDATES["layer statistics + tags (370)"])
    simulate(
        "Emotify genres without the relaxed code (trained on Emotify's train split), artist-disjoint",
        x_layers,
        genres,
        artists,
        (0.3, 0.5),
        by_group(artists),
        args.draws,
    )

    gtzan = dataset_rows("gtzan-dev")
    gtzan_parts = cached_parts("gtzan-dev", args.cache)
    clips = np.array([row["file"] for row in gtzan])
    gtzan_genres = np.array([row["genre"] for row in gtzan])
    print(
        f"\nGTZAN-dev: {len(gtzan)} clips, "
        + ", ".join(f"{g} {n}" for g, n in sorted(Counter(gtzan_genres.tolist()).items()))
    )
    simulate(
        "GTZAN-dev genres (9 × 5 clips; 2 or 3 tagged per genre, each clip its own group)",
        features(gtzan_parts, shipped),
        gtzan_genres,
        clips,
        (0.3, 0.5),
        per_label(gtzan_genres),
        args.draws,
        min_tagged=2,
    )


if __name__ == "__main__":
    main()
