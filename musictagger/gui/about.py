"""The About box: which model this is, what it was trained on, how good it is and its licences.

Everything comes from the model's sidecar, so the box always describes the weights in use.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

import musictagger
from musictagger.model.manifest import ModelManifest


def about_text(manifest: ModelManifest) -> str:
    """Rich text naming the model, its training data, its test accuracy and its licences."""
    training = manifest.training
    tracks = training.get("tracks", {})
    split = ", ".join(f"{count} {name}" for name, count in tracks.items())
    accuracy = manifest.metrics.get("test", {}).get("accuracy", {})
    accuracy_text = ""
    if isinstance(accuracy, dict) and "value" in accuracy:
        low, high = accuracy.get("ci95", (None, None))
        accuracy_text = f"<p>Test accuracy: {accuracy['value']:.2f}" + (
            f" (95% interval {low:.2f}–{high:.2f})</p>" if low is not None else "</p>"
        )
    licences = "".join(
        f"<li><b>{html.escape(item.get('component', ''))}</b>: {html.escape(item.get('licence', ''))}. "
        f"{html.escape(item.get('notice', ''))}</li>"
        for item in manifest.licences
    )
    return (
        f"<h3>musictagger {musictagger.__version__}</h3>"
        "<p>Listens to music and tags it: genre, a 64-bit hash code, similar tracks.</p>"
        f"<p>Model: <b>{html.escape(manifest.name)}</b> ({html.escape(manifest.model_id)}), a hash-CNN-LSTM "
        f"({manifest.bits}-bit code) over a frozen musicnn FCN-5 backbone; genres: {', '.join(manifest.labels)}.</p>"
        f"<p>Trained on: {html.escape(str(training.get('data', 'unknown')))}"
        + (f" ({split} tracks)" if split else "")
        + "</p>"
        + accuracy_text
        + f"<p>Licences:</p><ul>{licences}</ul>"
        "<p>Code: MIT licence.</p>"
    )


def show_about(parent: QWidget, manifest: ModelManifest) -> None:
    """Open the About box."""
    QMessageBox.about(parent, "About musictagger", about_text(manifest))
