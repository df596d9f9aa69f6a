"""A drive as music is carried on, mounted for a test: FAT32 through FUSE (fusefat), a file system that sets no
permissions or owners (chmod and chown are `Function not implemented`, as on gvfs's shares and phones), refuses the
characters Windows refuses in a name, and gives no size (a free space of 0)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def fuse_fat_drive(tmp_path: Path) -> Iterator[Path]:
    """An empty 40-MiB FAT32 drive mounted through FUSE; skipped where it cannot be made (not root, no fusefat)."""
    tools, image, drive = _image_to_mount(
        tmp_path,
        "fat.img",
        40 << 20,
        ("mkfs.vfat", "fusefat"),
        "mounts a FAT image through FUSE: needs root, /dev/fuse, mkfs.vfat and fusefat (apt dosfstools fusefat)",
    )
    subprocess.run([tools[0], "-F", "32", str(image)], check=True, capture_output=True)
    subprocess.run([tools[1], "-o", "rw+", str(image), str(drive)], check=True, capture_output=True)
    try:
        yield drive
    finally:
        subprocess.run(["umount", str(drive)], check=True)


@pytest.fixture
def exfat_drive(tmp_path: Path) -> Iterator[Path]:
    """An empty 8-MiB exFAT drive (a USB stick's, an SD card's file system), case-insensitive: ``song.wav`` renamed
    ``Song.wav`` is found by either name.  Mounted through FUSE (exfat-fuse) on a loop device; skipped where it cannot
    be made (not root, no exfatprogs or exfat-fuse)."""
    tools, image, drive = _image_to_mount(
        tmp_path,
        "exfat.img",
        8 << 20,
        ("mkfs.exfat", "mount.exfat-fuse", "losetup"),
        "mounts an exFAT image: needs root, /dev/fuse, losetup, mkfs.exfat and exfat-fuse (apt exfatprogs exfat-fuse)",
    )
    subprocess.run([tools[0], str(image)], check=True, capture_output=True)
    device = subprocess.run([tools[2], "-f", "--show", str(image)], check=True, capture_output=True, text=True)
    loop = device.stdout.strip()
    try:
        subprocess.run([tools[1], loop, str(drive)], check=True, capture_output=True)
        try:
            yield drive
        finally:
            subprocess.run(["umount", str(drive)], check=True)
    finally:
        subprocess.run([tools[2], "-d", loop], check=True)


def _image_to_mount(
    tmp_path: Path, name: str, size: int, tool_names: tuple[str, ...], needs: str
) -> tuple[list[str], Path, Path]:
    """The paths of ``tool_names``, an empty image file ``name`` of ``size`` bytes and an empty folder to mount it on,
    in ``tmp_path``; the test is skipped, saying what it ``needs``, where it cannot mount (not root, a tool or
    /dev/fuse missing)."""
    tools = [shutil.which(tool) for tool in tool_names]
    if os.geteuid() != 0 or not all(tools) or not os.path.exists("/dev/fuse"):
        pytest.skip(needs)
    image, drive = tmp_path / name, tmp_path / "drive"
    with open(image, "wb") as file:
        file.truncate(size)
    drive.mkdir()
    return tools, image, drive
