"""Which paths may become one of the library's folders, on real folders, files and symbolic links."""

from __future__ import annotations

from pathlib import Path

from musictagger.library.folders import IS_A_FILE, why_not_added


def test_a_new_folder_and_one_holding_a_library_folder_may_be_added(tmp_path: Path) -> None:
    (tmp_path / "Music" / "Jazz").mkdir(parents=True)
    (tmp_path / "Other").mkdir()
    assert why_not_added(tmp_path / "Other", [tmp_path / "Music" / "Jazz"]) is None
    assert why_not_added(tmp_path / "Music", [tmp_path / "Music" / "Jazz"]) is None  # the wider folder


def test_paths_that_are_not_folders_say_what_they_are(tmp_path: Path) -> None:
    song = tmp_path / "a.wav"
    song.write_bytes(b"RIFF")
    (tmp_path / "Dangling").symlink_to(tmp_path / "Moved")
    assert why_not_added(song, []) == IS_A_FILE
    assert why_not_added(tmp_path / "Moved", []) == "no longer exists"
    assert why_not_added(song / "below", []) == "no longer exists"  # a file where a folder was
    assert why_not_added(tmp_path / "Dangling", []) == "is a link to a folder that no longer exists"


def test_a_library_folder_reached_again_by_name_or_through_a_link_is_refused(tmp_path: Path) -> None:
    music, elsewhere = tmp_path / "Music", tmp_path / "Elsewhere"
    (music / "Jazz").mkdir(parents=True)
    elsewhere.mkdir()
    (tmp_path / "Alias").symlink_to(music)
    (tmp_path / "Into").symlink_to(music / "Jazz")
    (music / "Out").symlink_to(elsewhere)  # a link inside the library to a folder outside it
    inside = "one of the library's folders: its tracks are indexed with it"
    assert why_not_added(music, [music]) == "is one of the library's folders already"
    assert (
        why_not_added(tmp_path / "Alias", [music])
        == "is \u201cMusic\u201d, one of the library's folders, through a link"
    )
    assert why_not_added(music / "Jazz", [music]) == f"is inside \u201cMusic\u201d, {inside}"
    assert why_not_added(music / "Out", [music]) == f"is inside \u201cMusic\u201d, {inside}"  # indexed through it
    assert why_not_added(tmp_path / "Into", [music]) == f"leads through a link into \u201cMusic\u201d, {inside}"
