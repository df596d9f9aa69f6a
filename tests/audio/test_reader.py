"""Reading only the analysed windows: exact excerpts by seeking, and time and memory flat in track length."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tracemalloc
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from mutagen.apev2 import APEv2
from mutagen.dsf import DSF
from mutagen.id3 import APIC

from musictagger.audio import reader
from musictagger.audio.decode import decode
from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.audio.params import FeatureParams
from musictagger.audio.reader import open_reader
from musictagger.audio.signal import resample
from musictagger.errors import DecodeError, SilentAudioError
from musictagger.library.scan import scan
from musictagger.model.runtime import analyze
from musictagger.tags import flac_structure
from tests.audio.amr import NARROW, WIDE, Amr, amr_encoder, write_amr
from tests.audio.musepack import write_musepack
from tests.audio.shorten import write_shorten
from tests.audio.signals import (
    DSD_RATE,
    FORMATS,
    channels_of,
    encode_with_ffmpeg,
    music,
    piece,
    write,
    write_aac,
    write_dff,
    write_dsf,
)

PARAMS = FeatureParams()


@pytest.mark.parametrize("kind", ["mp3-lame", "flac", "ogg-vorbis", "m4a-aac", "m4a-alac"])
def test_an_excerpt_read_by_seeking_is_the_same_samples_a_whole_decode_gives(tmp_path: Path, kind: str) -> None:
    stereo = channels_of(music(sr=44100, seconds=40.0), 2)
    if kind == "m4a-alac":  # FFmpeg's planar integer samples: the reader converts each frame to float
        path = write_aac(tmp_path / "song.m4a", stereo, 44100, codec="alac")
    else:
        path = write(tmp_path / f"song.{FORMATS[kind][0]}", stereo, 44100, kind)
    whole = decode(path).y

    with open_reader(path) as reader:
        assert reader.n_samples == pytest.approx(whole.shape[1], abs=2048)
        for start in (0, 441_000, 1_000_003):
            excerpt, expected = reader.read(start, start + 44_100), whole[:, start : start + 44_100]
            if kind == "m4a-aac":  # AAC's noise substitution draws from a generator whose state a seek resets
                assert np.sqrt(np.mean((excerpt - expected) ** 2)) < 0.1 * np.sqrt(
                    np.mean(expected**2)
                )  # -20 dB; misplaced: > 0 dB
            else:
                np.testing.assert_allclose(excerpt, expected, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "codec", "sr", "stamped"),
    [
        ("song.wma", "wmav2", 44100, False),
        ("song.wma", "wmav2", 44100, True),
        ("song.mka", "alac", 44100, False),
        ("song.webm", "libopus", 48000, True),
    ],
)
def test_frames_stamped_in_milliseconds_are_read_where_a_whole_decode_has_them(
    tmp_path: Path, name: str, codec: str, sr: int, stamped: bool
) -> None:
    """ASF (WMA) and Matroska (WebM) stamp frames in whole milliseconds, 44.1 samples at 44.1 kHz: each frame
    is placed right after the one before it, and the first after a seek on the frames' grid, so a span is the
    whole decode's samples, in their place.  By its stamp alone it was up to 36 samples off (a WMA file stamped
    as FFmpeg's command line stamps it).  A Matroska Opus stream's first packet is stamped before 0 (minus its
    pre-skip): a seek to 0 skipped it, and every read of a WebM download was 20 ms late."""
    stereo = channels_of(music(sr=sr, seconds=40.0), 2)
    container = {"song.wma": "asf", "song.mka": "matroska", "song.webm": "webm"}[name]
    path = write_aac(tmp_path / name, stereo, sr, container=container, codec=codec, stamped=stamped)
    whole = decode(path).y

    with open_reader(path) as reader:
        np.testing.assert_array_equal(reader.read(0, sr), whole[:, :sr])  # from the start
        for start in (10 * sr, 1_000_003, 20 * sr + 123, 33 * sr):
            excerpt = reader.read(start, start + 5 * sr)  # 5 s: a hundred WMA frames, fifty ALAC ones
            np.testing.assert_array_equal(excerpt, whole[:, start : start + 5 * sr], err_msg=f"from {start}")


@pytest.mark.parametrize(("name", "codec", "sr"), [("song.m4a", "aac", 44100), ("song.webm", "libopus", 48000)])
def test_a_read_from_the_start_begins_with_the_packet_stamped_before_0(
    tmp_path: Path, name: str, codec: str, sr: int
) -> None:
    """An encoder's delay is stamped before 0 (an M4A's AAC priming packet at -1024 samples, a WebM Opus
    stream's first packet at -7 ms), and a seek to 0 landed on the packet after it: the first window of such
    an M4A was read without its priming (most of its first second other samples), a WebM's 20 ms late."""
    path = write_aac(tmp_path / name, channels_of(music(sr=sr, seconds=10.0), 2), sr, codec=codec, stamped=True)
    whole = decode(path).y

    with open_reader(path) as reader:
        np.testing.assert_array_equal(reader.read(0, sr), whole[:, :sr])


def test_reading_past_either_end_gives_zeros_there(tmp_path: Path) -> None:
    path = write(tmp_path / "song.wav", music(sr=16000, seconds=3.0)[np.newaxis], 16000, "wav-pcm16")
    whole = decode(path).y

    with open_reader(path) as reader:
        excerpt = reader.read(-100, reader.n_samples + 100)

    assert not excerpt[:, :100].any() and not excerpt[:, -100:].any()
    np.testing.assert_array_equal(excerpt[:, 100:-100], whole)


