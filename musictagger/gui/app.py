"""``musictagger-gui [FILE...]``: start Qt, open the window, queue FILEs (files or folders) for analysis.

A file manager's "Open with musictagger" runs ``musictagger-gui FILE...`` (the desktop entry's
``Exec=musictagger-gui %F``), so those files are queued the same way; while a window is open on the library, in
that window (:mod:`~musictagger.gui.single_instance`).
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QMessageBox

import musictagger
from musictagger.arguments import Parser, output_failed
from musictagger.gui.display import display_checked
from musictagger.gui.errors import describe, install_excepthook, setup_logging
from musictagger.gui.icon import APP_ID, app_icon
from musictagger.gui.quit_signals import QuitOnSignals
from musictagger.gui.single_instance import OpenWindowServer, hand_to_open_window
from musictagger.interrupts import OutputError, interrupted
from musictagger.userdirs import APP_NAME
from musictagger.version import VersionAction

if TYPE_CHECKING:
    from musictagger.gui.main_window import MainWindow
    from musictagger.gui.settings import Settings


def create_window(files: list[Path], settings: Settings | None = None) -> MainWindow:
    """Build and show the main window with ``files`` queued (the app's and the tests' one way in).

    The window's modules are imported here, not with this one's: a start that hands its files to the window already
    open (:func:`main`) never needs them, and importing them took it 1.2-1.5 s more (2.0-2.6 s against 3.5-3.7 s on
    a busy 2-core machine)."""
    from musictagger.gui.main_window import MainWindow
    from musictagger.gui.settings import Settings
    from musictagger.gui.theme import apply_theme

    settings = settings or Settings()
    apply_theme(settings.theme)
    window = MainWindow(settings)
    install_excepthook(window)
    window.show()
    window.open_paths(files)
    gc.freeze()  # the start-up heap (Qt wrappers, pyqtgraph, numpy …) leaves the collector: no 40 ms full collections later
    return window


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="musictagger-gui", description="Open the musictagger window.")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="files or folders to analyse")
    parser.add_argument("--version", action=VersionAction)
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help='put the window in the desktop\'s menu and "Open with" (its entry, icons and metainfo in ~/.local/share), then exit',
    )
    desktop.add_argument(
        "--remove-desktop-entry",
        action="store_true",
        help="take them away again (your library and settings stay), then exit",
    )
    parser.add_argument(
        "--quit-after-first-result",
        action="store_true",
        help="for scripted checks: print the first file's result as the window shows it, then quit (status 1 if it failed)",
    )
    parser.add_argument(
        "--screenshot", type=Path, metavar="PNG", help="with --quit-after-first-result: save the window"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the window until it is closed; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:  # before Qt, which needs a display (and takes options of its own); --version and --help exit here
        early, _ = parser.parse_known_args(args)
    except (BrokenPipeError, OutputError) as exc:  # --version > /dev/full said nothing and exited 0
        return output_failed(exc)
    if early.install_desktop_entry or early.remove_desktop_entry:
        if early.files:
            parser.error("--install-desktop-entry and --remove-desktop-entry take no FILE")
        from musictagger import desktop_entry  # as create_window's imports

        try:
            return desktop_entry.run(install_it=early.install_desktop_entry)
        except (BrokenPipeError, OutputError) as exc:  # done, but not said: a full disk under the output
            return output_failed(exc)
    app = QApplication.instance()
    if app is None:
        with display_checked(args) as problem:
            if problem:
                print(f"musictagger-gui: error: {problem}", file=sys.stderr)
                return 1
            app = QApplication([sys.argv[0], *args])
        args = app.arguments()[1:]  # without the options Qt took for itself (-platform, -style …)
    options = parser.parse_args(args)
    if options.quit_after_first_result and not options.files:
        parser.error("--quit-after-first-result needs a FILE")
    if options.screenshot and not options.quit_after_first_result:
        parser.error("--screenshot goes with --quit-after-first-result")
    if not options.quit_after_first_result and (pid := hand_to_open_window(options.files)) is not None:
        taken = "took the files" if options.files else "came to the front"
        print(f"musictagger-gui: the window open on this library (process {pid}) {taken}", file=sys.stderr)
        return 0
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(musictagger.__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    setup_logging()
    from musictagger.process import prepare_analysing_process  # NumPy, as create_window's imports

    prepare_analysing_process()
    with QuitOnSignals() as signals:  # Ctrl-C, SIGTERM and SIGHUP close the window as Quit does
        try:
            window = create_window(options.files)
            if options.quit_after_first_result:
                from musictagger.gui.first_result import quit_after_first_result  # as create_window's imports

                quit_after_first_result(window, options.screenshot)
            else:
                OpenWindowServer(window, window.open_paths)
        # E.g. a missing model: say so in a dialog rather than a traceback on a console nobody sees.
        except Exception as exc:
            QMessageBox.critical(None, "musictagger cannot start", describe(exc))  # modal: the process ends after it
            return 1
        status = app.exec()
    del window
    return interrupted(signals.received) if signals.received is not None else status
