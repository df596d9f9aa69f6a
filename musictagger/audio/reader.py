"""Reading just the parts of an audio file that are analysed, by seeking where the container allows.

The analysis looks at a few 29-s windows of a track, so decoding a 4-minute MP3 or a 3-hour
concert whole wastes time and memory in proportion to its length.  An :class:`AudioReader`
knows the file's rate, channels and length from its header and returns any span of samples;
:func:`open_reader` picks libsndfile (exact seeking: wav, flac, ogg, aiff) or FFmpeg through
PyAV (mp3, m4a/aac …: it seeks to the packet before the span and decodes from there,
discarding a pre-roll so that the decoder's state has settled; DSD, which FFmpeg decodes at 352.8 kHz
or more, is brought down to 44.1 or 48 kHz as the frames arrive).  Where neither can tell the
length, the whole file is decoded once (:func:`~musictagger.audio.decode.decode`) and read from
memory.  The decoder choice per format is :mod:`musictagger.audio.decode`'s.
"""

from __future__ import annotations

import itertools
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import av
import numpy as np
import soundfile as sf

from musictagger.audio.decode import (
    PYAV_ERRORS,
    DecodedAudio,
    Lost,
    PacketCounts,
    Route,
    audio_stream,
    check_file,
    decode,
    decode_frames,
    float_samples,
    is_dsd,
    lost_notes,
    open_container,
    open_soundfile,
    route,
    tracks_notes,
)
from musictagger.audio.signal import StreamResampler
from musictagger.errors import DecodeError, ParameterError
from musictagger.tags.id3_structure import HEADER_BYTES, leading_tag_size

# Decoded before a span and thrown away: an MP3 frame can borrow bits from the frames before
# it, and AAC starts with a priming frame, so the first frames after a seek are not exact.
PREROLL_S = 0.5
_FRAME_SYNC = re.compile(rb"\xff[\xe0-\xff]")  # an MPEG frame header's 11 set bits

# The highest rate a DSD stream is read at (see :func:`_decimation`).
DSD_READ_RATE = 48000


class AudioReader(Protocol):
    """Spans of one audio file (or signal) as float32 ``(channels, samples)`` at its own rate (a DSD file's
    brought down to 44.1 or 48 kHz, see :func:`_decimation`)."""

    sr: int
    channels: int
    n_samples: int
    """Length in samples; from the header, corrected when a read meets the end earlier."""
    announced_samples: int
    """Length in samples the header announced: more than ``n_samples`` once the audio is found to end
    first (a damaged file, or one not copied whole)."""
    notes: tuple[str, ...]
    """What an analysis of these samples must say about which of the file's audio they are (one of its several
    audio tracks, :func:`~musictagger.audio.decode.tracks_notes`)."""

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples ``[start, stop)``; positions outside the audio read as zeros."""
        ...


class ArrayReader:
    """An :class:`AudioReader` over samples already in memory, ``(samples,)`` or ``(channels, samples)``."""

    def __init__(self, y: np.ndarray, sr: int) -> None:
        if y.ndim not in (1, 2):
            raise ParameterError(f"audio must be 1-D or (channels, samples), got shape {y.shape}")
        self.y = y if y.ndim == 2 else y[np.newaxis, :]
        self.sr, self.channels, self.n_samples = int(sr), self.y.shape[0], self.y.shape[1]
        self.announced_samples = self.n_samples
        self.notes: tuple[str, ...] = ()

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples ``[start, stop)``, zeros outside; NaN or infinite ones among those read are a
        :class:`ParameterError` (a file's are :class:`DecodeError`'s: checked, as those, where they are read, so
        that an hour of samples costs no more than a window's)."""
        out = np.zeros((self.channels, stop - start), np.float32)
        lo, hi = max(start, 0), min(stop, self.n_samples)
        if hi > lo:
            out[:, lo - start : hi - start] = self.y[:, lo:hi]
        finite = np.isfinite(out).all(axis=0)
        if not finite.all():  # one NaN was called silence ("every sample is zero"), or NaN codes
            raise ParameterError(
                f"audio holds NaN or infinite samples (the first at sample {start + int(np.argmin(finite))}), "
                "which no level or spectrum can be measured on"
            )
        return out


