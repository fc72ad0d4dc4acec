"""Shared fixtures: a fake voice whose clip length depends on the text, and routine helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from audiocoach import engines
from audiocoach.load import load_text
from audiocoach.model import Routine, Voice, build_routine

FAKE_RATE = 1000  # one sample per millisecond keeps golden timelines readable
MS_PER_CHAR = 40


def fake_length(text: str) -> int:
    return MS_PER_CHAR * len(text) * FAKE_RATE // 1000


class FakeEngine:
    """A tone whose length is 40 ms per character: fast, deterministic, honest about length."""

    name = "fake"
    voice_name = "fake voice"
    sample_rate = FAKE_RATE
    calls: list[str] = []

    def __init__(self, voice: Voice):
        self.voice = voice

    def settings(self) -> dict[str, object]:
        return {"language": self.voice.language, "accent": self.voice.accent,
                "speed": self.voice.speed, "model": self.voice.model}

    def synthesize(self, text: str) -> np.ndarray:
        FakeEngine.calls.append(text)
        t = np.arange(fake_length(text)) / self.sample_rate
        return (0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)


@pytest.fixture
def fake_engine(monkeypatch):
    """Every engine name, `auto` included, gives the fake voice."""
    FakeEngine.calls = []
    monkeypatch.setitem(engines.ENGINES, "piper", FakeEngine)
    monkeypatch.setitem(engines.ENGINES, "gtts", FakeEngine)
    return FakeEngine


def routine_from(text: str, file: str = "routine.yaml") -> Routine:
    return build_routine(load_text(textwrap.dedent(text), file), file)


@pytest.fixture
def write_routine(tmp_path):
    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write
