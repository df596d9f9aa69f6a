"""onnxruntime records and sends nothing: no device id, no event queue on disk, no upload.

Official onnxruntime wheels for Linux (1.32 here) start Microsoft's 1DS telemetry when the
library is *loaded*: they write ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid`` and an
event queue ``onnxruntime.db`` (process, OS, CPU and container details), and look up the
collector's address (DNS).  ``onnxruntime.disable_telemetry_events()`` only stops events logged
after it; the variable ``ORT_DISABLE_TELEMETRY``, set before the library loads, stops telemetry
from starting at all.  :func:`disable_telemetry` sets the variable (and stops the events of a library
loaded before it), and runs when ``musictagger.model`` is imported, which every path to an inference
session goes through.
"""

from __future__ import annotations

import os
import sys

TELEMETRY_OFF_VARIABLE = "ORT_DISABLE_TELEMETRY"


def disable_telemetry() -> None:
    """Turn onnxruntime's telemetry off for this process and the processes it starts.

    The variable is enough for an onnxruntime loaded after it, so this does not load the library: the parts
    of the app that read a model's sidecar, its verdict's words or its codes (tagging, the library) never
    load it.  One loaded before (by whoever imported it first) gets its events stopped as well."""
    os.environ[TELEMETRY_OFF_VARIABLE] = "1"
    onnxruntime = sys.modules.get("onnxruntime")
    if onnxruntime is not None:
        onnxruntime.disable_telemetry_events()
