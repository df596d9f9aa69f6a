"""Hamming search of the library: same ranking as the evaluation's, exclusions, duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musictagger.errors import ParameterError
from musictagger.library import CodeIndex, Library, find_similar, index_folders
from musictagger.model import codes
from musictagger.model.runtime import analyze


def random_index(n: int, n_bits: int, seed: int) -> tuple[CodeIndex, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    relaxed = rng.random((n, n_bits), dtype=np.float32)
    bits = codes.binarize(relaxed)
    return CodeIndex(np.arange(100, 100 + n), codes.pack(bits), relaxed), bits, relaxed


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), n_bits=st.sampled_from([4, 8, 16, 64]), k=st.integers(1, 20), seed=st.integers(0, 10**6))
def test_nearest_is_the_head_of_the_full_hamming_ranking(n: int, n_bits: int, k: int, seed: int) -> None:
    """Short codes make many ties, so this checks the radius search and the relaxed tie-break."""
    index, bits, relaxed = random_index(n, n_bits, seed)
    query = seed % n
    expected = codes.rank_by_hamming(bits[query], bits, query_relaxed=relaxed[query], database_relaxed=relaxed)
    expected = [row for row in expected if row != query][:k]
    found = index.nearest(bits[query], relaxed[query], k=k, exclude_rows=[query])
    assert [n.row for n in found] == expected
    assert [n.distance for n in found] == sorted(n.distance for n in found)


def test_query_of_the_wrong_length_or_k_is_refused() -> None:
    index, bits, relaxed = random_index(10, 16, 0)
    with pytest.raises(ParameterError, match="16"):
        index.nearest(np.zeros(64, np.uint8), np.zeros(64, np.float32), k=3)
    with pytest.raises(ParameterError, match="k must be"):
        index.nearest(bits[0], relaxed[0], k=0)


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


def test_find_similar_on_an_empty_library_finds_nothing() -> None:
    with Library() as library:
        assert find_similar(library, np.zeros(64, np.uint8), np.zeros(64, np.float32)) == []
