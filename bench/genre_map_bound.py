"""What bounds genre MAP: how well a model's codes label its own training tracks (issue 11).

    .venv/bin/python bench/genre_map_bound.py ../shared/datasets/emotify [--model MODEL ...] [--split test]

The paper's metric, as ``musictagger evaluate`` reports it, ranks the ``train`` split by Hamming
distance to each query track's code.  A query's AP is then high only if the database tracks of its
genre carry codes near its own, so the figure depends on the model twice: on the query (is its code
where its genre's codes are?) and on the database (are the training tracks' codes where their genre's
are?).  For each model this prints, on the query split and on the database:

* accuracy (best genre) of the query split and of the ``train`` split the queries search;
* the evaluation's genre MAP (Hamming ranking, relaxed codes breaking ties);
* the MAP of ranking by the classifier itself: every track's code replaced by its best genre
  (one-hot), ties broken by the calibrated probabilities: the most a code can say about the genre
  beyond what the classifier decides;
* the same with the database labelled by its truth: what the classifier's ranking would reach if the
  model had every training track right.

Every track is analysed as the library analyses it (the model's windows per track); nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from musictagger.collection import Track, load_collection
from musictagger.evaluation.metrics import Interval, hamming_retrieval
from musictagger.model.runtime import GenreModel, default_model_path
from musictagger.process import prepare_analysing_process


def analysed(model: GenreModel, tracks: tuple[Track, ...], desc: str) -> tuple[np.ndarray, ...]:
    """Bits, relaxed codes, calibrated probabilities and true labels of ``tracks``, in their order."""
    analyses = [model.analyze_file(track.path) for track in tqdm(tracks, desc=desc)]
    return (
        np.array([a.bits for a in analyses]),
        np.array([a.relaxed_code for a in analyses]),
        np.array([a.probabilities for a in analyses]),
        np.array([track.label for track in tracks]),
    )


def genre_code(genres: np.ndarray, n_genres: int) -> np.ndarray:
    """Each track's genre (an index) as a one-hot code: the ranking a code that is the genre would give."""
    return np.eye(n_genres, dtype=np.uint8)[genres]


def figures(query: tuple[np.ndarray, ...], database: tuple[np.ndarray, ...]) -> dict[str, float | Interval]:
    """The bench's figures for one model (see the module docstring)."""
    q_bits, q_relaxed, q_probs, q_labels = query
    d_bits, d_relaxed, d_probs, d_labels = database
    n_genres = q_probs.shape[1]

    def map_of(d_codes: np.ndarray, d_ties: np.ndarray, q_codes: np.ndarray, q_ties: np.ndarray) -> Interval:
        retrieval = hamming_retrieval(
            q_codes, q_labels, d_codes, d_labels, query_relaxed=q_ties, database_relaxed=d_ties
        )
        return retrieval.map_ci()

    q_predicted, d_predicted = q_probs.argmax(axis=1), d_probs.argmax(axis=1)
    q_best, d_best, d_truth = (genre_code(g, n_genres) for g in (q_predicted, d_predicted, d_labels))
    return {
        "query accuracy": float(np.mean(q_predicted == q_labels)),
        "train accuracy": float(np.mean(d_predicted == d_labels)),
        "MAP, Hamming (the evaluation's)": map_of(d_bits, d_relaxed, q_bits, q_relaxed),
        "MAP, ranked by best genre": map_of(d_best, d_probs, q_best, q_probs),
        "MAP, best genre, train labelled right": map_of(d_truth, d_truth.astype(float), q_best, q_probs),
    }


def cell(value: float | Interval) -> str:
    """A table cell: a figure, and its bootstrap interval over queries where it has one."""
    return str(value) if isinstance(value, Interval) else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the Emotify folder (genre folders and split files)")
    parser.add_argument("--model", type=Path, action="append", help="ONNX model (repeatable; default: the app's)")
    parser.add_argument("--split", default="test", choices=("valid", "test"), help="the query split")
    args = parser.parse_args()
    prepare_analysing_process()
    collection = load_collection(args.data)
    rows: dict[str, list[str]] = {}
    names = []
    for path in args.model or [default_model_path()]:
        model = GenreModel(path)
        names.append(path.stem)
        query = analysed(model, collection.splits[args.split], f"{path.stem}: {args.split}")
        database = analysed(model, collection.splits["train"], f"{path.stem}: train")
        for name, value in figures(query, database).items():
            rows.setdefault(name, []).append(cell(value))
    print(
        f"\nqueries: the {args.split} split ({len(collection.splits[args.split])} tracks); "
        f"database: the train split ({len(collection.splits['train'])})\n"
    )
    print("| figure | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for name, cells in rows.items():
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
