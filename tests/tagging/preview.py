"""``musictagger tag``'s preview read back as a user reads it: each file's row under the heading of its action."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def preview_actions(out: str, paths: Iterable[Path]) -> dict[Path, str]:
    """The action text (``skip: is read-only``) the preview in ``out`` gives each of ``paths``: the heading above
    its row, the heading's wrapped lines joined.  A row is a line ending in one of the paths; a heading starts at
    the line's first column, its continuation lines are indented."""
    shown = {str(path).replace("\n", "\\n"): path for path in paths}
    actions: dict[Path, str] = {}
    heading: list[str] = []
    rows_since_heading = True
    for line in out.splitlines():
        path = next((shown[text] for text in shown if line.endswith(f"  {text}")), None)
        if path is not None:
            actions[path] = " ".join(heading)
            rows_since_heading = True
        elif line and not line.startswith(" "):
            heading, rows_since_heading = [line], False
        elif not rows_since_heading:
            heading.append(line.strip())
    return actions
