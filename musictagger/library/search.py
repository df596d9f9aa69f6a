"""Nearest tracks by hash code: Hamming distance finds the neighbourhood, relaxed-code distance orders it.

A :class:`CodeIndex` holds the library's codes in memory as one ``uint64`` per track and the
track ids beside them: 16 bytes per track, 160 MB for ten million.  A query finds every track
within the smallest Hamming radius that holds ``max(k, SHORTLIST)`` of them (:mod:`.hamming`: numpy for a small
library, one compiled pass split between the cores for a large one), then fetches the relaxed
codes of only those few candidates from the library to order them exactly — no full sort, so
ten million tracks answer in 3–4 ms on two idle cores (``bench/search_speed.py``).  A candidate's
relaxed codes are its own and each analysed window's, and the nearest orders it: a query made of
one part of a track (what a microphone heard) is nearer that part's window than the track's own
code, the mean over its windows.  A model with identity bits (the third and the fast one) is searched by
those alone, Hamming and relaxed distances alike: they say which music a code is, and the genre bits
before them, compared too, let a room's doubt about the genre push a capture's own track out of the
shortlist.  The codes come from a file beside the library while it is current (:mod:`.code_sidecar`),
so a new process need not read them out of SQLite.

The order is :func:`musictagger.model.codes.shortlist_order` (inside that radius, squared
Euclidean distance between relaxed codes, then Hamming distance, then database order), which
:func:`~musictagger.model.codes.rank_by_hamming` uses too, so the library and the evaluation
rank alike.

An index loaded from a library knows when the library has changed since (:attr:`CodeIndex.stale`);
:func:`current_index` loads it afresh then, so a reused index never misses added tracks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musictagger.db import ChangeWatcher
from musictagger.errors import ParameterError
from musictagger.library.code_sidecar import read_codes, write_codes
from musictagger.library.hamming import within_radius
from musictagger.library.store import AnalysisKey, Library, TrackRecord
from musictagger.model import codes
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.precision import float_model, int8_twin
from musictagger.model.recognition import RecognitionPolicy, other_music, playing
from musictagger.timefmt import clock

DUPLICATE_TOLERANCE = 1e-3
"""Relaxed codes closer than this (Euclidean) at Hamming distance 0 come from the same sound."""


@dataclass(frozen=True)
class Neighbour:
    """One hit of :meth:`CodeIndex.nearest`: a row of the index and its distances to the query."""

    row: int
    distance: int
    relaxed_distance: float
    part: int
    """Which of the row's relaxed codes is nearest: 0 the track's own, ``i`` its ``i``-th analysed window's."""

    @property
    def duplicate(self) -> bool:
        """The same sound as the query: the whole track's code, not one window's (that is an excerpt)."""
        return self.distance == 0 and self.part == 0 and self.relaxed_distance < DUPLICATE_TOLERANCE


@dataclass(frozen=True)
class Match:
    """A library track near the query; ``distance`` and ``relaxed_distance`` are over the bits compared (the
    model's identity bits, :attr:`~musictagger.model.manifest.ModelManifest.match_bits`); ``duplicate`` marks the
    same sound (e.g. a copy of the file); ``part`` which of its relaxed codes was nearest: 0 the whole track's,
    ``i`` its ``i``-th analysed window's."""

    record: TrackRecord
    distance: int
    relaxed_distance: float
    duplicate: bool
    part: int

    def window_span(self, window_seconds: float) -> tuple[float, float] | None:
        """Where in the track the nearest window lies, in seconds (None when the whole track's code was nearest):
        the analysed windows spread evenly from its start to its end
        (:func:`musictagger.audio.features.window_starts`)."""
        analysis = self.record.analysis
        if self.part == 0 or analysis is None or analysis.window_codes is None:
            return None
        last_start = max(analysis.duration_s - window_seconds, 0.0)
        start = float(np.linspace(0.0, last_start, len(analysis.window_codes))[self.part - 1])
        return start, min(start + window_seconds, analysis.duration_s)

    def part_text(self, window_seconds: float) -> str:
        """The nearest part in words: ``whole track`` or the window's span, e.g. ``0:31–1:00``."""
        span = self.window_span(window_seconds)
        return "whole track" if span is None else f"{clock(span[0])}–{clock(span[1])}"


