"""The model: its manifest (sidecar), runtime (onnxruntime), verdict policy and hash codes.

Importing this package turns onnxruntime's telemetry off first (see :mod:`musictagger.model.privacy`),
so that no inference session is ever created with it on.
"""

from musictagger.model.privacy import disable_telemetry

disable_telemetry()
