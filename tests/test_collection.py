"""Folder-per-genre collections: labels, split files, a drawn split, and clear errors."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from pathlib import Path

import pytest

from musictagger.collection import SPLITS, load_collection
from musictagger.errors import FileError, MusictaggerError


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
    # each was '1 listed files are not in a genre folder, e.g. …', a typo too
    said = {"a/9.wav": "no such file", "notes/readme.txt": "not an audio file", "top.wav": "not in a genre folder"}
    said["notes\\readme.txt"] = "not an audio file"  # as Windows writes it: it was 'no such file'
    (root / "top.wav").write_bytes(b"RIFF")
    for line, why in said.items():
        (root / "test.txt").write_text(f"{line}\n")
        with pytest.raises(MusictaggerError, match=rf"test\.txt: lists {re.escape(line)}: {why}"):
            load_collection(root)
    (root / "test.txt").write_text("a/8.wav\na/9.wav\n")
    with pytest.raises(MusictaggerError, match=r"lists 2 files that are not tracks of the collection, the first a/8"):
        load_collection(root)


def test_split_files_listing_paths_as_find_or_absolute_name_the_tracks(tmp_path: Path) -> None:
    """`find . -name '*.wav' > train.txt` writes ./rock/0.wav, and a script may write absolute paths: each line was
    'not in a genre folder'."""
    root = make_collection(tmp_path, {"a": 2, "b": 2})
    (root / "train.txt").write_text("./a/0.wav\n./b/0.wav\n")
    (root / "valid.txt").write_text(f"{root}/a/1.wav\n")
    (root / "test.txt").write_text("b/./1.wav\n")
    collection = load_collection(root)
    assert [[t.relative for t in collection.tracks(name)] for name in SPLITS] == [
        ["a/0.wav", "b/0.wav"],
        ["a/1.wav"],
        ["b/1.wav"],
    ]


def test_absolute_lines_through_the_real_folder_of_a_linked_collection_name_its_tracks(tmp_path: Path) -> None:
    """DATA_DIR reached by a link (~/coll to /nfs/u/coll), and split files a script wrote with Path.resolve(): each
    line was 'not in a genre folder'."""
    real = make_collection(tmp_path / "real", {"a": 2, "b": 2})
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    (real / "train.txt").write_text(f"{real}/a/0.wav\n{real}/b/0.wav\n")
    (real / "valid.txt").write_text(f"{real}/a/1.wav\n")
    (real / "test.txt").write_text(f"{real}/b/1.wav\n")
    collection = load_collection(tmp_path / "link")
    assert [[t.relative for t in collection.tracks(name)] for name in SPLITS] == [
        ["a/0.wav", "b/0.wav"],
        ["a/1.wav"],
        ["b/1.wav"],
    ]
    assert all(t.path.is_file() for t in collection.all_tracks())


def test_a_split_file_missing_beside_the_others_is_an_error_not_a_drawn_split(tmp_path: Path) -> None:
    """train.txt and valid.txt beside a test split misnamed (tests.txt): a random split was drawn, silently, and the
    figures came from tracks the user had put in train."""
    root = make_collection(tmp_path, {"a": 3, "b": 3})
    (root / "train.txt").write_text("a/0.wav\nb/0.wav\n")
    (root / "valid.txt").write_text("a/1.wav\nb/1.wav\n")
    (root / "tests.txt").write_text("a/2.wav\nb/2.wav\n")
    with pytest.raises(MusictaggerError, match=r"has train\.txt and valid\.txt but not test\.txt"):
        load_collection(root)


@pytest.mark.parametrize(
    ("folder", "said"), [("splits", "holds none of the split files"), ("nowhere", "no such folder")]
)
def test_a_split_folder_given_without_split_files_is_an_error_not_a_drawn_split(
    tmp_path: Path, folder: str, said: str
) -> None:
    """`evaluate --split-dir` naming a folder mistyped, or one without the files, drew a random split, silently."""
    root = make_collection(tmp_path / "data", {"a": 3, "b": 3})
    (tmp_path / "splits").mkdir()
    with pytest.raises(MusictaggerError, match=f"{folder}: {said}.*train.txt, valid.txt, test.txt"):
        load_collection(root, split_dir=tmp_path / folder)


@pytest.mark.parametrize(
    ("test_lines", "said"),
    [
        ("a/2.wav\na/0.wav\n", r"a/0\.wav is listed in both .*train\.txt and .*test\.txt"),
        ("a/2.wav\na/2.wav\n", "twice in"),
    ],
)
def test_a_file_in_two_splits_or_twice_in_one_is_an_error(tmp_path: Path, test_lines: str, said: str) -> None:
    """A test track also listed in train (the model learnt it) flattered every figure, and one listed twice counted
    twice; both were taken as they were."""
    root = make_collection(tmp_path, {"a": 3, "b": 3})
    (root / "train.txt").write_text("a/0.wav\nb/0.wav\n")
    (root / "valid.txt").write_text("a/1.wav\nb/1.wav\n")
    (root / "test.txt").write_text(test_lines)
    with pytest.raises(MusictaggerError, match=said):
        load_collection(root)


def test_a_genre_s_albums_in_sub_folders_are_its_tracks(tmp_path: Path) -> None:
    """rock/Album/01.wav, as a collector files music, was left out (a genre of albums alone was no genre at all); a
    macOS ._ file beside it, its cover and cue sheet, and a hidden folder's files are no tracks."""
    root = make_collection(tmp_path, {"jazz": 2, "rock": 1})
    (root / "rock" / "Album").mkdir()
    for name in ("01.wav", "._01.wav", "cover.jpg", "album.cue"):
        (root / "rock" / "Album" / name).write_bytes(b"RIFF")
    (root / "rock" / "Album" / ".AppleDouble").mkdir()  # a hidden folder's audio is no track either
    (root / "rock" / "Album" / ".AppleDouble" / "01.wav").write_bytes(b"RIFF")
    (root / "classical" / "Disc 1").mkdir(parents=True)  # albums alone
    (root / "classical" / "Disc 1" / "01.wav").write_bytes(b"RIFF")

    collection = load_collection(root)

    assert collection.labels == ("classical", "jazz", "rock")
    assert sorted(t.relative for t in collection.all_tracks()) == [
        "classical/Disc 1/01.wav",
        "jazz/0.wav",
        "jazz/1.wav",
        "rock/0.wav",
        "rock/Album/01.wav",
    ]
    assert all(t.path.is_file() for t in collection.all_tracks())


