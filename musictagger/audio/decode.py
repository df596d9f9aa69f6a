"""Decode an audio file to float32 samples.

libsndfile (through soundfile) is tried first: it is fast and exact for wav, flac, ogg,
opus and aiff.  What it cannot read (m4a/aac, a truncated flac, a file it finds empty)
goes to PyAV, which bundles FFmpeg.  What is not one of libsndfile's own containers by its first
bytes (MP3 whatever its name says, AAC) goes to FFmpeg first: libsndfile's MP3 decoder,
libmpg123, prints a line to the process's stderr for every damaged frame (real-world MP3s
have a few), which cannot be silenced per call; FFmpeg conceals the same frames quietly.  So do a WAV whose samples
carry an AC-3 or DTS stream and an Ogg file of several streams or links (:func:`route`).  Every failure becomes a
:class:`~musictagger.errors.DecodeError` naming the file and the problem, so that a batch
can report a bad file and go on.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
import soundfile as sf

from musictagger.audio import not_audio
from musictagger.audio.signal import resample, to_mono
from musictagger.errors import DecodeError
from musictagger.file_bytes import mapped_file
from musictagger.tags import flac_structure, ogg_structure, riff_structure
from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size

# Frames per libsndfile read, so that memory follows the audio actually in the file:
# sf.read() allocates the length the header claims, and a corrupt header can claim 512 GiB.
_BLOCK_FRAMES = 1 << 16

# PyAV raises FFmpegError subclasses for FFmpeg's errors (InvalidDataError, EOFError,
# PermissionError, …, each also the matching builtin) and ValueError from its own checks
# (AudioResampler: "Frame does not match AudioResampler setup"; UnicodeDecodeError: a tag
# that is not UTF-8).  Frames reach numpy only as float (:func:`float_samples`).
PYAV_ERRORS = (av.FFmpegError, ValueError)

# FFmpeg's end of file inside a container's headers: a file cut short, or bytes that only looked like
# the container its name or first bytes suggested (random bytes named .ogg end the same way).
ENDS_BEFORE_AUDIO = "not an audio file, or cut short before its audio starts"


def unreadable(path: Path, exc: Exception, *, before_audio: bool = False) -> DecodeError:
    """The error of a file FFmpeg cannot open or read at all (``exc``, one of :data:`PYAV_ERRORS`; ``before_audio``: as
    it was opened, :class:`~musictagger.errors.DecodeError`): an MP4 file cut short before its index is said so
    (:func:`_mp4_cut_before_index`), anything else in FFmpeg's words."""
    if cut := _mp4_cut_before_index(path):
        return DecodeError(path, cut, before_audio)
    reason = exc.strerror if isinstance(exc, av.FFmpegError) else str(exc)
    return DecodeError(path, f"not an audio file, or damaged beyond use ({reason})", before_audio)


def open_container(path: Path) -> av.container.InputContainer:
    """``path`` opened by FFmpeg (its format probed, its streams found), tags that are not UTF-8 let through; what it
    cannot open is a :class:`~musictagger.errors.DecodeError` found before any audio."""
    try:
        return av.open(str(path), metadata_errors="ignore")
    except EOFError as exc:  # av.error.EOFError: the file ends inside its headers
        raise DecodeError(path, ENDS_BEFORE_AUDIO, before_audio=True) from exc
    except PYAV_ERRORS as exc:
        raise unreadable(path, exc, before_audio=True) from exc


_UNFINISHED_MP4 = (
    "not finished: its audio runs to the end of the file with no index after it (the moov atom, which its writer adds "
    "last), as a recording or an encoding stopped before its end leaves it; no player finds any of its audio"
)


