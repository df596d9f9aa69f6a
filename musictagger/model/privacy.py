"""onnxruntime records and sends nothing: no device id, no event queue on disk, no upload.

Official onnxruntime wheels for Linux (1.32 here) start Microsoft's 1DS telemetry when the
library is *loaded*: they write ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid`` and an
event queue ``onnxruntime.db`` (process, OS, CPU and container details), and look up the
collector's address (DNS).  ``onnxruntime.disable_telemetry_events()`` only stops events logged
after it; the variable ``ORT_DISABLE_TELEMETRY``, set before the library loads, stops telemetry
from starting at all.  :func:`disable_telemetry` does both, and runs when ``musictagger.model`` is
imported, which every path to an inference session goes through.
"""

from __future__ import annotations

import os

TELEMETRY_OFF_VARIABLE = "ORT_DISABLE_TELEMETRY"


def disable_telemetry() -> None:
    """Turn onnxruntime's telemetry off for this process and the processes it starts."""
    os.environ[TELEMETRY_OFF_VARIABLE] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
