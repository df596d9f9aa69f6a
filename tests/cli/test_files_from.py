"""``analyze --files-from`` with a list written on another system: on Windows, Notepad's UTF-8 with a byte-order
mark, PowerShell's UTF-16, CR LF line ends and backslashes between folders; names composed where a Mac's copy of the
files decomposed them."""

from __future__ import annotations

import codecs
import json
import os
import unicodedata
from pathlib import Path

import pytest

from musictagger.cli.lines import wrap
from musictagger.cli.main import main
from tests.audio.signals import FORMATS, piece, write
from tests.library.test_unreadable import bytes_read

NAMES = ["Album\\01 Café.wav", "Album\\02.wav", "03.wav"]
"""The list's names, as Windows writes them relative to the folder above ``Album``."""


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + "\r\n".join(NAMES).encode() + b"\r\n",
        "\r\n".join(NAMES).encode("utf-16"),  # with its byte-order mark, as PowerShell's > writes it
    ],
    ids=["utf-8 with a mark", "utf-16"],
)
def test_a_list_written_on_windows_names_its_files(
    encoded: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the first name began with the mark (``error: \\ufeffAlbum…: no such file``, the mark invisible), a
    UTF-16 list was no name at all, and ``Album\\02.wav`` was no such file."""
    songs = [tmp_path / name.replace("\\", "/") for name in NAMES]
    for seed, song in enumerate(songs):
        song.parent.mkdir(exist_ok=True)
        write(song, piece(seed, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    (tmp_path / "list.txt").write_bytes(encoded)
    monkeypatch.chdir(tmp_path)

    assert main(["analyze", "--json", "--windows", "1", "--files-from", "list.txt"]) == 0

    assert [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()] == [str(s) for s in songs]


def test_a_name_holding_a_backslash_is_taken_as_it_is_where_it_names_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On Linux a backslash is a character of a name: a file so named is the one the list names, not another."""
    named = write(tmp_path / "AC\\DC.wav", piece(0, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    (tmp_path / "AC").mkdir()
    write(tmp_path / "AC" / "DC.wav", piece(1, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    (tmp_path / "list.txt").write_bytes(b"AC\\DC.wav\n")
    monkeypatch.chdir(tmp_path)

    assert main(["analyze", "--json", "--windows", "1", "--files-from", "list.txt"]) == 0

    assert [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()] == [str(named)]


def test_a_list_names_the_files_a_mac_copied_with_their_accents_decomposed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files copied from a Mac (``Électro/Café.wav`` with their accents decomposed, NFD) listed as other systems and
    keyboards write names, composed (NFC): each was 'no such file', though ``ls`` shows that very name."""
    copied = tmp_path / unicodedata.normalize("NFD", "Électro") / unicodedata.normalize("NFD", "Café.wav")
    copied.parent.mkdir()
    write(copied, piece(0, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    (tmp_path / "list.txt").write_text(unicodedata.normalize("NFC", f"{tmp_path}/Électro/Café.wav\n"))

    assert main(["analyze", "--json", "--windows", "1", "--files-from", str(tmp_path / "list.txt")]) == 0

    assert [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()] == [str(copied)]


@pytest.mark.parametrize("kind", ["wav-pcm16", "flac", "mp3-lame", "m4a-aac"])
def test_an_audio_file_given_as_the_list_is_refused(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--files-from song.wav`` (the song meant as a file to analyse) split the song at its NUL bytes: a WAV of 20 s
    listed 47,381 "files", `no such file` each, and the analysis of every recording under the working folder, which
    an entry `.` named.  Now the list is refused, saying what it is, before anything is analysed."""
    song = write(tmp_path / f"song.{FORMATS[kind][0]}", piece(0, sr=16000, seconds=1.5), 16000, kind)
    monkeypatch.chdir(tmp_path)

    assert main(["analyze", "--files-from", song.name]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == wrap(f"error: {song.name}: is an audio file, not a list of files: name it without --files-from") + "\n"
    )


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_an_audio_file_given_as_the_list_is_refused_from_its_first_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The list was read whole before it was found to be a recording: ``--files-from`` a 3-hour WAV took 2 GB of
    memory to refuse it.  Here a WAV of 64 MB is refused having read its first bytes."""
    song = write(tmp_path / "song.wav", piece(0, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    os.truncate(song, 64 * 2**20)  # the rest of a long recording (zeros: its header is what says what it is)
    monkeypatch.chdir(tmp_path)

    before = bytes_read()
    assert main(["analyze", "--files-from", song.name]) == 1
    read = bytes_read() - before

    assert "is an audio file, not a list of files" in capsys.readouterr().err
    assert read < 2**20, f"{read} bytes read to refuse it"


@pytest.mark.parametrize("first", ["caffeine.wav", "RIFF Raff.wav", "ID3 tags/a.wav"])
def test_a_list_whose_first_name_starts_as_an_audio_files_mark_is_read(
    first: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A list's first name spelling a container's mark (``caff`` of CAF, ``RIFF`` of WAV, ``ID3`` of an MP3's tag)
    was refused as an audio file given as the list; it is text, its names read as any list's."""
    song = tmp_path / first
    song.parent.mkdir(exist_ok=True)
    write(song, piece(0, sr=16000, seconds=1.5), 16000, "wav-pcm16")
    (tmp_path / "list.txt").write_text(f"{first}\n")
    monkeypatch.chdir(tmp_path)

    assert main(["analyze", "--json", "--windows", "1", "--files-from", "list.txt"]) == 0

    assert [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()] == [str(song)]
