"""The four experiments of issue 7, each returning the rows of its tables and figures.

Every choice is made on the validation split and every reported figure is on the test split:
the recurrent variant with the best mean validation accuracy becomes the "proposed" model of
experiments 2 and 3, and every probe's regularisation is chosen on validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

from musictagger.evaluation.metrics import macro_f1
from musictagger.experiments.baselines import ProbeResult, VectorCache, Vectors, fit_probe, mfcc_vector
from musictagger.experiments.features import SplitMaps, pooled_features
from musictagger.experiments.hashing import METHODS
from musictagger.experiments.heads import HeadSpec
from musictagger.experiments.peer import MODELS, embeddings
from musictagger.experiments.retrieval import CURVE_KS, Ranked, rank
from musictagger.experiments.stats import mcnemar, mean_sd, seed_mean_ci
from musictagger.experiments.training import VariantRun, train_variant
from musictagger.training.config import ALLOWED_BITS, TrainConfig

Row = dict[str, object]
CELLS = (("rnn", "SimpleRNN"), ("gru", "GRU"), ("lstm", "LSTM"))
RECURRENT = tuple(HeadSpec(f"{label}-{layers}", cell=cell, layers=layers) for cell, label in CELLS for layers in (1, 2))
REFERENCE = "LSTM-2"
"""The variant the issue asks every other recurrent variant to be tested against (McNemar)."""


@dataclass(frozen=True)
class Context:
    """What every experiment needs: the maps, the genre names, the plan's settings and where to cache."""

    maps: SplitMaps
    genres: tuple[str, ...]
    seeds: tuple[int, ...]
    train_config: TrainConfig
    n_resamples: int
    cache_root: Path
    progress: Callable[[str], None]

    def runs(self, spec: HeadSpec) -> list[VariantRun]:
        """``spec`` trained with every seed (cached runs are loaded, not retrained)."""
        runs = []
        for seed in self.seeds:
            self.progress(f"train {spec.name} (input {spec.input}, {spec.bits} bits) seed {seed}")
            runs.append(
                train_variant(
                    spec,
                    seed,
                    self.maps,
                    n_classes=len(self.genres),
                    train_config=self.train_config,
                    results_dir=self.cache_root / "runs",
                )
            )
        return runs

    @property
    def test_labels(self) -> np.ndarray:
        return self.maps.test.labels


def _correct(run: VariantRun, labels: np.ndarray) -> np.ndarray:
    return run.test.probabilities.argmax(axis=1) == labels


def _retrieval(run: VariantRun, ctx: Context, *, relaxed: bool) -> Ranked:
    """Test queries against the training database, by the run's bits (ties: see :mod:`.retrieval`)."""
    return rank(
        run.test.bits,
        ctx.test_labels,
        run.database.bits,
        ctx.maps.train.labels,
        relaxed=(run.test.relaxed, run.database.relaxed) if relaxed else None,
        tie_seed=None if relaxed else 0,
    )


def variant_rows(name: str, runs: list[VariantRun], ctx: Context) -> tuple[Row, list[Row]]:
    """Summary row (mean ± sd over seeds, intervals over test tracks) and one row per seed."""
    labels = ctx.test_labels
    correct = np.stack([_correct(run, labels) for run in runs])
    rankings = [_retrieval(run, ctx, relaxed=True).result for run in runs]
    average_precision = np.stack([r.average_precision for r in rankings])
    per_seed = [
        {
            "variant": name,
            "seed": run.seed,
            "valid_accuracy": run.valid_accuracy,
            "test_accuracy": float(c.mean()),
            "test_macro_f1": macro_f1(labels, run.test.probabilities.argmax(axis=1), len(ctx.genres)),
            "test_map": r.map,
            "test_p10": r.precision_at_k,
            "best_epoch": run.best_epoch,
            "train_seconds": round(run.seconds, 1),
        }
        for run, c, r in zip(runs, correct, rankings, strict=True)
    ]
    accuracy_ci = seed_mean_ci(correct, n_resamples=ctx.n_resamples)
    map_ci = seed_mean_ci(average_precision, n_resamples=ctx.n_resamples)
    summary: Row = {"variant": name, "seeds": len(runs)}
    for metric in ("valid_accuracy", "test_accuracy", "test_map", "test_p10", "train_seconds"):
        summary[f"{metric}_mean"], summary[f"{metric}_sd"] = mean_sd(np.array([row[metric] for row in per_seed]))
    summary |= {
        "test_accuracy_ci_low": accuracy_ci.low,
        "test_accuracy_ci_high": accuracy_ci.high,
        "test_map_ci_low": map_ci.low,
        "test_map_ci_high": map_ci.high,
    }
    return summary, per_seed


