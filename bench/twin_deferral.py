"""Why an int8 twin hands the tracks it does to its float32 model, and what another tolerance would do.

    .venv/bin/python bench/twin_deferral.py [--model models/hash-cnn-lstm-emotify-v3.onnx]

The twin defers a track when its answer lies within its recorded tolerance of a change
(:class:`musictagger.model.precision.Deferral`: the lead of its best genre over the second, and
each evidence value of the verdict policy against its thresholds; ``musictagger quantize`` sets
each tolerance to twice the largest difference from float32 on its calibration tracks).  For every
track of Emotify and of the dev set (from ../shared; without it the script says so and stops) this
runs the twin without deferring, and float32, on the app's windows and prints:

1. per set: the tracks deferred, by the rule nearest a change, and those the evidence rules alone
   would defer (the least any twin of this backbone defers, however steady its lead); the tracks whose
   verdict the twin alone gives otherwise than float32, and how near a change each was, in tolerances;
2. the tolerance scaled: the share deferred and the differing verdicts left, per set — whether a
   narrower deferral keeps the app's bar (the same verdict on 99 % of each set), and what a wider one
   would hand float32;
3. where the twin's lead differs: window code bits on the other side of 0.5 from float32's, in the
   hash layer's bits and in the identity bits (the classifier reads both), and the lead's
   difference on tracks with and without such a bit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from musictagger.audio.frontend import features_from_file
from musictagger.evaluation.devset import load_dev_set
from musictagger.model.precision import Deferral, int8_twin
from musictagger.model.runtime import GenreModel, Judgement
from musictagger.model.verdict import VerdictPolicy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
SCALES = (2.0, 1.5, 1.0, 0.75, 0.5, 0.25, 0.0)


def nearness(judgement: Judgement, deferral: Deferral, policy: VerdictPolicy) -> list[tuple[str, float]]:
    """Each way of changing the twin's answer and how near it is, in its tolerances (below 1: deferred),
    nearest first."""
    ways = deferral.distances(judgement.mean, judgement.verdict, policy)
    return sorted(((way, distance / tolerance) for way, distance, tolerance in ways), key=lambda way: way[1])


def lead_of(judgement: Judgement, order: np.ndarray) -> float:
    return float(judgement.mean[order[0]] - judgement.mean[order[1]])


def measure(reference: GenreModel, twin: GenreModel, tracks: list[Path]) -> list[dict]:
    """Per track: the rule nearest a change and its nearness, whether the verdicts agree, the window bits
    on the other side of 0.5 (hash layer, identity) and the lead's difference."""
    deferral = Deferral.of(twin.manifest)
    identity = int(reference.manifest.model.get("identity_bits", 0))
    found = []
    for track in tracks:
        windows = features_from_file(
            track, params=reference.manifest.front_end, n_windows=reference.manifest.windows_per_track
        ).windows
        ours, theirs = twin.run(windows), reference.run(windows)
        mine, float32 = twin.judge(ours), reference.judge(theirs)
        ways = nearness(mine, deferral, twin.policy)
        rule, near = ways[0]
        flipped = (ours.code >= 0.5) != (theirs.code >= 0.5)
        order = np.argsort(-float32.mean, kind="stable")
        found.append(
            {
                "rule": rule,
                "near": near,
                "near_evidence": min((n for way, n in ways if way != "lead"), default=np.inf),
                "same": (mine.verdict.kind, mine.verdict.genre) == (float32.verdict.kind, float32.verdict.genre),
                "hash_flips": int(flipped[:, : flipped.shape[1] - identity].sum()),
                "identity_flips": int(flipped[:, flipped.shape[1] - identity :].sum()),
                "lead_error": abs(lead_of(mine, order) - lead_of(float32, order)),
            }
        )
    return found


def report(sets: dict[str, list[dict]]) -> None:
    rules = sorted({r["rule"] for rows in sets.values() for r in rows}, key=lambda r: (r != "lead", r))
    print(
        "| set | tracks | deferred | … nearest rule: "
        + " / ".join(rules)
        + " | deferred by the evidence rules alone | differing verdicts alone | their nearness |"
    )
    print("|---|---:|---:|---|---:|---:|---|")
    for name, rows in sets.items():
        deferred = [r for r in rows if r["near"] < 1]
        by_rule = " / ".join(str(sum(r["rule"] == rule for r in deferred)) for rule in rules)
        differ = sorted(r["near"] for r in rows if not r["same"])
        evidence = sum(r["near_evidence"] < 1 for r in rows) / len(rows)
        print(
            f"| {name} | {len(rows)} | {len(deferred) / len(rows):.1%} | {by_rule} | {evidence:.1%} | {len(differ)} | "
            f"{', '.join(f'{d:.2f}' for d in differ)} |"
        )
    print("\n| tolerance × | " + " | ".join(f"{n}: deferred / differing verdicts left" for n in sets) + " |")
    print("|---:|" + "---|" * len(sets))
    for scale in SCALES:
        cells = []
        for rows in sets.values():
            kept = [r for r in rows if r["near"] >= scale]
            cells.append(f"{1 - len(kept) / len(rows):.1%} / {sum(not r['same'] for r in kept)}")
        print(f"| {scale:g} | " + " | ".join(cells) + " |")
    rows = [r for rows in sets.values() for r in rows]
    flips = [r for r in rows if r["hash_flips"] or r["identity_flips"]]
    steady = [r for r in rows if not (r["hash_flips"] or r["identity_flips"])]
    print(
        f"\nWindow bits on the other side of 0.5 from float32 (all {len(rows)} tracks): hash layer "
        f"{sum(r['hash_flips'] for r in rows)}, identity {sum(r['identity_flips'] for r in rows)}. The lead's difference: "
        f"{len(steady)} tracks with no such bit, largest {max((r['lead_error'] for r in steady), default=0):.4f}; "
        f"{len(flips)} with one or more, median {np.median([r['lead_error'] for r in flips]):.4f}, "
        f"largest {max((r['lead_error'] for r in flips), default=0):.4f}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hash-cnn-lstm-emotify-v3.onnx")
    args = parser.parse_args()
    emotify, dev = SHARED / "emotify", SHARED / "gtzan-dev"
    if not (emotify / "train.txt").is_file() or not dev.is_dir():
        raise SystemExit(f"needs Emotify and the dev set under {SHARED}")
    twin = int8_twin(args.model)
    if twin is None:
        raise SystemExit(f"{args.model}: no int8 twin beside it")
    reference, int8 = GenreModel(args.model), GenreModel(twin)
    if Deferral.of(int8.manifest) is None:
        raise SystemExit(f"{twin}: its sidecar records no deferral")
    tracks = {
        "Emotify": [
            emotify / t for s in ("train", "valid", "test") for t in (emotify / f"{s}.txt").read_text().split()
        ],
        "dev set": [clip.path for clip in load_dev_set(dev)],
    }
    report({name: measure(reference, int8, paths) for name, paths in tracks.items()})


if __name__ == "__main__":
    main()
