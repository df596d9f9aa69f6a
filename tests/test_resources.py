"""The desktop integration files in resources/: valid for the desktop's own tools, and in step with the app.

``desktop-file-validate`` (desktop-file-utils) and ``appstreamcli`` (appstream) are Debian
packages that ``make test`` installs; the release notes of the metainfo must be CHANGELOG.md's.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

import musictagger
from musictagger.audio.files import AUDIO_EXTENSIONS
from musictagger.gui.icon import APP_ID, icon_files

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"

# The freedesktop.org (shared-mime-info) type of each extension the decoder reads.
MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/x-opus+ogg",
    ".wav": "audio/x-wav",
    ".aif": "audio/x-aiff",
    ".aiff": "audio/x-aiff",
    ".aifc": "audio/x-aifc",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".wma": "audio/x-ms-wma",
    ".wv": "audio/x-wavpack",
    ".tta": "audio/x-tta",
    ".mka": "audio/x-matroska",
    ".m4b": "audio/x-m4b",
    ".mp2": "audio/mp2",
    ".ac3": "audio/ac3",
    ".ape": "audio/x-ape",
    ".dsf": "audio/x-dsf",
    ".dff": "audio/x-dff",
    ".webm": "audio/webm",  # file managers sniff most .webm files as video/webm, which the entry does not claim
    ".caf": "audio/x-caf",  # shared-mime-info has no Core Audio or Wave64 type: the names other programs give
    ".w64": "audio/x-w64",
    ".au": "audio/basic",
    ".snd": "audio/basic",
    ".dts": "audio/vnd.dts",
    ".mkv": "audio/x-matroska",  # file managers sniff a .mkv as video/x-matroska, which the entry does not claim
    ".amr": "audio/AMR",  # as shared-mime-info spells it
    ".awb": "audio/AMR-WB",
    ".3ga": "audio/3gpp",  # shared-mime-info's alias of video/3gpp, which the entry does not claim
    ".eac3": "audio/eac3",  # shared-mime-info has none: IANA's name
    ".ec3": "audio/eac3",
    ".shn": "application/x-shorten",
    ".mpc": "audio/x-musepack",
    ".spx": "audio/x-speex",
    ".rf64": "audio/x-wav",  # shared-mime-info has no RF64 or BW64 type: the WAV's, whose 64-bit forms they are
    ".bw64": "audio/x-wav",
}


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed (`make test` installs desktop-file-utils and appstream)")
    return subprocess.run(command, capture_output=True, text=True)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_desktop_entry_is_valid() -> None:
    result = run_tool("desktop-file-validate", str(DESKTOP))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_metainfo_is_valid() -> None:
    result = run_tool("appstreamcli", "validate", "--no-net", "--explain", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_desktop_entry_opens_every_format_the_decoder_reads_in_the_window() -> None:
    entry = desktop_entry()
    assert entry["Exec"] == "musictagger-gui %F"  # several files, as local paths: argv FILEs
    assert entry["Icon"] == APP_ID
    assert set(MIME_TYPES) == set(AUDIO_EXTENSIONS), "a new extension needs its MIME type here and in the entry"
    registered = set(filter(None, entry["MimeType"].split(";")))
    assert {MIME_TYPES[ext] for ext in AUDIO_EXTENSIONS} <= registered


def test_the_metainfo_launches_the_desktop_entry_and_names_the_model_licence() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    description = " ".join(component.find("description").itertext())
    assert "non-commercial" in description
    assert "MIT" in component.findtext("project_license")


def test_the_metainfo_releases_are_the_changelog_s_and_the_newest_is_this_version() -> None:
    changelog = re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    releases = [(r.get("version"), r.get("date")) for r in ET.parse(METAINFO).getroot().iter("release")]
    assert releases == changelog
    assert releases[0][0] == musictagger.__version__


def test_the_icon_has_every_size_rendered_from_its_svg() -> None:
    sizes = {}
    for path in icon_files():
        image = QImage(str(path))
        assert image.width() == image.height(), path
        assert path.parent.parent.name == f"{image.width()}x{image.height()}", path
        sizes[image.width()] = image
    assert sorted(sizes) == [16, 32, 48, 64, 128, 256]
    assert sizes[256].pixelColor(128, 128).alpha() == 255 and sizes[256].pixelColor(0, 0).alpha() == 0
    assert (RESOURCES / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
