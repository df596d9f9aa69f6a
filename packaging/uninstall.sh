#!/usr/bin/env sh
# Remove what install.sh installed (the same option or PREFIX): the app folder, the two links on the PATH,
# and the desktop entry, icons and metainfo named after the app's id.  Your library, settings and tagging
# journal (~/.local/share/musictagger, ~/.config/musictagger) and the log (~/.cache/musictagger) are left
# alone, and it says where (the top-level README's "Uninstalling" says how to remove them).
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
if [ "${1:-}" = "--system" ]; then
    echo "each user's library, tagging journal and settings stay in their ~/.local/share/musictagger and ~/.config/musictagger"
else
    echo "your library, tagging journal and settings stay in ${XDG_DATA_HOME:-$HOME/.local/share}/musictagger" \
        "and ${XDG_CONFIG_HOME:-$HOME/.config}/musictagger, the log in ${XDG_CACHE_HOME:-$HOME/.cache}/musictagger"
fi
