#!/usr/bin/env sh
# Install the musictagger bundle: the app folder, `musictagger` and `musictagger-gui` on the PATH, and
# the desktop entry, icons and AppStream metainfo so the desktop lists it and offers "Open with".
#   ./install.sh            for you:       ~/.local/lib/musictagger, ~/.local/bin, ~/.local/share
#   sudo ./install.sh --system  for everyone: /usr/local/lib/musictagger, /usr/local/bin, /usr/local/share
# PREFIX=/some/where ./install.sh installs under that prefix instead.  ./uninstall.sh (same option) undoes it.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ID=io.github.musictagger.MusicTagger
if [ "${1:-}" = "--system" ]; then PREFIX=${PREFIX:-/usr/local}; else PREFIX=${PREFIX:-$HOME/.local}; fi

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo"
rm -rf "$PREFIX/lib/musictagger"
cp -R "$HERE/musictagger" "$PREFIX/lib/musictagger"
for program in musictagger musictagger-gui; do
    ln -sf "$PREFIX/lib/musictagger/$program" "$PREFIX/bin/$program"
done
# The entry names the installed program by its full path: ~/.local/bin is not on every session's PATH.
# Exec's argument in double quotes, with " ` $ \ escaped inside them, then every \ doubled for the key's string
# value and % doubled (Desktop Entry spec): unquoted, a prefix with a space (a home folder's) split the path in
# two and the desktop hid the entry.  TryExec is a plain string: its backslashes doubled alone.
program=$PREFIX/bin/musictagger-gui
exec_path=$(printf '%s\n' "$program" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
try_path=$(printf '%s\n' "$program" | sed -e 's/\\/\\\\/g')
while IFS= read -r line; do
    case $line in
        "Exec=musictagger-gui "*) printf 'Exec="%s" %s\n' "$exec_path" "${line#Exec=musictagger-gui }" ;;
        "TryExec=musictagger-gui") printf 'TryExec=%s\n' "$try_path" ;;
        *) printf '%s\n' "$line" ;;
    esac
done <"$HERE/share/applications/$ID.desktop" >"$PREFIX/share/applications/$ID.desktop"
cp "$HERE/share/metainfo/$ID.metainfo.xml" "$PREFIX/share/metainfo/"
(cd "$HERE/share" && find icons -type f -name "$ID.*") | while read -r icon; do
    mkdir -p "$PREFIX/share/$(dirname "$icon")"
    cp "$HERE/share/$icon" "$PREFIX/share/$icon"
done

# Refresh the desktop's caches where the tools exist (a missing tool only delays the menu's update).
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "installed musictagger under $PREFIX (run: $PREFIX/bin/musictagger-gui)"
