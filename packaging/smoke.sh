#!/usr/bin/env bash
# Smoke test of the built bundle (dist/musictagger/ and its tarball, from `make bundle`):
#  1. the bundled CLI prints its version and analyses a generated WAV, then indexes eight tagged WAVs and learns
#     a personal model from their genres (scikit-learn must be in the bundle);
#  2. the bundled window opens under Xvfb with that file queued (as "Open with" passes it) and shows
#     its verdict; the time from launch to the window mapped on the X server (xdotool) and to the
#     verdict shown is printed, and a screenshot saved to reports/screenshots/bundle-window.png;
#  3. install.sh and uninstall.sh from the tarball, into a temporary prefix: the desktop entry
#     (validated), icons and metainfo land in share/ and are all removed again.
# Needs Xvfb and xdotool (Debian: xvfb, xdotool) and a python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
APP=$ROOT/dist/musictagger
TARBALL=$(ls "$ROOT"/dist/musictagger-*-linux-*.tar.gz)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/musictagger-smoke.XXXXXX")
XVFB_PID=
cleanup() { [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache
unset PYTHONPATH MUSICTAGGER_MODEL
echo "bundle: $(du -sh "$APP" | cut -f1) in $APP; tarball: $(du -sh "$TARBALL" | cut -f1)"

python3 - "$WORK/song.wav" <<'PY'
"""A 10 s chord with a beat, 16-bit WAV, from the standard library alone (the bundle has no Python for us)."""
import math, random, struct, sys, wave
sr, rng = 22050, random.Random(0)
frames = bytearray()
for i in range(10 * sr):
    t = i / sr
    chord = sum(math.sin(2 * math.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3
    beat = math.exp(-30 * (t % 0.5)) * rng.uniform(-1, 1)
    frames += struct.pack("<h", int(32767 * (0.4 * chord + 0.2 * beat)))
with wave.open(sys.argv[1], "wb") as out:
    out.setnchannels(1); out.setsampwidth(2); out.setframerate(sr); out.writeframes(bytes(frames))
PY

echo "--- the bundled CLI"
"$APP/musictagger" --version
"$APP/musictagger" analyze "$WORK/song.wav"

echo "--- the bundled CLI learns a personal model"
python3 - "$WORK/tagged" <<'PY'
"""Eight 6 s WAVs of two kinds (chords with a beat, a slow tone), each with its genre in a RIFF INFO chunk."""
import math, random, struct, sys, wave
from pathlib import Path
sr, folder = 22050, Path(sys.argv[1])
folder.mkdir()
for seed in range(4):
    for genre in ("Beats", "Drone"):
        rng, root, frames = random.Random(seed), 196.0 * 2 ** (seed / 12), bytearray()
        for i in range(6 * sr):
            t = i / sr
            if genre == "Beats":
                x = 0.13 * sum(math.sin(2 * math.pi * root * r * t) for r in (1, 1.26, 1.5))
                x += 0.3 * math.exp(-30 * (t % 0.5)) * rng.uniform(-1, 1)
            else:
                x = 0.3 * math.sin(2 * math.pi * root * t) * (0.6 + 0.4 * math.sin(2 * math.pi * 0.2 * t))
            frames += struct.pack("<h", int(32767 * x))
        path = folder / f"{genre}{seed}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1); out.setsampwidth(2); out.setframerate(sr); out.writeframes(bytes(frames))
        value = genre.encode() + b"\0"
        info = b"INFO" + b"IGNR" + struct.pack("<I", len(value)) + value + b"\0" * (len(value) % 2)
        data = bytearray(path.read_bytes()) + b"LIST" + struct.pack("<I", len(info)) + info
        data[4:8] = struct.pack("<I", len(data) - 8)
        path.write_bytes(bytes(data))
PY
"$APP/musictagger" index "$WORK/tagged"
"$APP/musictagger" learn --min-per-label 3 --name smoke | tail -2
"$APP/musictagger" models | grep -q " smoke " || { echo "error: the learnt model is not listed"; exit 1; }

echo "--- the bundled window under Xvfb"
# Xvfb picks a free display itself and writes its number (a fixed one may belong to another X server).
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>"$WORK/display" >/dev/null 2>&1 &
XVFB_PID=$!
for _ in $(seq 200); do [ -s "$WORK/display" ] && break; sleep 0.05; done
[ -s "$WORK/display" ] || { echo "error: Xvfb did not start"; exit 1; }
export DISPLAY=":$(cat "$WORK/display")" QT_QPA_PLATFORM=xcb
SHOT=$ROOT/reports/screenshots/bundle-window.png
start=$(date +%s.%N)
"$APP/musictagger-gui" --quit-after-first-result --screenshot "$SHOT" "$WORK/song.wav" >"$WORK/gui.out" &
GUI_PID=$!
until xdotool search --onlyvisible --name '^musictagger$' >/dev/null 2>&1; do
    kill -0 "$GUI_PID" 2>/dev/null || break
    sleep 0.02
done
shown=$(date +%s.%N)
wait "$GUI_PID"
done_at=$(date +%s.%N)
cat "$WORK/gui.out"
grep -q "song.wav: " "$WORK/gui.out"
python3 -c "import sys; s, w, d = map(float, sys.argv[1:]); print(f'launch -> window shown: {w - s:.2f} s; launch -> verdict shown and quit: {d - s:.2f} s')" "$start" "$shown" "$done_at"
echo "screenshot: ${SHOT#"$ROOT"/}"

echo "--- install.sh / uninstall.sh from the tarball"
tar -C "$WORK" -xzf "$TARBALL"
UNPACKED=$(echo "$WORK"/musictagger-*-linux-*)
PREFIX=$WORK/prefix "$UNPACKED/install.sh"
ID=io.github.musictagger.MusicTagger
for file in bin/musictagger bin/musictagger-gui share/applications/$ID.desktop share/metainfo/$ID.metainfo.xml \
        share/icons/hicolor/256x256/apps/$ID.png share/icons/hicolor/scalable/apps/$ID.svg; do
    [ -e "$WORK/prefix/$file" ] || { echo "error: install.sh did not install $file"; exit 1; }
done
desktop-file-validate "$WORK/prefix/share/applications/$ID.desktop"
grep -qx "Exec=\"$WORK/prefix/bin/musictagger-gui\" %F" "$WORK/prefix/share/applications/$ID.desktop"
"$WORK/prefix/bin/musictagger" --version
PREFIX=$WORK/prefix "$UNPACKED/uninstall.sh" | tee "$WORK/uninstall.txt"
grep -q "your library, tagging journal and settings stay in " "$WORK/uninstall.txt" \
    || { echo "error: uninstall.sh did not say where the user's data stays"; exit 1; }
# Only the desktop's own caches may stay (update-desktop-database rewrote them without the app).
left=$(find "$WORK/prefix" \( -type f -o -type l \) ! -name mimeinfo.cache ! -name icon-theme.cache)
[ -z "$left" ] || { echo "error: uninstall.sh left $left"; exit 1; }
! grep -rqs "$ID" "$WORK/prefix" || { echo "error: a desktop cache still names $ID"; exit 1; }
echo "smoke test passed"
