"""The online voice: Google Translate's text-to-speech through gTTS, with retries and decoding."""

from __future__ import annotations

import io
import random
import time
from typing import Callable

import numpy as np

from .. import ffmpeg
from ..errors import AudiocoachError
from ..model import Voice

SAMPLE_RATE = 24_000  # what Google sends; decoding keeps it, so nothing is resampled
TIMEOUT_S = 10.0  # gTTS waits forever by default
ATTEMPTS = 5
BACKOFF_S = 1.0  # first wait after a 429 or 5xx; doubles each time, plus jitter
PROBE_URL = "https://translate.google.com"
PROBE_TIMEOUT_S = 3.0


def decode_mp3(data: bytes, sample_rate_hz: int, speed: float = 1.0) -> np.ndarray:
    """Mono float32 PCM from MP3 bytes, optionally time-stretched without changing pitch."""
    try:
        return ffmpeg.decode(data, sample_rate_hz, input_format="mp3",
                             audio_filter=f"atempo={speed}" if speed != 1.0 else None)
    except ffmpeg.DecodeError as error:
        raise AudiocoachError.engine(f"Google's audio could not be decoded: {error}",
                                     "try again, or use --engine piper") from None


def google_reachable() -> bool:
    """One quick request to Google Translate: does it answer at all?"""
    import requests

    try:
        response = requests.head(PROBE_URL, timeout=PROBE_TIMEOUT_S, allow_redirects=False)
    except requests.RequestException:
        return False
    return response.status_code < 500


class GttsEngine:
    name = "gtts"
    sample_rate = SAMPLE_RATE

    def __init__(self, voice: Voice, sleep: Callable[[float], None] = time.sleep):
        from gtts.lang import tts_langs

        if voice.language not in tts_langs():
            raise AudiocoachError.engine(
                f"Google TTS has no language '{voice.language}'",
                "use a code such as en, de, fr, es (see `gtts-cli --all`)")
        self.language = voice.language
        self.accent = voice.accent
        self.speed = voice.speed
        self.sleep = sleep
        self.voice_name = f"{voice.language} via translate.google.{voice.accent}"

    def settings(self) -> dict[str, object]:
        return {"language": self.language, "accent": self.accent, "speed": self.speed}

    def synthesize(self, text: str) -> np.ndarray:
        return decode_mp3(self.fetch(text), SAMPLE_RATE, self.speed)

    def fetch(self, text: str) -> bytes:
        """The MP3 Google returns, retrying throttling (429) and server errors (5xx)."""
        from gtts import gTTS, gTTSError

        for attempt in range(1, ATTEMPTS + 1):
            buffer = io.BytesIO()
            try:
                gTTS(text, lang=self.language, tld=self.accent, timeout=TIMEOUT_S).write_to_fp(buffer)
                return buffer.getvalue()
            except gTTSError as error:
                status = error.rsp.status_code if error.rsp is not None else None
                retry = status is not None and (status == 429 or status >= 500)
                if not retry or attempt == ATTEMPTS:
                    raise AudiocoachError.engine(
                        f"Google TTS failed: {error.msg}",
                        "try again later, or use --engine piper for the offline voice") from None
                self.sleep(BACKOFF_S * 2 ** (attempt - 1) * (1 + random.random()))
        raise AssertionError("unreachable")
