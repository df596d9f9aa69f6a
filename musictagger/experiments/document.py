"""The experiments report: ``OUT/experiments.md`` with its CSV files and figures in ``OUT/experiments/``.

The discussion is the one part written by a person: it is read from
``OUT/experiments/discussion.md`` (if present) and placed at the end, so regenerating the
numbers never erases it — and whoever re-runs the experiments should re-read it against them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from musictagger.experiments.features import N_WINDOWS
from musictagger.experiments.report import (
    Row,
    bar_figure,
    hashing_figure,
    markdown_table,
    value,
    variant_table,
    write_csv,
    write_text,
)
from musictagger.experiments.studies import REFERENCE, HashingResult, RecurrentResult
from musictagger.experiments.timing import Timing
from musictagger.training.config import TrainConfig


@dataclass(frozen=True)
class Results:
    """Everything one run measured."""

    plan: str
    command: str
    minutes: float
    tracks: dict[str, int]
    failures: list[str]
    seeds: tuple[int, ...]
    train_config: TrainConfig
    n_resamples: int
    recurrent: RecurrentResult
    feature_maps: tuple[list[Row], list[Row]]
    hashing: HashingResult
    baselines: list[Row]
    timings: list[Timing]


def _mcnemar_table(rows: list[Row]) -> str:
    variants = list(dict.fromkeys(str(row["variant"]) for row in rows))
    seeds = list(dict.fromkeys(row["seed"] for row in rows))
    cells = []
    for variant in variants:
        tests = {row["seed"]: row for row in rows if row["variant"] == variant}
        cells.append(
            [variant]
            + [
                f"{tests[s][f'only_{REFERENCE}_right']} / {tests[s]['only_variant_right']}, p = {float(tests[s]['p_exact']):.2f}"
                for s in seeds
            ]
        )
    return markdown_table(["variant", *(f"seed {s}: {REFERENCE} only / variant only, exact p" for s in seeds)], cells)


def _hashing_table(summary: list[Row]) -> str:
    methods = list(dict.fromkeys(str(row["method"]) for row in summary))
    bits = sorted({int(row["bits"]) for row in summary})
    cells = []
    for method in methods:
        by_bits = {int(row["bits"]): row for row in summary if row["method"] == method}
        cells.append(
            [method]
            + [
                value(by_bits[b]["map_mean"], by_bits[b]["map_sd"], by_bits[b]["map_ci_low"], by_bits[b]["map_ci_high"])
                for b in bits
            ]
        )
    return markdown_table(["method", *(f"MAP @ {b} bits" for b in bits)], cells)


def _hashing_p10_table(summary: list[Row]) -> str:
    methods = list(dict.fromkeys(str(row["method"]) for row in summary))
    bits = sorted({int(row["bits"]) for row in summary})
    cells = []
    for method in methods:
        by_bits = {int(row["bits"]): row for row in summary if row["method"] == method}
        cells.append([method] + [value(by_bits[b]["p10_mean"], by_bits[b]["p10_sd"]) for b in bits])
    return markdown_table(["method", *(f"P@10 @ {b} bits" for b in bits)], cells)


def _baseline_table(rows: list[Row], recurrent: RecurrentResult, summary: list[Row]) -> str:
    chosen = next(row for row in summary if row["variant"] == recurrent.chosen.name)
    only_chosen = f"only_{recurrent.chosen.name}_right"
    cells = [
        [
            f"hash-CNN-{recurrent.chosen.name} (proposed, 64 bits)",
            "FCN-5 (MTT) maps, sequence",
            value(chosen["valid_accuracy_mean"]),
            f"**{value(chosen['test_accuracy_mean'], chosen['test_accuracy_sd'], chosen['test_accuracy_ci_low'], chosen['test_accuracy_ci_high'])}**",
            "—",
            f"mean ± sd of {chosen['seeds']} seeds",
        ]
    ]
    for row in rows:
        if row.get("note"):
            cells.append([row["method"], row["features"], "—", "—", "—", row["note"]])
            continue
        cells.append(
            [
                row["method"],
                row["features"],
                value(row["valid_accuracy"]),
                f"**{value(row['test_accuracy'], None, row['test_accuracy_ci_low'], row['test_accuracy_ci_high'])}**",
                f"{row[only_chosen]} / {row['only_probe_right']}, p = {float(row['mcnemar_p_exact']):.2f}",
                f"C = {row['c']:g}, macro-F1 {float(row['test_macro_f1']):.3f}",
            ]
        )
    return markdown_table(
        [
            "method",
            "features",
            "valid accuracy",
            "test accuracy [95% CI]",
            f"McNemar vs {recurrent.chosen.name} seed {recurrent.chosen_runs[0].seed}: it only / probe only, exact p",
            "notes",
        ],
        cells,
    )


def _timing_table(timings: list[Timing]) -> str:
    return markdown_table(
        ["method", "features s/track", "head s/track", "total s/track", "tracks"],
        [[t.method, f"{t.features_s:.3f}", f"{t.head_s:.4f}", f"{t.total_s:.3f}", t.tracks] for t in timings],
    )


def write_report(results: Results, out: Path) -> Path:
    """Write the CSV files, figures and Markdown; return the Markdown's path."""
    folder = out / "experiments"
    recurrent = results.recurrent
    maps_summary, maps_per_seed = results.feature_maps
    write_csv(folder / "recurrent.csv", recurrent.summary)
    write_csv(folder / "recurrent_runs.csv", recurrent.per_seed)
    write_csv(folder / "recurrent_mcnemar.csv", recurrent.mcnemar)
    write_csv(folder / "feature_maps.csv", maps_summary)
    write_csv(folder / "feature_maps_runs.csv", maps_per_seed)
    write_csv(folder / "hashing.csv", results.hashing.summary)
    write_csv(folder / "hashing_runs.csv", results.hashing.per_seed)
    write_csv(folder / "hashing_curves.csv", results.hashing.curves)
    write_csv(folder / "baselines.csv", results.baselines)
    write_csv(
        folder / "timing.csv",
        [
            {
                "method": t.method,
                "features_s": t.features_s,
                "head_s": t.head_s,
                "total_s": t.total_s,
                "tracks": t.tracks,
            }
            for t in results.timings
        ],
    )
    bar_figure(recurrent.summary, folder / "fig4-recurrent.png", "Recurrent cell and depth (64 bits)")
    bar_figure(
        maps_summary, folder / "fig5-feature-maps.png", f"Feature-map combinations ({recurrent.chosen.name} readers)"
    )
    hashing_figure(results.hashing.summary, results.hashing.curves, folder / "fig6-hashing.png")

    discussion_file = folder / "discussion.md"
    discussion = (
        discussion_file.read_text(encoding="utf-8") if discussion_file.is_file() else "_No discussion written yet._\n"
    )
    seeds = ", ".join(str(s) for s in results.seeds)
    failures = "; ".join(results.failures) or "none"
    n_train = results.tracks["train"]
    text = f"""# Experiments: the hash-CNN-LSTM's claims on Emotify, with baselines and a pre-trained peer

Generated by `{results.command}` on {time.strftime("%Y-%m-%d %H:%M")} in {results.minutes:.1f} minutes
(plan **{results.plan}**; seeds {seeds}). Data: Emotify, fixed artist-disjoint split, {results.tracks["train"]} / {results.tracks["valid"]} / {results.tracks["test"]}
train / valid / test tracks (files that failed: {failures}). Every choice is made on the validation split, every
figure below is on the test split. Accuracy is track-level (up to {N_WINDOWS} windows per track that do not overlap, as
many as fit, probabilities averaged; the
hash models' classifier reads the quantised bits). MAP ranks the {n_train} training tracks (the database) by Hamming
distance to each test track's code. *mean ± sd* is over seeds; brackets are 95% percentile-bootstrap intervals over
test tracks of the seed-averaged score ({results.n_resamples} resamples): they show how much {results.tracks["test"]} tracks can tell, one track being
{100 / results.tracks["test"]:.2f} points of accuracy. All numbers are also in `experiments/*.csv`.

## 1. Recurrent cell and depth (paper §4.1, Fig. 4)

Same frozen backbone, 32 Fisher-selected channels per layer, 64 bits, same loss, optimiser and budget (at most
{results.train_config.epochs} epochs, early stopping after {results.train_config.patience} without a better validation accuracy, AdamW
{results.train_config.learning_rate:g}). Ties in the Hamming ranking are broken by the relaxed codes, as in `musictagger evaluate`.

{variant_table(recurrent.summary)}
Chosen on validation accuracy: **{recurrent.chosen.name}** (the "proposed" model of experiments 2–4).

McNemar's test of {REFERENCE} against each variant on the test tracks, seed by seed (tracks only {REFERENCE}
classifies right / tracks only the variant does; two-sided exact binomial p):

{_mcnemar_table(recurrent.mcnemar)}
![Fig. 4](experiments/fig4-recurrent.png)

Bars: mean over seeds; black whiskers: sd over seeds; grey whiskers: 95% CI over test tracks.

## 2. Feature-map combinations (paper §4.2, Fig. 5)

(a) the five layers' selected channels average-pooled and concatenated into one vector, read by a hidden layer
instead of a recurrent network; (b) each layer's map alone through the chosen recurrent head (the sequence
reader sees one step); (c) the sequence of the five maps (the proposed model, the runs of experiment 1).

{variant_table(maps_summary)}
![Fig. 5](experiments/fig5-feature-maps.png)

## 3. Hashing methods (paper §4.3, Fig. 6)

The proposed model trained at each code length, against KSH, ITQ and LSH learnt on the *same backbone's* pooled
features (each channel's mean and spread of all five layers, 1,280 values, standardised on the training split).
For a fair comparison every method here is ranked by its bits alone, equal distances in one fixed random
order of the database (so MAP of the proposed model differs slightly from experiment 1's). KSH: Gaussian kernel,
{min(300, n_train // 2)} anchors (min(300, n/2)), all {n_train} training tracks as labelled samples, greedy bit-by-bit optimisation from the
spectral relaxation refined by L-BFGS on the sigmoid surrogate (`musictagger/experiments/hashing.py`).
Seeds change the hash head's training and the KSH anchors, ITQ rotation and LSH projections.

{_hashing_table(results.hashing.summary)}
{_hashing_p10_table(results.hashing.summary)}
![Fig. 6](experiments/fig6-hashing.png)

## 4. Peers and plain baselines

Each probe standardises its features, chooses its regularisation `C` on validation, and is scored once on test.
The pre-trained peer is the `musicnn` package's MSD_musicnn and MTT_musicnn (run under TensorFlow in a separate
interpreter, `musictagger/experiments/musicnn_worker.py`).

{_baseline_table(results.baselines, recurrent, recurrent.summary)}
Time per track, measured in this run on the same {results.timings[0].tracks if results.timings else 0} test tracks
(one warm-up track not counted), caches bypassed, one CPU thread. *Features* is decoding and the front end, plus
the frozen FCN-5 backbone for the methods built on it (shared by them; for musicnn, its own front end and network);
*head* is what the method adds. The hash head is timed untrained (its weights do not change its cost).

{_timing_table(results.timings)}
## Discussion

{discussion}"""
    path = out / "experiments.md"
    write_text(path, text)
    return path
