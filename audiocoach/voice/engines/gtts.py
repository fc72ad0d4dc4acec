"""The online voice: Google Translate's text-to-speech through gTTS, with retries and decoding."""

from __future__ import annotations

import io
import random
import time
from typing import Callable

import numpy as np

from audiocoach import ffmpeg
from audiocoach.errors import AudiocoachError
from audiocoach.routine.definitions import GTTS
from audiocoach.routine.model import Voice
from audiocoach.speech.languages import locale, web_language
from audiocoach.voice.engines.piper import offline_fix

SAMPLE_RATE = 24_000  # what Google sends; decoding keeps it, so nothing is resampled
TIMEOUT_S = 10.0  # gTTS waits forever by default
ATTEMPTS = 5
BACKOFF_S = 1.0  # first wait after a 429 or 5xx; doubles each time, plus jitter
PROBE_URL = "https://translate.google.com"
PROBE_TIMEOUT_S = 3.0


def decode_mp3(data: bytes, sample_rate_hz: int, speed: float = 1.0,
               otherwise: str = "use --engine piper") -> np.ndarray:
    """Mono float32 PCM from MP3 bytes, optionally time-stretched without changing pitch.

    `otherwise` is what to do instead when the bytes are not audio, after trying again."""
    try:
        return ffmpeg.decode(data, sample_rate_hz, input_format="mp3",
                             audio_filter=f"atempo={speed}" if speed != 1.0 else None)
    except ffmpeg.DecodeError as error:
        raise AudiocoachError.engine(f"Google's audio could not be decoded: {error}",
                                     f"try again, or {otherwise}") from None


def google_language(language: str) -> str | None:
    """The code Google knows for a language: `de` as it is, `de-DE` and `pt_BR` as `de` and `pt`
    (Google has no regions but `pt-PT` and `fr-CA`: an accent picks the rest); None if unknown."""
    from gtts.lang import tts_langs

    known = {code.lower(): code for code in tts_langs()}
    code, region = locale(language)
    for candidate in (web_language(language).lower(), f"{code}-{region}".lower(), code):
        if candidate in known:
            return known[candidate]
    return None


def google_reachable() -> bool:
    """One quick request to Google Translate: does it answer at all?"""
    import requests

    try:
        response = requests.head(PROBE_URL, timeout=PROBE_TIMEOUT_S, allow_redirects=False)
    except requests.RequestException:
        return False
    return response.status_code < 500


class GttsEngine:
    name = GTTS
    sample_rate_hz = SAMPLE_RATE

    def __init__(self, voice: Voice, sleep: Callable[[float], None] | None = None):
        language = google_language(voice.language)
        if language is None:
            raise AudiocoachError.engine(
                f"Google TTS has no language '{voice.language}'",
                "use a code such as en, de, fr, es (see `gtts-cli --all`)")
        self.voice = voice
        self.language = language
        self.accent = voice.accent
        self.speed = voice.speed
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))
        self.answered = 0  # requests Google has answered with audio
        self.voice_name = f"{language} via translate.google.{voice.accent}"

    def settings(self) -> dict[str, object]:
        return {"language": self.language, "accent": self.accent, "speed": self.speed}

    def synthesize(self, text: str) -> np.ndarray:
        return decode_mp3(self.fetch(text), SAMPLE_RATE, self.speed, offline_fix(self.voice))

    def fetch(self, text: str) -> bytes:
        """The MP3 Google returns for `text`, retrying what a retry can fix.

        Retried with backoff: throttling (429, waiting as long as Retry-After asks, up to a
        minute), server errors (5xx), an answer that is not MP3 audio, and, once Google has
        answered this engine before, dropped connections and timeouts. No connection at all on
        the first request fails at once: Google is not there.
        """
        from gtts import gTTS, gTTSError

        problem = "no answer"
        for attempt in range(1, ATTEMPTS + 1):
            buffer = io.BytesIO()
            wait = BACKOFF_S * 2 ** (attempt - 1) * (1 + random.random())
            try:
                gTTS(text, lang=self.language, tld=self.accent, timeout=TIMEOUT_S).write_to_fp(buffer)
                data = buffer.getvalue()
                if _looks_like_mp3(data):
                    self.answered += 1
                    return data
                problem, retry = "Google answered with something that is not MP3 audio", True
            except gTTSError as error:
                status = error.rsp.status_code if error.rsp is not None else None
                problem = f"Google TTS failed: {error.msg}"
                if status is not None and 200 <= status < 300:  # an answer gTTS found no audio in
                    problem, retry = "Google's answer held no complete audio", True
                elif status is not None:
                    retry = status == 429 or status >= 500
                    wait = _retry_after(error.rsp, wait)
                else:  # a network error: worth retrying only mid-build, or if it was slow
                    cause = error.__context__
                    retry = self.answered > 0 or isinstance(cause, _slow_errors())
            except (ValueError, IndexError, TypeError) as error:  # gTTS parsing a damaged answer
                problem, retry = f"Google's answer could not be read ({type(error).__name__})", True
            if not retry or attempt == ATTEMPTS:
                raise AudiocoachError.engine(
                    f"{problem} (for {text[:40]!r}, after {attempt} "
                    f"attempt{'s' if attempt > 1 else ''})",
                    f"try again later (clips made so far are kept), or {offline_fix(self.voice)}")
            self.sleep(wait)
        raise AssertionError("unreachable")


def _looks_like_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame header at the start: not an HTML page or nothing."""
    if len(data) < 64:
        return False
    return data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


RETRY_AFTER_CAP_S = 60.0


def _retry_after(response, default_s: float) -> float:
    """Retry-After in seconds when the server gives one (capped at a minute), else the backoff."""
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(float(value), RETRY_AFTER_CAP_S) if value is not None else default_s
    except ValueError:
        return default_s


def _slow_errors() -> tuple[type, ...]:
    import requests

    return (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError)