@dataclass(frozen=True)
class RecurrentResult:
    summary: list[Row]
    per_seed: list[Row]
    mcnemar: list[Row]
    chosen: HeadSpec
    chosen_runs: list[VariantRun]


def recurrent_experiment(ctx: Context) -> RecurrentResult:
    """Experiment 1: SimpleRNN, GRU, LSTM × 1, 2 layers; same backbone, 64 bits, budget and seeds."""
    runs = {spec.name: ctx.runs(spec) for spec in RECURRENT}
    summary, per_seed = [], []
    for spec in RECURRENT:
        row, seeds = variant_rows(spec.name, runs[spec.name], ctx)
        summary.append(row)
        per_seed += seeds
    tests = []
    for spec in RECURRENT:
        if spec.name == REFERENCE:
            continue
        for ref, other in zip(runs[REFERENCE], runs[spec.name], strict=True):
            test = mcnemar(_correct(ref, ctx.test_labels), _correct(other, ctx.test_labels))
            tests.append(
                {
                    "variant": spec.name,
                    "seed": ref.seed,
                    f"only_{REFERENCE}_right": test.b,
                    "only_variant_right": test.c,
                    "p_exact": test.p_exact,
                    "p_chi2_corrected": test.p_chi2,
                }
            )
    best = max(summary, key=lambda row: row["valid_accuracy_mean"])  # first of equals: the list's order
    chosen = next(spec for spec in RECURRENT if spec.name == best["variant"])
    return RecurrentResult(summary, per_seed, tests, chosen, runs[chosen.name])


def feature_map_experiment(ctx: Context, recurrent: RecurrentResult) -> tuple[list[Row], list[Row]]:
    """Experiment 2: pooled maps concatenated (no sequence), each layer alone, the sequence of maps."""
    chosen = recurrent.chosen
    variants = [(HeadSpec("concatenated pooled maps (no sequence)", input="concat"), None)]
    variants += [(replace(chosen, name=f"layer {i} alone", input=f"layer{i}"), None) for i in range(1, 6)]
    variants.append((replace(chosen, name=f"sequence of 5 maps ({chosen.name}, proposed)"), recurrent.chosen_runs))
    summary, per_seed = [], []
    for spec, runs in variants:
        row, seeds = variant_rows(spec.name, runs or ctx.runs(spec), ctx)
        summary.append(row)
        per_seed += seeds
    return summary, per_seed


@dataclass(frozen=True)
class HashingResult:
    per_seed: list[Row]
    summary: list[Row]
    curves: list[Row]


def hashing_experiment(ctx: Context, recurrent: RecurrentResult) -> HashingResult:
    """Experiment 3: MAP by Hamming ranking at 16–64 bits, the proposed model against KSH, ITQ and LSH."""
    scaler = StandardScaler().fit(pooled_features(ctx.maps.train))
    train_x, test_x = (
        scaler.transform(pooled_features(ctx.maps.train)),
        scaler.transform(pooled_features(ctx.maps.test)),
    )
    train_y, test_y = ctx.maps.train.labels, ctx.test_labels
    rankings: dict[tuple[str, int], list[Ranked]] = {}
    for bits in ALLOWED_BITS:
        spec = replace(recurrent.chosen, bits=bits)
        runs = recurrent.chosen_runs if bits == recurrent.chosen.bits else ctx.runs(spec)
        rankings[("hash-CNN-" + recurrent.chosen.name, bits)] = [_retrieval(run, ctx, relaxed=False) for run in runs]
        for name, method in METHODS.items():
            ctx.progress(f"{name} {bits} bits")
            found = []
            for seed in ctx.seeds:
                hasher = method(bits, seed=seed).fit(train_x, train_y)
                found.append(rank(hasher.encode(test_x), test_y, hasher.encode(train_x), train_y, tie_seed=0))
            rankings[(name, bits)] = found
    per_seed, summary, curves = [], [], []
    for (method, bits), found in rankings.items():
        for seed, ranked in zip(ctx.seeds, found, strict=True):
            per_seed.append(
                {
                    "method": method,
                    "bits": bits,
                    "seed": seed,
                    "map": ranked.result.map,
                    "p10": ranked.result.precision_at_k,
                }
            )
        map_mean, map_sd = mean_sd(np.array([r.result.map for r in found]))
        ci = seed_mean_ci(np.stack([r.result.average_precision for r in found]), n_resamples=ctx.n_resamples)
        p10_mean, p10_sd = mean_sd(np.array([r.result.precision_at_k for r in found]))
        summary.append(
            {
                "method": method,
                "bits": bits,
                "seeds": len(found),
                "map_mean": map_mean,
                "map_sd": map_sd,
                "map_ci_low": ci.low,
                "map_ci_high": ci.high,
                "p10_mean": p10_mean,
                "p10_sd": p10_sd,
            }
        )
        precision_at_k = np.mean([r.precision_at(CURVE_KS) for r in found], axis=0)
        for k, value in zip(CURVE_KS, precision_at_k, strict=False):
            curves.append({"method": method, "bits": bits, "curve": "precision_at_k", "x": int(k), "y": float(value)})
        precision = np.mean([r.precision for r in found], axis=0)
        recall = np.mean([r.recall for r in found], axis=0)
        curves += [
            {"method": method, "bits": bits, "curve": "precision_recall", "x": float(x), "y": float(y)}
            for x, y in zip(recall, precision, strict=True)
        ]
    return HashingResult(per_seed, summary, curves)


