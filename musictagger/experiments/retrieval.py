"""Hamming retrieval for the experiments: MAP, precision@k and the curves of the paper's Fig. 6.

Queries are the test tracks, the database the training tracks.  Two tie rules:

* with relaxed codes (the hash-CNN-LSTM's sigmoid outputs), ties are broken as in the shipped
  evaluation, by the distance between relaxed codes (experiments 1 and 2);
* for comparing hashing methods (experiment 3), every method is ranked by the bits alone and
  equal distances are ordered by one fixed random permutation of the database, so no method
  gains from extra real-valued information and no genre from the database's order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musictagger.evaluation.metrics import RetrievalResult, hamming_retrieval
from musictagger.model.codes import rank_by_hamming

CURVE_KS = np.array([1, 5, 10, 20, 50, 100, 150, 200])
"""Cut-offs of the precision@k curve (capped at the database size)."""


@dataclass(frozen=True)
class Ranked:
    """Per-query scores of one retrieval run and its mean precision and recall at every rank."""

    result: RetrievalResult
    precision: np.ndarray
    recall: np.ndarray

    def precision_at(self, ks: np.ndarray) -> np.ndarray:
        """Mean precision at each cut-off in ``ks`` (cut-offs beyond the database are dropped)."""
        ks = ks[ks <= len(self.precision)]
        return self.precision[ks - 1]


def rank(
    query_bits: np.ndarray,
    query_labels: np.ndarray,
    database_bits: np.ndarray,
    database_labels: np.ndarray,
    *,
    relaxed: tuple[np.ndarray, np.ndarray] | None = None,
    tie_seed: int | None = None,
) -> Ranked:
    """Rank the database for every query; ``relaxed`` = (query, database) relaxed codes for the tie-break,
    or ``tie_seed`` to order ties by a seeded permutation of the database."""
    if tie_seed is not None:
        order = np.random.default_rng(tie_seed).permutation(len(database_labels))
        database_bits, database_labels = database_bits[order], database_labels[order]
    query_relaxed, database_relaxed = relaxed if relaxed is not None else (None, None)
    result = hamming_retrieval(
        query_bits,
        query_labels,
        database_bits,
        database_labels,
        query_relaxed=query_relaxed,
        database_relaxed=database_relaxed,
    )
    rankings = rank_by_hamming(
        query_bits, database_bits, query_relaxed=query_relaxed, database_relaxed=database_relaxed
    )
    relevant = database_labels[rankings] == query_labels[:, None]
    hits = np.cumsum(relevant, axis=1)
    precision = (hits / np.arange(1, relevant.shape[1] + 1)).mean(axis=0)
    recall = (hits / np.maximum(hits[:, -1:], 1)).mean(axis=0)
    return Ranked(result=result, precision=precision, recall=recall)
