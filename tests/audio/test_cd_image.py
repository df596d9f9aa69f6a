"""A CD image (a whole disc in one FLAC, WavPack or Monkey's Audio file, its tracks listed by a cue sheet beside it or
inside it) is analysed as one track, and the analysis says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from mutagen.flac import FLAC, CueSheet, CueSheetTrack, CueSheetTrackIndex, Picture
from mutagen.wavpack import WavPack

from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.tags.cue_sheet import DiscImage, disc_image_tracks
from tests.audio.signals import piece, write

PARAMS = FeatureParams()
SR = 44100
SECONDS_A_TRACK = 2.0


def disc(path: Path, kind: str = "flac") -> Path:
    """Three generated pieces of 2 s one after the other, as one file."""
    y = np.concatenate([piece(seed, sr=SR, seconds=SECONDS_A_TRACK) for seed in (1, 2, 3)])
    return write(path, y, SR, kind)


def cue_sheet(*files: tuple[str, int]) -> str:
    """A cue sheet listing, for each ``(name, tracks)``, that many 2-s audio tracks in the file ``name``."""
    lines, number = ['PERFORMER "Band"', 'TITLE "Album"'], 0
    for name, tracks in files:
        lines.append(f'FILE "{name}" WAVE')
        for k in range(tracks):
            number += 1
            lines += [f"  TRACK {number:02d} AUDIO", f"    INDEX 01 00:{k * round(SECONDS_A_TRACK):02d}:00"]
    return "\r\n".join(lines) + "\r\n"


def notes(path: Path) -> tuple[str, ...]:
    return features_from_file(path, params=PARAMS, n_windows=1).notes


def test_a_disc_image_with_a_cue_sheet_beside_it_is_noted_as_a_whole_disc(tmp_path: Path) -> None:
    """The cue sheet names the WAV it was written for (EAC's "image + CUE", compressed to FLAC afterwards), in the
    Windows code page, with a byte-order mark or without: it is the image's all the same.  A track per file, as
    most rips are, is not a disc image, though a cue sheet lists the album's tracks."""
    image = disc(tmp_path / "Ångström - Album.flac")
    (tmp_path / "Ångström - Album.cue").write_bytes(cue_sheet(("Ångström - Album.wav", 3)).encode("cp1252"))

    assert notes(image) == (
        "a CD image: Ångström - Album.cue lists 3 tracks in this file, analysed as one track (the verdict and the "
        "matches are the whole disc's)",
    )

    rip = tmp_path / "rip"
    rip.mkdir()
    tracks = [write(rip / f"0{k}.flac", piece(k, sr=SR, seconds=2.0), SR, "flac") for k in (1, 2)]
    (rip / "Album.cue").write_text("\ufeff" + cue_sheet(("01.flac", 1), ("02.flac", 1)), encoding="utf-8")
    assert [notes(track) for track in tracks] == [(), ()]


def test_a_disc_image_whose_cue_sheet_is_inside_it_is_noted_as_a_whole_disc(tmp_path: Path) -> None:
    """A FLAC CUESHEET block (its lead-out track is no track), a CUESHEET Vorbis comment, a WavPack's APEv2 item."""
    block = disc(tmp_path / "block.flac")
    flac = FLAC(block)
    sheet = CueSheet(None)
    sheet.compact_disc, sheet.lead_in_samples = True, 88200
    for number, start in ((1, 0), (2, 88200), (3, 176400), (170, 264600)):
        track = CueSheetTrack(number, start)
        if number != 170:
            track.indexes.append(CueSheetTrackIndex(1, 0))
        sheet.tracks.append(track)
    flac.metadata_blocks.append(sheet)
    flac.save()
    comment = disc(tmp_path / "comment.flac")
    flac = FLAC(comment)
    flac["CUESHEET"] = cue_sheet(("CDImage.wav", 3))
    flac.save()
    wavpack = disc(tmp_path / "Album.wv", "wavpack")
    ape = WavPack(wavpack)  # FFmpeg's WavPack muxer writes an APEv2 tag naming the encoder
    ape.tags["Cuesheet"] = cue_sheet(("CDImage.wav", 3))
    ape.save()

    assert [notes(path) for path in (block, comment, wavpack)] == [
        (
            f"a CD image: {where} lists 3 tracks in this file, analysed as one track (the verdict and the matches are "
            "the whole disc's)",
        )
        for where in ("its CUESHEET block", "its embedded cue sheet", "its embedded cue sheet")
    ]


def bytes_read() -> int:
    """Bytes this process has read from files so far (``rchar``: what its read calls returned)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar"))


def test_a_cue_sheet_beside_an_albums_tracks_is_read_once_and_again_when_changed(tmp_path: Path) -> None:
    """Each track of a folder was analysed with the folder's cue sheets read again: an album's 12 tracks read
    Album.cue 12 times.  A sheet is read once (here one of 400 KB, its tracks' REM lines), and again once changed."""
    image = disc(tmp_path / "Album.flac")
    others = [write(tmp_path / f"bonus{k}.flac", piece(k, sr=SR, seconds=1.0), SR, "flac") for k in (1, 2, 3)]
    padding = "".join(f"REM COMMENT {'x' * 90}\r\n" for _ in range(4000))
    (tmp_path / "Album.cue").write_text(padding + cue_sheet(("Album.wav", 3)))
    assert disc_image_tracks(image) == DiscImage(3, "Album.cue")

    before = bytes_read()
    assert [disc_image_tracks(path) for path in others] == [None, None, None]
    assert bytes_read() - before < 100_000

    (tmp_path / "Album.cue").write_text(cue_sheet(("Album.wav", 2)))
    assert disc_image_tracks(image) == DiscImage(2, "Album.cue")


def test_a_flac_files_cover_is_not_read_to_find_a_cue_sheet_inside(tmp_path: Path) -> None:
    """mutagen read every metadata block of each FLAC file analysed, a cover's megabytes with them, to find none;
    the CUESHEET and VORBIS_COMMENT blocks alone are read, after an ID3v2 tag some taggers put first too."""
    track = disc(tmp_path / "track.flac")
    flac = FLAC(track)
    cover = Picture()
    cover.type, cover.mime, cover.data = 3, "image/jpeg", bytes(3_000_000)
    flac.add_picture(cover)
    flac.save()
    image = tmp_path / "image.flac"
    image.write_bytes(track.read_bytes())
    flac = FLAC(image)
    flac["CUESHEET"] = cue_sheet(("CDImage.wav", 3))
    flac.save()
    tagged = tmp_path / "tagged.flac"
    tagged.write_bytes(ID3_TAG + image.read_bytes())

    before = bytes_read()
    assert disc_image_tracks(track) is None
    assert bytes_read() - before < 100_000
    assert disc_image_tracks(image) == disc_image_tracks(tagged) == DiscImage(3, "its embedded cue sheet")


ID3_TAG = b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"TIT2\x00\x00\x00\x05\x00\x00\x00abcd"
"""An ID3v2.3 tag of one title frame, as some taggers put before a FLAC stream."""
