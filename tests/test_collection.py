"""Folder-per-genre collections: labels, split files, a drawn split, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from musictagger.collection import load_collection
from musictagger.errors import MusictaggerError


def make_collection(root: Path, genres: dict[str, int]) -> Path:
    for genre, count in genres.items():
        (root / genre).mkdir(parents=True)
        for i in range(count):
            (root / genre / f"{i}.wav").write_bytes(b"RIFF")
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not audio")
    return root


def test_split_files_define_the_split_and_folder_names_the_labels(tmp_path: Path) -> None:
    root = make_collection(tmp_path, {"rock": 3, "jazz": 3})
    (root / "train.txt").write_text("rock/0.wav\njazz/0.wav\njazz/1.wav\n")
    (root / "valid.txt").write_text("rock/1.wav\n\n")
    (root / "test.txt").write_text("rock/2.wav\njazz/2.wav\n")
    collection = load_collection(root)
    assert collection.labels == ("jazz", "rock"), "folders without audio are not genres"
    assert [(t.relative, t.label) for t in collection.tracks("train")] == [
        ("rock/0.wav", 1),
        ("jazz/0.wav", 0),
        ("jazz/1.wav", 0),
    ]
    assert len(collection.tracks("valid")) == 1 and "split files" in collection.split_source


def test_without_split_files_a_seeded_stratified_split_is_drawn(tmp_path: Path) -> None:
    root = make_collection(tmp_path, {"a": 10, "b": 10})
    first, again = load_collection(root, seed=3), load_collection(root, seed=3)
    assert first.splits == again.splits
    for name, expected in (("train", 6), ("valid", 2), ("test", 2)):
        tracks = first.tracks(name)
        assert sum(t.label == 0 for t in tracks) == expected and sum(t.label == 1 for t in tracks) == expected
    assert "not artist-disjoint" in first.split_source


def test_a_split_file_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    root = make_collection(tmp_path, {"a": 2, "b": 2})
    for name in ("train", "valid", "test"):
        (root / f"{name}.txt").write_text("a/0.wav\n")
    (root / "test.txt").write_text("a/9.wav\n")
    with pytest.raises(MusictaggerError, match=r"test\.txt.*a/9\.wav"):
        load_collection(root)


def test_one_genre_is_not_a_collection(tmp_path: Path) -> None:
    with pytest.raises(MusictaggerError, match="at least two genre folders"):
        load_collection(make_collection(tmp_path, {"only": 3}))


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MusictaggerError, match="no such folder"):
        load_collection(tmp_path / "nowhere")
