"""decode() on generated files: every format, rate and channel count comes back as written,
and every kind of bad file fails with a DecodeError that names it."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.decode import _decode_pyav, _decode_soundfile, check_file, decode, float_samples
from musictagger.audio.frontend import Features, features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.audio.reader import open_reader
from musictagger.errors import DecodeError
from musictagger.tags.flac_structure import FRAME_SEARCH
from musictagger.tags.id3_structure import synchsafe_bytes
from musictagger.tags.mp4_structure import _atom as atom
from tests.audio.signals import (
    CODEC_PADDING,
    FORMATS,
    channels_of,
    encode_with_ffmpeg,
    noise,
    peak_frequency,
    tone,
    write,
    write_aac,
)
from tests.library.test_unreadable import bytes_read

SR = 44100


def rate_for(kind: str) -> int:
    """libsndfile writes opus at 48 kHz only (or 8/12/16/24 kHz); the rest at CD rate."""
    return 48000 if kind == "opus" else SR


def rms(y: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(np.square(y, dtype=np.float64), axis=-1))


def tone_file(tmp_path: Path, kind: str, *, channels: int = 2, sr: int | None = None, seconds: float = 2.0) -> Path:
    """A 440 Hz tone, channel ``k`` at amplitude ``0.5/(k+1)``, written as ``kind``."""
    sr = sr or rate_for(kind)
    y = channels_of(tone(440.0, sr=sr, seconds=seconds), channels)
    return write(tmp_path / f"tone-{kind}-{channels}ch-{sr}.{FORMATS[kind][0]}", y, sr, kind)


# --- every format, rate and channel count -------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_decodes_with_its_rate_channels_duration_and_pitch(tmp_path: Path, kind: str) -> None:
    sr = rate_for(kind)
    audio = decode(tone_file(tmp_path, kind))

    assert audio.sr == sr
    assert audio.y.dtype == np.float32
    assert audio.y.shape[0] == 2
    assert abs(audio.y.shape[1] - 2 * sr) <= CODEC_PADDING
    assert peak_frequency(audio.y[0], sr) == pytest.approx(440.0, abs=2.0)
    # Level and channel order survive: left at 0.5 peak, right at half of that.
    left, right = rms(audio.y)
    assert left == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    assert right / left == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("kind", ["wav-pcm16", "flac", "ogg-vorbis", "m4a-aac"])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_every_channel_of_a_multichannel_file_is_decoded(tmp_path: Path, kind: str, channels: int) -> None:
    audio = decode(tone_file(tmp_path, kind, channels=channels))

    assert audio.y.shape[0] == channels
    assert peak_frequency(audio.y.mean(axis=0), audio.sr) == pytest.approx(440.0, abs=2.0)
    # Each channel keeps its own level and place, but lossy 5.1 encoders low-pass the LFE
    # channel (AAC's 4th, Vorbis' 6th), which so loses a 440 Hz tone.
    lfe = {"m4a-aac": 3, "ogg-vorbis": 5}.get(kind) if channels == 6 else None
    kept = [k for k in range(channels) if k != lfe]
    expected = [0.5 / np.sqrt(2) / (k + 1) for k in kept]
    np.testing.assert_allclose(rms(audio.y[kept]), expected, rtol=0.1)


@pytest.mark.parametrize(
    ("kind", "sr"),
    [
        *[(kind, sr) for kind in ("wav-pcm16", "flac", "m4a-aac") for sr in (8000, 22050, 48000, 96000)],
        *[("mp3", sr) for sr in (8000, 22050, 48000)],  # MPEG audio stops at 48 kHz
    ],
)
def test_sample_rate_is_the_files_own(tmp_path: Path, kind: str, sr: int) -> None:
    audio = decode(tone_file(tmp_path, kind, sr=sr, channels=1))

    assert audio.sr == sr
    assert abs(audio.y.shape[1] - 2 * sr) <= CODEC_PADDING
    assert peak_frequency(audio.y[0], sr) == pytest.approx(440.0, abs=2.0)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
@pytest.mark.parametrize("channels", [1, 2, 6, 8])
def test_ffmpeg_fallback_returns_the_same_samples_as_libsndfile(tmp_path: Path, subtype: str, channels: int) -> None:
    """Each WAV subtype reaches FFmpeg as a different packed format (u8, s16, s32, flt, dbl)."""
    path = tmp_path / f"{subtype}.wav"
    y = channels_of(noise(sr=22050, seconds=0.5, rms_dbfs=-12.0), channels)
    sf.write(path, y.T, 22050, subtype=subtype)

    reference, fallback = _decode_soundfile(path), _decode_pyav(path)

    assert (fallback.sr, fallback.y.shape, fallback.y.dtype) == (reference.sr, reference.y.shape, np.float32)
    np.testing.assert_allclose(fallback.y, reference.y, atol=1e-6)


@pytest.mark.parametrize("kind", ["ogg-vorbis", "opus", "mp3", "flac"])
def test_ffmpeg_fallback_keeps_rate_channels_and_pitch_of_codecs_libsndfile_also_reads(
    tmp_path: Path, kind: str
) -> None:
    """Vorbis, Opus and MP3 decode to planar float in FFmpeg, FLAC to packed integers."""
    path = tone_file(tmp_path, kind, sr=48000, channels=2)

    reference, fallback = _decode_soundfile(path), _decode_pyav(path)

    assert (fallback.sr, fallback.y.shape[0]) == (reference.sr, 2)
    assert abs(fallback.y.shape[1] - reference.y.shape[1]) <= CODEC_PADDING
    assert peak_frequency(fallback.y[0], fallback.sr) == pytest.approx(440.0, abs=2.0)
    np.testing.assert_allclose(rms(fallback.y), rms(reference.y), rtol=0.05)


def test_eight_channel_aac_decodes_without_crashing_the_interpreter(tmp_path: Path) -> None:
    """PyAV 18 reads past a planar frame's pointer array at 8 channels; the decoder goes packed."""
    path = write_aac(tmp_path / "surround-7.1.m4a", channels_of(tone(440.0, sr=SR, seconds=1.0), 8), SR)

    audio = decode(path)

    assert audio.y.shape[0] == 8
    assert peak_frequency(audio.y[0], SR) == pytest.approx(440.0, abs=2.0)