@pytest.mark.parametrize("kind", ["mp3-lame", "wav-pcm16", "webm-opus", "wma"])
def test_a_file_gives_the_windows_its_decoded_samples_give(tmp_path: Path, kind: str) -> None:
    """A WebM download's header announces 8 ms more than decodes, so the front end placed the windows again on
    the true length and read them all again: the first after other reads, when FFmpeg no longer drops the
    Opus pre-skip (6.5 ms of its first packet), so the first window was misplaced.  A window the second
    placement leaves where it was is now read once.  WMA: every frame read where the whole decode has it."""
    if kind == "webm-opus":
        stereo = channels_of(music(sr=48000, seconds=95.0), 2)
        path = write_aac(tmp_path / "song.webm", stereo, 48000, codec="libopus", stamped=True)
    elif kind == "wma":
        stereo = channels_of(music(sr=44100, seconds=95.0), 2)
        path = write_aac(tmp_path / "song.wma", stereo, 44100, container="asf", codec="wmav2", stamped=True)
    else:
        path = write(tmp_path / f"song.{FORMATS[kind][0]}", channels_of(music(sr=44100, seconds=95.0), 2), 44100, kind)
    audio = decode(path)

    from_file = features_from_file(path, params=PARAMS, n_windows=3)
    from_samples = features_from_signal(audio.y, sr=audio.sr, params=PARAMS, n_windows=3)

    np.testing.assert_array_equal(from_file.window_starts, from_samples.window_starts)
    np.testing.assert_allclose(from_file.windows, from_samples.windows, atol=1e-4)


COLLECTOR_FORMATS = {
    "song.webm": "libopus",  # what YouTube downloads give
    "alac.caf": "alac",
    "pcm.caf": "pcm_s16le",
    "song.w64": "pcm_s16le",
    "song.dsf": None,
    "song.dff": None,
    "song.ape": None,
    "song.shn": None,
}


@pytest.mark.parametrize("name", COLLECTOR_FORMATS)
def test_a_collectors_format_is_scanned_and_analysed_as_its_wav_is(tmp_path: Path, name: str) -> None:
    """WebM, Core Audio, Wave64, DSD, Monkey's Audio and Shorten files were left out of every folder scan without a word.
    Each is read at its length with its windows where the WAV's are: the same windows for the lossless ones,
    close ones for Opus and for DSD (the noise of the test's first-order modulator)."""
    sr = 48000 if name == "song.webm" else 44100
    stereo = channels_of(music(sr=sr, seconds=40.0), 2)
    wav = write(tmp_path / "song.wav", stereo, sr, "wav-pcm16")
    path = tmp_path / "collection" / name
    path.parent.mkdir()
    if name.endswith(".dsf"):
        write_dsf(path, stereo, sr)
    elif name.endswith(".dff"):  # mono: a DSD file of 40 s takes seconds to write
        wav = write(wav, stereo[:1], sr, "wav-pcm16")
        write_dff(path, stereo[:1], sr)
    elif name.endswith(".ape"):
        if shutil.which("jmac") is None:
            pytest.skip("no Monkey's Audio encoder: Debian's libjmac-java (jmac, with a Java runtime) writes one")
        subprocess.run(["jmac", "c2", str(wav), str(path)], check=True, capture_output=True)
    elif name.endswith(".shn"):
        write_shorten(path, sf.read(wav, dtype="int16")[0], sr)
    else:
        container = {".webm": "webm", ".caf": "caf", ".w64": "w64"}[path.suffix]
        with av.open(str(path), "w", format=container) as out:
            stream = out.add_stream(COLLECTOR_FORMATS[name], rate=sr, layout="stereo")
            samples = stereo if name == "song.webm" else decode(wav).y  # the WAV's own 16-bit samples
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples.T).reshape(1, -1), format="flt", layout="stereo"
            )
            frame.sample_rate, frame.pts, frame.time_base = sr, 0, Fraction(1, sr)
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)

    assert [Path(f.path).name for f in scan([path.parent]).files] == [name]
    ours = features_from_file(path, params=PARAMS, n_windows=3)
    theirs = features_from_file(wav, params=PARAMS, n_windows=3)

    assert ours.report.duration_s == pytest.approx(40.0, abs=0.01)
    np.testing.assert_array_equal(ours.window_starts, theirs.window_starts)
    difference = np.abs(ours.windows - theirs.windows)
    if name.endswith((".webm", ".dsf", ".dff")):
        assert difference.mean() < 0.1, difference.mean()
    else:
        np.testing.assert_allclose(ours.windows, theirs.windows, atol=1e-4)


@pytest.mark.parametrize(
    ("band", "name", "seconds", "noted"),
    [(NARROW, "song.amr", 40.0, "narrow band: sampled at 8000 Hz"), (WIDE, "song.awb", 8.0, "short: 8.0 s")],
    ids=["amr-nb", "amr-wb"],
)
def test_an_amr_recording_is_scanned_and_analysed_at_its_length(
    band: Amr, name: str, seconds: float, noted: str, tmp_path: Path
) -> None:
    """A phone's or a voice recorder's AMR file was left out of every folder scan without a word, though FFmpeg
    decodes it, and so was an AMR-WB one (.awb, a phone's HD voice memo) after it; each is found, and analysed whole,
    the narrow band an AMR-NB file holds said."""
    encoder = amr_encoder(band)
    if encoder is None:
        pytest.skip(f"no {band.library} encoder: Debian's lib{band.library}0 has one (FFmpeg decodes AMR, not encodes)")
    (tmp_path / "memos").mkdir()
    path = write_amr(encoder, tmp_path / "memos" / name, music(sr=band.rate, seconds=seconds), band)

    assert [Path(f.path).name for f in scan([path.parent]).files] == [name]
    analysis = analyze(path)
    assert analysis.duration_s == pytest.approx(seconds, abs=0.01) and analysis.verdict is not None
    assert [note for note in analysis.warnings if not note.startswith(noted)] == []


