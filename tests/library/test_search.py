"""Hamming search of the library: same ranking as the evaluation's, exclusions, duplicates, a track
found by its nearest code (its own or a window's), and an index that follows the library and holds
16 bytes per code."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musictagger.errors import ParameterError
from musictagger.library import CodeIndex, Library, current_index, find_similar, hamming, index_folders
from musictagger.library.search import Match, comparable_models, model_family, playing_first
from musictagger.library.store import AnalysisKey, FileStamp, TrackAnalysis, TrackRecord
from musictagger.model import codes
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.precision import int8_twin
from musictagger.model.recognition import RecognitionPolicy
from musictagger.model.runtime import analyze
from musictagger.model.verdict import Verdict
from tests.audio.signals import chirp, drum_pattern, music, tone, write


def random_index(n: int, n_bits: int, seed: int) -> tuple[CodeIndex, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    relaxed = rng.random((n, n_bits), dtype=np.float32)
    bits = codes.binarize(relaxed)
    return CodeIndex(np.arange(100, 100 + n), codes.pack(bits), n_bits), bits, relaxed


def expected_head(bits: np.ndarray, relaxed: np.ndarray, query: int, k: int, excluded: set[int]) -> list[int]:
    """The evaluation's ranking (:func:`codes.rank_by_hamming` with the search's shortlist) of the
    rows not excluded, first ``k``."""
    kept = np.array([row for row in range(len(bits)) if row not in excluded], dtype=np.int64)
    if len(kept) == 0:
        return []
    ranking = codes.rank_by_hamming(
        bits[query],
        bits[kept],
        query_relaxed=relaxed[query],
        database_relaxed=relaxed[kept],
        shortlist=max(k, codes.SHORTLIST),
    )
    return [int(kept[i]) for i in ranking][:k]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), n_bits=st.sampled_from([4, 8, 16, 64]), k=st.integers(1, 20), seed=st.integers(0, 10**6))
def test_nearest_is_the_head_of_the_full_hamming_ranking(n: int, n_bits: int, k: int, seed: int) -> None:
    """Short codes make many ties, so this checks the radius search and the shortlist's order."""
    index, bits, relaxed = random_index(n, n_bits, seed)
    query = seed % n
    found = index.nearest(bits[query], relaxed[query], k=k, relaxed_codes=relaxed.__getitem__, exclude_rows=[query])
    assert [n.row for n in found] == expected_head(bits, relaxed, query, k, {query})
    assert [n.relaxed_distance for n in found] == sorted(n.relaxed_distance for n in found)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 200), n_bits=st.sampled_from([8, 16, 64]), k=st.integers(1, 20), seed=st.integers(0, 10**6))
def test_a_tracks_nearest_window_orders_the_shortlist_as_the_evaluation_orders_it(
    n: int, n_bits: int, k: int, seed: int
) -> None:
    """Each track holds its own relaxed code and up to three windows' (NaN-padded, as the library gives them);
    the search orders its shortlist by the nearest of them, as :func:`codes.rank_by_hamming` does."""
    rng = np.random.default_rng(seed)
    index, bits, relaxed = random_index(n, n_bits, seed)
    windows = np.clip(relaxed[:, None] + rng.normal(0, 0.3, (n, 3, n_bits)), 0, 1).astype(np.float32)
    windows[rng.random((n, 3)) < 0.4] = np.nan
    searched = np.concatenate([relaxed[:, None], windows], axis=1)
    query_track = seed % n
    query = windows[query_track, 0] if not np.isnan(windows[query_track, 0, 0]) else relaxed[query_track]
    found = index.nearest(codes.binarize(query), query, k=k, relaxed_codes=searched.__getitem__)
    expected = codes.rank_by_hamming(
        codes.binarize(query),
        bits,
        query_relaxed=query,
        database_relaxed=searched,
        shortlist=max(k, codes.SHORTLIST),
    )
    assert [n.row for n in found] == expected[:k].tolist()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    n_bits=st.sampled_from([8, 16, 64]),
    match_bits=st.integers(1, 64),
    k=st.integers(1, 20),
    seed=st.integers(0, 10**6),
)
def test_nearest_by_the_last_bits_ranks_as_the_evaluation_ranks_those_bits(
    n: int, n_bits: int, match_bits: int, k: int, seed: int
) -> None:
    """Comparing a code's last bits alone (a model's identity bits): the Hamming radius, the distances and the
    relaxed order are those of the codes cut to those bits."""
    match_bits = min(match_bits, n_bits)
    index, bits, relaxed = random_index(n, n_bits, seed)
    query = seed % n
    found = index.nearest(
        bits[query], relaxed[query], k=k, relaxed_codes=relaxed.__getitem__, exclude_rows=[query], match_bits=match_bits
    )
    last = slice(n_bits - match_bits, None)
    assert [n.row for n in found] == expected_head(bits[:, last], relaxed[:, last], query, k, {query})
    assert [n.distance for n in found] == [int((bits[n.row, last] != bits[query, last]).sum()) for n in found]


