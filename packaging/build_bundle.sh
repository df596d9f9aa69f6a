#!/usr/bin/env bash
# `make bundle`: the PyInstaller one-folder bundle (dist/musictagger/) and its tarball
# (dist/musictagger-VERSION-linux-ARCH.tar.gz: the folder, install.sh, uninstall.sh and share/ with the
# desktop entry, icons and metainfo).  Usage: packaging/build_bundle.sh [PYTHON]  (a Python 3.11)
#
# It builds in its own virtual environment (.venv-bundle) where the package is installed from its
# wheel, not editable: the bundle then holds exactly what the wheel ships (the model, its licences,
# the icons), and no torch or test tools, which PyInstaller would otherwise see and collect.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-python3}
VENV=.venv-bundle
step() { printf '[%4ds] %s\n' "$SECONDS" "$*"; }

if [ ! -x "$VENV/bin/pyinstaller" ]; then
    step "creating $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
fi
rm -rf build/lib  # pip builds the wheel in-tree: no stale copies of files since removed
step "installing musictagger (from its wheel) and PyInstaller into $VENV"
"$VENV/bin/pip" install --quiet --force-reinstall --no-deps . 2>build-pip.log && "$VENV/bin/pip" install --quiet ".[bundle]" 2>>build-pip.log \
    || { cat build-pip.log; exit 1; }
rm -f build-pip.log

step "PyInstaller (packaging/musictagger.spec)"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/musictagger.spec

VERSION=$("$VENV/bin/python" -c 'import musictagger; print(musictagger.__version__)')
NAME=musictagger-$VERSION-linux-$(uname -m)
STAGE=build/$NAME
ID=io.github.musictagger.MusicTagger
step "staging $NAME.tar.gz"
rm -rf "$STAGE" && mkdir -p "$STAGE/share/applications" "$STAGE/share/metainfo"
cp -R dist/musictagger "$STAGE/musictagger"
cp packaging/install.sh packaging/uninstall.sh "$STAGE/"
cp resources/$ID.desktop "$STAGE/share/applications/"
cp resources/$ID.metainfo.xml "$STAGE/share/metainfo/"
cp -R resources/icons "$STAGE/share/icons"
tar -C build -czf "dist/$NAME.tar.gz" "$NAME"
step "dist/musictagger/: $(du -sh dist/musictagger | cut -f1); dist/$NAME.tar.gz: $(du -sh "dist/$NAME.tar.gz" | cut -f1)"