def test_a_linked_album_folder_is_read_once_and_a_loop_ends(tmp_path: Path) -> None:
    """rock/Album linked to a library's album folder (a collection built without copying) was left out without a word;
    a link back to the genre folder must not walk for ever, nor list a track twice."""
    root = make_collection(tmp_path / "data", {"jazz": 1, "rock": 1})
    (tmp_path / "library" / "Album").mkdir(parents=True)
    (tmp_path / "library" / "Album" / "01.wav").write_bytes(b"RIFF")
    (root / "rock" / "Album").symlink_to(tmp_path / "library" / "Album", target_is_directory=True)
    (root / "rock" / "Album" / "back").symlink_to(root / "rock", target_is_directory=True)  # a loop
    (root / "rock" / "Zalbum").symlink_to(tmp_path / "library" / "Album", target_is_directory=True)  # met again

    collection = load_collection(root)

    assert sorted(t.relative for t in collection.all_tracks()) == ["jazz/0.wav", "rock/0.wav", "rock/Album/01.wav"]


def test_an_album_folder_that_cannot_be_read_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A genre's album folder without read permission was passed over in silence (its tracks out of a drawn split, or
    'no such file' to a split file listing them)."""
    root = make_collection(tmp_path, {"jazz": 2, "rock": 2})
    (root / "rock" / "Album").mkdir()
    (root / "rock" / "Album" / "01.wav").write_bytes(b"RIFF")
    scandir = os.scandir

    def unreadable(path: str | Path) -> object:  # chmod 000 does not stop root, who may run the tests
        if Path(path) == root / "rock" / "Album":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", unreadable)
    with pytest.raises(FileError, match=r"rock/Album: the folder cannot be read \(Permission denied\)"):
        load_collection(root)


def test_one_genre_is_not_a_collection(tmp_path: Path) -> None:
    with pytest.raises(MusictaggerError, match="at least two genre folders"):
        load_collection(make_collection(tmp_path, {"only": 3}))


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MusictaggerError, match="no such folder"):
        load_collection(tmp_path / "nowhere")


def test_a_collection_copied_from_a_mac_with_split_files_written_on_windows(tmp_path: Path) -> None:
    """Genre folders and files named on a Mac (accents decomposed, NFD) and split files saved by Notepad (a
    byte-order mark, CR LF, backslashes, names typed composed): the label was the decomposed name (written so into
    tags, where a search typed on a keyboard does not find it, and not among a model's labels of the same name), one
    genre copied in both spellings was two labels, and every line was 'not in a genre folder' (the first for its mark
    alone)."""
    electro, cafe = (unicodedata.normalize("NFC", name) for name in ("Électro", "Café.wav"))
    decomposed = tmp_path / unicodedata.normalize("NFD", electro)
    root = make_collection(tmp_path, {"rock": 2})
    decomposed.mkdir()
    (decomposed / unicodedata.normalize("NFD", cafe)).write_bytes(b"RIFF")
    (root / electro).mkdir()  # the same genre, copied once more by a program that composes names
    (root / electro / "more.wav").write_bytes(b"RIFF")
    lines = {"train": ["rock\\0.wav", f"{electro}\\{cafe}"], "valid": ["rock/1.wav"], "test": [f"{electro}/more.wav"]}
    for name, listed in lines.items():
        (root / f"{name}.txt").write_bytes(codecs.BOM_UTF8 + "\r\n".join(listed).encode() + b"\r\n")

    collection = load_collection(root)

    assert collection.labels == ("rock", electro)  # in code point order, as folder names are sorted
    assert [(t.path, t.label) for t in collection.tracks("train")] == [
        (root / "rock" / "0.wav", 0),
        (decomposed / unicodedata.normalize("NFD", cafe), 1),
    ]
    assert [(t.path, t.label) for t in collection.tracks("test")] == [(root / electro / "more.wav", 1)]
    assert all(t.path.is_file() for t in collection.all_tracks())