def test_the_genre_bits_before_the_identity_bits_do_not_push_a_track_out_of_the_shortlist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A query whose four leading (genre) bits a room flipped: by all eight bits, a track of the query's new
    genre but other music comes first; by the last four, its own track does."""
    own = np.array([0.9, 0.9, 0.9, 0.9, 0.8, 0.2, 0.8, 0.2], np.float32)
    other = np.array([0.1, 0.1, 0.1, 0.1, 0.8, 0.8, 0.2, 0.2], np.float32)
    relaxed = np.stack([own, other])
    query = np.array([0.1, 0.1, 0.1, 0.1, 0.7, 0.3, 0.7, 0.3], np.float32)
    index = CodeIndex(np.array([1, 2]), codes.pack(codes.binarize(relaxed)), 8)
    monkeypatch.setattr(codes, "SHORTLIST", 1)  # two tracks: the shortlist holds the nearest alone, as a large
    # library's holds few of its tracks
    by_all = index.nearest(codes.binarize(query), query, k=2, relaxed_codes=relaxed.__getitem__)
    by_last = index.nearest(codes.binarize(query), query, k=2, relaxed_codes=relaxed.__getitem__, match_bits=4)
    assert [n.row for n in by_all] == [1, 0]
    assert [n.row for n in by_last] == [0, 1] and by_last[0].distance == 0


def test_query_of_the_wrong_length_or_k_is_refused() -> None:
    index, bits, relaxed = random_index(10, 16, 0)
    with pytest.raises(ParameterError, match="16"):
        index.nearest(np.zeros(64, np.uint8), np.zeros(64, np.float32), k=3, relaxed_codes=relaxed.__getitem__)
    with pytest.raises(ParameterError, match="k must be"):
        index.nearest(bits[0], relaxed[0], k=0, relaxed_codes=relaxed.__getitem__)
    with pytest.raises(ParameterError, match="cannot compare 17 bits of 16-bit codes"):
        index.nearest(bits[0], relaxed[0], k=3, relaxed_codes=relaxed.__getitem__, match_bits=17)


@pytest.mark.parametrize("n_bits", [8, 16, 64])
def test_the_compiled_pass_of_large_libraries_ranks_as_the_evaluation_does(
    n_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass that large libraries use, here on 5 000 rows split in shares between threads:
    8-bit codes tie by the thousand (more than the pass first holds), and a block of copies
    of one code ties at distance 0; some of the nearest rows are excluded."""
    if not hamming.compiled_pass_installed():
        pytest.skip("the compiled pass needs numba (the archive extra, which make test installs)")
    monkeypatch.setattr(hamming, "COMPILED_FROM", 0)
    monkeypatch.setattr(hamming, "ROWS_PER_THREAD", 1_000)
    rng = np.random.default_rng(n_bits)
    relaxed = rng.random((5_000, n_bits), dtype=np.float32)
    relaxed[1_000:2_500] = relaxed[7] + rng.normal(0, 1e-3, (1_500, n_bits)).astype(np.float32)  # one sound, copied
    relaxed = np.clip(relaxed, 0, 1)
    bits = codes.binarize(relaxed)
    index = CodeIndex(np.arange(5_000) * 3 + 1, codes.pack(bits), n_bits)
    for query in (7, 1_200, 4_321, 4_999):
        for k in (1, 10, 200):
            excluded = {query, 1_500, 3_000}
            found = index.nearest(
                bits[query], relaxed[query], k=k, relaxed_codes=relaxed.__getitem__, exclude_rows=excluded
            )
            assert [n.row for n in found] == expected_head(bits, relaxed, query, k, excluded)


