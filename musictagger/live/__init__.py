"""Live recognition: what an audio source hears, analysed every second (Qt-free).

The window's live panel and ``musictagger listen`` both drive :class:`LiveRecognizer`
over an :class:`~musictagger.audio.capture.AudioSource`.
"""

from musictagger.live.recognizer import LiveRecognizer, LiveResult, LiveSettings, LiveState

__all__ = ["LiveRecognizer", "LiveResult", "LiveSettings", "LiveState"]