class CodeIndex:
    """Packed codes of many tracks, searchable by Hamming distance.

    Parameters
    ----------
    ids
        An identifier per row (library track ids), ``(n,)``, ascending.
    packed
        Packed codes (see :func:`musictagger.model.codes.pack`), ``(n,)`` uint64.
    n_bits
        The code length ``K``.
    watcher
        Watches the library the codes were read from, for :attr:`stale`; ``None``: never stale.
    """

    def __init__(
        self, ids: np.ndarray, packed: np.ndarray, n_bits: int, *, watcher: ChangeWatcher | None = None
    ) -> None:
        if len(ids) != len(packed):
            raise ParameterError(f"ids and codes differ in length: {len(ids)}, {len(packed)}")
        self.ids = np.asarray(ids)
        if np.any(self.ids[1:] <= self.ids[:-1]):
            raise ParameterError("the ids of a code index must be unique and ascending")
        self.packed = np.asarray(packed, dtype=np.uint64)
        self.n_bits = n_bits
        self._watcher = watcher

    @classmethod
    def from_library(cls, library: Library) -> CodeIndex:
        """The analysed tracks' codes, watched for changes from before they are read.

        They come memory-mapped from the codes file beside the library when it is current
        (:mod:`.code_sidecar`), else from the library itself, and the file is then written for
        the next process.
        """
        watcher = ChangeWatcher(library.path)
        stored = read_codes(library.path, library.codes_stamp())
        if stored is None:
            stored = library.packed_codes()
            write_codes(library.path, stored)
        return cls(stored.ids, stored.packed, stored.n_bits, watcher=watcher)

    def __len__(self) -> int:
        return len(self.ids)

    def rows_of(self, track_id: int) -> np.ndarray:
        """The row of ``track_id`` (empty if the index does not hold it), found by bisection."""
        row = int(np.searchsorted(self.ids, track_id))
        return np.arange(row, row + 1) if row < len(self.ids) and self.ids[row] == track_id else np.arange(0)

    @property
    def nbytes(self) -> int:
        """Memory the index holds: its ids and codes."""
        return self.ids.nbytes + self.packed.nbytes

    @property
    def stale(self) -> bool:
        """True when the library it was loaded from has been written to since (see :func:`current_index`)."""
        return self._watcher is not None and self._watcher.changed()

    def nearest(
        self,
        query_bits: np.ndarray,
        query_relaxed: np.ndarray,
        *,
        k: int,
        relaxed_codes: Callable[[np.ndarray], np.ndarray],
        exclude_rows: Iterable[int] = (),
        match_bits: int | None = None,
        compiled: bool = True,
    ) -> list[Neighbour]:
        """The ``k`` rows nearest the query (fewer if the index is smaller), nearest first: the
        codes within the Hamming distance of the ``max(k, SHORTLIST)``-th nearest, ordered by the
        relaxed codes' distance (:func:`musictagger.model.codes.shortlist_order`).

        ``match_bits``: compare only the codes' last ``match_bits`` bits, Hamming and relaxed distances alike
        (a model's identity bits, :attr:`~musictagger.model.manifest.ModelManifest.match_bits`); None: all.

        ``relaxed_codes(rows)`` gives the relaxed codes of the candidate rows for the tie-break,
        ``(len(rows), K)`` or ``(len(rows), M, K)`` with each track's own code and its windows' (the nearest
        counts, :func:`musictagger.model.codes.squared_to_nearest`), NaN for a row that has no code any more
        or whose code is not comparable with the query's (another model's); such rows are left out, and the
        search reaches further until the shortlist is full of rows that count.
        ``compiled``: whether a large index may be scanned by the compiled pass (see
        :func:`.hamming.within_radius`; the ranking is the same either way).
        """
        if k < 1:
            raise ParameterError(f"k must be at least 1, got {k}")
        if len(self) == 0:
            return []
        if len(query_bits) != self.n_bits:
            raise ParameterError(f"the query has {len(query_bits)} bits, the library's codes have {self.n_bits}")
        if np.shape(query_relaxed) != (self.n_bits,):
            raise ParameterError(
                f"the query's relaxed code has the shape {np.shape(query_relaxed)}, its bits ({self.n_bits},)"
            )
        compared = self.n_bits if match_bits is None else match_bits  # 0 compared all of them, as None does
        if not 1 <= compared <= self.n_bits:
            raise ParameterError(f"cannot compare {compared} bits of {self.n_bits}-bit codes")
        excluded = list(set(exclude_rows))
        query = codes.pack(query_bits)
        query_relaxed = np.asarray(query_relaxed)[-compared:]
        shortlist = max(k, codes.SHORTLIST)
        wanted = shortlist + len(excluded)
        while True:
            rows, distances = within_radius(self.packed, query, wanted, compared, compiled=compiled)
            keep = ~np.isin(rows, excluded)
            rows, distances = rows[keep], distances[keep]
            squared, parts = codes.squared_to_nearest(query_relaxed, relaxed_codes(rows)[..., -compared:])
            known = ~np.isnan(squared)
            rows, distances, squared, parts = rows[known], distances[known], squared[known], parts[known]
            if len(rows) >= shortlist or wanted >= len(self):
                break
            wanted = 2 * wanted + int(np.count_nonzero(~known))  # rows left out: search further
        order = codes.shortlist_order(distances, squared, shortlist)[:k]
        return [Neighbour(int(rows[i]), int(distances[i]), float(np.sqrt(squared[i])), int(parts[i])) for i in order]