def _mp4_cut_before_index(path: Path) -> str | None:
    """Why an MP4 file (M4A, M4B, MP4: ``ftyp`` first) that keeps its index after its audio cannot be read when it
    was cut before the index's end, or None for another file.

    Its ``moov`` atom, which tells where each packet of audio lies and without which no player finds any, is written
    last by FFmpeg and most encoders unless asked to move it first; a download or a copy that stopped leaves none, or
    a part, and FFmpeg says ``Invalid data found when processing input`` of a file that is nearly all there, which
    sent the user looking for a bad file rather than for the rest of a good one.  A writer stopped before its end (a
    recording killed, the power lost) leaves its audio atom sized 0, "to the end of the file", which it sizes last.  A
    file that ends where its audio does, or a few bytes into the index's header, has no index at all.  A HEIF or AVIF
    picture (``ftyp``, then ``meta`` where a movie has ``moov``, then ``mdat``) has none either, and is not one."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            offset, name, indexed, audio, picture = 0, b"", False, False, False
            while offset + 8 <= size:
                file.seek(offset)
                header = file.read(16)
                length = int.from_bytes(header[:4], "big")
                if length == 1 and len(header) == 16:
                    length = int.from_bytes(header[8:16], "big")
                if length == 0 and header[4:8] == b"mdat" and offset and not (indexed or picture):
                    return _UNFINISHED_MP4  # sized 0, to the end: its writer never came back to size it
                if (not offset and header[4:8] != b"ftyp") or length < 8:  # not MP4, or another size of 0
                    return None
                name, offset = header[4:8], offset + length
                indexed = indexed or (name == b"moov" and offset <= size)
                audio, picture = audio or name == b"mdat", picture or name == b"meta"
    except OSError:
        return None
    if indexed or picture or (offset <= size and not audio):
        return None
    if offset <= size:  # the walk reached the end, or a header cut short, after the audio and no index
        return (
            f"cut short: the file ends at byte {size:,}, after its audio, with no index, without which no player "
            "finds any of it (the moov atom, which this file keeps at its end); damaged, or not copied whole"
        )
    where = (
        "inside the index without which no player finds any of its audio"
        if name == b"moov"
        else "inside its audio, before the index without which no player finds any of it"
    )
    return (
        f"cut short: the file ends at byte {size:,} of the {offset:,} its atoms announce, {where} (the moov atom, "
        "which this file keeps at its end); damaged, or not copied whole"
    )


# What libsndfile reads first, told by a file's first bytes (wav/rf64/w64, flac, ogg/opus, aiff,
# au, caf); anything else — MP3 whatever its name says, AAC, … — goes to FFmpeg first.
_LIBSNDFILE_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"riff", b"fLaC", b"OggS", b"FORM", b".snd", b"caff")


# The sample rates recordings are made at.  The slowest is 4 kHz, the least a Sound Blaster card (and so a
# Creative VOC file) recorded at, half a telephone's 8 kHz: music brought down to 4 kHz still gives a code nearer
# its own than another piece's (4 of 8 generated pieces; at 3 kHz 1 of 8, as by chance), while a header's rate of
# 1, 10 or 100 Hz was analysed as music slowed down thousands of times and given a verdict.  The fastest is the
# 1536 kHz a few DACs play (twice 768 kHz); FFmpeg decodes DSD at an eighth of its bit rate, so DSD1024 of the
# 48 kHz family at 6144 kHz.  A header's 10 MHz made a 6-s WAV "only 0.013 s of audio".
LOWEST_RATE = 4000
HIGHEST_RATE = 1_536_000
HIGHEST_DSD_RATE = 6_144_000

# What a header that lies about its audio is, in the reasons below.
_BAD_HEADER = "not audio, or a damaged header"

# Samples FFmpeg's decoder puts ahead of the audio, by codec: Musepack's synthesis filter delays it by 481 samples
# (libmpcdec's MPC_DECODER_SYNTH_DELAY), which Musepack's own decoder drops and FFmpeg's does not, so every window of an
# SV8 file was read 11 ms late.
_DECODER_DELAY = {"mpc8": 481}


def is_dsd(context: av.AudioCodecContext) -> bool:
    """Whether FFmpeg decodes ``context``'s stream from DSD (at an eighth of its bit rate: 352.8 kHz for DSD64)."""
    return context.name.startswith("dsd_")


def check_sample_rate(path: Path, rate: int, *, dsd: bool = False) -> None:
    """Refuse a sample rate no recording has (see :data:`LOWEST_RATE`): the header lies, and the samples
    after it would be analysed as music slowed down or sped up a thousand times."""
    highest = HIGHEST_DSD_RATE if dsd else HIGHEST_RATE
    if not LOWEST_RATE <= rate <= highest:
        bound = f"{LOWEST_RATE} Hz or more" if rate < LOWEST_RATE else f"{highest} Hz or less"
        raise DecodeError(
            path,
            f"its header says a sample rate of {rate} Hz (recordings have {bound}): {_BAD_HEADER}",
            before_audio=True,
        )


def open_soundfile(path: Path) -> sf.SoundFile:
    """``path`` opened by libsndfile, refused when its header's sample rate is no recording's (see
    :func:`check_sample_rate`).

    Raises
    ------
    soundfile.SoundFileError
        libsndfile cannot open it (FFmpeg may).
    DecodeError
        Its sample rate is absurd.
    """
    f = sf.SoundFile(os.fsencode(path))  # bytes: a str name must be valid UTF-8
    try:
        check_sample_rate(path, f.samplerate)
    except DecodeError:
        f.close()
        raise
    return f


# A DTS frame's sync word, 16- or 14-bit, in either byte order: what starts each frame of a DTS stream.
_DTS_SYNCS = (b"\xfe\x7f\x01\x80", b"\xff\x1f\x00\xe8", b"\x7f\xfe\x80\x01", b"\x1f\xff\xe8\x00")
# What starts a compressed stream carried in a WAV's PCM samples: an IEC 61937 burst's preamble (AC-3, DTS, AAC or MPEG
# audio as a S/PDIF output carries it), or a DTS frame's sync word (a DTS music CD's tracks, ripped).  libsndfile reads
# them as PCM: hiss at full scale, which the model called "not music", or a genre, "clipped: 2.2 %".  FFmpeg's WAV
# reader finds and decodes the stream.
_BITSTREAM_SYNCS = (b"\x72\xf8\x1f\x4e", *_DTS_SYNCS)
# The bytes of a WAV's data chunk searched for them: a S/PDIF capture may start with a few frames of silence.
_BITSTREAM_SCAN = 32768


def _carries_bitstream(file: BinaryIO) -> bool:
    """Whether the WAV ``file`` holds a compressed stream in its PCM (:data:`_BITSTREAM_SYNCS`): its chunks walked to
    the data chunk, whose first :data:`_BITSTREAM_SCAN` bytes are searched."""
    for chunk in riff_structure.chunks(file):
        if chunk.id == b"data":
            file.seek(chunk.start)
            data = file.read(_BITSTREAM_SCAN)
            return any(sync in data for sync in _BITSTREAM_SYNCS)
    return False