class _SoundfileReader:
    """libsndfile with exact seeks."""

    def __init__(self, path: Path, f: sf.SoundFile) -> None:
        self.path, self.file = path, f
        self.sr, self.channels, self.n_samples = int(f.samplerate), f.channels, f.frames
        self.announced_samples = _announced_by_libsndfile(f)
        self.length_guessed = False
        self.notes: tuple[str, ...] = ()  # libsndfile's containers hold one stream
        self.passes_damage = False  # see _Robust: an Ogg file's reads that end early end its audio there

    def read(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((self.channels, stop - start), np.float32)
        lo = max(start, 0)
        if lo >= stop or lo >= self.n_samples:
            return out
        self.file.seek(lo)
        block = self.file.read(stop - lo, dtype="float32", always_2d=True).T
        out[:, lo - start : lo - start + block.shape[1]] = block
        if lo + block.shape[1] < min(stop, self.n_samples):  # the header promised more than there is
            if self.file.format == "OGG" and not self.passes_damage:  # its length is its last page's: damage
                raise _DamageError
            self.n_samples = lo + block.shape[1]
        return _finite(self.path, out)


class _PyAVReader:
    """FFmpeg: seek to the packet before a span, decode, place frames by their timestamps (a DSD stream's
    brought down in rate on the way, :class:`_Decimation`); a Vorbis stream's, or a WAV's compressed one, whose
    timestamps are not where its samples are, frame after frame from its start."""

    def __init__(
        self,
        path: Path,
        container: av.container.InputContainer,
        stream: av.AudioStream,
        n_samples: int,
        *,
        estimated: bool = False,
    ) -> None:
        """``stream``: the one read (:func:`~musictagger.audio.decode.audio_stream`); ``estimated``: the length is
        FFmpeg's guess from the bit rate (an MP3 without a Xing, Info or VBRI header), so audio that ends before
        it is not reported as cut short."""
        self.path, self.container, self.stream = path, container, stream
        self.notes = tracks_notes(container, stream)
        context = self.stream.codec_context
        self._rate, self._factor = int(context.sample_rate), _decimation(context)
        self.sr, self.channels = self._rate // self._factor, context.channels
        self.n_samples = self.announced_samples = -(-n_samples // self._factor)
        self.length_guessed = estimated
        self.passes_damage = False  # see _Robust: damage met does not raise _DamageError
        self._furthest = 0  # the furthest sample any read reached: where the audio goes on to at least
        self._layout = context.layout
        self._resampler: av.AudioResampler | None = None
        self._source: tuple[str, str, int] | None = None
        self._origin: int | None = None
        self._ticks = float(self.stream.time_base) * self._rate  # decoded samples per timestamp tick
        self._head: list[int] = []  # the lengths of the stream's first two frames: see _on_grid
        self._start = _start_stamp(container, self.stream)
        self._contiguous = context.name == "vorbis" or (
            container.format.name == "wav" and not context.name.startswith("pcm_")
        )
        """FFmpeg stamps a Vorbis stream's frames by its own count of each packet's samples, which is not the
        decoder's where the encoder switches between long and short blocks (a frame of 1024 samples at 8896 is
        followed by one stamped 10368): placed by their stamps, the frames of a WebM or Matroska Vorbis download,
        or of an Ogg video, left gaps and overlaps that changed verdicts and codes (a confidence of 0.58 where the
        same stream in an Ogg file, read by libsndfile, gives 0.82).  A seek in an AC-3 or DTS stream carried in a
        WAV's samples (:func:`~musictagger.audio.decode.route`) lands a frame away from where its stamps
        say (1,626 samples early).  Such a stream is read from its start, each frame right after the one before,
        as a whole decode reads it (:meth:`_read_along`)."""
        self._run: _Run | None = None

    def read(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((self.channels, stop - start), np.float32)
        lo = max(start, 0)
        if lo >= stop:
            return out
        try:
            reached, counts = self._seek_and_decode(out, start, stop)
        except PYAV_ERRORS as exc:
            reason = exc.strerror if isinstance(exc, av.FFmpegError) else str(exc)
            raise DecodeError(self.path, f"damaged: cannot decode from {lo / self.sr:.1f} s ({reason})") from exc
        if reached is None and lo < self.n_samples:
            if not self._furthest or lo < self._furthest:  # nothing here, though audio goes on past it: damage
                raise DecodeError(self.path, "truncated or damaged: no audio could be decoded")
            reached = self._furthest  # a file cut short: its audio ends before this span, after what was read
        counts.check(self.path)
        if reached is not None and reached < min(stop, self.n_samples):  # the end came before the header said
            self.n_samples = reached
            if self.length_guessed:
                self.announced_samples = reached
        self._furthest = max(self._furthest, min(reached or 0, self.n_samples))
        return _finite(self.path, out)

    def _seek_and_decode(self, out: np.ndarray, start: int, stop: int) -> tuple[int | None, PacketCounts]:
        """Seek before ``start`` and decode into ``out``; seek again further back where the demuxer
        overshot (an MP3 without a table of contents is sought by an estimate of its bit rate)."""
        if self._contiguous:
            return self._read_along(out, start, stop)
        lo, preroll = max(start, 0), PREROLL_S
        while True:
            first = max(lo - int(preroll * self.sr), 0)
            if first > 0 and self._origin is None:
                self._first_frames()
            target = int(first / self.sr / self.stream.time_base) if first else self._start
            self._seek(target)
            sink: _Placement | _Decimation = (
                _Placement(out, start, stop)
                if self._factor == 1
                else _Decimation(out, start, stop, rate=self._rate, factor=self._factor)
            )
            counts = self._decode_into(sink, from_start=first == 0)
            if first == 0 or sink.landed is None or sink.landed <= lo:
                return sink.reached, counts
            preroll *= 4

    def _read_along(self, out: np.ndarray, start: int, stop: int) -> tuple[int | None, PacketCounts]:
        """Decode ``[start, stop)`` into ``out`` frame after frame from the stream's start (see ``_contiguous``): on
        from where the previous read stopped when the span begins there or after (the front end reads the windows in
        order, so a track is decoded once, up to its last window), from the previous read's frames when it begins
        among them (the last window read again, once the audio is found to end a few samples before its header
        said), else from the start again."""
        lo, run = max(start, 0), self._run
        if run is None or (run.position > lo and not (run.kept and run.kept[0][0] <= lo)):
            self._seek(self._start)
            counts = PacketCounts()
            run = self._run = _Run(self._frames(counts, from_start=True), counts)
        sink = _Placement(out, start, stop)
        replay, run.kept = (run.kept if run.position > lo else []), []
        try:
            for position, rows in replay:
                self._place(sink, run, position, rows)
            while not sink.full and not run.ended:
                if run.held is None:
                    frame = next(run.frames, None)
                    run.ended = frame is None
                    run.held = None if frame is None else self._rows(frame)
                    continue
                self._place(sink, run, run.position, run.held)
                if not sink.full:  # else the frame may reach into the next span: held for it
                    run.position += run.held[0].size
                    run.held = None
        except BaseException:
            self._run = None  # its decoding stopped midway: the next read starts again
            raise
        return sink.reached, run.counts

    @staticmethod
    def _place(sink: _Placement, run: _Run, position: int, rows: list[np.ndarray]) -> None:
        """Put a frame into ``sink``, and keep a copy of it (not the decoder's buffers) when it is in the span."""
        sink.put(rows, position)
        if position + rows[0].size > sink.start and position < sink.stop:
            run.kept.append((position, [row.copy() for row in rows]))

    def _frames(self, counts: PacketCounts, *, from_start: bool = False) -> Iterator[av.AudioFrame]:
        """The frames of the stream from the container's position (:func:`~musictagger.audio.decode.decode_frames`,
        counted in ``counts``; ``from_start``: sought to its start), ending in :class:`_DamageError` at damage in a
        container that stamps its frames where they belong (:class:`~musictagger.audio.decode.Lost`): a packet that
        fails, a frame stamped after a gap, a first frame after the start.  Read by seeking, such a file was called
        cut short where a WavPack file's demuxer stopped at the damage, or where a FLAC file's damaged first frames
        moved its start, or was given silence in the gap a Matroska, WebM or MP4 file's damage left, and no note."""
        lost = None if self.passes_damage else Lost.watching(self.container, self.stream)
        first = from_start
        for frame in decode_frames(self.container, self.stream, counts):
            if lost is not None:
                lost.see(frame)
                if lost.spans or counts.damaged or (first and lost.began_late()):
                    raise _DamageError
            elif counts.failed_between and not self.passes_damage:  # an MP3, AC-3 or DTS stream's: a whole decode
                raise _DamageError  # estimates the audio lost
            first = False
            yield frame
        if lost is not None and counts.damaged:  # it ended at damage: audio may follow (a WavPack file's next block)
            raise _DamageError

    def _seek(self, target: int) -> None:
        """Seek the stream to ``target`` (in its time base).  A demuxer that cannot seek there (a WavPack file cut
        inside its first block, even to its start) fails with FFmpeg's bare -1, which reads as EPERM, "Operation not
        permitted": the reason says where instead."""
        try:
            self.container.seek(target, stream=self.stream)
        except av.FFmpegError as exc:
            at = max(target, 0) * float(self.stream.time_base)
            raise DecodeError(self.path, f"truncated or damaged: its audio cannot be found at {at:.1f} s") from exc

    def _decode_into(self, sink: _Placement | _Decimation, *, from_start: bool = False) -> PacketCounts:
        """Decode from the current position into ``sink`` until it is full or the stream ends; returns the
        packet counts.  Sample 0 is where the first frame of the stream is (:meth:`_first_frames`).

        The first frame is placed by its timestamp (on the frames' grid where the stamps are coarser than
        the samples, :meth:`_on_grid`), each later one right after the frame before it unless its timestamp
        says there is a gap: ASF (WMA) and Matroska stamp frames in milliseconds, 44 samples at 44.1 kHz, so
        placing every frame by its rounded stamp left gaps and overlaps of up to 22 samples between frames, a
        click every 46 ms that changed verdicts and codes.
        """
        counts = PacketCounts()
        resolution = self._ticks + 1  # how far a stamp may be from the true position, in samples
        reached = None  # the position after the last frame, in decoded samples
        first_decode = self._origin is None  # from the start, before any other decoding: see _first_frames
        for frame in self._frames(counts, from_start=from_start):
            if self._origin is None:  # decoding from the start: this is the first frame
                self._origin = self._stamp(frame)
            stamped = round((frame.pts - self._origin) * self._ticks) if frame.pts is not None else None
            rows = self._rows(frame)
            if first_decode and len(self._head) < 2:
                self._head.append(rows[0].size)
            if reached is None:
                position = self._on_grid(stamped, rows[0].size) if stamped is not None else 0
            else:
                position = stamped if stamped is not None and abs(stamped - reached) > resolution else reached
            sink.put(rows, position)
            reached = position + rows[0].size
            if sink.full:
                return counts
        sink.end()
        return counts

    def _first_frames(self) -> None:
        """Decode the stream's first two frames: the first one's timestamp is sample 0 of a sequential decode
        (``_origin``), and their lengths are the grid the frames after them lie on (``_head``, :meth:`_on_grid`).

        Sample 0 is not always at the stream's start time: that is the encoder's delay for an MP3, but an ASF
        (WMA) stream says 0 and stamps its first frame with its preroll (93 ms, say), and a Matroska Vorbis
        stream 12 ms.  A read from the start finds these frames on the way, other reads first.  Only before any
        other decoding: FFmpeg drops an Opus stream's pre-skip (312 samples of its first frame) and an AAC
        stream's priming only the first time it decodes them, not after a seek.
        """
        self._seek(self._start)
        first = list(itertools.islice(self._frames(PacketCounts(), from_start=True), 2))
        self._origin = self._stamp(first[0] if first else None)
        self._head = [frame.samples for frame in first]

    def _on_grid(self, stamped: int, n: int) -> int:
        """Where the first frame of a read, ``n`` samples long and stamped ``stamped`` samples after sample 0,
        lies: on the grid of a stream whose frames after the first are all as long as the second.

        A stamp in milliseconds (ASF, Matroska) is 44 samples wide at 44.1 kHz, and sample 0's own stamp is
        rounded too: reads after a seek were up to 36 samples off in a WMA file stamped as FFmpeg's command
        line stamps it, 21 in a Matroska ALAC one, 24 in a WebM Opus one.  Frames of a fixed length lie at
        the first frame's end plus whole frames (its end is 648 samples in for an Opus stream, the rest of its
        first packet after the encoder's delay), so the grid point within two ticks of the stamp is exact.
        Frames of another length (a stream's last; Vorbis, whose frames vary) keep their stamp, and so does
        a stamp no grid point is near: a wrong grid can move a frame no further than its stamp may be off.
        """
        if len(self._head) < 2 or self._ticks <= 1:
            return stamped
        head, step = self._head
        if step <= 0 or n != step or stamped < head:
            return stamped
        nearest = head + round((stamped - head) / step) * step
        return nearest if abs(nearest - stamped) <= 2 * self._ticks + 1 else stamped

    def _stamp(self, first: av.AudioFrame | None) -> int:
        return first.pts if first is not None and first.pts is not None else (self.stream.start_time or 0)

    def _rows(self, frame: av.AudioFrame) -> list[np.ndarray]:
        """A frame's samples as one float32 row per channel, in the stream's first layout.

        Planar float (what the MP3, AAC and DSD decoders give) is read from the frame's planes without a
        copy: a 60-s MP3 has 2,300 frames, and an array made of each cost a tenth of the reading.  Anything
        else goes through a converter to packed float (see ``decode._FloatFrames`` for why not planar).
        """
        if frame.format.name == "fltp" and frame.layout.nb_channels == self.channels:
            return [np.frombuffer(plane, np.float32, frame.samples) for plane in frame.planes]
        return list(self._convert(frame))

    def _convert(self, frame: av.AudioFrame) -> np.ndarray:
        """A frame as float32 ``(channels, n)`` in the stream's first layout, through a converter."""
        source = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is None or source != self._source:
            self._resampler = av.AudioResampler(format="flt", layout=self._layout, rate=frame.sample_rate)
            self._source = source
        chunks = [float_samples(f) for f in self._resampler.resample(frame)]
        return np.concatenate(chunks, axis=1) if chunks else np.zeros((self.channels, 0), np.float32)


class _Run:
    """A stream decoded from its start, frame after frame, as far as the reads went (:meth:`_PyAVReader._read_along`):
    ``held`` is the frame at ``position`` the last read ended in (None when the next is still to decode, or the
    stream has ``ended``), ``kept`` the last read's frames, by position."""

    def __init__(self, frames: Iterator[av.AudioFrame], counts: PacketCounts) -> None:
        self.frames, self.counts = frames, counts
        self.position = 0
        self.held: list[np.ndarray] | None = None
        self.ended = False
        self.kept: list[tuple[int, list[np.ndarray]]] = []


class _Placement:
    """Frames copied into ``out``, which holds samples ``[start, stop)``, where the reader places them."""

    def __init__(self, out: np.ndarray, start: int, stop: int) -> None:
        self.out, self.start, self.stop = out, start, stop
        self.landed: int | None = None
        """Where the first frame went."""
        self.reached: int | None = None
        """The position after the last frame: where the audio ends, once :meth:`end` has been called."""

    @property
    def full(self) -> bool:
        """Whether ``out`` is complete (no further frame belongs in it)."""
        return self.reached is not None and self.reached >= self.stop

    def put(self, rows: list[np.ndarray], position: int) -> None:
        """Copy the part of a frame (one row per channel, first sample at ``position``) in ``[start, stop)``."""
        n = rows[0].size
        lo, hi = max(position, self.start), min(position + n, self.stop)
        for channel, row in enumerate(rows if hi > lo else ()):
            self.out[channel, lo - self.start : hi - self.start] = row[lo - position : hi - position]
        self.landed = position if self.landed is None else self.landed
        self.reached = position + n

    def end(self) -> None:
        """The stream has no more frames."""


class _Decimation(_Placement):
    """Frames brought down ``factor`` times in rate as they arrive, into ``out``, which holds samples
    ``[start, stop)`` at the lower rate: never more than a frame is held at the decoded rate.

    Each channel goes through the front end's resampler (:class:`~musictagger.audio.signal.StreamResampler`,
    soxr's filter), started on a sample of the lower rate, so a window comes out as the whole stream brought
    down at once gives it (once the filter has settled within the reader's pre-roll), and its samples are
    where the decoded ones are: sample ``k`` is decoded sample ``k × factor``.  ``landed`` and ``reached`` are
    positions at the lower rate.
    """

    def __init__(self, out: np.ndarray, start: int, stop: int, *, rate: int, factor: int) -> None:
        super().__init__(out, start, stop)
        self._rate, self._factor = rate, factor
        self._resamplers: list[StreamResampler] = []
        self._next = 0  # the decoded position the resamplers take next
        self._made = 0  # the samples they have given

    def put(self, rows: list[np.ndarray], position: int) -> None:
        """Resample a frame (one row per channel, first sample at ``position`` in decoded samples) and copy
        what it completes in ``[start, stop)``.  A gap between the frames is silence; an overlap is dropped."""
        if self.landed is None:
            aligned = -(-position // self._factor) * self._factor
            self.landed, self._next = aligned // self._factor, aligned
            target = self._rate // self._factor
            self._resamplers = [StreamResampler(orig_sr=self._rate, target_sr=target) for _ in rows]
        if position > self._next:
            self._give([np.zeros(position - self._next, np.float32)] * len(rows))
        given = self._next - position
        if given < rows[0].size:
            self._give([row[given:] for row in rows])
        self.reached = self.landed + self._made

    def end(self) -> None:
        """The stream has no more frames: the resamplers give what they hold, up to the audio's end."""
        if self.landed is None:
            return
        self.reached = -(-self._next // self._factor)
        self._give([np.zeros(0, np.float32)] * len(self._resamplers), last=True)

    def _give(self, rows: list[np.ndarray], *, last: bool = False) -> None:
        made = [resample(row, last=last) for resample, row in zip(self._resamplers, rows, strict=True)]
        position, n = self.landed + self._made, made[0].size
        lo, hi = max(position, self.start), min(position + n, self.stop)
        if last:
            hi = min(hi, self.reached)
        for channel, row in enumerate(made if hi > lo else ()):
            self.out[channel, lo - self.start : hi - self.start] = row[lo - position : hi - position]
        self._next += rows[0].size
        self._made += n


def _decimation(context: av.AudioCodecContext) -> int:
    """How many decoded samples make one that the reader gives: 1, but for DSD.

    FFmpeg decodes DSD at an eighth of its bit rate (352.8 kHz for DSD64, 705.6 kHz for DSD128), so a 29-s
    window was ~10 M samples a channel in float, held at that rate through the front end (a 120-s DSF took
    670 MB to analyse, its WAV 365 MB).  Halved until at most :data:`DSD_READ_RATE`: DSD64 is read at
    44.1 kHz, a CD's rate, and a 48-kHz family's DSD at 48 kHz.
    """
    factor = 1
    if is_dsd(context):
        while context.sample_rate // factor > DSD_READ_RATE and context.sample_rate % (2 * factor) == 0:
            factor *= 2
    return factor


def _start_stamp(container: av.container.InputContainer, stream: av.AudioStream) -> int:
    """Where a seek to the start of ``stream`` must go: its first packet's timestamp when that is before 0, else 0.

    An encoder's delay is stamped before 0 (a Matroska or WebM Opus stream's first packet at -7 ms, its
    pre-skip; an M4A's AAC priming packet at -1024 samples), and a seek to 0 lands on the packet after it:
    every read of a WebM download was 20 ms late (the first packet skipped, the next one's samples dropped
    as pre-skip), and an M4A's read from the start began without its priming packet.  Read before any seek.
    """
    try:
        first = next((packet.pts for packet in container.demux(stream) if packet.pts is not None), 0)
    except PYAV_ERRORS:
        return 0  # damaged from its first packet: the reads will say so
    return min(first, 0)


def _finite(path: Path, samples: np.ndarray) -> np.ndarray:
    if not np.isfinite(samples).all():  # float wav/aiff: nothing checks the bytes
        raise DecodeError(path, "damaged: some samples are not numbers (NaN or infinity)")
    return samples


# libsndfile counts a WAV's or an AIFF's frames from the bytes present, and logs what the header declared:
# a WAV's data size, "data : 2646000 (should be 264560)" for a data chunk cut to a tenth; an AIFF's frame
# count, "  Frames      : 441000" in its COMM chunk.
_DECLARED_DATA = re.compile(r"^data : (\d+) \(should be (\d+)\)$", re.MULTILINE)
_DECLARED_FRAMES = re.compile(r"^ *Frames *: (\d+)$", re.MULTILINE)

# The data size of a WAV written where the writer cannot go back to fill it in (FFmpeg's ``-f wav -`` to a pipe):
# the header announces no length, and a 16-bit mono one at 22.05 kHz was called cut short, at 3.0 s of 97391.5 s.
_UNKNOWN_DATA_SIZE = 0xFFFFFFFF
# The frames libsndfile gives a file whose header announces no length (SF_COUNT_MAX): a FLAC written to a pipe,
# whose STREAMINFO says 0 samples, was called cut short at 3.0 s of 418293516410647.4 s.  Its length is found by
# decoding it whole, as a length FFmpeg cannot tell is.
_UNKNOWN_FRAMES = 2**63 - 1


def _announced_by_libsndfile(f: sf.SoundFile) -> int:
    """The frames ``f``'s header declared: more than ``f.frames`` for a WAV or AIFF whose audio is cut short."""
    declared = _DECLARED_DATA.search(f.extra_info)
    if declared is not None and int(declared[2]) and int(declared[1]) != _UNKNOWN_DATA_SIZE:
        return max(f.frames, round(f.frames * int(declared[1]) / int(declared[2])))
    frames = _DECLARED_FRAMES.search(f.extra_info)
    return max(f.frames, int(frames[1])) if frames is not None else f.frames


_LENGTH_GUESSED = frozenset({"amr", "mpc8"})
"""Containers whose length FFmpeg gets wrong, so that such a file is decoded whole for its length.  An AMR file's header
holds no length, which FFmpeg guesses from the bit rate all the same: one of 40 s was read as 41.3 s long, its last
window reaching past its end.  A Musepack SV8 file's length FFmpeg reads short by its last partial block of 64 frames
(58.5 s of a 60-s file)."""


def _pyav_length(container: av.container.InputContainer, stream: av.AudioStream) -> int | None:
    """``stream``'s length in samples from the container's header, if it says."""
    rate = stream.codec_context.sample_rate
    if container.format.name in _LENGTH_GUESSED:
        return None
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration:
        seconds = container.duration / av.time_base
    else:
        return None
    return round(seconds * rate) if rate else None


@contextmanager
def _pyav_reader(path: Path) -> Iterator[AudioReader]:
    with open_container(path) as container:
        stream = audio_stream(path, container)
        length = (_dsf_length(path) if container.format.name == "dsf" else None) or _pyav_length(container, stream)
        if length is None or stream.codec_context.channels >= 8:  # unknown length; PyAV's planar >8-channel crash
            yield _in_memory(decode(path), tracks_notes(container, stream))
        else:
            estimated = container.format.name == "mp3" and not _has_length_header(path)
            yield _Robust(_PyAVReader(path, container, stream, length, estimated=estimated), path)


def _dsf_length(path: Path) -> int | None:
    """A DSF file's length in the samples FFmpeg decodes (one per 8 bits of DSD), from its ``fmt`` chunk.

    FFmpeg's DSF demuxer announces no length: its guess from the bit rate counts every byte after the
    header as audio, the padding of the last 4096-byte block (256 samples too many for a 120-s track, which
    the front end found at its last window and then read every window again) and any ID3 tag at the end (a
    10-s track with 2 MB of cover art was announced 12.8 s long, and reported cut short).
    """
    with open(path, "rb") as file:
        header = file.read(_DSF_HEADER_BYTES)
    if len(header) < _DSF_HEADER_BYTES or header[28:32] != b"fmt ":
        return None
    return struct.unpack_from("<Q", header, _DSF_SAMPLE_COUNT_AT)[0] // 8 or None


# A DSF file's ``DSD `` chunk (28 bytes) and ``fmt `` chunk (52), whose sample count (64-bit, per channel) is at 64.
_DSF_HEADER_BYTES = 80
_DSF_SAMPLE_COUNT_AT = 64


def _has_length_header(path: Path) -> bool:
    """True when an MP3's first frame is a Xing, Info or VBRI header, which counts its frames (without one,
    FFmpeg guesses the length from the first frames' bit rate: half or twice the truth for a VBR file)."""
    with open(path, "rb") as file:
        file.seek(leading_tag_size(file.read(HEADER_BYTES)))
        start = file.read(1 << 16)
    sync = _FRAME_SYNC.search(start)
    return sync is not None and any(
        mark in start[sync.start() : sync.start() + 200] for mark in (b"Xing", b"Info", b"VBRI")
    )


@contextmanager
def open_reader(path: str | Path) -> Iterator[AudioReader]:
    """An :class:`AudioReader` for ``path``, closed on exit.

    Raises
    ------
    DecodeError
        The file does not exist, is empty, is not audio, is too damaged to decode (also from a later ``read``),
        or its header says a sample rate or a channel count no recording has.
    """
    path = Path(path)
    check_file(path)
    how = route(path)
    if how.chained:  # its later links restart their timestamps: a seek cannot find them
        yield _in_memory(decode(path, how))
        return
    if not how.ffmpeg_first:
        try:
            f = open_soundfile(path)
        except sf.SoundFileError:
            f = None
        if f is not None:
            with f:
                if 0 < f.frames < _UNKNOWN_FRAMES and f.seekable():  # else FFmpeg, or a whole decode
                    reader = _SoundfileReader(path, f)
                    try:
                        reader.read(0, 1)
                    except sf.SoundFileError:
                        reader.n_samples = 0
                    if reader.n_samples:  # a cut ogg opens but has no samples: FFmpeg then
                        yield _Robust(reader, path)
                        return
    with _pyav_reader(path) as reader:
        yield reader


WHOLE_DECODE_LIMIT = 20 * 60 * 44100 * 2
"""The most samples, of all its channels, of a file :class:`_Robust` decodes whole into memory once a read by seeking
meets damage: 20 minutes of 44.1 kHz stereo, 0.4 GB of float32 samples, twice that while the decode's pieces are
joined (a 60-minute MP3 with damage took 2.85 GB at its peak, undamaged 0.31 GB).  Counted in samples, not minutes:
20 minutes of a 192-kHz ALAC file are 4.4 times as many, of a 48-kHz 5.1 AC-3 one 3.3 times.  A larger file is read on
by seeking past its damage, as it was before damage was located: an MP3's audio after it taken for the times before
it, a WavPack or Ogg file cut short."""

DAMAGE_UNLOCATED = (
    "damaged: some of its audio cannot be decoded, and at {minutes:.0f} min it is too long to decode whole to say where;"
    " what can be read is analysed"
)
"""The note on a file too long to decode whole (:data:`WHOLE_DECODE_LIMIT`) whose damage a read met."""


class _DamageError(Exception):
    """A read by seeking met damage (:meth:`_PyAVReader._frames`, an Ogg file's read by libsndfile ending early): the
    file is decoded whole instead (:class:`_Robust`)."""


class _Robust:
    """A reader by seeking that hands over to a whole decode by FFmpeg (:func:`~musictagger.audio.decode.decode`, its
    lost audio noted, :func:`_in_memory`) when a read fails midway or meets damage: libsndfile's at a truncated FLAC,
    or one damaged in the middle, or an Ogg file damaged anywhere (whose whole decode by libsndfile drops the
    damaged pages' audio unsaid); FFmpeg's at damage in a container whose stamps tell where the audio lost was
    (:class:`_DamageError`).  The audio lost is not counted among what the header announced, which would call the file
    cut short."""

    def __init__(self, reader: _SoundfileReader | _PyAVReader, path: Path) -> None:
        self._reader: AudioReader = reader
        self._seeking = reader
        self._path = path
        self._guessed = reader.length_guessed  # the header's length was a guess: the whole decode's is the length
        self.sr, self.channels, self.notes = reader.sr, reader.channels, reader.notes

    @property
    def n_samples(self) -> int:
        return self._reader.n_samples

    @property
    def announced_samples(self) -> int:
        return self._reader.announced_samples

    def read(self, start: int, stop: int) -> np.ndarray:
        try:
            return self._reader.read(start, stop)
        except (sf.SoundFileError, _DamageError) as error:
            if isinstance(error, _DamageError) and self.announced_samples * self.channels > WHOLE_DECODE_LIMIT:
                return self._read_past_damage(start, stop)
            audio = decode(self._path, Route(ffmpeg_first=True))
            fallback = _in_memory(audio, self.notes)
            lost = round(sum(end - start for start, end in audio.lost) * audio.sr)
            kept = fallback.n_samples if self._guessed else self.announced_samples - lost
            fallback.announced_samples = max(kept, fallback.n_samples)
            self._reader, self.notes = fallback, fallback.notes
            return fallback.read(start, stop)

    def _read_past_damage(self, start: int, stop: int) -> np.ndarray:
        """Samples ``[start, stop)`` read on by seeking past the damage met, as before damage was located, for a file
        too long to decode whole (:data:`WHOLE_DECODE_LIMIT`), with a note that says so."""
        self._seeking.passes_damage = True
        minutes = self.announced_samples / self.sr / 60
        self.notes = (*self.notes, DAMAGE_UNLOCATED.format(minutes=minutes))
        return self._seeking.read(start, stop)


def _in_memory(audio: DecodedAudio, notes: tuple[str, ...] = ()) -> ArrayReader:
    """A whole decode as a reader, with ``notes`` and what it must say of the audio it lost
    (:func:`~musictagger.audio.decode.lost_notes`)."""
    reader = ArrayReader(audio.y, audio.sr)
    reader.notes = (*notes, *lost_notes(audio))
    return reader
