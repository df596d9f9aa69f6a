"""Which backbone features the identity bits should read, measured on the room-capture figure (issue 11).

    python bench/identity_features.py [--model models/hash-cnn-lstm-emotify-v3.onnx] [--cache DIR]

The third model's 48 identity bits are a closed-form hash of the channel means of the five grid maps
(:mod:`musictagger.training.identity`).  This refits that hash on the same training data (each training
track's clean windows and 6 degraded views, seed 0, as ``musictagger train --views 6`` caches them) from
other features of the same maps, puts the model's own 16 reader bits in front of it as the model does,
and searches the 400 Emotify tracks with the room capture of each validation and test track's first
window (the evaluation's seed 0) in the library's search order: the 48 identity bits compared, each
track by the nearest of its own and its windows' relaxed codes.  Printed per feature set: the share of
queries whose own track comes first (choose on valid), its share in the Hamming shortlist the search
re-orders (no re-ordering can do better), and the distinct codes of the 400 tracks; the first row is
the shipped model's own codes.  The backbone's outputs are cached in ``--cache`` (about 16 min on the
2-core machine the first time); nothing is shipped or written elsewhere.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch

from musictagger.audio.decode import decode_mono
from musictagger.audio.frontend import features_from_signal
from musictagger.collection import load_collection
from musictagger.evaluation.metrics import own_item_ranks
from musictagger.evaluation.outcomes import analyse_track, heard_in_room
from musictagger.model.codes import SHORTLIST, padded_codes
from musictagger.model.manifest import sha256_of
from musictagger.model.runtime import GenreModel
from musictagger.process import prepare_analysing_process
from musictagger.training import identity
from musictagger.training.backbone import load_backbone
from musictagger.training.views import ViewCache

ROOT = Path(__file__).resolve().parents[1]
EMOTIFY = ROOT.parent / "shared" / "datasets" / "emotify"
BACKBONE = ROOT / "models" / "backbone" / "musicnn_mtt_vgg.npz"
READER_BITS = 16
IDENTITY_BITS = 48
ROOM_SEED = 0


def per_channel(statistic: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """Features ``(n, 640)``: ``statistic`` of each channel of the five grid maps ``(n, 5, 128, Tg, Fg)``."""
    return lambda maps: statistic(maps.astype(np.float32)).reshape(len(maps), -1).astype(np.float64)


MEANS = partial(identity.channel_features, maxima=False)
FEATURES = {
    "channel means (the third model's fit)": MEANS,
    "means + spreads over the grid": lambda m: np.hstack([MEANS(m), per_channel(lambda x: x.std(axis=(3, 4)))(m)]),
    "means + maxima over the grid (train --identity-maxima)": partial(identity.channel_features, maxima=True),
    "means + spreads over time": lambda m: np.hstack([MEANS(m), per_channel(lambda x: x.mean(axis=4).std(axis=3))(m)]),
}


def fit_relaxed(train: list[tuple[np.ndarray, int]], features: Callable) -> Callable[[np.ndarray], np.ndarray]:
    """The identity hash fitted as the shipped one is (:func:`musictagger.training.identity.fit_linear_hash`)
    on ``features`` of the training maps; returns the relaxed identity code of each window of some maps."""
    mean, scale, projection, offset = identity.fit_linear_hash(
        [features(maps) for maps, _ in train], [count for _, count in train], bits=IDENTITY_BITS, seed=0
    )
    return lambda maps: (
        1.0 / (1.0 + np.exp(-identity.SHARPNESS * (((features(maps) - mean) / scale) @ projection - offset)))
    )


def room_share(
    library: np.ndarray, windows: list[np.ndarray], queries: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, tuple]:
    """Per split: share of queries whose own track is first, and in the shortlist; ``library`` holds each
    track's relaxed code, ``windows`` its windows', ``queries[split]`` (relaxed query codes, own database index)."""
    bits = (library > 0.5).astype(np.uint8)
    searched = padded_codes(
        [np.vstack([own, parts]) for own, parts in zip(library, windows, strict=True)], len(bits[0])
    )
    shares = {}
    for split, (relaxed, own) in queries.items():
        ranks = own_item_ranks(
            (relaxed > 0.5).astype(np.uint8),
            bits,
            own,
            query_relaxed=relaxed,
            database_relaxed=searched,
            match_bits=IDENTITY_BITS,
        )
        shares[split] = (float(np.mean(ranks == 0)), float(np.mean(ranks < SHORTLIST)), len(ranks))
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hash-cnn-lstm-emotify-v3.onnx")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "musictagger-identity-cache")
    args = parser.parse_args()
    prepare_analysing_process()
    torch.set_num_threads(2)
    model = GenreModel(args.model)
    params = model.manifest.front_end
    backbone, tag_head, _ = load_backbone(BACKBONE)
    cache = ViewCache(
        args.cache,
        params=params,
        backbone=backbone,
        tag_head=tag_head,
        grid=(32, 8),
        backbone_digest=sha256_of(BACKBONE),
    )
    collection = load_collection(EMOTIFY)
    tracks = [(split, track) for split, members in collection.splits.items() for track in members]
    window = params.window_frames * params.hop_length
    train, clean, rooms, codes, windows, room_codes = [], [], {}, [], [], {}
    for index, (split, track) in enumerate(tracks):
        maps = cache.clean(track.path, n_windows=model.manifest.windows_per_track).maps
        clean.append(maps)
        query = split != "train"
        outcomes = analyse_track(model, track, query=query, n_windows=None, room_seed=ROOM_SEED)
        codes.append(outcomes.library.relaxed)
        windows.append(outcomes.library.window_codes)
        if not query:
            train.append((np.concatenate([maps, cache.augmented(track.path, n_views=6, seed=0).maps]), len(maps)))
            continue
        y = decode_mono(track.path, sr=params.sample_rate)
        heard = heard_in_room(track, y, params.sample_rate, seed=ROOM_SEED, length=window)
        room_maps = cache.encode(features_from_signal(heard, sr=params.sample_rate, params=params, n_windows=1).windows)
        rooms.setdefault(split, []).append((room_maps.maps, index))
        room_codes.setdefault(split, []).append(outcomes.room_capture.relaxed)

    own = {split: np.array([i for _, i in found]) for split, found in rooms.items()}
    shipped = room_share(np.stack(codes), windows, {s: (np.stack(room_codes[s]), own[s]) for s in rooms})
    rows = [("the shipped model's codes", shipped, len({bytes(c > 0.5) for c in codes}))]
    readers = np.stack(codes)[:, :READER_BITS]
    for name, features in FEATURES.items():
        relaxed = fit_relaxed(train, features)
        library = np.hstack([readers, np.stack([relaxed(maps).mean(axis=0) for maps in clean])])
        refitted = [
            np.hstack([parts[:, :READER_BITS], relaxed(maps)]) for parts, maps in zip(windows, clean, strict=True)
        ]
        queries = {
            split: (
                np.hstack([np.stack(room_codes[split])[:, :READER_BITS], np.vstack([relaxed(m) for m, _ in found])]),
                own[split],
            )
            for split, found in rooms.items()
        }
        rows.append((name, room_share(library, refitted, queries), len({bytes(c > 0.5) for c in library})))

    print(
        f"| identity bits from | valid: own track first / in the {SHORTLIST}-code shortlist | test | valid + test | distinct codes |"
    )
    print("|---|---|---|---|---:|")
    for name, shares, distinct in rows:
        both = sum(shares[s][0] * shares[s][2] for s in shares) / sum(shares[s][2] for s in shares)
        cells = [f"{shares[s][0]:.3f} / {shares[s][1]:.3f}" for s in ("valid", "test")]
        print(f"| {name} | {' | '.join(cells)} | {both:.3f} | {distinct} / {len(tracks)} |")


if __name__ == "__main__":
    main()
