"""Which pre-trained backbone should the second model stand on: MTT_vgg, MSD_vgg, or both?

For each candidate the frozen backbone's view of every track's first analysis window (its
layer statistics and its own tags, from :class:`~musictagger.training.views.ViewCache`) feeds
a logistic-regression probe trained on Emotify's train split with its regularisation chosen
on valid.  Reported per candidate: valid and test accuracy (bootstrap CIs), and, on the dev
set, how well each kind of evidence separates out-of-vocabulary clips from in-vocabulary
ones (ROC-AUC of the novelty, of the foreign-genre tag score and of one minus the probe's
best probability).  The choice is made on valid accuracy; "both" doubles the app's analysis
time, which the app cannot afford (it must stay as fast as today), so it is reported only.

    python -m musictagger.training.compare_backbones ../shared/datasets/emotify ../shared/datasets/gtzan-dev
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from musictagger import atomic_write
from musictagger.audio.params import FeatureParams
from musictagger.cli.options import load_data
from musictagger.evaluation.devset import load_dev_set
from musictagger.evaluation.metrics import accuracy, bootstrap_ci
from musictagger.model.manifest import sha256_of
from musictagger.model.verdict import ForeignTags
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone
from musictagger.training.calibration import GENRE_TAGS, tag_vocabulary
from musictagger.training.evidence import Novelty, fit_whitening
from musictagger.training.views import ViewCache, Views
from musictagger.userdirs import cache_dir

BACKBONES = {"MTT_vgg": "musicnn_mtt_vgg.npz", "MSD_vgg": "musicnn_msd_vgg.npz"}
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


@dataclass(frozen=True)
class BackboneViews:
    """First-window views of each split, of the dev set, and the tag names."""

    splits: dict[str, list[Views]]
    tag_names: tuple[str, ...]

    def vectors(self, split: str) -> np.ndarray:
        return np.stack([np.concatenate([v.statistics[0], v.tags[0]]) for v in self.splits[split]])


def backbone_views(path: Path, tracks: dict[str, list[Path]], *, cache: Path) -> BackboneViews:
    backbone, head, tag_names = load_backbone(path)
    views = ViewCache(
        cache, params=FeatureParams(), backbone=backbone, tag_head=head, grid=(32, 8), backbone_digest=sha256_of(path)
    )
    return BackboneViews(
        {split: [views.clean(p, n_windows=1) for p in paths] for split, paths in tracks.items()}, tuple(tag_names)
    )


def probe(train: np.ndarray, y_train: np.ndarray, valid: np.ndarray, y_valid: np.ndarray) -> tuple:
    """Logistic regression with C chosen on valid: (model, scaler, valid accuracy)."""
    scaler = StandardScaler().fit(train)
    best = None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(train), y_train)
        score = accuracy(y_valid, model.predict(scaler.transform(valid)))
        if best is None or score > best[2]:
            best = (model, scaler, score)
    return best


def novelty_of(train: list[Views], other: list[Views]) -> np.ndarray:
    mean, whitening = fit_whitening(np.concatenate([v.statistics for v in train]))
    with torch.no_grad():
        return Novelty(mean, whitening)(torch.from_numpy(np.stack([v.statistics[0] for v in other]))).numpy()


def compare(data_dir: Path, dev_dir: Path, *, cache: Path) -> list[dict]:
    collection = load_data(data_dir)  # its notes first: a drawn split flatters every row's test figures
    dev = load_dev_set(dev_dir)
    tracks = {s: [t.path for t in collection.tracks(s)] for s in ("train", "valid", "test")}
    tracks["dev"] = [c.path for c in dev]
    labels = {s: np.array([t.label for t in collection.tracks(s)]) for s in ("train", "valid", "test")}
    oov = np.array([c.expected is None for c in dev])
    per_backbone = {
        name: backbone_views(DEFAULT_BACKBONE.with_name(f), tracks, cache=cache) for name, f in BACKBONES.items()
    }
    rows = []
    for name in (*BACKBONES, "both"):
        chosen = list(per_backbone.values()) if name == "both" else [per_backbone[name]]
        x = {s: np.hstack([b.vectors(s) for b in chosen]) for s in tracks}
        model, scaler, valid_accuracy = probe(x["train"], labels["train"], x["valid"], labels["valid"])
        test_pred = model.predict(scaler.transform(x["test"]))
        dev_confidence = model.predict_proba(scaler.transform(x["dev"])).max(axis=1)
        novelty = sum(novelty_of(b.splits["train"], b.splits["dev"]) for b in chosen)
        tag_scores = []
        for b in chosen:
            foreign, native = GENRE_TAGS[tag_vocabulary(b.tag_names)]
            score = ForeignTags(foreign, native, 0.0)
            tag_scores.append(np.array([score.score(v.tags[0], b.tag_names) for v in b.splits["dev"]]))
        ci = bootstrap_ci(lambda t, p: accuracy(t, p), labels["test"], test_pred)
        rows.append(
            {
                "backbone": name,
                "valid accuracy": valid_accuracy,
                "test accuracy": accuracy(labels["test"], test_pred),
                "test CI": (ci.low, ci.high),
                "dev AUC novelty": roc_auc_score(oov, novelty),
                "dev AUC foreign tags": roc_auc_score(oov, np.max(tag_scores, axis=0)),
                "dev AUC 1 - confidence": roc_auc_score(oov, 1 - dev_confidence),
            }
        )
    return rows


def render(rows: list[dict]) -> str:
    head = "| backbone | valid acc. | test acc. [95% CI] | dev AUC: novelty | foreign-genre tags | 1 − confidence |"
    lines = [head, "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['backbone']} | {r['valid accuracy']:.3f} | {r['test accuracy']:.3f} "
            f"[{r['test CI'][0]:.3f}, {r['test CI'][1]:.3f}] | {r['dev AUC novelty']:.3f} | "
            f"{r['dev AUC foreign tags']:.3f} | {r['dev AUC 1 - confidence']:.3f} |"
        )
    single = [r for r in rows if r["backbone"] in BACKBONES]
    chosen = max(single, key=lambda r: r["valid accuracy"])["backbone"]
    lines.append(f"\nChosen on valid accuracy (single backbones only): **{chosen}**.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("dev_dir", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=cache_dir() / "views")
    parser.add_argument("--out", type=Path, default=Path("reports/backbones.md"))
    args = parser.parse_args(argv)
    table = render(compare(args.data_dir, args.dev_dir, cache=args.cache_dir))
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write.write_text(
        args.out, "# Backbones for the second model\n\n" + __doc__.split("\n\n")[1] + "\n\n" + table
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