def test_a_musepack_file_is_scanned_and_read_at_its_length_without_its_decoders_delay(tmp_path: Path) -> None:
    """Musepack files were left out of every folder scan: FFmpeg reads an SV8 file's length short (58.5 s of 60) and
    its audio 481 samples late, its decoder's synthesis delay, which Musepack's own decoder drops.  Such a file is now
    decoded whole and its delay dropped, so a span read is the original's in its place."""
    original = np.random.default_rng(0).standard_normal(40 * 44100).astype(np.float32) * 0.1  # no lag looks alike
    (tmp_path / "album").mkdir()
    path = write_musepack(tmp_path / "album" / "song.mpc", original, 44100)
    if path is None:
        pytest.skip("no Musepack encoder: Debian's musepack-tools has mpcenc (FFmpeg decodes Musepack, not encodes it)")

    assert [Path(f.path).name for f in scan([path.parent]).files] == ["song.mpc"]
    with open_reader(path) as reader:
        assert reader.n_samples == pytest.approx(len(original), abs=1152)  # the last frame's padding at most
        for start in (0, 20 * 44100, 39 * 44100):
            excerpt, expected = reader.read(start, start + 22050)[0], original[start : start + 22050]
            assert np.corrcoef(excerpt, expected)[0, 1] > 0.8, start  # 481 samples late: about 0
    assert analyze(path).duration_s == pytest.approx(40.0, abs=0.03)


def test_a_dsd_file_is_read_at_44_1_khz_as_its_whole_decode_resampled_at_once_gives(tmp_path: Path) -> None:
    """FFmpeg decodes DSD64 at 352.8 kHz; the reader brings each frame down to 44.1 kHz as it arrives, with the
    front end's resampler: a span read anywhere, up to the end, is what resampling the whole decode gives,
    sample for sample in its place."""
    path = write_dsf(tmp_path / "song.dsf", channels_of(music(sr=44100, seconds=12.0), 2), 44100)
    whole = decode(path)
    expected = np.stack([resample(channel, orig_sr=whole.sr, target_sr=44100) for channel in whole.y])

    with open_reader(path) as reader:
        assert (whole.sr, reader.sr, reader.n_samples) == (352_800, 44100, 12 * 44100)
        for start in (0, 100_003, 12 * 44100 - 30_000):
            excerpt = reader.read(start, start + 44100)
            inside = min(44100, reader.n_samples - start)
            np.testing.assert_allclose(excerpt[:, :inside], expected[:, start : start + inside], atol=1e-6)
            assert not excerpt[:, inside:].any()
        assert reader.n_samples == 12 * 44100  # the end is where the header said


def analysis_peak_bytes(path: Path) -> int:
    """The most memory the front end's Python and NumPy allocations held at once while analysing ``path``."""
    tracemalloc.start()
    try:
        features_from_file(path, params=PARAMS, n_windows=3)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["song.dsf", "song.dff"])
def test_a_dsd_file_is_analysed_in_the_memory_its_wav_needs(tmp_path: Path, name: str) -> None:
    """A 29-s window at DSD64's decoded 352.8 kHz is 10 M samples a channel, and each was held whole through
    the front end: a 120-s DSF took 670 MB to analyse, its WAV 365 MB.  Counted as the front end's own
    allocations (tracemalloc), the same on any machine, rather than timed."""
    mono = music(sr=44100, seconds=35.0)[np.newaxis]  # a window and a bit; mono, as DSD takes seconds to write
    wav = write(tmp_path / "song.wav", mono, 44100, "wav-pcm16")
    dsd = (write_dsf if name.endswith(".dsf") else write_dff)(tmp_path / name, mono, 44100)

    assert analysis_peak_bytes(dsd) < 1.25 * analysis_peak_bytes(wav)


def test_a_dsf_files_length_is_its_sample_count_whatever_follows_its_audio(tmp_path: Path) -> None:
    """FFmpeg announces no length for a DSF file: its guess from the bit rate counted the padding of the last
    4096-byte block as audio (the front end found the end 256 samples early and read every window again) and
    an ID3 tag after the audio too (a 10-s track with 2 MB of cover art was reported cut short, at 10.0 of
    12.8 s).  The length is the header's sample count, and a file that ends before it is reported cut short."""
    path = write_dsf(tmp_path / "song.dsf", music(sr=44100, seconds=10.0)[np.newaxis], 44100)
    tagged = tmp_path / "tagged.dsf"
    shutil.copy(path, tagged)
    tags = DSF(tagged)
    tags.add_tags()
    tags.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=bytes(2_000_000)))
    tags.save()
    cut = tmp_path / "cut.dsf"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    for intact in (path, tagged):
        with open_reader(intact) as reader:
            assert reader.n_samples == 10 * 44100
            reader.read(reader.n_samples - 1000, reader.n_samples)
            assert reader.n_samples == 10 * 44100, "the audio ended before the length the reader was given"
        features = features_from_file(intact, params=PARAMS, n_windows=3)
        assert (features.report.duration_s, features.announced_duration_s) == (10.0, None)
    damaged = features_from_file(cut, params=PARAMS, n_windows=3)
    assert damaged.announced_duration_s == 10.0
    assert 4.0 < damaged.report.duration_s < 6.0


def test_a_dsd512_file_is_read_though_ffmpeg_decodes_it_above_any_pcm_rate(tmp_path: Path) -> None:
    """FFmpeg decodes DSD at an eighth of its bit rate: DSD512 at 2822.4 kHz, above the fastest PCM rate a header
    may say (1536 kHz), and still a recording's."""
    path = write_dsf(tmp_path / "song.dsf", music(sr=44100, seconds=16.0)[np.newaxis], 44100)
    data = bytearray(path.read_bytes())
    data[56:60] = (8 * DSD_RATE).to_bytes(4, "little")  # the fmt chunk's rate: DSD512, the same bits 8 times faster
    path.write_bytes(bytes(data))

    assert decode(path).sr == DSD_RATE
    with open_reader(path) as reader:
        assert (reader.sr, reader.n_samples) == (44100, 2 * 44100)


@pytest.mark.parametrize("rate", [1, 10_000_000])
def test_a_rate_no_recording_has_is_refused_where_ffmpeg_reads_the_file(tmp_path: Path, rate: int) -> None:
    """Matroska goes to FFmpeg first: its reader says what libsndfile's does of a WAV (test_decode)."""
    path = write_aac(tmp_path / "odd.mka", music(sr=22050, seconds=2.0)[np.newaxis], rate, codec="pcm_s16le")
    bound = "4000 Hz or more" if rate < 4000 else "1536000 Hz or less"

    with pytest.raises(DecodeError) as raised, open_reader(path):
        pass
    assert raised.value.reason == (
        f"its header says a sample rate of {rate} Hz (recordings have {bound}): not audio, or a damaged header"
    )


