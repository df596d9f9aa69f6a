#!/usr/bin/env sh
# Remove what install.sh installed (the same option or PREFIX): the app folder, the two links on the PATH,
# and the desktop entry, icons and metainfo named after the app's id.  Your library, settings and tagging
# journal (~/.local/share/musictagger, ~/.config/musictagger) are left alone.
set -eu
ID=io.github.musictagger.MusicTagger
if [ "${1:-}" = "--system" ]; then PREFIX=${PREFIX:-/usr/local}; else PREFIX=${PREFIX:-$HOME/.local}; fi

for program in musictagger musictagger-gui; do
    link="$PREFIX/bin/$program"
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$PREFIX/lib/musictagger/$program" ]; then rm -f "$link"; fi
done
rm -rf "$PREFIX/lib/musictagger"
rm -f "$PREFIX/share/applications/$ID.desktop" "$PREFIX/share/metainfo/$ID.metainfo.xml"
if [ -d "$PREFIX/share/icons/hicolor" ]; then
    find "$PREFIX/share/icons/hicolor" -type f -name "$ID.*" -exec rm -f {} +
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -f -t "$PREFIX/share/icons/hicolor" || true
echo "removed musictagger from $PREFIX"
