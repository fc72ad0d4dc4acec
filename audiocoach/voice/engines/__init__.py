"""Voice engines behind one small protocol, and the choice among them."""

from __future__ import annotations

import dataclasses
from typing import Callable

from audiocoach.errors import AudiocoachError
from audiocoach.routine.definitions import AUTO, GTTS, PIPER
from audiocoach.routine.model import Voice
from audiocoach.voice.engines.base import Engine
from audiocoach.voice.engines.gtts import GttsEngine, google_reachable
from audiocoach.voice.engines.piper import PiperEngine

ENGINES: dict[str, Callable[[Voice], Engine]] = {PIPER: PiperEngine, GTTS: GttsEngine}


def choose_engine(voice: Voice, reachable: Callable[[], bool] = google_reachable) -> tuple[Engine, str]:
    """The engine for the whole track and a one-line account of the choice.

    `auto` asks Google once: gTTS if it answers, otherwise the offline piper voice.
    """
    if voice.engine != AUTO:
        engine = ENGINES[voice.engine](voice)
        return engine, f"Voice: {engine.name}, {engine.voice_name}"
    if reachable():
        engine = ENGINES[GTTS](voice)
        return engine, f"Voice: {GTTS}, {engine.voice_name} (Google answered)"
    engine = offline(voice, "Google TTS cannot be reached")
    return engine, f"Voice: {PIPER}, offline {engine.voice_name} (Google TTS cannot be reached)"


def offline(voice: Voice, why: str) -> Engine:
    """The offline voice in place of Google's; when there is none, the error says why it was
    needed too."""
    try:
        return ENGINES[PIPER](voice)
    except AudiocoachError as error:
        first, *rest = error.problems
        raise AudiocoachError([dataclasses.replace(first, message=f"{why}, and {first.message}"),
                               *rest], error.kind) from None


__all__ = ["ENGINES", "Engine", "choose_engine", "offline"]