def write_long_wav(path: Path, *, hours: float, sr: int, silent: bool) -> Path:
    """A long mono 16-bit WAV written block by block (never whole in memory): music, or digital silence."""
    block = music(sr=sr, seconds=60.0) if not silent else np.zeros(60 * sr, np.float32)
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
        for _ in range(round(hours * 60)):
            f.write(block)
    return path


ANALYSE_IN_A_CHILD = """
import json, resource, sys
from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.errors import SilentAudioError
from musictagger.library.scan import scan
try:
    features = features_from_file(sys.argv[1], params=FeatureParams(), n_windows=3)
    result = {"windows": len(features.window_starts), "duration_s": features.report.duration_s}
except SilentAudioError as exc:
    result = {"silent": str(exc)}
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def analyse_in_a_child(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", ANALYSE_IN_A_CHILD, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("silent", [False, True])
def test_a_three_hour_file_is_analysed_in_the_memory_a_one_minute_one_needs(tmp_path: Path, silent: bool) -> None:
    short = analyse_in_a_child(write_long_wav(tmp_path / "song.wav", hours=1 / 60, sr=8000, silent=False))
    path = write_long_wav(tmp_path / "concert.wav", hours=3.0, sr=8000, silent=silent)  # 173 MB on disk

    result = analyse_in_a_child(path)

    # Decoded whole, the file alone would be 345 MB of float32 before resampling.
    assert result["peak_mb"] < short["peak_mb"] + 50, (result, short)
    if silent:
        assert "silent" in result["silent"] and "concert.wav" in result["silent"]
    else:
        assert result == {"windows": 3, "duration_s": pytest.approx(3 * 3600), "peak_mb": result["peak_mb"]}


def test_the_silence_check_hears_the_windows_not_the_whole_file() -> None:
    sr = PARAMS.sample_rate
    y = np.zeros(90 * sr, np.float32)
    y[: 10 * sr] = music(sr=sr, seconds=10.0)  # music only in the first window's first third

    with pytest.raises(SilentAudioError):
        features_from_signal(y[30 * sr :], sr=sr, params=PARAMS, n_windows=3)
    assert len(features_from_signal(y, sr=sr, params=PARAMS, n_windows=3).window_starts) == 3


@pytest.mark.parametrize("kind", ["wav-pcm16", "aiff", "flac", "mp3-lame", "wavpack"])
def test_a_file_cut_short_is_analysed_as_far_as_it_goes_and_says_so(tmp_path: Path, kind: str) -> None:
    """An archive's half-copied file: its header announces 40 s, a tenth of the bytes are there."""
    whole = write(tmp_path / f"whole.{FORMATS[kind][0]}", music(sr=22050, seconds=40.0), 22050, kind)
    cut = tmp_path / f"cut.{FORMATS[kind][0]}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 10])

    healthy = features_from_file(whole, params=PARAMS, n_windows=2)
    damaged = features_from_file(cut, params=PARAMS, n_windows=2)

    assert healthy.announced_duration_s is None
    assert damaged.announced_duration_s == pytest.approx(40.0, abs=0.1)
    assert 2.0 < damaged.report.duration_s < 6.0


def test_a_flac_file_damaged_in_the_middle_says_where_and_is_analysed_around_it(tmp_path: Path) -> None:
    """A FLAC file whose middle is overwritten (a disk's or a copy's damage): FFmpeg passes over the bytes to the next
    frame, and the file was called "cut short: the audio ends at 11.8 s of the 20.0 s its header announces (damaged,
    or not copied whole)", which sent the user looking for the rest of a file that is all there.  It is said to be
    damaged in the middle, from where to where, and the audio on both sides of the damage is analysed.  An excerpt of
    frames copied out of a stream, which keep their numbers, written without a length (decoded whole) is no damage:
    it was said to be "damaged at its start" up to its first frame's time."""
    data = write(tmp_path / "whole.flac", music(sr=22050, seconds=12.0), 22050, "flac").read_bytes()
    start, end = len(data) * 4 // 10, len(data) * 6 // 10  # about 4.8 s to 7.2 s of the audio
    damaged = tmp_path / "damaged.flac"
    damaged.write_bytes(data[:start] + np.random.default_rng(2).bytes(end - start) + data[end:])

    features = features_from_file(damaged, params=PARAMS, n_windows=2)

    assert features.announced_duration_s is None  # not "cut short"
    said = r"damaged in the middle: its audio from ([0-9.]+) s to ([0-9.]+) s cannot be decoded; the audio around it"
    lost = re.match(said, features.notes[-1])
    assert lost is not None, features.notes
    lost_from, lost_to = float(lost[1]), float(lost[2])
    assert 4.3 < lost_from < 4.9 and 7.0 < lost_to < 7.6
    assert features.report.duration_s == pytest.approx(12.0 - (lost_to - lost_from), abs=0.1)  # the rest, analysed
    frame = next(at for at in range(start, len(data)) if flac_structure.holds_frame(data[at : at + 16]))
    excerpt = bytearray(data[: data.index(b"\xff\xf8", 42)] + data[frame:])  # its metadata, frames from 4.8 s on
    excerpt[21] &= 0xF0  # STREAMINFO's 36-bit sample count set to 0, "unknown", as a writer to a pipe leaves it
    excerpt[22:26] = bytes(4)
    (tmp_path / "excerpt.flac").write_bytes(excerpt)
    assert features_from_file(tmp_path / "excerpt.flac", params=PARAMS, n_windows=2).notes == ()


LOST = re.compile(
    r"damaged (?P<where>at its start|in the middle): its audio from (?:about )?(?P<start>[0-9.]+) s to "
    r"(?P<end>[0-9.]+) s cannot be decoded; the audio (?:around|after) it is analysed"
)
"""The note on audio a file's damage lost (decode.lost_notes), one span."""