@dataclass(frozen=True)
class Probe:
    """One baseline: its name, what it reads, and the fitted probe (``None`` with a reason if skipped)."""

    method: str
    features: str
    result: ProbeResult | None
    skipped: str = ""


def _split_vectors(load: Callable[[str], Vectors]) -> tuple[Vectors, Vectors, Vectors]:
    return load("train"), load("valid"), load("test")


def baseline_probes(ctx: Context, musicnn_python: Path | None) -> list[Probe]:
    """Experiment 4's classifiers: backbone pooled features + LR, MFCC + SVM, musicnn embeddings + LR."""
    probes = []
    ctx.progress("probe: backbone pooled features + logistic regression")
    pooled = _split_vectors(
        lambda split: Vectors(list(ctx.maps.split(split).tracks), pooled_features(ctx.maps.split(split)), [])
    )
    probes.append(Probe("backbone pooled + LR", "FCN-5 (MTT) pooled maps, 1280-d", fit_probe(*pooled)))
    ctx.progress("probe: MFCC statistics + SVM")
    mfcc_cache = VectorCache(ctx.cache_root / "mfcc", mfcc_vector)
    mfcc = _split_vectors(lambda split: mfcc_cache.load(ctx.maps.split(split).tracks))
    probes.append(Probe("MFCC stats + SVM", "20 MFCC + Δ, mean and sd, 80-d", fit_probe(*mfcc, kind="svm")))
    for model in MODELS:
        features = f"musicnn {model} penultimate, mean and sd over 3-s patches, 400-d"
        if musicnn_python is None:
            probes.append(Probe(f"{model} + LR", features, None, "skipped: no --musicnn-python interpreter given"))
            continue
        ctx.progress(f"probe: {model} embeddings + logistic regression")
        vectors = _split_vectors(
            lambda split, model=model: embeddings(
                musicnn_python, model, ctx.maps.split(split).tracks, ctx.cache_root / "musicnn"
            )
        )
        probes.append(Probe(f"{model} + LR", features, fit_probe(*vectors)))
    return probes


def baseline_rows(ctx: Context, probes: list[Probe], recurrent: RecurrentResult) -> list[Row]:
    """Test scores of each probe, and McNemar against the proposed model (seed of the first run)."""
    truth = {t.relative: t.label for t in ctx.maps.test.tracks}
    reference_run = recurrent.chosen_runs[0]
    reference = dict(
        zip(
            (t.relative for t in ctx.maps.test.tracks),
            _correct(reference_run, ctx.test_labels),
            strict=True,
        )
    )
    rows: list[Row] = []
    for probe in probes:
        if probe.result is None:
            rows.append({"method": probe.method, "features": probe.features, "note": probe.skipped})
            continue
        result = probe.result
        labels = np.array([truth[t.relative] for t in result.test_tracks])
        correct = result.test_predicted == labels
        ci = seed_mean_ci(correct[None], n_resamples=ctx.n_resamples)
        test = mcnemar(np.array([reference[t.relative] for t in result.test_tracks]), correct)
        rows.append(
            {
                "method": probe.method,
                "features": probe.features,
                "c": result.c,
                "valid_accuracy": result.valid_accuracy,
                "test_accuracy": float(correct.mean()),
                "test_accuracy_ci_low": ci.low,
                "test_accuracy_ci_high": ci.high,
                "test_macro_f1": macro_f1(labels, result.test_predicted, len(ctx.genres)),
                "test_tracks": len(labels),
                f"only_{recurrent.chosen.name}_right": test.b,
                "only_probe_right": test.c,
                "mcnemar_p_exact": test.p_exact,
                "note": "",
            }
        )
    return rows