@dataclass(frozen=True)
class Route:
    """How a file is read (:func:`route`)."""

    ffmpeg_first: bool
    """FFmpeg reads it first: it does not start like a container libsndfile reads (see :data:`_LIBSNDFILE_MAGIC`), or
    it is a WAV whose samples carry a compressed stream (:func:`_carries_bitstream`), or an Ogg file of several
    streams (which libsndfile reads as its first alone, where FFmpeg takes the one to play and says so,
    :func:`tracks_notes`) or of several links (libsndfile reads the first alone)."""
    chained: bool = False
    """A chained Ogg file (:class:`~musictagger.tags.ogg_structure.Streams`): its later links restart their
    timestamps, so a seek cannot find them, and it is decoded whole."""


def route(path: Path) -> Route:
    """How ``path`` is read, from one open of it: its head, and an Ogg file's pages (mapped) walked once, where they
    were opened and walked to ask whether it was multiplexed, and again whether it was chained."""
    with path.open("rb") as f:
        head = f.read(12)
        if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
            return Route(_carries_bitstream(f))
        if head.startswith(ogg_structure.MAGIC):
            ogg = ogg_structure.streams(mapped_file(f))
            return Route(ogg.multiplexed or ogg.chained, ogg.chained)
    return Route(not head.startswith(_LIBSNDFILE_MAGIC))


def _libsndfile_container(path: Path) -> bool:
    """Whether ``path`` starts like a container libsndfile reads (:data:`_LIBSNDFILE_MAGIC`): on anything else it
    can only try libmpg123, which prints its notes on the bytes it cannot read to the process's stderr."""
    with path.open("rb") as f:
        return f.read(12).startswith(_LIBSNDFILE_MAGIC)


@dataclass(frozen=True)
class DecodedAudio:
    """Samples ``y`` shaped ``(channels, samples)``, float32 with full scale 1.0, at rate ``sr``; ``lost``: the spans
    of the file's audio, in seconds from its start, that could not be decoded and are not among the samples
    (:class:`Lost`)."""

    y: np.ndarray
    sr: int
    lost: tuple[tuple[float, float], ...] = ()
    lost_estimated: bool = False
    """The spans ``lost`` are estimated from the bytes lost (:func:`estimated_lost`), not told by the stamps."""

    @property
    def duration_s(self) -> float:
        return self.y.shape[1] / self.sr


def _join(chunks: list[np.ndarray]) -> np.ndarray:
    """Concatenate ``(channels, n)`` chunks in one copy, C-ordered (they are transposed views)."""
    out = np.empty((chunks[0].shape[0], sum(chunk.shape[1] for chunk in chunks)), np.float32)
    return np.concatenate(chunks, axis=1, out=out)


def _decode_soundfile(path: Path) -> DecodedAudio:
    """Read the whole file with libsndfile, block by block."""
    with open_soundfile(path) as f:
        blocks = [np.zeros((0, f.channels), np.float32)]
        while len(block := f.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)):
            blocks.append(block)
        return DecodedAudio(y=_join([block.T for block in blocks]), sr=int(f.samplerate))


@dataclass
class PacketCounts:
    """Audio packets read and packets FFmpeg could not decode, in one decoding pass."""

    packets: int = 0
    damaged: int = 0
    given_up: bool = False
    """The pass stopped after :data:`FAILING_BEFORE_ANY` packets failed in a row (:func:`decode_frames`)."""
    unreadable_from: int | None = None
    """Where the demuxer could read no further: the byte after the last packet it read (0 before any, or where it gave
    no positions; None: it read to the end), from which a WavPack file's next block is looked for (:func:`_resumed`)."""
    decoded_bytes: int = 0
    """The bytes of the packets that decoded."""
    decoded_samples: int = 0
    """The samples their frames hold, at the stream's rate."""
    failed_between: list[tuple[int, int]] = field(default_factory=list)
    """Each run of packets that failed between packets that decoded (damage in the middle), of :data:`SHORTEST_LOST_S`
    or more and followed by as much decoded audio: the samples decoded before it, and its bytes (:func:`estimated_lost`).
    """

    def check(self, path: Path) -> None:
        """Refuse a file most of whose packets fail, rather than return it as noise."""
        if self.given_up:
            raise DecodeError(path, f"damaged: {self.damaged} audio packets in a row cannot be decoded")
        if 2 * self.damaged > self.packets:
            raise DecodeError(path, f"damaged: {self.damaged} of {self.packets} audio packets cannot be decoded")


FAILING_BEFORE_ANY = 64
"""Packets that fail one after another, before any of a pass has decoded, after which the pass gives up (once they also
span :data:`UNDECODED_BYTES`): what it reads is not the stream its header announced.  FFmpeg's parser finds a frame's
sync word in random bytes named ``.ac3`` every 210 kB, each failing, and such a 1-GB file was read to its end before it
was refused (in a damaged MP3, every 6 kB)."""

UNDECODED_BYTES = 16 << 20
"""How far into the file the failing packets of :data:`FAILING_BEFORE_ANY` must reach before a pass gives up, where the
demuxer gives packets' positions: junk before a good MP3's first frame (a capture's start, a tag FFmpeg does not skip)
holds a false sync every 6 kB, and 400 kB of it, 67 failures, had the whole file refused."""


