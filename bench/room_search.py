"""How often a room capture finds its own track first, by how the search orders its shortlist.

    .venv/bin/python bench/room_search.py ../shared/datasets/emotify [--model MODEL] [--seeds 0 1 2]
        [--offsets 8 15 23] [--shortlists 20 40]

Every Emotify track is analysed as the library analyses it (the model's windows per track); each
validation and test track is then heard through a room (:func:`musictagger.audio.augment.room_capture`,
the evaluation's recipe): its first window under each room draw of ``--seeds``, and a window starting
at each of ``--offsets`` seconds (not aligned with the library's windows) under draw 0.  Each capture
searches all the tracks, ranked as the library ranks them (:func:`musictagger.evaluation.metrics.own_item_ranks`:
the Hamming shortlist re-ordered by relaxed codes), once by each track's own relaxed code and once by the
nearest of its own and its windows' (what the library stores since window codes), comparing all the bits
and the model's identity bits alone (:attr:`~musictagger.model.manifest.ModelManifest.match_bits`, what the
search compares), for each shortlist length.  Printed per split: the share of captures whose own track
comes first, per draw and offset, and their mean; and what the rest of a match list is worth, the mean
share of the first ten matches of a split's track (its own code the query) in that track's genre.  Then,
for the search as the library runs it, each track's share of its captures found first, with a bootstrap
interval over tracks (a track's captures resampled together: they are not independent).  The
evaluation (``musictagger evaluate``) reports draw 0's first windows only; this is where the shortlist
length and the bits compared are chosen, on the validation split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from musictagger.audio.decode import decode
from musictagger.audio.signal import resample, to_mono
from musictagger.collection import load_collection
from musictagger.evaluation.metrics import bootstrap_ci, own_item_ranks
from musictagger.evaluation.outcomes import heard_in_room
from musictagger.model import codes
from musictagger.model.codes import SHORTLIST
from musictagger.model.runtime import GenreModel, default_model_path

QUERY_SPLITS = ("valid", "test")


def found_first(
    queries: np.ndarray, owners: np.ndarray, relaxed: np.ndarray, shortlist: int, match_bits: int
) -> np.ndarray:
    """Whether the search ranks each relaxed-code query's own track (``owners``) first, comparing the codes'
    last ``match_bits`` bits (``relaxed``: each track's searched relaxed codes, ``(N, M, K)``)."""
    ranks = own_item_ranks(
        codes.binarize(queries),
        codes.binarize(relaxed[:, 0]),
        owners,
        query_relaxed=queries,
        database_relaxed=relaxed,
        match_bits=match_bits,
        shortlist=shortlist,
    )
    return ranks == 0


def genre_agreement(
    relaxed: np.ndarray, labels: np.ndarray, askers: np.ndarray, shortlist: int, match_bits: int
) -> float:
    """Mean share of the first ten matches in the asking track's genre, each asking track's own code the query
    (itself left out): what the rest of a match list is worth, beside finding the same track."""
    compared = slice(-match_bits, None)
    bits = codes.binarize(relaxed[:, 0, compared])
    shares = []
    for row in askers:
        others = np.flatnonzero(np.arange(len(relaxed)) != row)
        order = codes.rank_by_hamming(
            bits[row],
            bits[others],
            query_relaxed=relaxed[row, 0, compared],
            database_relaxed=relaxed[others][..., compared],
            shortlist=shortlist,
        )
        shares.append(np.mean(labels[others[order[:10]]] == labels[row]))
    return float(np.mean(shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--offsets", type=float, nargs="+", default=[8.0, 15.0, 23.0])
    parser.add_argument("--shortlists", type=int, nargs="+", default=[20, 40])
    args = parser.parse_args()
    model = GenreModel(args.model or default_model_path(), threads=2)
    params = model.manifest.front_end
    sr, window = params.sample_rate, params.window_frames * params.hop_length
    collection = load_collection(args.data)
    splits = [(split, t) for split in ("train", *QUERY_SPLITS) for t in collection.tracks(split)]
    own, windows = [], []
    captures: dict[str, list[tuple[int, np.ndarray]]] = {}
    for row, (split, track) in enumerate(tqdm(splits, desc="tracks")):
        audio = decode(track.path)
        library = model.analyze_signal(audio.y, sr=audio.sr, source=str(track.path))
        own.append(library.relaxed_code)
        windows.append(library.window_codes)
        if split not in QUERY_SPLITS:
            continue
        y = resample(to_mono(audio.y), orig_sr=audio.sr, target_sr=sr)
        parts = {f"first window, draw {seed}": (0, seed) for seed in args.seeds}
        parts |= {f"from {offset:g} s, draw 0": (round(offset * sr), 0) for offset in args.offsets}
        for name, (start, seed) in parts.items():
            start = min(start, max(0, y.size - window))
            heard = heard_in_room(track, y, sr, seed=seed, start=start, length=window)
            code = model.analyze_signal(heard, sr=sr, n_windows=1, source=name).relaxed_code
            captures.setdefault(f"{split}|{name}", []).append((row, code))
    own_codes = np.stack(own)
    n_bits = own_codes.shape[1]
    databases = {
        "own code": own_codes[:, None],
        "own and windows' codes": codes.padded_codes(
            [np.vstack([o, w]) for o, w in zip(own, windows, strict=True)], n_bits
        ),
    }
    compared = dict.fromkeys([n_bits, model.manifest.match_bits])
    labels = np.array([track.label for _, track in splits])
    print(f"{model.path.name}: own track first among {len(splits)} tracks; genre agreement of the first ten matches")
    names = list(dict.fromkeys(key.split("|")[1] for key in captures))
    print(
        "| split | relaxed codes of a track | bits compared | shortlist | "
        + " | ".join(names)
        + " | mean | genre of 10 |"
    )
    print("|---|---|---:|---:|" + "---:|" * (len(names) + 2))
    searched = ("own and windows' codes", model.manifest.match_bits, SHORTLIST)  # what the library does
    per_track: dict[str, np.ndarray] = {}
    for split in QUERY_SPLITS:
        askers = np.array([row for row, (of, _) in enumerate(splits) if of == split])
        for database, relaxed in databases.items():
            for match_bits in compared:
                for shortlist in args.shortlists:
                    hits = []  # (captures, tracks): every capture lists the split's tracks in one order
                    for name in names:
                        owners, queries = zip(*captures[f"{split}|{name}"], strict=True)
                        hits.append(found_first(np.stack(queries), np.array(owners), relaxed, shortlist, match_bits))
                    shares = np.mean(hits, axis=1)
                    if (database, match_bits, shortlist) == searched:
                        per_track[split] = np.mean(hits, axis=0)
                    cells = " | ".join(f"{share:.3f}" for share in shares)
                    genre = genre_agreement(relaxed, labels, askers, shortlist, match_bits)
                    print(
                        f"| {split} | {database} | {match_bits} | {shortlist} | {cells} | {np.mean(shares):.3f} "
                        f"| {genre:.3f} |"
                    )
    if per_track:
        print(
            f"\nthe library's search ({searched[0]}, {searched[1]} bits, shortlist {searched[2]}), each track's share of"
        )
        print(f"its {len(names)} captures found first; 95% bootstrap interval over tracks:")
        for name, shares in [*per_track.items(), ("valid + test", np.concatenate(list(per_track.values())))]:
            print(f"- {name}, {len(shares)} tracks: {bootstrap_ci(np.mean, shares)}")


if __name__ == "__main__":
    main()