def spoilt(path: Path, start: int, end: int, seed: int = 2) -> Path:
    """A copy of ``path`` beside it, bytes ``[start, end)`` overwritten with random ones, as a disk or a copy spoils
    them."""
    data = path.read_bytes()
    copy = path.with_name(f"spoilt{path.suffix}")
    copy.write_bytes(data[:start] + np.random.default_rng(seed).bytes(end - start) + data[end:])
    return copy


@pytest.mark.parametrize(
    ("suffix", "options"),
    [
        (".wv", ("-sample_fmt", "s16p")),  # 16-bit, as most are (ffmpeg keeps the float source's samples)
        (".mka", ("-c:a", "libvorbis")),
        (".webm", ()),
        (".ogg", ()),
        (".opus", ()),
        (".mp3", ()),
        (".ac3", ()),
        (".dts", ("-strict", "-2")),
    ],
    ids=["wavpack", "matroska-vorbis", "webm-opus", "ogg-vorbis", "ogg-opus", "mp3", "ac3", "dts"],
)
def test_a_file_of_any_format_damaged_in_the_middle_says_where_and_is_analysed_around_it(
    tmp_path: Path, suffix: str, options: tuple[str, ...]
) -> None:
    """8 s of music with 40-60 % of its bytes overwritten.  A WavPack file (its demuxer stops at a damaged block) and an
    Ogg one (libsndfile's reads end at the damage) were called cut short; a Matroska or WebM file was analysed with
    silence where the damage was; an MP3, AC-3 or DTS file's audio after the damage was taken for the audio at the
    times before it, and the file called cut short, or, a second lost or less, nothing said.  Each now says from when
    to when its audio is lost, is not called cut short, and the rest is analysed; the intact encode says nothing."""
    whole = encode_with_ffmpeg(
        tmp_path / f"whole{suffix}", music(sr=44100, seconds=8.0), 44100, *options, why="PyAV's FFmpeg lacks some"
    )
    size = whole.stat().st_size

    intact = features_from_file(whole, params=PARAMS, n_windows=2)
    features = features_from_file(spoilt(whole, size * 4 // 10, size * 6 // 10), params=PARAMS, n_windows=2)

    assert (intact.announced_duration_s, intact.notes) == (None, ())
    assert features.announced_duration_s is None  # not "cut short"
    lost = LOST.fullmatch(features.notes[-1])
    assert lost is not None and lost["where"] == "in the middle", features.notes
    lost_from, lost_to = float(lost["start"]), float(lost["end"])
    assert 1.9 < lost_from < 4.1 and 4.7 < lost_to < 5.1  # the bytes were 3.2 s to 4.8 s's, give or take a page
    assert features.report.duration_s == pytest.approx(8.0 - (lost_to - lost_from), abs=0.15)  # the rest, analysed


@pytest.mark.parametrize("into", [0, 1000], ids=["from-its-first-frame", "from-inside-it"])
def test_a_flac_file_damaged_in_its_first_frames_says_so_and_is_not_called_cut_short(tmp_path: Path, into: int) -> None:
    """A FLAC file whose first frames are overwritten: FFmpeg's seek to its start lands on its first intact frame, whose
    number put it at 0.9 s, and the file was called "cut short: the audio ends at 7.1 s of the 8.0 s its header
    announces".  It says its audio from 0 s to that frame cannot be decoded, and the rest is analysed.  Damage from
    inside the first frame on gives the stream the start time of its first intact frame (0.56 s), which was taken
    for where its audio starts, and said nothing."""
    whole = write(tmp_path / "whole.flac", music(sr=22050, seconds=8.0), 22050, "flac")
    data = whole.read_bytes()
    audio = data.index(b"\xff\xf8", 42)  # the first frame, after fLaC and STREAMINFO

    features = features_from_file(spoilt(whole, audio + into, audio + len(data) // 10), params=PARAMS, n_windows=2)

    assert features.announced_duration_s is None
    lost = LOST.fullmatch(features.notes[-1])
    assert lost is not None and (lost["where"], lost["start"]) == ("at its start", "0.0"), features.notes
    assert 0.5 < float(lost["end"]) < 1.5
    assert features.report.duration_s == pytest.approx(8.0 - float(lost["end"]), abs=0.1)


def test_an_intact_matroska_file_whose_other_track_is_aac_is_read_by_seeking_not_decoded_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ffmpeg shifts every track of a Matroska file by the AAC track's priming, so that its Vorbis track starts at
    20 ms: its first frame was taken for one after damaged ones, and the intact file decoded whole into memory."""
    y = music(sr=44100, seconds=4.0)
    source = write(tmp_path / "source.wav", y, 44100, "wav-float")
    both = ("-i", str(source), "-map", "0:a", "-map", "1:a", "-c:a:0", "libvorbis", "-c:a:1", "aac")
    whole = encode_with_ffmpeg(tmp_path / "two.mka", y, 44100, *both, why="PyAV's FFmpeg has no Vorbis encoder")
    monkeypatch.setattr(reader, "decode", lambda *_: pytest.fail("the intact file was decoded whole"))

    with open_reader(whole) as audio:
        audio.read(0, audio.n_samples)
        notes = audio.notes

    assert notes == ("2 audio tracks: analysed track 1 (the one marked default); the others are not heard",)


def test_an_intact_mp3_whose_ape_tag_holds_a_cover_loses_no_audio_when_decoded_whole(tmp_path: Path) -> None:
    """An APE tag's cover after the audio (as foobar2000 and Mp3tag write) is parsed into packets that fail, and the
    decoder's last flush ended the run: a 4-s MP3 was said to have lost its audio "from about 4.0 s to 13.1 s"."""
    whole = write(tmp_path / "tagged.mp3", music(sr=44100, seconds=4.0), 44100, "mp3")
    tag = APEv2()
    tag["Cover Art (Front)"] = b"cover.jpg\x00" + np.random.default_rng(0).bytes(50_000)
    tag.save(whole)

    assert decode(whole).lost == ()


def test_a_damaged_file_too_long_to_decode_whole_is_read_on_by_seeking_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage met by a read by seeking had the file decoded whole into memory, however long: a 60-minute MP3 took
    2.85 GB.  Past reader.WHOLE_DECODE_LIMIT (here 4 s of mono for an 8-s file) it is read on by seeking, and says
    so."""
    whole = write(tmp_path / "whole.mp3", music(sr=44100, seconds=8.0), 44100, "mp3")
    size = whole.stat().st_size
    monkeypatch.setattr(reader, "WHOLE_DECODE_LIMIT", 4 * 44100)
    monkeypatch.setattr(reader, "decode", lambda *_: pytest.fail("the long file was decoded whole"))

    features = features_from_file(spoilt(whole, size * 4 // 10, size * 6 // 10), params=PARAMS, n_windows=2)

    assert features.notes == (reader.DAMAGE_UNLOCATED.format(minutes=8 / 60),)
    assert features.report.duration_s > 6.0


def test_a_damaged_file_of_six_channels_is_too_large_to_decode_whole_sooner_than_a_stereo_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound on a whole decode was in minutes, whatever the rate and channels: 20 minutes of a 48-kHz 5.1 AC-3
    file are 3.3 times the samples of CD-rate stereo the bound was set for.  Here 6 s of 5.1 under a bound of 8 s
    of 44.1 kHz stereo (its 1,728,000 samples are over the bound's 705,600): read by seeking, and said so."""
    y = np.tile(music(sr=48000, seconds=6.0), (6, 1))
    whole = encode_with_ffmpeg(tmp_path / "whole.ac3", y, 48000, why="PyAV's FFmpeg has no AC-3 encoder")
    size = whole.stat().st_size
    monkeypatch.setattr(reader, "WHOLE_DECODE_LIMIT", 8 * 44100 * 2)
    monkeypatch.setattr(reader, "decode", lambda *_: pytest.fail("the large file was decoded whole"))

    with open_reader(spoilt(whole, size * 4 // 10, size * 6 // 10)) as audio:
        audio.read(0, audio.n_samples)
        notes = audio.notes

    assert notes == (reader.DAMAGE_UNLOCATED.format(minutes=6 / 60),)


def test_a_wavpack_file_cut_inside_its_first_block_says_its_audio_cannot_be_found(tmp_path: Path) -> None:
    """FFmpeg's WavPack demuxer cannot even seek to the start of a file cut inside its first block, and fails with
    its bare -1, which read as "Operation not permitted" in the reason."""
    whole = write(tmp_path / "whole.wv", music(sr=22050, seconds=10.0), 22050, "wavpack")
    cut = tmp_path / "cut.wv"
    cut.write_bytes(whole.read_bytes()[:4096])

    with pytest.raises(DecodeError, match=r"cut\.wv: truncated or damaged: its audio cannot be found at 0\.0 s$"):
        features_from_file(cut, params=PARAMS, n_windows=1)


def test_an_m4a_cut_after_its_first_window_is_analysed_as_far_as_it_goes(tmp_path: Path) -> None:
    """Its index at the front (``faststart``, as web and iTunes files are) lists packets that are not there:
    the second window decodes nothing, which ended the whole analysis with "no audio could be decoded"."""
    whole = tmp_path / "whole.m4a"
    with av.open(str(whole), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("aac", rate=22050, layout="mono")
        frame = av.AudioFrame.from_ndarray(music(sr=22050, seconds=70.0)[np.newaxis], format="flt", layout="mono")
        frame.sample_rate = 22050
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 45 // 100])  # 31 s: the second window starts at 41

    damaged = features_from_file(cut, params=PARAMS, n_windows=2)

    assert damaged.announced_duration_s == pytest.approx(70.0, abs=0.2)
    assert 29.0 < damaged.report.duration_s < 32.0


def concatenated_mp3(path: Path, parts: list[tuple[np.ndarray, int]], sr: int) -> Path:
    """MP3 streams of ``(samples, bit rate)`` one after another, each without a Xing/Info header, as a
    program that writes frames straight to disk leaves them: the length is then a guess from the bit rate."""
    data = b""
    for number, (y, bit_rate) in enumerate(parts):
        part = path.with_name(f"{path.stem}-{number}.mp3")
        with av.open(str(part), "w", format="mp3", options={"write_xing": "0"}) as out:
            stream = out.add_stream("libmp3lame", rate=sr, layout="mono")
            stream.bit_rate = bit_rate
            frame = av.AudioFrame.from_ndarray(y[np.newaxis], format="flt", layout="mono")
            frame.sample_rate = sr
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
        data += part.read_bytes()
    path.write_bytes(data)
    return path


def test_an_mp3_without_a_length_header_is_not_called_cut_short(tmp_path: Path) -> None:
    """Two quiet seconds at 32 kbit/s, then music at 320: FFmpeg's guess from the first frames is about ten
    times the truth, and the file was reported as cut short ("damaged, or not copied whole")."""
    quiet = np.zeros(2 * 22050, np.float32)
    path = concatenated_mp3(tmp_path / "intact.mp3", [(quiet, 32_000), (music(sr=22050, seconds=20.0), 320_000)], 22050)
    with open_reader(path) as reader:
        assert reader.n_samples > 60 * 22050  # the guess

    features = features_from_file(path, params=PARAMS, n_windows=2)

    assert features.announced_duration_s is None
    assert 21.0 < features.report.duration_s < 23.0


class Pipe:
    """A file object that cannot seek back, as a pipe: a writer cannot fill in its header's length at the end."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)


@pytest.mark.parametrize(("suffix", "codec"), [(".wav", "pcm_s16le"), (".flac", "flac")])
def test_a_file_written_to_a_pipe_is_analysed_as_its_twin_and_not_called_cut_short(
    tmp_path: Path, suffix: str, codec: str
) -> None:
    """FFmpeg writing to a pipe (``ffmpeg -i song.mp3 -f wav - > song.wav``) leaves the length unknown: a WAV's data
    size 0xFFFFFFFF, a FLAC's sample count 0 (libsndfile's SF_COUNT_MAX).  Both were taken as lengths, and the files
    called cut short, at 20.0 s of 97391.5 s (the WAV) or of 418293516410647.4 s (the FLAC)."""
    y = music(sr=22050, seconds=20.0)
    pipe = Pipe()
    with av.open(pipe, "w", format=suffix[1:]) as out:
        stream = out.add_stream(codec, rate=22050, layout="mono")
        frame = av.AudioFrame.from_ndarray(y[np.newaxis], format="flt", layout="mono")
        frame.sample_rate = 22050
        for packet in stream.encode(frame):  # as ffmpeg does, each packet out before the next is encoded
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    piped = tmp_path / f"piped{suffix}"
    piped.write_bytes(bytes(pipe.data))
    twin = write_aac(tmp_path / f"twin{suffix}", y[np.newaxis], 22050, codec=codec)

    ours, theirs = (features_from_file(path, params=PARAMS, n_windows=2) for path in (piped, twin))

    assert ours.announced_duration_s is None
    assert ours.report.duration_s == theirs.report.duration_s == 20.0
    np.testing.assert_allclose(ours.windows, theirs.windows, atol=1e-5)


# Formats a folder scan picks up beside the common ones: (extension, FFmpeg encoder, container).
MORE_FORMATS = [
    ("wv", "wavpack", None),
    ("tta", "tta", None),
    ("mka", "alac", "matroska"),
    ("m4b", "aac", "ipod"),
    ("mp2", "mp2", None),
    ("ac3", "ac3", None),
    ("eac3", "eac3", None),
    ("ec3", "eac3", "eac3"),
    ("3ga", "aac", "3gp"),
]


def test_a_folder_of_wavpack_tta_matroska_audiobooks_mp2_ac3_eac3_and_3gpp_is_scanned_and_analysed(
    tmp_path: Path,
) -> None:
    """A collector's lossless and audiobook files were left out of every folder scan without a word, and so were
    E-AC-3 streams (.eac3, .ec3) and an Android recorder's 3GPP audio (.3ga)."""
    stereo = channels_of(music(sr=44100, seconds=4.0), 2)
    for extension, codec, container in MORE_FORMATS:
        with av.open(str(tmp_path / f"song.{extension}"), "w", format=container) as out:
            stream = out.add_stream(codec, rate=44100, layout="stereo")
            if codec in ("mp2", "ac3", "eac3"):
                stream.bit_rate = 192_000
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(stereo.T).reshape(1, -1), format="flt", layout="stereo"
            )
            frame.sample_rate = 44100
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)

    found = scan([tmp_path])

    assert sorted(Path(f.path).suffix for f in found.files) == sorted(f".{e}" for e, _, _ in MORE_FORMATS)
    for file in found.files:
        features = features_from_file(file.path, params=PARAMS, n_windows=1)
        assert 3.9 < features.report.duration_s < 4.2, file.path


def test_a_folder_of_sun_audio_and_matroska_videos_is_scanned_and_analysed(tmp_path: Path) -> None:
    """Sun/NeXT audio (.au, .snd: libsndfile's own) and Matroska video files were left out of every folder scan, and
    so of index, tag and the window's folder drops, without a word, though the decoders read them (a music video in
    .mp4 or .webm was found, the same in .mkv not).  (DTS files too: PyAV's FFmpeg has no DTS encoder to write one.)"""
    stereo = channels_of(music(sr=44100, seconds=4.0), 2)
    for name, container, codec in (("song.au", "au", "pcm_s16be"), ("song.snd", "au", "pcm_s16be")):
        write_aac(tmp_path / name, stereo, 44100, container=container, codec=codec)
    write_aac(tmp_path / "video.mkv", stereo, 44100, container="matroska", codec="alac")

    found = scan([tmp_path])

    assert sorted(Path(f.path).name for f in found.files) == ["song.au", "song.snd", "video.mkv"]
    for file in found.files:
        features = features_from_file(file.path, params=PARAMS, n_windows=1)
        assert features.report.duration_s == pytest.approx(4.0, abs=0.01), file.path


def test_a_chained_ogg_file_is_analysed_whole(tmp_path: Path) -> None:
    """A stream recorder saves one broadcast after another as one chained Ogg file, whose second link restarts its
    timestamps.  libsndfile read the first link alone; the seeking reader placed the second link's frames over the
    first's or, reading again after a seek, met a stream PyAV cannot name (an IndexError: "an error inside
    musictagger").  Both links are now read, one after the other."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("no ffmpeg command: libvorbis, which writes the Ogg links this needs, is not in PyAV's FFmpeg")
    links = []
    for seed in (1, 2):
        wav = write(tmp_path / f"link{seed}.wav", piece(seed, sr=44100, seconds=20.0), 44100, "wav-pcm16")
        links.append(tmp_path / f"link{seed}.ogg")
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "libvorbis", str(links[-1])], check=True)
    chained = tmp_path / "chained.ogg"
    chained.write_bytes(links[0].read_bytes() + links[1].read_bytes())
    first, second = (decode(link).y[0] for link in links)
    joined = write(tmp_path / "joined.wav", np.concatenate([first, second]), 44100, "wav-float")
    repeated = write(tmp_path / "repeated.wav", np.concatenate([first, first]), 44100, "wav-float")

    window = features_from_file(chained, params=PARAMS, n_windows=1)
    expected = features_from_file(joined, params=PARAMS, n_windows=1).windows[0]
    wrong = features_from_file(repeated, params=PARAMS, n_windows=1).windows[0]

    assert window.report.duration_s == pytest.approx(40.0, abs=0.05)
    assert window.announced_duration_s is None
    junction = round(20.0 * PARAMS.sample_rate / PARAMS.hop_length)
    # FFmpeg decodes a few milliseconds of silence where the second link begins: the level, and so the gain, differs
    # by a hair, and the frames after it are near, not equal
    np.testing.assert_allclose(window.windows[0][: junction - 20], expected[: junction - 20], atol=0.02)
    after = slice(junction + 20, None)
    assert (
        np.abs(window.windows[0][after] - expected[after]).mean() < 0.5 * np.abs(wrong[after] - expected[after]).mean()
    )


def tracks_file(path: Path, tracks: list[np.ndarray], sr: int, *, default: int | None) -> Path:
    """A Matroska file of one FLAC track per ``tracks`` entry (mono), track ``default`` (from 0) marked default."""
    with av.open(str(path), "w", format="matroska") as out:
        streams = [out.add_stream("flac", rate=sr, layout="mono") for _ in tracks]
        streams[0].metadata["title"] = "Commentary"
        for k, stream in enumerate(streams):  # before the header is written, with the first packet
            stream.disposition = av.stream.Disposition.default if k == default else av.stream.Disposition(0)
        for stream, y in zip(streams, tracks, strict=True):
            frame = av.AudioFrame.from_ndarray(y.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = sr, 0, Fraction(1, sr)
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
    return path


def test_of_several_audio_tracks_the_one_marked_default_is_analysed_and_the_analysis_says_which(
    tmp_path: Path,
) -> None:
    """A music video or a concert holds several audio tracks (a commentary first, the music marked default; a stereo
    and a surround mix): the first was analysed, without a word, whatever the file marked to play.  The track
    marked default is analysed, as players play it, and the analysis names it among the others; with none marked,
    the first, saying so.  A file of one track says nothing of tracks."""
    sr = 44100
    commentary, song = piece(1, sr=sr, seconds=8.0), piece(2, sr=sr, seconds=8.0)
    marked = tracks_file(tmp_path / "video.mkv", [commentary, song], sr, default=1)
    unmarked = tracks_file(tmp_path / "unmarked.mkv", [commentary, song], sr, default=None)
    single = tracks_file(tmp_path / "single.mka", [song], sr, default=0)
    alone = features_from_file(single, params=PARAMS, n_windows=1)

    features = features_from_file(marked, params=PARAMS, n_windows=1)
    np.testing.assert_array_equal(features.windows, alone.windows)
    assert features.notes == ("2 audio tracks: analysed track 2 (the one marked default); the others are not heard",)
    np.testing.assert_array_equal(decode(marked).y, decode(single).y)  # the whole decode reads it too
    assert features_from_file(unmarked, params=PARAMS, n_windows=1).notes == (
        "2 audio tracks: analysed track 1 (title Commentary, the first; none is marked default); the others are not "
        "heard",
    )
    assert alone.notes == ()


def test_a_vorbis_stream_in_webm_is_read_as_its_whole_decode_gives_it(tmp_path: Path) -> None:
    """FFmpeg stamps Vorbis frames by its own count of each packet's samples, off by up to 448 samples where the
    encoder switches block sizes: placed by their stamps, a WebM Vorbis download's frames (or an Ogg video's) left
    gaps and overlaps, a mean log-mel error of 0.08 in every window and another verdict than the same stream in an
    Ogg file, which libsndfile reads.  Read frame after frame, each span is the whole decode's samples, in any order
    of reads, and the windows are the Ogg file's."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("no ffmpeg command: libvorbis, whose block switching this needs, is not in PyAV's FFmpeg")
    wav = write(tmp_path / "song.wav", channels_of(music(sr=44100, seconds=40.0), 2), 44100, "wav-pcm16")
    ogg, webm = tmp_path / "song.ogg", tmp_path / "song.webm"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "libvorbis", str(ogg)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(ogg), "-c:a", "copy", str(webm)], check=True)
    whole = decode(webm).y

    with open_reader(webm) as reader:
        for start in (0, 500_003, 1_000_000, 400_000, 1_500_000):  # on, on, on, back, on
            np.testing.assert_array_equal(reader.read(start, start + 44100), whole[:, start : start + 44100])
    ours = features_from_file(webm, params=PARAMS, n_windows=3)
    theirs = features_from_file(ogg, params=PARAMS, n_windows=3)
    np.testing.assert_array_equal(ours.window_starts, theirs.window_starts)
    np.testing.assert_allclose(ours.windows, theirs.windows, atol=1e-4)


def test_an_ogg_file_of_several_audio_streams_says_which_it_analysed(tmp_path: Path) -> None:
    """libsndfile read a multiplexed Ogg file (two Opus streams, a language each) as its first stream alone, without a
    word; FFmpeg reads it, takes the first (an Ogg stream is marked default by none) and the analysis says so, as for
    any file of several audio tracks.  Its windows are the first stream's (as FFmpeg's Opus decoder gives them, a hair
    from libsndfile's), far from the second's."""
    sr = 48000
    tracks = [channels_of(piece(seed, sr=sr, seconds=6.0), 2) for seed in (1, 2)]
    paths = {name: tmp_path / f"{name}.opus" for name in ("both", "first", "second")}
    for name, chosen in (("both", tracks), ("first", tracks[:1]), ("second", tracks[1:])):
        with av.open(str(paths[name]), "w", format="ogg") as out:
            streams = [out.add_stream("libopus", rate=sr, layout="stereo") for _ in chosen]
            for stream, y in zip(streams, chosen, strict=True):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(y.T).reshape(1, -1), format="flt", layout="stereo"
                )
                frame.sample_rate, frame.pts, frame.time_base = sr, 0, Fraction(1, sr)
                for packet in [*stream.encode(frame), *stream.encode(None)]:
                    out.mux(packet)

    features = features_from_file(paths["both"], params=PARAMS, n_windows=1)

    assert features.notes == (
        "2 audio tracks: analysed track 1 (the first; none is marked default); the others are not heard",
    )
    first, second = (
        features_from_file(paths[name], params=PARAMS, n_windows=1).windows for name in ("first", "second")
    )
    assert np.abs(features.windows - first).mean() < 0.01 < np.abs(features.windows - second).mean()
