"""``python -m musictagger.gui [FILE...]``: open the window with FILEs queued for analysis."""

from musictagger.gui.app import main

if __name__ == "__main__":  # the spawned analysis process imports this module too
    raise SystemExit(main())
