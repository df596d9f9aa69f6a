"""Evaluation metrics: genre classification, Hamming retrieval (by genre, and of an item's own
entry), collisions among codes, and bootstrap confidence intervals.

Numpy only (no scikit-learn at import) because ``musictagger evaluate`` runs in the application
environment; the tests check the results against scikit-learn.

Classification labels are integer class indices ``0 .. n_classes - 1``.  Retrieval labels may
be of any type that compares with ``==``; a database item is *relevant* to a query when their
labels are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from musictagger.errors import ParameterError
from musictagger.model.codes import SHORTLIST, pack, rank_by_hamming

# --- classification -------------------------------------------------------------------------


def _check_pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return two equally long, non-empty 1-D label arrays."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ParameterError(
            f"expected two non-empty 1-D label arrays of equal length, got {y_true.shape}, {y_pred.shape}"
        )
    return y_true, y_pred


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of items whose predicted label equals the true label."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Count matrix ``(n_classes, n_classes)``: rows are true classes, columns predicted ones.

    Every class gets a row and a column, including classes absent from both arrays, so
    matrices of different test sets line up.
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    if n_classes < 1:
        raise ParameterError(f"n_classes must be at least 1, got {n_classes}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= n_classes:
            raise ParameterError(f"{name} must hold integer class indices in [0, {n_classes})")
    flat = np.bincount(y_true.astype(np.int64) * n_classes + y_pred.astype(np.int64), minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, *, classes: Sequence[int] | None = None) -> float:
    """Unweighted mean of the per-class F1 over all ``n_classes`` classes (or over ``classes``).

    Matches scikit-learn's ``f1_score(average="macro", labels=classes or range(n_classes),
    zero_division=0)``: a class never predicted correctly scores 0, and so does a class absent
    from both arrays — every class counts, so a model cannot gain by ignoring rare genres.
    ``classes`` restricts the mean to the classes a test set has (a collection holding some of
    a model's genres), while predictions of the other classes still count as errors.
    """
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    true_positives = np.diag(matrix)
    errors = matrix.sum(axis=0) + matrix.sum(axis=1) - 2 * true_positives  # false positives + negatives
    denominator = 2 * true_positives + errors
    f1 = np.divide(2 * true_positives, denominator, out=np.zeros(n_classes), where=denominator > 0)
    if classes is None:
        return float(f1.mean())
    classes = list(classes)
    if not classes or min(classes) < 0 or max(classes) >= n_classes:
        raise ParameterError(f"classes must be a non-empty list of class indices in [0, {n_classes})")
    return float(f1[classes].mean())


def tally(mask: Sequence[bool] | np.ndarray) -> dict[str, int]:
    """``{"count": how many are true, "total": how many there are}``: a figure to report as counts,
    where a rate over a handful of items (five dev-set clips a genre) would overstate what it shows."""
    mask = np.asarray(mask, dtype=bool)
    return {"count": int(mask.sum()), "total": int(mask.size)}


# --- bootstrap ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A point estimate with the bounds of its confidence interval."""

    point: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.point:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap_ci(
    statistic: Callable[..., float],
    *arrays: np.ndarray,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile-bootstrap confidence interval of a statistic over items (tracks or queries).

    Each resample draws item indices with replacement and applies the *same* indices to every
    array (a paired bootstrap), so e.g. ``bootstrap_ci(accuracy, y_true, y_pred)`` keeps each
    prediction with its truth, and ``bootstrap_ci(np.mean, result.average_precision)`` gives a
    MAP interval over queries.

    Parameters
    ----------
    statistic
        Called as ``statistic(*resampled_arrays)``; must return a scalar.
    *arrays
        One or more arrays with the same length along axis 0 (the items).
    n_resamples
        Number of bootstrap resamples.
    confidence
        Coverage of the interval, in (0, 1).
    seed
        Seed of the resampling generator; the same seed gives the same interval.

    Returns
    -------
    Interval
        ``point`` is the statistic on the full data; ``low`` and ``high`` are the
        ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of the resampled values.
        Resamples where the statistic is undefined (NaN, e.g. a ROC-AUC of a resample holding
        one class only) are left out; if every resample is undefined the bounds are NaN.
    """
    if not arrays:
        raise ParameterError("bootstrap_ci needs at least one array")
    arrays = tuple(np.asarray(array) for array in arrays)
    n_items = len(arrays[0])
    if n_items == 0 or any(array.ndim == 0 or len(array) != n_items for array in arrays):
        raise ParameterError(f"arrays must be non-empty and equally long, got shapes {[a.shape for a in arrays]}")
    if n_resamples < 1:
        raise ParameterError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    resampled = np.empty(n_resamples)
    for i in range(n_resamples):
        indices = rng.integers(0, n_items, size=n_items)
        resampled[i] = statistic(*(array[indices] for array in arrays))
    tail = 100 * (1 - confidence) / 2
    defined = resampled[np.isfinite(resampled)]
    low, high = np.percentile(defined, [tail, 100 - tail]) if defined.size else (np.nan, np.nan)
    return Interval(point=float(statistic(*arrays)), low=float(low), high=float(high))


# --- retrieval ------------------------------------------------------------------------------


def _relevance(query_labels: np.ndarray, database_labels: np.ndarray, rankings: np.ndarray) -> np.ndarray:
    """Boolean matrix ``(Q, N)``: is the item at each rank relevant to the query?

    ``rankings[q]`` must be a permutation of the database indices, because AP is defined over
    the whole ranked database and a truncated or repeating list would silently change it.
    """
    query_labels, database_labels = np.asarray(query_labels), np.asarray(database_labels)
    rankings = np.asarray(rankings)
    n_queries, n_database = len(query_labels), len(database_labels)
    if query_labels.ndim != 1 or database_labels.ndim != 1 or rankings.shape != (n_queries, n_database):
        raise ParameterError(
            f"expected query labels (Q,), database labels (N,) and rankings (Q, N), "
            f"got {query_labels.shape}, {database_labels.shape}, {rankings.shape}"
        )
    if n_queries == 0 or n_database == 0:
        raise ParameterError("need at least one query and one database item")
    if rankings.dtype.kind not in "iu" or rankings.min() < 0 or rankings.max() >= n_database:
        raise ParameterError(f"rankings must hold database indices in [0, {n_database})")
    seen = np.zeros(rankings.shape, dtype=bool)
    seen[np.arange(n_queries)[:, np.newaxis], rankings] = True
    if not seen.all():
        raise ParameterError("each row of rankings must be a permutation of the database indices")
    return database_labels[rankings] == query_labels[:, np.newaxis]


def average_precision_per_query(
    query_labels: np.ndarray, database_labels: np.ndarray, rankings: np.ndarray
) -> np.ndarray:
    """Non-interpolated average precision of each query over its whole ranked database.

    ``AP = (1 / R) * sum over relevant ranks r of precision@r``, with ``R`` the number of
    relevant database items (same label as the query).  A query with no relevant item gets
    AP 0, as in scikit-learn's ``average_precision_score`` and the usual hashing MAP code.
    Queries are meant to be held out of the database: a query that is also a database item
    finds itself first, which inflates its AP.

    Parameters
    ----------
    query_labels
        Labels of the queries, shape ``(Q,)``.
    database_labels
        Labels of the database items, shape ``(N,)``.
    rankings
        Shape ``(Q, N)``; row ``q`` lists all database indices, best match first.

    Returns
    -------
    np.ndarray
        AP per query, shape ``(Q,)``.
    """
    return _average_precision(_relevance(query_labels, database_labels, rankings))


def _average_precision(relevant: np.ndarray) -> np.ndarray:
    """AP of each row of a ``(Q, N)`` relevance matrix in rank order; 0 for rows without a hit."""
    hits = np.cumsum(relevant, axis=1)
    precision_at_rank = hits / np.arange(1, relevant.shape[1] + 1)
    n_relevant = hits[:, -1]
    summed = np.sum(precision_at_rank, axis=1, where=relevant)
    return np.divide(summed, n_relevant, out=np.zeros(len(summed)), where=n_relevant > 0)


def mean_average_precision(query_labels: np.ndarray, database_labels: np.ndarray, rankings: np.ndarray) -> float:
    """Mean over queries of :func:`average_precision_per_query` (MAP)."""
    return float(np.mean(average_precision_per_query(query_labels, database_labels, rankings)))


def precision_at_k(
    query_labels: np.ndarray, database_labels: np.ndarray, rankings: np.ndarray, k: int = 10
) -> np.ndarray:
    """Fraction of relevant items among each query's first ``k`` results, shape ``(Q,)``."""
    return _precision_at_k(_relevance(query_labels, database_labels, rankings), k)


def _precision_at_k(relevant: np.ndarray, k: int) -> np.ndarray:
    """Fraction of hits in the first ``k`` columns of each row of a ``(Q, N)`` relevance matrix."""
    if not 1 <= k <= relevant.shape[1]:
        raise ParameterError(f"k must be between 1 and the database size {relevant.shape[1]}, got {k}")
    return relevant[:, :k].mean(axis=1)


@dataclass(frozen=True, eq=False)
class RetrievalResult:
    """Per-query retrieval scores of a Hamming search; the means are properties.

    Keeping the per-query arrays lets callers bootstrap over queries, see :meth:`map_ci`.
    """

    average_precision: np.ndarray
    precision_at_k_per_query: np.ndarray
    k: int

    @property
    def map(self) -> float:
        """Mean average precision over the queries."""
        return float(np.mean(self.average_precision))

    @property
    def precision_at_k(self) -> float:
        """Mean precision at ``k`` over the queries."""
        return float(np.mean(self.precision_at_k_per_query))

    def map_ci(self, *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
        """MAP with a percentile-bootstrap interval over queries (see :func:`bootstrap_ci`)."""
        return bootstrap_ci(np.mean, self.average_precision, n_resamples=n_resamples, confidence=confidence, seed=seed)


def hamming_retrieval(
    query_bits: np.ndarray,
    query_labels: np.ndarray,
    database_bits: np.ndarray,
    database_labels: np.ndarray,
    *,
    query_relaxed: np.ndarray | None = None,
    database_relaxed: np.ndarray | None = None,
    k: int = 10,
    own: np.ndarray | None = None,
) -> RetrievalResult:
    """Rank the database by Hamming distance for every query and score the rankings.

    Ranking (and its tie rule) is :func:`musictagger.model.codes.rank_by_hamming`; AP is
    :func:`average_precision_per_query`, over the whole database but for the query's own item where ``own`` gives
    it (queries that are database items: each would find itself first, a relevant hit that inflates AP).

    Parameters
    ----------
    query_bits, database_bits
        0/1 codes of shapes ``(Q, K)`` and ``(N, K)``.
    query_labels, database_labels
        Labels of shapes ``(Q,)`` and ``(N,)``; equal labels mean relevant.
    query_relaxed, database_relaxed
        Optional relaxed codes for the tie-break; give both or neither.
    k
        Cut-off of the precision at ``k``.
    own
        Optional, shape ``(Q,)``: the database index of each query's own item, left out of its ranking.
    """
    query_bits = np.asarray(query_bits)
    if query_bits.ndim != 2:
        raise ParameterError(f"query bits must be shaped (Q, K), got {query_bits.shape}")
    n_database = len(database_bits)
    own = None if own is None else np.asarray(own)
    if own is not None and (own.shape != (len(query_bits),) or not np.all((own >= 0) & (own < n_database))):
        raise ParameterError(
            f"own must give each of the {len(query_bits)} queries a database index below {n_database}, got {own}"
        )
    rankings = rank_by_hamming(
        query_bits, database_bits, query_relaxed=query_relaxed, database_relaxed=database_relaxed
    )
    relevant = _relevance(query_labels, database_labels, rankings)
    if own is not None:
        relevant = relevant[rankings != own[:, None]].reshape(len(relevant), -1)
    return RetrievalResult(
        average_precision=_average_precision(relevant),
        precision_at_k_per_query=_precision_at_k(relevant, k),
        k=k,
    )


def own_item_ranks(
    query_bits: np.ndarray,
    database_bits: np.ndarray,
    own_index: np.ndarray,
    *,
    query_relaxed: np.ndarray | None = None,
    database_relaxed: np.ndarray | None = None,
    match_bits: int | None = None,
    shortlist: int = SHORTLIST,
) -> np.ndarray:
    """Where each query finds its own database item (the same track) in its Hamming ranking.

    The ranking is the library's search order (:func:`musictagger.model.codes.rank_by_hamming`
    with the search's ``shortlist`` re-ordered by the relaxed codes
    when they are given, over the codes' last ``match_bits`` bits as the search compares them:
    :attr:`~musictagger.model.manifest.ModelManifest.match_bits`; None: all), so rank 0 means the
    library would show that track first.

    Parameters
    ----------
    query_bits, database_bits
        0/1 codes of shapes ``(Q, K)`` and ``(N, K)``.
    own_index
        Database index of each query's own item, shape ``(Q,)``.
    query_relaxed, database_relaxed
        Optional relaxed codes for the tie-break; give both or neither.

    Returns
    -------
    np.ndarray
        0-based rank of the own item per query, shape ``(Q,)``.
    """
    query_bits, own_index = np.asarray(query_bits), np.asarray(own_index)
    n_database = len(database_bits)
    if query_bits.ndim != 2 or own_index.shape != (len(query_bits),):
        raise ParameterError(
            f"expected query bits (Q, K) and one own index per query, got {query_bits.shape} and {own_index.shape}"
        )
    if own_index.dtype.kind not in "iu" or own_index.min(initial=0) < 0 or own_index.max(initial=0) >= n_database:
        raise ParameterError(f"own_index must hold database indices in [0, {n_database})")
    compared = slice(-match_bits if match_bits else None, None)
    rankings = rank_by_hamming(
        query_bits[:, compared],
        np.asarray(database_bits)[:, compared],
        query_relaxed=None if query_relaxed is None else np.asarray(query_relaxed)[..., compared],
        database_relaxed=None if database_relaxed is None else np.asarray(database_relaxed)[..., compared],
        shortlist=shortlist if query_relaxed is not None else None,
    )
    return np.argmax(rankings == own_index[:, np.newaxis], axis=1)


# --- code collisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeGroups:
    """How many items share their code: items with equal codes form one group."""

    n_items: int
    n_distinct: int
    n_unique_items: int
    largest_group: int

    @property
    def unique_share(self) -> float:
        """Share of items whose code no other item has."""
        return self.n_unique_items / self.n_items


def code_groups(bits: np.ndarray) -> CodeGroups:
    """Group equal codes among ``bits`` ``(N, K)`` (``K <= 64``) and count the groups."""
    packed = _packed_codes(bits)
    _, counts = np.unique(packed, return_counts=True)
    return CodeGroups(
        n_items=int(packed.size),
        n_distinct=int(counts.size),
        n_unique_items=int(np.sum(counts == 1)),
        largest_group=int(counts.max()),
    )


def codes_shared_by_kind(bits: np.ndarray, kinds: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Whether each code of ``bits`` ``(N, K)`` is also the code of another item of its own kind, and
    whether it is also the code of an item of another kind; two arrays of shape ``(N,)``.

    Two renders of one kind of sound (two brown noises) may rightly share a code; sounds of different
    kinds sharing one is a collision.  Compares every pair: meant for tens of sounds, not a library.
    """
    packed, kinds = _packed_codes(bits), np.asarray(kinds)
    if kinds.shape != packed.shape:
        raise ParameterError(f"need one kind per code: {kinds.size} kinds for {packed.size} codes")
    same_code = packed[:, None] == packed[None, :]
    np.fill_diagonal(same_code, False)
    same_kind = kinds[:, None] == kinds[None, :]
    return (same_code & same_kind).any(axis=1), (same_code & ~same_kind).any(axis=1)


def codes_found_in(bits: np.ndarray, other_bits: np.ndarray) -> np.ndarray:
    """Whether each code of ``bits`` ``(N, K)`` equals some code of ``other_bits`` ``(M, K)``, shape ``(N,)``."""
    return np.isin(_packed_codes(bits), _packed_codes(other_bits))


def _packed_codes(bits: np.ndarray) -> np.ndarray:
    """``(N,)`` packed codes of a non-empty ``(N, K)`` array of bits."""
    packed = pack(bits)
    if packed.ndim != 1 or packed.size == 0:
        raise ParameterError(f"expected a non-empty array of codes (N, K), got bits of shape {np.shape(bits)}")
    return packed
