"""The bundle's ``musictagger-gui`` executable: the window (PyInstaller's entry script)."""

import multiprocessing
import sys

from musictagger.gui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the analysis process is spawned: in a frozen app it re-runs this executable
    sys.exit(main())