CONSTANT_FRAMES = frozenset({"ac3", "dca"})
"""The codecs (FFmpeg's names) whose frames are all of one size, AC-3's and DTS's.  FFmpeg's DTS parser hands the bytes
it cannot frame (damage) to the decoder in one packet with the frame before them, which decodes as that frame alone:
what a packet holds beyond a frame's size is audio lost (:attr:`PacketCounts.failed_between`)."""

SHORTEST_LOST_S = 0.1
"""The shortest run of packets failing between packets that decoded that counts among ``failed_between`` (at the mean
bit rate so far): a frame or two of an MP3 (26 ms each), which real-world files have a few of, and which fails where
two MP3 streams were joined, is no damage worth a note (or a whole decode, :class:`~musictagger.audio.reader._Robust`).
It is also the least audio that must decode after such a run for the run to count: bytes after the audio that parse as
a frame now and then (an APE tag's cover art at the end of an MP3) were taken for damage there.
"""


def decode_frames(
    container: av.container.InputContainer, stream: av.AudioStream, counts: PacketCounts
) -> Iterator[av.AudioFrame]:
    """Frames of ``stream`` from the container's position on, skipping packets FFmpeg cannot
    decode (as ffmpeg does: a truncated file so loses only its cut last packet), counted in ``counts``;
    none after :data:`FAILING_BEFORE_ANY` packets have failed over :data:`UNDECODED_BYTES` and none decoded.

    A packet the demuxer cannot read ends the stream there, as it ends ffmpeg's reading ("Error during
    demuxing"): WavPack's demuxer fails so on a block cut short, and a WavPack file missing its last byte
    was refused whole ("damaged: cannot decode from 0.0 s")."""
    packets = container.demux(stream)
    decoded = False
    first: int | None = None  # the pass's first packet's byte position
    after: int | None = None  # the byte after the last packet read
    failing = 0  # the bytes of the packets that failed since the last that decoded, or beyond its frame
    rate = stream.codec_context.sample_rate
    frame_size: int | None = None  # a stream of CONSTANT_FRAMES: its first packet's size
    tag_end: int | None = None  # where the last ID3v2 tag met among the packets ends
    pending: tuple[int, int, int] | None = None  # a run failed_between awaits: samples and bytes before it, its bytes
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:
            counts.damaged += 1
            counts.unreadable_from = after or 0
            return
        counts.packets += packet.size > 0
        first = packet.pos if first is None else first
        after = packet.pos + packet.size if packet.pos is not None and packet.pos >= 0 else None
        try:
            frames = packet.decode()
        except av.FFmpegError:
            counts.damaged += 1
            if tag := leading_tag_size(bytes(memoryview(packet)[:HEADER_BYTES])):  # an MP3's, where two were joined
                tag_end = packet.pos + tag if packet.pos is not None and packet.pos >= 0 else None
            failing += _after_tag(packet, tag_end)
            if pending is not None:  # what decoded since was junk that parses (an APE tag's cover after the audio)
                counts.decoded_samples, decoded_bytes, run = pending
                failing += run + counts.decoded_bytes - decoded_bytes
                counts.decoded_bytes, pending = decoded_bytes, None
            if not decoded and counts.damaged >= FAILING_BEFORE_ANY and _far_apart(first, packet.pos):
                counts.given_up = True
                return
            continue
        if decoded and failing * counts.decoded_samples >= SHORTEST_LOST_S * rate * counts.decoded_bytes > 0:
            pending = (counts.decoded_samples, counts.decoded_bytes, failing)
        if frame_size is None and stream.codec_context.name in CONSTANT_FRAMES:
            frame_size = packet.size
        size = packet.size if frame_size is None else min(packet.size, frame_size)
        decoded, failing = True, packet.size - size
        counts.decoded_bytes += size
        counts.decoded_samples += sum(frame.samples for frame in frames)
        if pending is not None and counts.decoded_samples - pending[0] >= SHORTEST_LOST_S * rate:
            counts.failed_between.append((pending[0], pending[2]))
            pending = None
        yield from frames


def _after_tag(packet: av.Packet, tag_end: int | None) -> int:
    """The bytes of ``packet`` after ``tag_end``, the end of an ID3v2 tag before it (all of them without one): an ID3
    tag where two MP3 files were joined (each with its own, a cover's kilobytes in it) is parsed into packets that
    fail, and was taken for damage losing the seconds its bytes would hold."""
    if tag_end is None or packet.pos is None or packet.pos < 0:
        return packet.size
    return max(packet.pos + packet.size - tag_end, 0) if packet.pos < tag_end else packet.size


def estimated_lost(counts: PacketCounts, sr: int) -> tuple[tuple[float, float], ...]:
    """The spans of audio lost where packets failed between packets that decoded (``counts.failed_between``), in
    seconds of the file, for a stream whose stamps cannot say (not one of :data:`TRUE_STAMPS`: an MP3, AC-3 or DTS
    stream, whose stamps FFmpeg counts from the frames it parsed, so that they run on across the damage): each run's
    bytes at the stream's mean bit rate, exact where it is constant (AC-3, DTS, most MP3s), near it elsewhere."""
    if not counts.decoded_samples:
        return ()
    bytes_per_s = counts.decoded_bytes * sr / counts.decoded_samples
    spans, shift = [], 0.0
    for samples, size in counts.failed_between:
        start = samples / sr + shift
        shift += size / bytes_per_s
        spans.append((start, samples / sr + shift))
    return tuple(spans)


