"""What a file that is not a recording is, told by its first bytes, so that the reason a user reads names it.

A music folder holds MIDI files and tracker modules beside its songs, a CD image's cue sheet and rip log, playlists,
cover art and, from a drive a Mac wrote to, a ``._`` AppleDouble file beside each song.  FFmpeg, asked to
decode them, says ``Invalid data found when processing input``, or reads a tracker module as "CD Graphics", a
playlist as "LRC lyrics" and a rip log as "Tele-typewriter": reasons that call a valid MIDI file damaged and
send the user looking for a fault that is not there.  :func:`not_a_recording` says what such a file is instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from musictagger.audio.files import AUDIO_EXTENSIONS
from musictagger.tags.cue_sheet import sheet_lines

HEAD_BYTES = 4096
"""The bytes :func:`not_a_recording` is given: a MOD's signature is at 1080, text is judged on its first 4 KiB."""

_CANNOT = "musictagger cannot analyse it (render it to an audio file first)"

# A ProTracker-style MOD's signature at byte 1080: its channel count's spelling by the tracker that wrote it.
_MOD_SIGNATURES = frozenset({b"M.K.", b"M!K!", b"M&K!", b"FLT4", b"FLT8", b"CD81", b"OKTA", b"OCTA", b"N.T."})
_MOD_CHANNELS = re.compile(rb"^(?:[1-9]CHN|[1-9][0-9]CH|[1-9][0-9]CN|TDZ[1-9])$")
# How recordings start (an ID3 tag, RIFF, FLAC, Ogg, AIFF, WavPack, Monkey's Audio, DSD, CAF); MP4 has ``ftyp`` at 4.
_RECORDING_MAGIC = (b"ID3", b"RIFF", b"fLaC", b"OggS", b"FORM", b"wvpk", b"MAC ", b"DSD ", b"FRM8", b"caff")


def starts_a_recording(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, start as a recording does: a container's mark (:data:`_RECORDING_MAGIC`,
    MP4's ``ftyp`` at byte 4) or an MPEG audio frame's 11 sync bits (an MP3, MP2 or AAC stream without a tag before
    it), of a layer other than I, whose bits a UTF-16 text's byte-order mark (``FF FE``) has too."""
    mpeg = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0x06
    return head.startswith(_RECORDING_MAGIC) or head[4:8] == b"ftyp" or mpeg


def is_a_recording(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, are a recording's: they start as one does (:func:`starts_a_recording`)
    and are not text, NUL-separated names included.  A list of files whose first name starts as a container's mark
    does (``caffeine.flac``, ``RIFF Raff.wav``, ``ID3 tags/…``) is text, not a CAF, a WAV or an MP3."""
    return starts_a_recording(head) and _text(head.replace(b"\0", b"\n")) is None


def _tracker(head: bytes) -> str | None:
    """The tracker module format ``head`` starts, if any."""
    if head.startswith(b"Extended Module:"):
        return "XM"
    if head.startswith((b"IMPM", b"MPTM")):
        return "IT"
    if head[44:48] == b"SCRM":
        return "S3M"
    if starts_a_recording(head):  # a tag's text may spell "10CH" at 1080
        return None
    if head[1080:1084] in _MOD_SIGNATURES or _MOD_CHANNELS.match(head[1080:1084]):
        return "MOD"
    return None


def _text(head: bytes) -> str | None:
    """``head`` as text, if it is: UTF-8 (a cut last character allowed) or UTF-16 with its byte-order mark, without
    the control characters a binary format's sizes and flags are full of."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    else:
        text = head.decode("utf-8", "ignore") if _utf8(head) else None
    if text is None or not text.strip():
        return None
    return None if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text) else text.lstrip("\ufeff")


def _utf8(head: bytes) -> bool:
    """Whether ``head`` is UTF-8, but for a character cut by the read's end."""
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return cut == 0 or len(head) == HEAD_BYTES
    return False


def _text_kind(text: str, name: str) -> str | None:
    """What a text file is: a cue sheet, a playlist, a web page (what a download that failed saves under the song's
    name: a server's "403 Forbidden", a login page), or text; None for other text named as audio, which the decoders'
    words call damaged."""
    if re.match(r"\s*<(?:!doctype\s+html|html|head|body)\b", text, re.IGNORECASE):
        return "a web page, not audio (a download that failed?)"
    lines = list(sheet_lines(text))
    files = [file for file, _kind in lines if file is not None]
    if files and any(kind is not None for _file, kind in lines):
        return f"a cue sheet (the track list of {files[0]}), not audio: analyse {files[0]} itself"
    first = text.lstrip().splitlines()[0].strip().lower()
    if first.startswith(("#extm3u", "[playlist]")) or (first.startswith("<?xml") and "<playlist" in text):
        return "a playlist, not audio: analyse the files it lists"
    return None if Path(name).suffix.lower() in AUDIO_EXTENSIONS else "a text file, not audio"


def not_a_recording(head: bytes, name: str) -> str | None:
    """Why the file named ``name`` cannot be analysed, when ``head``, its first :data:`HEAD_BYTES` bytes, says what
    else it is (MIDI, a tracker module, a macOS AppleDouble file, an image, a cue sheet, a playlist, a web page,
    text); None for anything else, which the decoders try."""
    if head.startswith(b"MThd") or (head.startswith(b"RIFF") and head[8:12] == b"RMID"):
        return f"MIDI holds notes, not sound; {_CANNOT}"
    if kind := _tracker(head):
        return f"a tracker module ({kind}) holds notes and the samples a player plays them with, not a recording; {_CANNOT}"
    if head.startswith((b"\x00\x05\x16\x07", b"\x00\x05\x16\x00")):
        about = name[2:] if name.startswith("._") and len(name) > 2 else "a file"
        return f"a macOS AppleDouble file (the Finder's data about {about}, kept beside it on a FAT or exFAT drive), not audio"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return "an image, not audio"
    text = _text(head)
    return None if text is None else _text_kind(text, name)