@pytest.mark.parametrize("n_bits", [8, 16, 64])
def test_numpy_and_the_compiled_pass_find_the_same_rows_and_rank_alike(
    n_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without numba, numpy scans large libraries too: the same rows within the same radius (ties
    included: 8-bit codes tie by the hundred, a block of copies ties at distance 0), hence the
    same ranking, on one share and on several."""
    if not hamming.compiled_pass_installed():
        pytest.skip("the compiled pass needs numba (the archive extra, which make test installs)")
    rng = np.random.default_rng(100 + n_bits)
    relaxed = rng.random((20_000, n_bits), dtype=np.float32)
    relaxed[5_000:5_300] = relaxed[11]
    bits = codes.binarize(relaxed)
    index = CodeIndex(np.arange(20_000) + 1, codes.pack(bits), n_bits)

    def search(compiled_from: int, rows_per_thread: int, query: int, count: int, match: int | None) -> tuple:
        monkeypatch.setattr(hamming, "COMPILED_FROM", compiled_from)
        monkeypatch.setattr(hamming, "ROWS_PER_THREAD", rows_per_thread)
        rows, distances = hamming.within_radius(index.packed, index.packed[query], count, match or n_bits)
        found = index.nearest(bits[query], relaxed[query], k=count, relaxed_codes=relaxed.__getitem__, match_bits=match)
        return [rows.tolist(), distances.tolist()], tuple((n.row, n.distance, n.relaxed_distance) for n in found)

    for query in (11, 5_100, 19_999):
        for count in (1, 11, 400):
            for match in (None, n_bits * 3 // 4):  # all the bits, or the last three quarters (identity bits)
                with_numpy = search(10**9, 10**9, query, count, match)
                assert search(0, 10**9, query, count, match) == with_numpy
                assert search(0, 3_000, query, count, match) == with_numpy


def test_the_index_holds_sixteen_bytes_per_track() -> None:
    index, _, _ = random_index(10_000, 64, 0)
    assert index.nbytes / len(index) == 16


def test_ids_out_of_order_are_refused() -> None:
    with pytest.raises(ParameterError, match="ascending"):
        CodeIndex(np.array([3, 2]), np.zeros(2, np.uint64), 64)


def store_random_tracks(
    library: Library,
    first: int,
    relaxed: np.ndarray,
    model: str = "test-model",
    windows: np.ndarray | None = None,
    folder: str = "/archive",
) -> list[str]:
    """One analysed row per relaxed code, as indexing stores them (by ``model``; with ``windows[i]``, the
    track's window codes), named by their number in ``folder``; returns their paths."""
    paths = []
    for offset, code in enumerate(relaxed):
        path = f"{folder}/{first + offset:05d}.flac"
        analysis = TrackAnalysis(
            duration_s=30.0,
            verdict=Verdict("genre", "rock", "rock", 0.9),
            uncertain=False,
            probabilities={"rock": 0.9},
            bits=codes.binarize(code),
            relaxed_code=code,
            window_codes=None if windows is None else windows[offset],
        )
        library.store_analysis(path, FileStamp(1, 1), AnalysisKey(model, 3), analysis)
        paths.append(path)
    return paths


def test_a_library_round_trip_ranks_as_the_evaluation_does_with_ties_broken_in_sqlite() -> None:
    """Codes read from a real SQLite file, relaxed codes fetched for the candidates only: 16-bit
    codes of 600 tracks tie often, so the relaxed codes decide."""
    relaxed = np.random.default_rng(1).random((600, 16), dtype=np.float32)
    bits = codes.binarize(relaxed)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed)
        index = CodeIndex.from_library(library)
        assert index.n_bits == 16 and len(index) == 600 and index.nbytes == 600 * 16
        for query in (0, 123, 599):
            matches = find_similar(library, bits[query], relaxed[query], k=25, exclude_path=paths[query], index=index)
            expected = expected_head(bits, relaxed, query, 25, {query})
            assert [m.record.path for m in matches] == [paths[row] for row in expected]
            distances = codes.hamming_distances(codes.pack(bits[query]), codes.pack(bits[expected]))
            assert [m.distance for m in matches] == distances.tolist()


def test_a_query_of_bits_alone_ranks_as_its_bits_given_as_the_relaxed_code() -> None:
    """A researcher with a hex code alone passing `find_similar(library, bits)` (or `relaxed_code=None`) met an
    IndexError deep in the search; a relaxed code of another length than the bits gets a ParameterError."""
    relaxed = np.random.default_rng(2).random((300, 16), dtype=np.float32)
    bits = codes.binarize(relaxed)
    with Library() as library:
        paths = store_random_tracks(library, 0, relaxed)
        by_bits_alone = find_similar(library, bits[7], k=10)
        by_bits_as_relaxed = find_similar(library, bits[7], bits[7].astype(np.float32), k=10)
        with pytest.raises(ParameterError, match="relaxed code"):
            find_similar(library, bits[7], relaxed[7][:12], k=10)

    assert by_bits_alone[0].record.path == paths[7] and by_bits_alone[0].distance == 0
    assert [(m.record.path, m.distance) for m in by_bits_alone] == [
        (m.record.path, m.distance) for m in by_bits_as_relaxed
    ]


def test_a_query_near_one_window_of_a_track_finds_it_first_by_that_window() -> None:
    """Tracks stored with their windows' relaxed codes: a query equal to one window of a track (its own code
    the mean, a few bits away) finds that track first, at the window's relaxed distance 0, although another
    track's own code is nearer the query; a track stored before window codes were is searched by its own
    code alone and listed for analysing again."""
    rng = np.random.default_rng(5)
    first, second = rng.random(64, dtype=np.float32), rng.random(64, dtype=np.float32)
    windows = np.stack([np.clip(first + rng.normal(0, 0.25, (2, 64)), 0, 1) for _ in range(2)]).astype(np.float32)
    windows[1] = np.stack([first, second])  # the second track: a part like the first track, then another
    own = np.stack([windows[0].mean(axis=0), windows[1].mean(axis=0), first + 0.01])
    with Library() as library:
        paths = store_random_tracks(library, 0, own[:2], windows=windows)
        (old,) = store_random_tracks(library, 2, own[2:])
        index = CodeIndex.from_library(library)
        assert len(index) == 3 and index.nbytes == 3 * 16
        assert library.missing_window_codes() == {old}
        found = library.relaxed_codes(index.ids)
        assert [len(found[int(i)]) for i in index.ids] == [3, 3, 1]
        assert np.array_equal(found[int(index.ids[1])], np.vstack([own[1], windows[1]]))
        query = second
        (match, *_) = find_similar(library, codes.binarize(query), query, k=3, index=index)
        assert match.record.path == paths[1] and match.relaxed_distance == 0.0 and match.part == 2
        assert np.array_equal(match.record.analysis.window_codes, windows[1])
        assert match.window_span(10.0) == (20.0, 30.0) and match.part_text(10.0) == "0:20–0:30"  # 30-s tracks
        (near_first, *_) = find_similar(library, codes.binarize(first), first, k=3, index=index)
        assert near_first.record.path == paths[1] and near_first.relaxed_distance == 0.0 and near_first.part == 1
        (near_old, *_) = find_similar(library, codes.binarize(own[2]), own[2], k=1, index=index)
        assert near_old.record.path == old and near_old.part == 0 and near_old.part_text(10.0) == "whole track"


def test_a_reused_index_is_stale_once_tracks_are_added_or_removed_and_is_then_read_afresh() -> None:
    relaxed = np.random.default_rng(2).random((50, 64), dtype=np.float32)
    with Library() as library:
        store_random_tracks(library, 0, relaxed[:40])
        index = current_index(library)
        assert not index.stale and current_index(library, index) is index
        (added,) = store_random_tracks(library, 40, relaxed[40:41])
        assert index.stale
        matches = find_similar(library, codes.binarize(relaxed[40]), relaxed[40], k=1, index=index)
        assert matches[0].record.path == added and matches[0].duplicate
        index = current_index(library, index)
        assert len(index) == 41 and not index.stale
    with Library() as other_connection:  # another process or thread removes it
        other_connection.delete_paths([added])
    with Library() as library:
        assert index.stale
        index = current_index(library, index)
        assert len(index) == 40
        assert added not in [
            m.record.path for m in find_similar(library, codes.binarize(relaxed[40]), relaxed[40], k=5, index=index)
        ]


def test_find_similar_excludes_the_query_and_marks_copies_as_duplicates(music_folder: Path) -> None:
    original = music_folder / "album1" / "01.flac"
    copy = shutil.copy(original, music_folder / "album2" / "copy-of-01.flac")
    index_folders([music_folder], workers=1)
    query = analyze(original)
    with Library() as library:
        matches = find_similar(library, query.bits, query.relaxed_code, k=10, exclude_path=str(original))
    paths = [m.record.path for m in matches]
    assert str(original) not in paths
    assert len(matches) == 5  # six analysed tracks, minus the query; the corrupt file has no code
    assert paths[0] == str(copy) and matches[0].duplicate and matches[0].distance == 0
    assert not any(m.duplicate for m in matches[1:])
    assert [m.distance for m in matches] == sorted(m.distance for m in matches)


def test_a_part_of_a_track_finds_the_track_by_that_parts_window(tmp_path: Path, use_model: Callable) -> None:
    """A minute of a sweep then chords, indexed by the shipped model beside a tone and drums; its last half
    minute alone (what a microphone might hear) is far from the track's own relaxed code, the mean of a
    sweep window and a chord window, but near the chord window's, which puts the track first."""
    use_model(model_file("hash-cnn-lstm-emotify-v3"))
    sr = 22050
    sweep, chords = chirp(100.0, 4000.0, sr=sr, seconds=30.0), music(sr=sr, seconds=30.0, seed=3)
    (tmp_path / "Music").mkdir()
    whole = write(tmp_path / "Music" / "whole.flac", np.concatenate([sweep, chords]), sr, "flac")
    write(tmp_path / "Music" / "tone.flac", tone(440.0, sr=sr, seconds=60.0), sr, "flac")
    beat = drum_pattern([i * 0.5 for i in range(120)], sr=sr, seconds=60.0)
    write(tmp_path / "Music" / "drums.flac", beat, sr, "flac")
    part = analyze(write(tmp_path / "part.flac", chords, sr, "flac"))
    index_folders([tmp_path / "Music"], workers=1)
    with Library() as library:
        stored = library.record(whole).analysis
        (match, *_) = find_similar(library, part.bits, part.relaxed_code, k=3)
    to_windows = np.linalg.norm(stored.window_codes - part.relaxed_code, axis=1)
    to_own = float(np.linalg.norm(stored.relaxed_code - part.relaxed_code))
    assert len(stored.window_codes) == 2 and to_windows.min() < to_own
    assert match.record.path == str(whole) and match.relaxed_distance == pytest.approx(to_windows.min())
    assert (
        match.part == 2
        and match.part_text(load_manifest(model_file("hash-cnn-lstm-emotify-v3")).front_end.window_seconds)
        == "0:31–1:00"
    )


def test_find_similar_on_an_empty_library_finds_nothing() -> None:
    with Library() as library:
        assert find_similar(library, np.zeros(64, np.uint8), np.zeros(64, np.float32)) == []


def test_tracks_of_another_code_length_are_left_out_of_the_index() -> None:
    rng = np.random.default_rng(3)
    with Library() as library:
        store_random_tracks(library, 0, rng.random((3, 16), dtype=np.float32))
        kept = store_random_tracks(library, 3, rng.random((5, 64), dtype=np.float32))
        index = CodeIndex.from_library(library)
        assert index.n_bits == 64
        assert [library.record_by_id(int(i)).path for i in index.ids] == kept


def test_a_search_by_model_leaves_other_models_tracks_out_and_reaches_further_for_its_own() -> None:
    """40 tracks of an older model sit right around the query; today's model's 200 tracks are farther.
    Searched by today's model, the result is the ranking of its tracks alone, k of them, although the
    shortlist first found only the older model's."""
    rng = np.random.default_rng(4)
    query = rng.random(64, dtype=np.float32)
    near = np.clip(query + rng.normal(0, 0.02, (40, 64)), 0, 1).astype(np.float32)
    far = rng.random((200, 64), dtype=np.float32)
    with Library() as library:
        older = store_random_tracks(library, 0, near, model="older-model")
        today = store_random_tracks(library, 40, far)
        bits = codes.binarize(query)
        everyone = find_similar(library, bits, query, k=5)
        assert {m.record.path for m in everyone} <= set(older)
        matches = find_similar(library, bits, query, k=5, models={"test-model"})
    expected = expected_head(np.vstack([codes.binarize(far), bits[None]]), np.vstack([far, query[None]]), 200, 5, {200})
    assert [m.record.path for m in matches] == [today[row] for row in expected]


def test_a_models_family_is_itself_and_its_int8_twin() -> None:
    v3, v4 = (model_file(f"hash-cnn-lstm-emotify-{name}") for name in ("v3", "v4"))
    family = model_family(v3)
    keys = {AnalysisKey.of(load_manifest(path, verify_digest=False), None).model_id for path in (v3, int8_twin(v3))}
    assert family == keys and model_family(int8_twin(v3)) == family
    assert not family & model_family(v4)
    assert comparable_models(next(iter(keys)), family) == family
    assert comparable_models("an-older-model+frontend-2", family) == {"an-older-model+frontend-2"}


def listed(relaxed_distance: float, code: np.ndarray | None) -> Match:
    """A match ``relaxed_distance`` from what is heard, its track's own relaxed code ``code`` (None: its analysis gone,
    the row now an error: the file changed and failed since the search's index was read)."""
    analysis = None
    if code is not None:
        verdict = Verdict("genre", "rock", "rock", 0.9)
        analysis = TrackAnalysis(30.0, verdict, False, {"rock": 0.9}, bits=codes.binarize(code), relaxed_code=code)
    error = None if analysis else "cannot decode it"
    record = TrackRecord(1, "/a.flac", FileStamp(1, 1), AnalysisKey("m", 3), 0.0, analysis, error)
    return Match(record, 0, relaxed_distance, False, 0)


def test_a_match_without_analysis_is_other_music_to_the_first() -> None:
    """The Live panel and listen judge the first match as the evaluation does, but a track whose analysis is gone
    has no own code to tell it is the same music: skipped, the first was told from a farther track, and a first
    without analysis had no margin at all; now such a track counts as other music (the stricter side)."""
    policy = RecognitionPolicy(within=1.3, margin=0.75)
    code = np.full(8, 0.9, np.float32)
    copy, other = listed(1.05, code), listed(2.0, np.zeros(8, np.float32))
    assert playing_first(policy, [listed(1.0, code), copy, other], 8)  # a copy is the same music
    assert not playing_first(policy, [listed(1.0, code), listed(1.1, None), other], 8)
    assert not playing_first(policy, [listed(1.0, None), listed(1.1, code), other], 8)
    assert playing_first(policy, [listed(1.0, None)], 8)  # nothing else listed: within alone