def _far_apart(first: int | None, last: int | None) -> bool:
    """Whether byte positions ``first`` and ``last`` lie :data:`UNDECODED_BYTES` or more apart, or either is unknown
    (None, or FFmpeg's -1)."""
    return first is None or last is None or min(first, last) < 0 or last - first >= UNDECODED_BYTES


def float_samples(frame: av.AudioFrame) -> np.ndarray:
    """A ``fltp`` or ``flt`` frame's samples as float32 ``(channels, samples)``.

    Read straight from the frame's planes: PyAV's ``to_ndarray`` stacks them with ``np.vstack``,
    which cost more than FFmpeg's decoding of an MP3 frame (a 60-s clip has 2,300 of them).
    Only for frames of fewer than 8 channels when planar (see :class:`_FloatFrames`).
    """
    n, channels = frame.samples, frame.layout.nb_channels
    if frame.format.name == "flt":
        return np.frombuffer(frame.planes[0], np.float32, n * channels).reshape(n, channels).T
    out = np.empty((channels, n), np.float32)
    for channel, plane in enumerate(frame.planes):
        out[channel] = np.frombuffer(plane, np.float32, n)
    return out


class _FloatFrames:
    """Collects decoded frames as float32 ``(channels, samples)`` at the first frame's rate and layout.

    Frames are converted to packed ``flt``, not planar ``fltp``: PyAV 18 counts a frame's
    planes by reading past the end of its pointer array, which crashes the interpreter at
    8 or more channels.  A resampler only accepts frames like its first, so a stream whose
    format changes midway (concatenated mp3s) gets a fresh one with the same target.
    """

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.rate = 0
        self._layout: av.AudioLayout | None = None
        self._resampler: av.AudioResampler | None = None
        self._source: tuple[str, str, int] | None = None

    def add(self, frame: av.AudioFrame | None) -> None:
        """Convert one frame; ``None`` flushes the resampler at the end."""
        source = None if frame is None else (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is not None and source != self._source:
            self._collect(self._resampler.resample(None))
            self._resampler = None
        if frame is None:
            return
        if self._resampler is None:
            self.rate = self.rate or frame.sample_rate
            self._layout = self._layout or frame.layout
            self._resampler = av.AudioResampler(format="flt", layout=self._layout, rate=self.rate)
            self._source = source
        self._collect(self._resampler.resample(frame))

    def _collect(self, frames: list[av.AudioFrame]) -> None:
        self.chunks.extend(float_samples(frame) for frame in frames)


TRUE_STAMPS = frozenset({"flac", "ogg", "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2", "wv"})
"""The containers (FFmpeg's names) whose frames are stamped where their samples belong in the file: a FLAC frame's or a
WavPack block's header numbers its first sample, an Ogg page its last (its granule position), a Matroska block and an
MP4 index entry give its time.  After damage the stamps jump by the audio lost, so :class:`Lost` can say where.  Raw
streams (MP3, AC-3, DTS, ADTS AAC) are stamped by FFmpeg's count of the frames it parsed, which runs on across damage."""

VORBIS_JITTER = 512
"""Samples by which a Vorbis frame's stamp may miss where the frame before it ended, in an undamaged file: FFmpeg stamps
Vorbis packets by its own count of their samples, not the decoder's, and where a long block meets a short one they
differ by a quarter of their difference, (2048 - 256) / 4 = 448 samples (10.2 ms at 44.1 kHz, at every Ogg page)."""


class Lost:
    """The spans of a stream's audio that no decoded frame holds, where its container stamps the frames where they
    belong (:data:`TRUE_STAMPS`): damage in the middle of the file, which FFmpeg passes over to the next frame or
    packet it can read (FLAC's parser to the next frame header, Matroska's and Ogg's demuxers to the next cluster or
    page, an MP4's to the next packet its index lists, :func:`_resumed` to a WavPack file's next block), so that the
    samples decoded run on while the stamps jump.  A jump counts beyond the stamps' own imprecision (two ticks of their
    time base, a Matroska file's milliseconds; :data:`VORBIS_JITTER`).  Damage in the first frames is told at the
    stream's end (:meth:`spans_to_the_end`)."""

    def __init__(self, stream: av.AudioStream, *, start: float = 0.0) -> None:
        """``start``: where the stream's first frame belongs, in seconds of the file (:func:`shifted_start`)."""
        self.spans: list[tuple[float, float]] = []
        """The spans lost between frames, so far."""
        self._first: float | None = None  # where the first frame starts, in seconds of the file
        self._end = 0.0  # where the last frame ended
        self._start = start
        rate = stream.codec_context.sample_rate or 1
        ticks = float(stream.time_base or 0) * rate
        self._tolerance_s = (VORBIS_JITTER if stream.codec_context.name == "vorbis" else max(2 * ticks, 0.5)) / rate
        self._length = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None

    @classmethod
    def watching(cls, container: av.container.InputContainer, stream: av.AudioStream) -> Lost | None:
        """A watch of ``stream`` where its container stamps frames where they belong; else None."""
        return cls(stream, start=shifted_start(container, stream)) if container.format.name in TRUE_STAMPS else None

    def see(self, frame: av.AudioFrame) -> None:
        """Take a decoded frame in: a span is lost before it when it starts after the last one ended (one the parser
        could not stamp, as it does the frames just before damage, follows it)."""
        stamped = frame.pts is not None and frame.time_base is not None
        start = float(frame.pts * frame.time_base) if stamped else self._end
        if self._first is None:
            self._first = start
        elif start - self._end > self._tolerance_s:
            self.spans.append((self._end, start))
        self._end = start + frame.samples / frame.sample_rate

    def began_late(self) -> bool:
        """Whether the first frame seen starts after the stream's start beyond the stamps' imprecision: the stream's
        first frames are damaged (a seek to its start passes over them to the first frame header FFmpeg's FLAC demuxer
        can read), or it is an excerpt, whose frames keep the numbers they had in the stream it was copied out of.  The
        start is 0 but where the muxer shifted the stream (:func:`shifted_start`)."""
        return self._first is not None and self._first - self._start > self._tolerance_s

    def spans_to_the_end(self) -> tuple[tuple[float, float], ...]:
        """The spans lost, once the stream has been decoded to its end: with the audio before its first frame where
        that :meth:`began_late` and the last frame ends where the header says the stream does, so that its frames are
        numbered from its start (an excerpt's header gives no length, or its own, which its frames end after)."""
        ends_as_announced = self._length is not None and abs(self._end - self._length) <= self._tolerance_s
        head = ((0.0, self._first),) if self._first is not None and self.began_late() and ends_as_announced else ()
        return (*head, *self.spans)


def shifted_start(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    """Where ``stream``'s first frame belongs, in seconds of the file: its start time where another stream (audio, or
    a video that is not a cover) starts before it, which the muxer shifted it after (a Matroska file's Vorbis track at
    20 ms, after its AAC track's priming); else 0.  A stream's start time alone is no such place: FFmpeg takes it from
    the first packet it reads, which in a FLAC file damaged in its first frames is the first intact one's (0.56 s)."""
    if not stream.start_time or not stream.time_base:
        return 0.0
    start = float(stream.start_time * stream.time_base)
    others = (
        float(other.start_time * other.time_base)
        for other in (*container.streams.audio, *container.streams.video)
        if other.index != stream.index
        and other.start_time is not None
        and other.time_base
        and not other.disposition & av.stream.Disposition.attached_pic
    )
    return start if min(others, default=start) < start else 0.0


def lost_notes(audio: DecodedAudio) -> tuple[str, ...]:
    """What an analysis of a whole decode must say of the spans of audio it lost (:attr:`DecodedAudio.lost`), where a
    file whose audio stopped coming at its first damage was said to be "cut short" there, one damaged in its first
    frames too, at the length its audio after the damage fell short by, and an MP3, AC-3 or DTS file damaged in the
    middle (up to a second lost, short of that share) said nothing; "about" where the spans are estimated."""
    lost = audio.lost
    if not lost:
        return ()
    at_start, in_middle = lost[0][0] == 0, len(lost) > 1 or lost[0][0] > 0
    where = " and ".join(place for place, held in (("at its start", at_start), ("in the middle", in_middle)) if held)
    about = "about " if audio.lost_estimated else ""
    spans = " and ".join(f"from {about}{start:.1f} s to {end:.1f} s" for start, end in lost)
    rest = "around it" if in_middle else "after it"
    return (f"damaged {where}: its audio {spans} cannot be decoded; the audio {rest} is analysed",)


def _plays_first(stream: av.AudioStream) -> bool:
    """Whether ``stream`` is marked as the one to play (its ``default`` disposition)."""
    return bool(stream.disposition & av.stream.Disposition.default)


def audio_stream(path: Path, container: av.container.InputContainer) -> av.AudioStream:
    """The audio stream a player plays: the first marked default (a music video's second track may be, its first a
    commentary), else the first.  Refused when the file has none or FFmpeg has no decoder for it (a WAV whose
    header names a format tag FFmpeg does not know, or 0 bits a sample: PyAV then gives the stream no codec
    context at all)."""
    streams = container.streams.audio
    if not streams:
        cut = _mp4_cut_before_index(path)  # the tracks are in the part of the index that is missing
        silent = any(not stream.disposition & av.stream.Disposition.attached_pic for stream in container.streams.video)
        what = "a video without sound: " if silent else ""  # a cover alone is no video
        raise DecodeError(path, cut or f"{what}no audio stream (FFmpeg reads it as {container.format.long_name})", True)
    stream = next((stream for stream in streams if _plays_first(stream)), streams[0])
    context = stream.codec_context
    if context is None:
        raise DecodeError(
            path,
            f"its audio is in an encoding FFmpeg has no decoder for (in a {container.format.long_name} file)",
            True,
        )
    if not context.channels:
        raise DecodeError(path, f"its header says it has 0 channels: {_BAD_HEADER}", before_audio=True)
    if context.sample_rate:  # 0: FFmpeg leaves it to the frames
        check_sample_rate(path, context.sample_rate, dsd=is_dsd(context))
    return stream


def tracks_notes(container: av.container.InputContainer, stream: av.AudioStream) -> tuple[str, ...]:
    """What the analysis of ``stream`` must say when the file holds other audio tracks (a music video's languages or
    commentary, a concert's stereo and surround mixes): which one was heard, since the others were not."""
    streams = list(container.streams.audio)
    if len(streams) < 2:
        return ()
    described = ", ".join(
        f"{key} {value}" for key in ("title", "language") if (value := stream.metadata.get(key)) and value != "und"
    )
    which = "the one marked default" if _plays_first(stream) else "the first; none is marked default"
    return (
        f"{len(streams)} audio tracks: analysed track {streams.index(stream) + 1} ({described + ', ' if described else ''}"
        f"{which}); the others are not heard",
    )


def _decode_pyav(path: Path, *, chained: bool = False) -> DecodedAudio:
    """Decode the audio stream a player plays (:func:`audio_stream`) with FFmpeg, skipping packets it cannot decode
    (as ffmpeg does), and a WavPack file's blocks its demuxer cannot read (:func:`_resumed`), noting the audio lost
    (:class:`Lost`; not in a ``chained`` Ogg file, whose links restart their stamps).

    A truncated file so loses only its cut last packet.  A file most of whose packets fail
    is refused rather than returned as noise.
    """
    with open_container(path) as container:
        stream = audio_stream(path, container)
        codec = stream.codec_context.name
        decoded = _FloatFrames()
        counts = PacketCounts()
        lost = None if chained else Lost.watching(container, stream)
        frames = decode_frames(container, stream, counts)
        if container.format.name == "wv":
            frames = itertools.chain(frames, _resumed(path, counts))
        try:
            for frame in frames:
                if lost is not None:
                    lost.see(frame)
                decoded.add(frame)
            decoded.add(None)
        except PYAV_ERRORS as exc:
            raise unreadable(path, exc) from exc
    if not sum(chunk.shape[1] for chunk in decoded.chunks):
        raise DecodeError(
            path, "truncated or damaged: no audio could be decoded" if counts.damaged else "no audio samples"
        )
    counts.check(path)
    y = _join(decoded.chunks)[:, _DECODER_DELAY.get(codec, 0) :]
    if lost is not None:
        return DecodedAudio(y=y, sr=decoded.rate, lost=lost.spans_to_the_end())
    estimated = () if chained else estimated_lost(counts, decoded.rate)
    return DecodedAudio(y=y, sr=decoded.rate, lost=estimated, lost_estimated=bool(estimated))


_WAVPACK_BLOCK = re.compile(rb"wvpk")
"""What starts each WavPack block."""


def _resumed(path: Path, counts: PacketCounts) -> Iterator[av.AudioFrame]:
    """The frames of the WavPack file ``path`` after blocks its demuxer could not read (``counts.unreadable_from``):
    FFmpeg's demuxer ends the stream at a damaged block, as ffmpeg's reading ends ("Error during demuxing"), and
    cannot seek past it, so a file damaged in its middle was analysed as cut short there.  The file is opened again at
    each next block's mark, whose header numbers its first sample (a mark among the damaged bytes fails to open, or
    reads no further, and the search goes on after it)."""
    with path.open("rb") as file:
        data = mapped_file(file)
        at = counts.unreadable_from
        while at is not None and (block := _WAVPACK_BLOCK.search(data, at)) is not None:
            counts.unreadable_from = None
            file.seek(block.start())
            try:
                with av.open(_Unnamed(file, block.start()), format="wv", metadata_errors="ignore") as container:
                    if container.streams.audio:
                        yield from decode_frames(container, container.streams.audio[0], counts)
            except PYAV_ERRORS:
                counts.unreadable_from = 0
            failed = counts.unreadable_from
            at = None if failed is None else block.start() + max(failed, 1)


_RAW_STREAMS: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    ".dts": ("DTS", lambda data: any(sync in data for sync in _DTS_SYNCS)),
    ".flac": ("FLAC", flac_structure.holds_frame),
}
"""The streams FFmpeg reads by a file's name where its bytes are no format it knows, by the name's extension: what the
stream is, and whether bytes hold the start of one of its frames.  FFmpeg's parser searches such a file to its end for
a frame before 'its header says it has 0 channels': random bytes named ``.dts`` took 2 GB and 9.7 s for a 900-MB file
(its parser holds what it has read), and named ``.flac`` were read whole too (minutes from a slow drive)."""


def _unframed(path: Path, file: BinaryIO) -> str | None:
    """Why ``path`` (``file``, at its start) is refused before FFmpeg opens it, when it is named as a stream FFmpeg
    reads by its name alone (:data:`_RAW_STREAMS`), no frame of that stream starts in the
    :data:`~musictagger.tags.flac_structure.FRAME_SEARCH` bytes after any ID3v2 tag, and FFmpeg finds no audio there
    by the bytes alone (a misnamed recording is read as what it is); None for another file.  Such a stream starts with
    a frame, a DTS frame is at most 16 kB long, and a FLAC stream's first one is checked as
    :func:`~musictagger.tags.flac_structure.audio_without_frames` checks a FLAC file's.  A FLAC file (``fLaC`` where
    its ID3 tag ends) is that check's, whose search after its metadata covers these bytes: they were read twice.  The
    reason is short, for the Tag dialog's column, and true of a file of any size: "its start" is all of a small one."""
    stream = _RAW_STREAMS.get(path.suffix.lower())
    if stream is None:
        return None
    kind, holds_frame = stream
    start = leading_tag_size(file.read(HEADER_BYTES))
    file.seek(start)
    if file.read(4) == b"fLaC":
        return None
    file.seek(start)
    searched = file.read(flac_structure.FRAME_SEARCH)
    if not searched or holds_frame(searched) or _audio_by_its_bytes(_Unnamed(file, start)):
        return None
    where = "where its ID3 tag ends" if start else "at its start"
    return f"not audio, or damaged: no {kind} frame or other audio {where}"


@dataclass
class _Unnamed:
    """``file``'s bytes from ``start`` on as a file without a name: PyAV hands a file object's ``name`` to FFmpeg,
    whose probe then goes by its extension, where :func:`_audio_by_its_bytes` asks what the bytes are."""

    file: BinaryIO
    start: int

    def read(self, size: int = -1) -> bytes:
        """The next ``size`` bytes (all the rest when negative)."""
        return self.file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to ``offset`` (from ``start`` for :data:`os.SEEK_SET`); the new position, from ``start``."""
        return self.file.seek(offset + self.start if whence == os.SEEK_SET else offset, whence) - self.start

    def tell(self) -> int:
        """The position, from ``start``."""
        return self.file.tell() - self.start


def _audio_by_its_bytes(file: _Unnamed) -> bool:
    """Whether FFmpeg finds an audio stream in ``file`` without a name to go by.  Its probe of the format reads at most
    1 MiB of bytes it knows no format in (random bytes); a format it knows is opened as FFmpeg opens it, so an M4A
    whose index (the moov atom) is at its end, past that MiB, is found."""
    file.seek(0)
    try:
        with av.open(file, metadata_errors="ignore") as container:
            return bool(container.streams.audio)
    except PYAV_ERRORS:
        return False


def check_file(path: Path) -> None:
    """Refuse what is not a readable, non-empty regular file, a file whose first bytes say it is something other
    than a recording (:func:`~musictagger.audio.not_audio.not_a_recording`: MIDI, a cue sheet, …), a FLAC file
    whose metadata no audio frame follows (:func:`~musictagger.tags.flac_structure.audio_without_frames`), and a file
    named as a DTS or FLAC stream that holds none (:func:`_unframed`), before any decoder opens it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise DecodeError(path, "no such file", before_audio=True) from exc
    except OSError as exc:  # permission denied on a folder, a name too long, …
        raise DecodeError(path, f"cannot be read ({exc.strerror})", before_audio=True) from exc
    if stat.S_ISDIR(mode):
        raise DecodeError(path, "is a directory, not an audio file", before_audio=True)
    if not stat.S_ISREG(mode):  # a FIFO or device would block or never end
        raise DecodeError(path, "not a regular file", before_audio=True)
    try:
        with path.open("rb") as f:
            head = f.read(not_audio.HEAD_BYTES)
            f.seek(0)
            frameless = flac_structure.audio_without_frames(f)
            f.seek(0)
            unframed = _unframed(path, f)
    except OSError as exc:
        raise DecodeError(path, f"cannot be read ({exc.strerror})", before_audio=True) from exc
    if not head:
        raise DecodeError(path, "the file is empty", before_audio=True)
    if (what := not_audio.not_a_recording(head, path.name)) is not None:
        raise DecodeError(path, what, before_audio=True)
    if frameless is not None:
        raise DecodeError(
            path,
            f"damaged: its header is FLAC's, but no FLAC audio frame starts in the {flac_structure.FRAME_SEARCH:,} "
            f"bytes after it (from byte {frameless:,})",
            before_audio=True,
        )
    if unframed is not None:
        raise DecodeError(path, unframed, before_audio=True)


def _try_soundfile(path: Path) -> DecodedAudio | None:
    """libsndfile's decoding, or None where FFmpeg should try instead."""
    try:
        audio = _decode_soundfile(path)
    except sf.SoundFileError:  # LibsndfileError: cannot open, or decoding failed midway
        return None
    return audio if audio.y.shape[1] else None  # libsndfile finds no samples in a cut ogg


def decode(path: str | Path, how: Route | None = None) -> DecodedAudio:
    """Decode ``path`` to ``(channels, samples)`` float32 at the file's own rate, read as ``how`` says (default: its
    :func:`route`, which a caller that has asked it gives).

    Raises
    ------
    DecodeError
        The file does not exist, is empty, is not audio, is too damaged to decode, or its header says a sample
        rate or a channel count no recording has.
    """
    path = Path(path)
    check_file(path)
    how = how or route(path)
    if how.ffmpeg_first:
        try:
            audio = _decode_pyav(path, chained=how.chained)
        except DecodeError:
            audio = _try_soundfile(path) if _libsndfile_container(path) else None
            if audio is None:
                raise
    else:
        audio = _try_soundfile(path) or _decode_pyav(path)
    if not np.isfinite(audio.y).all():  # float wav/aiff: nothing checks the bytes
        raise DecodeError(path, "damaged: some samples are not numbers (NaN or infinity)")
    return audio


def decode_mono(path: str | Path, *, sr: int) -> np.ndarray:
    """The whole of ``path`` decoded, mixed to mono and resampled to ``sr``: what the training views,
    the distillation and the MFCC baseline start from (the analysis reads only its windows instead,
    :mod:`musictagger.audio.frontend`)."""
    audio = decode(path)
    return resample(to_mono(audio.y), orig_sr=audio.sr, target_sr=sr)
