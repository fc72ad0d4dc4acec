"""The protocol every voice engine follows."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Engine(Protocol):
    """Turns text into mono float32 audio at `sample_rate_hz`; nothing else.

    `settings` holds every choice that changes the audio, so the clip cache can key on it.
    """

    name: str
    voice_name: str  # which voice, for people: "en_US-joe-medium", "en via google.co.uk"
    sample_rate_hz: int

    def settings(self) -> dict[str, object]: ...

    def synthesize(self, text: str) -> np.ndarray: ...