def current_index(library: Library, index: CodeIndex | None = None) -> CodeIndex:
    """``index`` while ``library`` is unchanged since it was loaded, else the library's codes read afresh."""
    return index if index is not None and not index.stale else CodeIndex.from_library(library)


def library_relaxed_codes(
    library: Library, index: CodeIndex, models: Collection[str] | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """:meth:`CodeIndex.nearest`'s ``relaxed_codes`` for an index of ``library``: each track's own and its
    windows' ``(len(rows), M, K)``, fetched by track id, only of tracks analysed by one of ``models`` (None: any)."""

    def relaxed_codes(rows: np.ndarray) -> np.ndarray:
        ids = index.ids[rows]
        found = library.relaxed_codes(ids, models=models)
        return codes.padded_codes([found.get(int(track_id)) for track_id in ids], index.n_bits)

    return relaxed_codes


def find_similar(
    library: Library,
    bits: np.ndarray,
    relaxed_code: np.ndarray | None = None,
    *,
    k: int = 10,
    exclude_path: str | Path | None = None,
    index: CodeIndex | None = None,
    models: Collection[str] | None = None,
    match_bits: int | None = None,
) -> list[Match]:
    """The ``k`` library tracks whose codes are nearest the query, skipping ``exclude_path`` itself.

    ``bits`` and ``relaxed_code`` are an analysis's (:attr:`~musictagger.model.runtime.Analysis.bits` and
    ``relaxed_code``); a query known only by its code (``codes.from_hex(code_hex, 64)``) gives its bits alone
    (``relaxed_code`` None), the tracks' relaxed codes then ordered by their distance from those bits.  A relaxed
    code of another length than the bits is refused (ParameterError), as bits of another length than the library's.
    ``models``: the analysis keys' model ids whose codes are comparable with the query's
    (:func:`comparable_models`); tracks another model analysed, not yet indexed again, are left out
    rather than compared with codes they share nothing with.  None: every track.
    ``match_bits``: compare only the codes' last ``match_bits`` bits (:func:`query_match_bits`: the model's
    identity bits); None: all.

    Pass ``index`` to reuse one :class:`CodeIndex` across queries (the GUI does; it is read
    afresh if the library has changed since, see :func:`current_index`); otherwise the codes
    are loaded for this query alone (from the codes file beside the library when it is
    current) and scanned by numpy, which answers one query sooner than the compiled pass for
    many could be loaded.
    """
    one_off = index is None
    index = current_index(library, index)
    excluded_record = library.record(exclude_path) if exclude_path else None
    exclude_rows = index.rows_of(excluded_record.id) if excluded_record else ()
    matches = []
    relaxed_codes = library_relaxed_codes(library, index, models)
    neighbours = index.nearest(
        bits,
        np.asarray(bits, dtype=np.float32) if relaxed_code is None else relaxed_code,
        k=k,
        relaxed_codes=relaxed_codes,
        exclude_rows=exclude_rows,
        match_bits=match_bits,
        compiled=not one_off,
    )
    for neighbour in neighbours:
        record = library.record_by_id(int(index.ids[neighbour.row]))
        if record is not None:  # pruned since the index was loaded
            matches.append(
                Match(record, neighbour.distance, neighbour.relaxed_distance, neighbour.duplicate, neighbour.part)
            )
    return matches


def playing_first(policy: RecognitionPolicy | None, matches: Sequence[Match], match_bits: int | None) -> bool | None:
    """Whether the first of ``matches`` (the search's, nearest first, over the last ``match_bits`` bits; None:
    all) is the music heard (:func:`musictagger.model.recognition.playing`): the nearest other music is looked for
    among the rest, each track's own relaxed code telling whether it is the same music as the first (a track
    without analysis is other music: :func:`~musictagger.model.recognition.other_music`).  None when there is no
    match or the model cannot tell."""
    if not matches:
        return None
    compared = slice(-match_bits if match_bits else None, None)

    def own_code(match: Match) -> np.ndarray | None:
        analysis = match.record.analysis
        return None if analysis is None else analysis.relaxed_code[compared]

    first, *rest = matches
    other = other_music(own_code(first), ((own_code(m), m.relaxed_distance) for m in rest))
    return playing(policy, first.relaxed_distance, other)


def model_family(model_path: Path) -> frozenset[str]:
    """The analysis keys' model ids whose codes compare with ``model_path``'s: its own, and those of the
    float32 model and int8 twin it belongs with (a twin's codes are its float32 model's, near enough:
    ``musictagger quantize`` measures the Hamming distance between them)."""
    float_path = float_model(model_path)
    paths = [model_path, float_path, int8_twin(float_path) if float_path.is_file() else None]
    return frozenset(
        AnalysisKey.model_id_of(load_manifest(path, verify_digest=False))
        for path in dict.fromkeys(paths)
        if path is not None and path.is_file()
    )


def codes_in_reach(coded: Counter[str], model_path: Path) -> tuple[int, int]:
    """Of the tracks holding a code (:meth:`Library.code_counts`, per model id): how many the model at
    ``model_path`` searches among (its family's, :func:`model_family`), and how many another model
    analysed, which wait for the next indexing."""
    searched = sum(coded[model_id] for model_id in model_family(model_path))
    return searched, sum(coded.values()) - searched


def _made_by_family(model_id: str | None, family: frozenset[str]) -> bool:
    """Whether a query made by ``model_id`` (None: the model in use) has the codes of ``family``'s models."""
    return model_id is None or model_id in family


def query_match_bits(model_id: str | None, family: frozenset[str], match_bits: int) -> int | None:
    """The bits of the code a query made by ``model_id`` (None: the model in use) compares: the model in use's
    ``match_bits`` (:attr:`~musictagger.model.manifest.ModelManifest.match_bits`) for its family's codes, the
    other shipped model's for its codes (a track indexed before ``models --base`` switched), all of them for an
    older model's, whose layout nothing here knows."""
    if _made_by_family(model_id, family):
        return match_bits
    from musictagger.model.runtime import SHIPPED_MODELS  # here: the library does not load onnxruntime

    for name in SHIPPED_MODELS.values():
        path = model_file(name)
        if path.is_file() and model_id in model_family(path):
            return load_manifest(path, verify_digest=False).match_bits
    return None


def comparable_models(model_id: str | None, family: frozenset[str]) -> frozenset[str]:
    """The models whose codes a query made by ``model_id`` (None: the model in use) is compared with: ``family``
    (the model in use and its twin) when it is one of them, else that model alone (a track indexed by an older
    model)."""
    return family if _made_by_family(model_id, family) else frozenset({model_id})
