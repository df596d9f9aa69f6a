"""A CD image (a whole disc in one FLAC, WavPack or Monkey's Audio file, its tracks listed by a cue sheet beside it or
inside it) is analysed as one track, and the analysis says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from mutagen.flac import FLAC, CueSheet, CueSheetTrack, CueSheetTrackIndex
from mutagen.wavpack import WavPack

from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
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