@pytest.mark.parametrize("layout", ["mono", "stereo", "5.1"])
@pytest.mark.parametrize("sample_format", ["flt", "fltp"])
def test_a_frames_samples_read_from_its_planes_are_pyavs_own(layout: str, sample_format: str) -> None:
    """The decoder reads frames' planes directly (not ``to_ndarray``); the samples and their channel order
    must be exactly what PyAV itself gives, packed or planar."""
    channels = av.AudioLayout(layout).nb_channels
    samples = np.random.default_rng(channels).uniform(-1, 1, (channels, 1152)).astype(np.float32)
    array = samples.T.reshape(1, -1) if sample_format == "flt" else samples
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=sample_format, layout=layout)
    read = float_samples(frame)
    assert read.shape == (channels, 1152) and read.dtype == np.float32
    np.testing.assert_array_equal(read, samples)


def test_a_stream_whose_format_changes_midway_decodes_whole_at_its_first_rate(tmp_path: Path) -> None:
    """Concatenated ADTS streams: 1 s mono, 1 s stereo at 44.1 kHz, then 1 s stereo at 22.05 kHz."""
    parts = [
        write_aac(tmp_path / "a.aac", channels_of(tone(440.0, sr=SR, seconds=1.0), 1), SR, container="adts"),
        write_aac(tmp_path / "b.aac", channels_of(tone(440.0, sr=SR, seconds=1.0), 2), SR, container="adts"),
        write_aac(tmp_path / "c.aac", channels_of(tone(440.0, sr=22050, seconds=1.0), 2), 22050, container="adts"),
    ]
    path = tmp_path / "joined.aac"
    path.write_bytes(b"".join(part.read_bytes() for part in parts))

    audio = decode(path)

    assert (audio.sr, audio.y.shape[0]) == (SR, 1)
    # Each part brings its own codec padding, the last one's doubled by upsampling.
    assert abs(audio.y.shape[1] - 3 * SR) <= 4 * CODEC_PADDING
    assert peak_frequency(audio.y[0], SR) == pytest.approx(440.0, abs=2.0)


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [("mp3", "wav"), ("m4a-aac", "mp3"), ("flac", "ogg"), ("wav-pcm16", "m4a"), ("ogg-vorbis", "flac")],
)
def test_a_file_whose_extension_lies_still_decodes(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tone_file(tmp_path, kind)
    liar = path.rename(tmp_path / f"really-{kind}.{suffix}")

    audio = decode(liar)

    assert (audio.sr, audio.y.shape[0]) == (rate_for(kind), 2)
    assert peak_frequency(audio.y[0], audio.sr) == pytest.approx(440.0, abs=2.0)


def test_tags_that_are_not_utf8_do_not_stop_decoding(tmp_path: Path) -> None:
    """PyAV's default metadata_errors="strict" raises UnicodeDecodeError on a Latin-1 title."""
    y = channels_of(tone(440.0, sr=SR, seconds=1.0), 1)
    path = write_aac(tmp_path / "latin1.m4a", y, SR, metadata={"title": "Café del Mar"})

    assert decode(path).y.shape[0] == 1


def test_a_file_name_that_is_not_utf8_decodes(tmp_path: Path) -> None:
    """soundfile encodes a str name as strict UTF-8; a Latin-1 name on Linux must still open."""
    path = tone_file(tmp_path, "flac").rename(tmp_path / os.fsdecode(b"caf\xe9.flac"))

    assert decode(path).y.shape == (2, 2 * SR)


def test_a_header_claiming_a_huge_length_decodes_the_real_audio(tmp_path: Path) -> None:
    """A FLAC STREAMINFO claiming 2**36 samples: sf.read() would try to allocate 512 GiB."""
    data = bytearray(tone_file(tmp_path, "flac").read_bytes())
    info = 8 + 10  # "fLaC", block header, then rate/channels/bits/total samples in 8 bytes
    fields = int.from_bytes(data[info : info + 8], "big") | ((1 << 36) - 1)
    data[info : info + 8] = fields.to_bytes(8, "big")
    path = tmp_path / "liar.flac"
    path.write_bytes(bytes(data))

    assert decode(path).y.shape == (2, 2 * SR)


# --- damaged files: the part that is there, or a DecodeError --------------------------------


@pytest.mark.parametrize("kind", ["wav-pcm16", "wav-float", "aiff", "flac", "mp3", "ogg-vorbis", "opus", "wavpack"])
def test_a_file_cut_in_half_decodes_the_part_that_is_there(tmp_path: Path, kind: str) -> None:
    sr = rate_for(kind)
    y = channels_of(tone(440.0, sr=sr, seconds=6.0) + noise(sr=sr, seconds=6.0, rms_dbfs=-30.0), 2)
    full = write(tmp_path / f"full.{FORMATS[kind][0]}", y, sr, kind)
    cut = tmp_path / f"cut.{FORMATS[kind][0]}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])

    audio = decode(cut)

    assert (audio.sr, audio.y.shape[0]) == (sr, 2)
    assert 0.3 * y.shape[1] < audio.y.shape[1] < 0.7 * y.shape[1]
    # Not garbage: the same tone at the same level as the original's first half.
    assert peak_frequency(audio.y[0], sr) == pytest.approx(440.0, abs=2.0)
    np.testing.assert_allclose(rms(audio.y), rms(y[:, : audio.y.shape[1]]), rtol=0.1)


def test_an_m4a_cut_before_its_index_raises_decode_error(tmp_path: Path) -> None:
    """An mp4 muxer writes the sample index (moov) last; without it no sample can be found."""
    full = write_aac(tmp_path / "full.m4a", channels_of(tone(440.0, sr=SR, seconds=4.0), 2), SR)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])

    with pytest.raises(DecodeError, match=r"cut\.m4a"):
        decode(cut)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_file_cut_inside_its_header_raises_decode_error(tmp_path: Path, kind: str) -> None:
    full = tone_file(tmp_path, kind)
    cut = tmp_path / f"stub.{FORMATS[kind][0]}"
    cut.write_bytes(full.read_bytes()[:40])

    with pytest.raises(DecodeError, match="stub"):
        decode(cut)


def test_float_samples_that_are_not_numbers_raise_decode_error(tmp_path: Path) -> None:
    """Nothing checks a float WAV's bytes: damage can turn samples into NaN or infinity."""
    y = tone(440.0, sr=SR, seconds=1.0)
    y[1000], y[2000] = np.nan, np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, y, SR, subtype="FLOAT")

    with pytest.raises(DecodeError, match=r"nan\.wav.*NaN"):
        decode(path)


def test_damaged_files_decode_to_finite_audio_or_raise_decode_error(tmp_path: Path) -> None:
    """Flipped bytes, overwritten stretches and cuts in every format: nothing else escapes."""
    rng = np.random.default_rng(2024)
    originals = [tone_file(tmp_path, kind, seconds=1.0) for kind in FORMATS]
    outcomes = {"decoded": 0, "refused": 0}
    for round_ in range(6):
        for original in originals:
            data = bytearray(original.read_bytes())
            if round_ % 3 == 0:
                for index in rng.integers(0, len(data), size=30):
                    data[index] = int(rng.integers(256))
            elif round_ % 3 == 1:
                start = int(rng.integers(len(data)))
                data[start : start + len(data) // 4] = rng.bytes(len(data[start : start + len(data) // 4]))
            else:
                data = data[: int(rng.integers(len(data)))]
            damaged = tmp_path / f"damaged-{round_}{original.suffix}"
            damaged.write_bytes(bytes(data))
            try:
                audio = decode(damaged)
            except DecodeError as exc:
                assert damaged.name in str(exc)
                outcomes["refused"] += 1
            else:
                assert audio.y.dtype == np.float32 and audio.y.ndim == 2 and audio.sr > 0
                assert np.isfinite(audio.y).all()
                outcomes["decoded"] += 1
    assert outcomes["decoded"] > 0 and outcomes["refused"] > 0


# --- not audio at all ----------------------------------------------------------------------


def _png(rng: np.random.Generator) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + rng.bytes(4000)


def _midi() -> bytes:
    """A one-note Standard MIDI File: a header chunk and one track."""
    track = bytes([0x00, 0x90, 60, 100, 0x83, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00])
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track


# case → (file name, content from a random generator, words the reason must contain)
NOT_AUDIO = {
    "empty": ("empty.wav", lambda rng: b"", "the file is empty"),
    "text": ("lyrics.mp3", lambda rng: b"la la la\n" * 500, "not an audio file"),
    "text-as-txt": ("notes.txt", lambda rng: b"hello\n" * 500, "a text file, not audio"),
    "rip-log": ("Album.log", lambda rng: "\ufeffExact Audio Copy V1.6\r\n".encode("utf-16") * 300, "a text file"),
    "png": ("cover.png", _png, "an image, not audio"),
    "png-as-wav": ("cover.wav", _png, "an image, not audio"),
    "jpeg": ("folder.jpg", lambda rng: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.bytes(4000), "an image, not audio"),
    # What a music folder holds besides recordings: FFmpeg called each "not an audio file, or damaged beyond use",
    # an IT module "no audio stream (FFmpeg reads it as CD Graphics)", a .pls "… as LRC lyrics".
    "midi": ("tune.mid", lambda rng: _midi(), "MIDI holds notes, not sound; musictagger cannot analyse it"),
    "karaoke-midi": ("tune.kar", lambda rng: _midi(), "MIDI holds notes, not sound"),
    "mod": ("song.mod", lambda rng: rng.bytes(1080) + b"M.K." + rng.bytes(2000), "a tracker module (MOD) holds notes"),
    "xm": ("song.xm", lambda rng: b"Extended Module: song\x1a" + rng.bytes(400), "a tracker module (XM)"),
    "it": ("song.it", lambda rng: b"IMPMsong" + bytes(400), "a tracker module (IT)"),
    "s3m": ("song.s3m", lambda rng: b"song".ljust(44, b"\0") + b"SCRM" + bytes(400), "a tracker module (S3M)"),
    "appledouble": (
        "._01 - Song.mp3",
        lambda rng: b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(4000),
        "a macOS AppleDouble file (the Finder's data about 01 - Song.mp3",
    ),
    "cue-sheet": (
        "Album.cue",
        lambda rng: b'FILE "Album.flac" WAVE\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n',
        "a cue sheet (the track list of Album.flac), not audio: analyse Album.flac itself",
    ),
    "m3u": ("Album.m3u", lambda rng: b"#EXTM3U\n#EXTINF:123,Band - Song\n01 - Song.mp3\n", "a playlist, not audio"),
    "web-page": (
        "song.mp3",
        lambda rng: b"\n<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head></html>\n",
        "a web page, not audio (a download that failed?)",
    ),
    "pls": ("Album.pls", lambda rng: b"[playlist]\nFile1=01 - Song.mp3\nNumberOfEntries=1\n", "a playlist, not audio"),
    "random-bin": ("noise.bin", lambda rng: rng.bytes(50_000), "not an audio file"),
    "random-mp3": ("noise.mp3", lambda rng: rng.bytes(50_000), "not an audio file"),
    "random-m4a": ("noise.m4a", lambda rng: rng.bytes(50_000), "not an audio file"),
    # FFmpeg's Ogg probe takes a name, and random bytes then end inside what it read as headers.
    "random-ogg": ("noise.ogg", lambda rng: rng.bytes(5_000), "not an audio file"),
    # FFmpeg's ADTS probe accepts anything named .aac; then no packet decodes.
    "random-aac": ("noise.aac", lambda rng: rng.bytes(50_000), "damaged"),
}


@pytest.mark.parametrize("case", NOT_AUDIO)
def test_a_file_that_is_not_audio_raises_decode_error_naming_it(
    tmp_path: Path, case: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """Said in the error alone: libmpg123, tried after FFmpeg on what is no container of libsndfile's, printed
    'Note: Illegal Audio-MPEG-Header 0x00000000 at offset 2.' and two more lines to the process's stderr, above
    `listen --file`'s error and in a script's output."""
    name, content, reason = NOT_AUDIO[case]
    path = tmp_path / name
    path.write_bytes(content(np.random.default_rng(7)))

    with pytest.raises(DecodeError, match=name.replace(".", r"\.")) as raised:
        decode(path)
    assert raised.value.path == path
    assert reason in raised.value.reason
    assert capfd.readouterr().err == ""


def test_a_video_without_sound_is_said_to_be_one(tmp_path: Path) -> None:
    """A screen recording or a muted clip among music videos was 'no audio stream (FFmpeg reads it as QuickTime /
    MOV)', which left the user to work out what the file is."""
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(5):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")))
        out.mux(stream.encode(None))

    with pytest.raises(DecodeError, match="a video without sound: no audio stream"):
        decode(path)


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_a_stream_whose_packets_all_fail_is_refused_without_reading_it_to_its_end(tmp_path: Path) -> None:
    """Random bytes named .ac3: FFmpeg's parser finds a sync word every 210 kB, and each packet fails to decode; a 1-GB
    such file was read to its end (320 MB in 5 s for one of 300 MB) before 'no audio could be decoded'.  The reading
    gives up after FAILING_BEFORE_ANY packets fail with none decoded."""
    size = 48 << 20
    path = tmp_path / "noise.ac3"
    path.write_bytes(np.random.default_rng(3).bytes(size))
    before = bytes_read()

    with pytest.raises(DecodeError, match="no audio could be decoded"):
        features_from_file(path, params=FeatureParams(), n_windows=1)
    assert bytes_read() - before < size // 2


def test_an_mp3_after_a_run_of_junk_is_decoded_whole(tmp_path: Path) -> None:
    """Junk before an MP3's first frame (a capture's start, a tag FFmpeg does not skip) holds a false sync every 6 kB,
    each packet failing: 400 kB of it, 64 failures before the first good frame, had a good file refused as 'no audio
    could be decoded' once a pass gave up after 64 failed packets.  It gives up only once they span 16 MiB."""
    song = write(tmp_path / "song.mp3", tone(440.0, sr=SR, seconds=10.0), SR, "mp3-lame")
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(np.random.default_rng(7).bytes(600_000) + song.read_bytes())

    assert decode(joined).duration_s == pytest.approx(10.0, abs=0.2)


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_a_flac_header_followed_by_no_frames_is_refused_from_its_start_and_a_damaged_first_frame_is_not(
    tmp_path: Path,
) -> None:
    """A FLAC file's metadata followed by random bytes (a header written over another file, a copy gone wrong) was read
    four times to its end, by libFLAC and then FFmpeg searching for a frame, before 'its audio cannot be found at
    0.0 s': 1.3 GB for one of 300 MB.  It is refused from the bytes after its metadata; a file whose first frame alone is
    damaged is still read from its second."""
    song = write(tmp_path / "song.flac", tone(440.0, sr=SR, seconds=4.0), SR, "flac")
    data = song.read_bytes()
    audio = data.index(b"\xff\xf8", 42)  # the first frame, after fLaC and STREAMINFO
    garbage = tmp_path / "garbage.flac"
    garbage.write_bytes(data[:audio] + np.random.default_rng(5).bytes(16 << 20))
    first_damaged = tmp_path / "first frame damaged.flac"
    first_damaged.write_bytes(data[:audio] + bytes(200) + data[audio + 200 :])
    before = bytes_read()

    with pytest.raises(
        DecodeError, match=f"no FLAC audio frame starts in the 65,536 bytes after it .from byte {audio:,}"
    ):
        features_from_file(garbage, params=FeatureParams(), n_windows=1)
    assert bytes_read() - before < 8 << 20
    assert decode(first_damaged).duration_s == pytest.approx(4.0, abs=0.2)


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
@pytest.mark.parametrize(
    ("suffix", "kind", "tag_bytes", "where"),
    [
        (".dts", "DTS", 0, "at its start"),
        (".flac", "FLAC", 0, "at its start"),
        (".dts", "DTS", 300_000, "where its ID3 tag ends"),
    ],
    ids=["dts", "flac", "dts-after-id3"],
)
def test_random_bytes_named_as_a_dts_or_flac_stream_are_refused_from_their_first_bytes(
    tmp_path: Path, suffix: str, kind: str, tag_bytes: int, where: str
) -> None:
    """FFmpeg reads a file of no format it knows as the stream its name says, and its parser searched random bytes
    named .dts or .flac to their end for a frame before 'its header says it has 0 channels': a 900-MB .dts took 2 GB
    and 9.7 s.  No frame in the first 64 kB (after any ID3 tag), and no other audio FFmpeg knows there: refused from
    them, in words short enough for the Tag dialog's column."""
    size = 8 << 20
    path = tmp_path / f"noise{suffix}"
    tag = b"ID3\x04\x00\x00" + synchsafe_bytes(tag_bytes) + bytes(tag_bytes) if tag_bytes else b""
    path.write_bytes(tag + np.random.default_rng(11).bytes(size))
    before = bytes_read()

    with pytest.raises(
        DecodeError, match=rf"noise\{suffix}: not audio, or damaged: no {kind} frame or other audio {where}$"
    ):
        analyse(path)
    assert bytes_read() - before < 2 << 20


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes read in /proc/self/io (Linux)")
def test_the_check_of_a_flac_file_after_an_id3_tag_reads_its_first_frames_once(tmp_path: Path) -> None:
    """check_file searched the 64 kB after a FLAC file's metadata for a frame, and then read the 64 kB after its ID3
    tag again to ask whether it was a FLAC stream (4 KiB of the head, 2 × 64 kB: 143 kB for a file of 2 s of noise)."""
    song = write(tmp_path / "song.flac", noise(sr=SR, seconds=2.0, rms_dbfs=-20.0), SR, "flac")
    tagged = tmp_path / "tagged.flac"
    tagged.write_bytes(b"ID3\x04\x00\x00" + synchsafe_bytes(2048) + bytes(2048) + song.read_bytes())
    assert tagged.stat().st_size > 2 * FRAME_SEARCH
    before = bytes_read()

    check_file(tagged)

    assert bytes_read() - before < FRAME_SEARCH * 3 // 2


def dts(path: Path, y: np.ndarray, sr: int, *output: str) -> Path:
    """``(channels, samples)`` encoded as DTS into ``path`` (a raw stream, a 5.1 music disc's ``.dts``, unless
    ``output`` gives ffmpeg another format) by the ``ffmpeg`` command (PyAV's FFmpeg has no DTS encoder): the test
    skips without it."""
    return encode_with_ffmpeg(
        path, y, sr, "-strict", "-2", "-c:a", "dca", *output, why="PyAV's FFmpeg has no DTS encoder"
    )


def flac_frames(path: Path, y: np.ndarray, sr: int) -> Path:
    """``(channels, samples)`` as FLAC frames without the ``fLaC`` mark and metadata before them (a raw stream)."""
    data = write(path.with_suffix(".whole.flac"), y, sr, "flac").read_bytes()
    path.write_bytes(data[data.index(b"\xff\xf8", 42) :])
    return path


def misnamed_mp3(path: Path, y: np.ndarray, sr: int) -> Path:
    """``(channels, samples)`` as an MP3 under ``path``'s name, whatever it says."""
    return write(path.with_suffix(".mp3"), y, sr, "mp3-lame").rename(path)


def misnamed_m4a(path: Path, y: np.ndarray, sr: int) -> Path:
    """``(channels, samples)`` as an M4A under ``path``'s name, its index (the moov atom, which FFmpeg writes last)
    past its first MiB: a 1-MiB ``free`` atom before it stands for a long recording's audio."""
    data = write_aac(path.with_suffix(".m4a"), y, sr).read_bytes()
    index = data.index(b"moov") - 4
    path.write_bytes(data[:index] + atom(b"free", bytes(1 << 20)) + data[index:])
    return path


@pytest.mark.parametrize(
    ("make", "name"),
    [(dts, "disc.dts"), (flac_frames, "frames.flac"), (misnamed_mp3, "song.dts"), (misnamed_m4a, "song.flac")],
    ids=["dts", "flac-frames", "mp3-named-dts", "m4a-named-flac"],
)
def test_a_dts_or_flac_stream_and_a_recording_misnamed_as_one_are_read(
    tmp_path: Path, make: Callable[[Path, np.ndarray, int], Path], name: str
) -> None:
    """What the refusal of random bytes named .dts or .flac must let through: a DTS stream, FLAC frames without the
    header before them, and another recording under such a name, which FFmpeg reads by its bytes (an M4A whose index
    lies past the first MiB was refused when FFmpeg was shown that MiB alone)."""
    path = make(tmp_path / name, channels_of(tone(440.0, sr=SR, seconds=2.0), 2), SR)

    audio = decode(path)

    assert audio.duration_s == pytest.approx(2.0, abs=0.1)
    assert peak_frequency(audio.y[0], SR) == pytest.approx(440.0, abs=5.0)


@pytest.mark.parametrize(("field_at", "value"), [(20, 99), (34, 0)], ids=["unknown-format-tag", "zero-bits"])
def test_a_wav_whose_encoding_no_decoder_knows_raises_decode_error_saying_so(
    tmp_path: Path, field_at: int, value: int
) -> None:
    """A WAV header naming a format tag FFmpeg does not know, or 0 bits a sample: libsndfile refuses it, and
    PyAV opens it with no codec context (it used to raise AttributeError from the reader, which stopped a
    whole index or tag run with a traceback)."""
    data = bytearray(tone_file(tmp_path, "wav-pcm16").read_bytes())
    data[field_at : field_at + 2] = value.to_bytes(2, "little")
    path = tmp_path / "odd.wav"
    path.write_bytes(bytes(data))

    for read in (decode, lambda p: features_from_file(p, params=FeatureParams(), n_windows=1)):
        with pytest.raises(DecodeError, match=r"odd\.wav: its audio is in an encoding FFmpeg has no decoder for"):
            read(path)


def wav_saying(tmp_path: Path, *, rate: int | None = None, channels: int | None = None) -> Path:
    """A 2-s tone written as a 22.05 kHz mono WAV, its header then changed to say ``rate`` or ``channels``."""
    data = bytearray(tone_file(tmp_path, "wav-pcm16", channels=1, sr=22050).read_bytes())
    if rate is not None:
        data[24:28] = rate.to_bytes(4, "little")
        data[28:32] = (2 * rate % 2**32).to_bytes(4, "little")  # bytes a second, as a writer would put it
    if channels is not None:
        data[22:24] = channels.to_bytes(2, "little")
    path = tmp_path / "odd.wav"
    path.write_bytes(bytes(data))
    return path


def analyse(path: Path) -> Features:
    """The analysis's reading of ``path`` (:func:`features_from_file`, through the reader)."""
    return features_from_file(path, params=FeatureParams(), n_windows=1)


@pytest.mark.parametrize("rate", [1, 10, 100, 1000, 3999, 1_536_001, 10_000_000])
def test_a_header_saying_a_sample_rate_no_recording_has_raises_decode_error_saying_so(
    tmp_path: Path, rate: int
) -> None:
    """A WAV whose header said 1 Hz was analysed as its audio slowed down 22,050 times and given a verdict
    ('narrow band: … nothing above 0.0005 kHz'); one that said 10 MHz was 'only 0.000 s of audio'.  libsndfile
    and FFmpeg read the header alike: each decoder, the whole decode and the analysis say what is wrong."""
    path = wav_saying(tmp_path, rate=rate)
    bound = "4000 Hz or more" if rate < 4000 else "1536000 Hz or less"
    reason = f"its header says a sample rate of {rate} Hz (recordings have {bound}): not audio, or a damaged header"

    for read in (_decode_soundfile, _decode_pyav, decode, analyse):
        with pytest.raises(DecodeError) as raised:
            read(path)
        assert (raised.value.path, raised.value.reason) == (path, reason)


@pytest.mark.parametrize("rate", [4000, 8000, 1_536_000])
def test_the_slowest_and_fastest_rates_recordings_have_are_decoded_and_analysed(tmp_path: Path, rate: int) -> None:
    """A Sound Blaster's 4 kHz, a telephone's 8 kHz and the fastest rate a DAC plays stay audio."""
    path = tone_file(tmp_path, "wav-pcm16", channels=1, sr=rate)

    assert decode(path).sr == rate
    assert analyse(path).source_rate == rate


def test_a_header_saying_0_channels_raises_decode_error_saying_so(tmp_path: Path) -> None:
    """libsndfile refuses it and FFmpeg opens no decoder for it: it was 'truncated or damaged: no audio could be
    decoded', which sent the user looking for a cut-off copy."""
    path = wav_saying(tmp_path, channels=0)

    for read in (_decode_pyav, decode, analyse):
        with pytest.raises(DecodeError) as raised:
            read(path)
        assert (raised.value.path, raised.value.reason) == (
            path,
            "its header says it has 0 channels: not audio, or a damaged header",
        )


def test_a_wav_with_no_samples_raises_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "header-only.wav"
    sf.write(path, np.zeros((0, 2), np.float32), SR)

    with pytest.raises(DecodeError, match=r"header-only\.wav.*no audio"):
        decode(path)


def test_a_directory_raises_decode_error(tmp_path: Path) -> None:
    folder = tmp_path / "album.mp3"
    folder.mkdir()

    with pytest.raises(DecodeError, match=r"album\.mp3.*directory"):
        decode(folder)


@pytest.mark.parametrize("dangling_link", [False, True], ids=["missing", "dangling-symlink"])
def test_a_missing_file_raises_decode_error(tmp_path: Path, dangling_link: bool) -> None:
    path = tmp_path / "gone.flac"
    if dangling_link:
        path.symlink_to(tmp_path / "deleted.flac")

    with pytest.raises(DecodeError, match=r"gone\.flac.*no such file"):
        decode(path)


def test_a_path_the_system_refuses_raises_decode_error(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="cannot be read"):
        decode(tmp_path / ("x" * 300 + ".wav"))  # longer than NAME_MAX


def test_a_fifo_raises_decode_error_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "stream.wav"
    os.mkfifo(fifo)

    with pytest.raises(DecodeError, match=r"stream\.wav.*not a regular file"):
        decode(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_an_unreadable_file_raises_decode_error(tmp_path: Path) -> None:
    path = tone_file(tmp_path, "wav-pcm16")
    path.chmod(0)
    try:
        with pytest.raises(DecodeError, match=f"{path.name}.*cannot be read"):
            decode(path)
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "case", ["empty", "text", "png-as-wav", "midi", "cue-sheet", "random-mp3", "missing", "directory", "truncated"]
)
def test_features_from_file_raises_the_decoders_error(tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.wav"
    if case == "directory":
        path.mkdir()
    elif case == "truncated":
        path.write_bytes(tone_file(tmp_path, "wav-pcm16").read_bytes()[:40])
    elif case != "missing":
        path.write_bytes(NOT_AUDIO[case][1](np.random.default_rng(7)))
    with pytest.raises(DecodeError) as from_decode:
        decode(path)

    with pytest.raises(DecodeError) as from_features:
        features_from_file(path, params=FeatureParams(), n_windows=1)

    assert str(from_features.value) == str(from_decode.value)
    assert path.name in str(from_features.value)


def refusal_of_both_readers(path: Path) -> str:
    """The error the whole decode and the seeking reader both give ``path``, the same words from each."""
    with pytest.raises(DecodeError) as decoded:
        decode(path)
    with pytest.raises(DecodeError) as read, open_reader(path):
        pass
    assert str(read.value) == str(decoded.value)
    return str(decoded.value)


@pytest.mark.parametrize(("cut", "where"), [(0.1, "audio"), (0.5, "audio"), (None, "index")])
def test_an_m4a_cut_short_before_the_end_of_its_index_says_so(tmp_path: Path, cut: float | None, where: str) -> None:
    """An M4A keeps its index (the moov atom) after its audio, as FFmpeg writes it: one whose download or copy stopped
    was 'not an audio file, or damaged beyond use (Invalid data found when processing input)', whether cut in its
    audio or in the index.  Now both readers say it is cut short, where, and of how many bytes."""
    whole = tone_file(tmp_path, "m4a-aac").read_bytes()
    index = whole.index(b"moov") - 4  # where the moov atom starts, after the audio's mdat atom
    ends = index + 64 if cut is None else round(len(whole) * cut)  # 64: past the atom's header, before its tracks
    path = tmp_path / "download.m4a"
    path.write_bytes(whole[:ends])
    inside = {
        "audio": "inside its audio, before the index without which no player finds any of it",
        "index": "inside the index without which no player finds any of its audio",
    }[where]
    expected = (
        f"{path}: cut short: the file ends at byte {ends:,} of the {len(whole) if cut is None else index:,} its atoms "
        f"announce, {inside} (the moov atom, which this file keeps at its end); damaged, or not copied whole"
    )

    assert refusal_of_both_readers(path) == expected


@pytest.mark.parametrize("into_the_index", [0, 4])
def test_an_m4a_cut_where_its_audio_ends_says_so(tmp_path: Path, into_the_index: int) -> None:
    """Cut where the audio atom ends (the index's first byte never written), or inside the index's 8-byte header, an
    M4A has no index at all: it was 'not an audio file, or damaged beyond use (Invalid data found when processing
    input)', as before 6e0eb64 told the cuts further in."""
    whole = tone_file(tmp_path, "m4a-aac").read_bytes()
    ends = whole.index(b"moov") - 4 + into_the_index
    path = tmp_path / "download.m4a"
    path.write_bytes(whole[:ends])
    expected = (
        f"{path}: cut short: the file ends at byte {ends:,}, after its audio, with no index, without which no player "
        "finds any of it (the moov atom, which this file keeps at its end); damaged, or not copied whole"
    )

    assert refusal_of_both_readers(path) == expected


def test_a_heif_picture_is_not_taken_for_an_m4a_without_its_index(tmp_path: Path) -> None:
    """A HEIC or AVIF photo is an ISO file as an M4A is, its pictures in an mdat atom and no moov atom: it is no M4A
    cut short."""
    path = tmp_path / "photo.heic"
    kinds = b"heic" + bytes(4) + b"mif1heic"  # its kind, version, and the kinds it is read as
    path.write_bytes(atom(b"ftyp", kinds) + atom(b"meta", bytes(4)) + atom(b"mdat", bytes(16)))  # items, data

    with pytest.raises(DecodeError) as decoded:
        decode(path)

    assert "cut short" not in str(decoded.value)


def test_an_m4a_whose_writer_stopped_before_its_end_says_so(tmp_path: Path) -> None:
    """A recording or an encoding to M4A stopped before its end (killed, the power lost) leaves the audio atom sized 0,
    "to the end of the file", and no index: it was 'not an audio file, or damaged beyond use (Invalid data found when
    processing input)'."""
    whole = tone_file(tmp_path, "m4a-aac").read_bytes()
    audio = whole.index(b"mdat") - 4
    path = tmp_path / "recording.m4a"  # as its writer left it: the audio written, its size not yet
    path.write_bytes(whole[:audio] + bytes(4) + whole[audio + 4 : whole.index(b"moov") - 4])
    expected = (
        f"{path}: not finished: its audio runs to the end of the file with no index after it (the moov atom, which its "
        "writer adds last), as a recording or an encoding stopped before its end leaves it; no player finds any of "
        "its audio"
    )

    assert refusal_of_both_readers(path) == expected


def spdif_wav(path: Path, y: np.ndarray, sr: int, codec: str) -> Path:
    """``(2, samples)`` encoded as AC-3 or DTS and carried in the 16-bit samples of a stereo WAV as a S/PDIF output
    carries it (IEC 61937 bursts): a capture of a digital output, a DTS music CD's track ripped (DTS by :func:`dts`)."""
    bursts = path.with_suffix(".spdif")
    if codec == "dts":
        dts(bursts, y, sr, "-f", "spdif")
    else:
        with av.open(str(bursts), "w", format="spdif") as out:
            stream = out.add_stream(codec, rate=sr, layout="stereo")
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T).reshape(1, -1), format="flt", layout="stereo")
            frame.sample_rate = sr
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
    words = np.frombuffer(bursts.read_bytes(), "<i2")
    sf.write(path, words[: words.size // 2 * 2].reshape(-1, 2), sr, subtype="PCM_16")
    return path


@pytest.mark.parametrize(("codec", "sr"), [("ac3", 48000), ("dts", 44100)])
def test_a_wav_carrying_a_compressed_stream_is_decoded_as_that_stream(tmp_path: Path, codec: str, sr: int) -> None:
    """libsndfile read such a WAV's samples as PCM, full-scale hiss, which the model called "not music" (an AC-3
    capture) or a genre with "clipped: 2.2 %" (a DTS CD's track); FFmpeg finds the stream and decodes it, and the
    seeking reader reads it as the whole decode does."""
    y = channels_of(tone(440.0, sr=sr, seconds=3.0), 2)
    path = spdif_wav(tmp_path / "capture.wav", y, sr, codec)

    audio = decode(path)

    assert audio.sr == sr and audio.y.shape[0] == 2
    assert audio.duration_s == pytest.approx(3.0, abs=0.1)
    assert peak_frequency(audio.y[0], sr) == pytest.approx(440.0, abs=5.0)
    with open_reader(path) as reader:
        np.testing.assert_allclose(reader.read(sr, 2 * sr), audio.y[:, sr : 2 * sr], atol=1e-6)
