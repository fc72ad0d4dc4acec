"""Offline voices on demand: list the installed piper voices, add them from the piper voices
repository (checked by size and MD5 before use, resumed when interrupted), and remove them."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from audiocoach.errors import AudiocoachError, Kind, Problem, suggest
from audiocoach.speech.languages import same_language, voice_language
from audiocoach.voice.engines.piper import (
    BUNDLED_VOICE,
    _bundled,
    add_voice_fix,
    file_digest,
    voices_dir,
)
from audiocoach.voice.engines.piper_graph import forget_prepared

DEFAULT_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
URL_VARIABLE = "AUDIOCOACH_VOICES_URL"
TIMEOUT_S = 30
CHUNK_BYTES = 1 << 16

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


@dataclass(frozen=True)
class InstalledVoice:
    """A piper voice's files on this machine: `name` is what `voice.model` and `--voice` take."""

    name: str
    language: str
    quality: str
    size_bytes: int
    where: Path
    bundled: bool = False


def base_url() -> str:
    return os.environ.get(URL_VARIABLE, DEFAULT_URL).rstrip("/")


def _error(message: str, fix: str, file: str | None = None,
           kind: Kind = Kind.ENGINE) -> AudiocoachError:
    return AudiocoachError(Problem(message, fix, file, field="voices"), kind)


def _no_such(message: str, fix: str) -> AudiocoachError:
    """A voice name that names no voice: the user's mistake (a usage error), not the engine's."""
    return _error(message, fix, kind=Kind.USAGE)


def _describe(model: Path, config: Path, bundled: bool = False) -> InstalledVoice:
    try:
        document = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    language = document.get("language", {}) if isinstance(document.get("language"), dict) else {}
    audio = document.get("audio", {}) if isinstance(document.get("audio"), dict) else {}
    name = model.name[:-len(".onnx")]
    return InstalledVoice(name, language.get("code") or voice_language(name), audio.get("quality", "?"),
                          model.stat().st_size, model.parent, bundled)


def installed(language: str | None = None) -> list[InstalledVoice]:
    """The bundled voice, then every complete voice in the voices folder; only those speaking
    `language` when it is given (`de` takes every German voice, `de-AT` only Austria's)."""
    model, config = _bundled()
    # The bundled model's file name is the package's, not the voice's: name it as users do.
    found = [replace(_describe(model, config, bundled=True), name=BUNDLED_VOICE)]
    folder = voices_dir()
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            config = Path(f"{model}.json")
            if config.is_file():
                found.append(_describe(model, config))
    return [voice for voice in found if language is None or same_language(voice.language, language)]


def none_installed(language: str) -> str:
    """What to do when no installed voice speaks a language."""
    return (f"no offline voice for language '{language}' is installed in {voices_dir()}: "
            f"{add_voice_fix(language)}")


def available(index: dict, language: str | None = None) -> list[tuple[str, str, str, int]]:
    """(name, language, quality, size in bytes) of the index's voices, in `language` if given."""
    found = []
    for name, entry in sorted(index.items()):
        facts = entry.get("language") if isinstance(entry.get("language"), dict) else {}
        code = str(facts.get("code") or voice_language(name))
        if language is None or same_language(code, language):
            size = sum(int(f.get("size_bytes", 0)) for f in entry.get("files", {}).values())
            found.append((name, code, str(entry.get("quality", "")), size))
    return found


def fetch_index() -> dict:
    """The repository's `voices.json`: voice name -> language, quality, files with size and MD5."""
    import requests

    url = f"{base_url()}/voices.json"
    try:
        response = requests.get(url, timeout=TIMEOUT_S)
        response.raise_for_status()
        index = response.json()
    except requests.HTTPError as error:
        raise _error(f"{url} answered {error.response.status_code} {error.response.reason}",
                     f"check {URL_VARIABLE}, or try again later") from None
    except requests.RequestException as error:
        raise _error(f"cannot reach {url} ({type(error).__name__})",
                     f"check the internet connection, or set {URL_VARIABLE} to a mirror") from None
    except ValueError:
        raise _error(f"{url} is not a voices index (not JSON)", f"check {URL_VARIABLE}") from None
    if not isinstance(index, dict):
        raise _error(f"{url} is not a voices index", f"check {URL_VARIABLE}")
    return index


def _voice_files(name: str, entry: dict) -> list[tuple[str, int, str, Path]]:
    """(repository path, size, md5, installed path) of the voice's model and config."""
    target = voices_dir()
    files = []
    for path, facts in entry.get("files", {}).items():
        for ending in (".onnx.json", ".onnx"):
            if path.endswith(ending):
                files.append((path, int(facts["size_bytes"]), facts["md5_digest"],
                              target / f"{name}{ending}"))
                break
    if len(files) != 2:
        raise _error(f"the index lists no model and config for '{name}'", "choose another voice")
    return files


def add(name: str, progress: Progress | None = None, index: dict | None = None) -> list[Path]:
    """Download a voice into the voices folder; every file is checked before any is installed."""
    index = index if index is not None else fetch_index()
    if name not in index:
        raise _no_such(f"there is no voice '{name}' in {base_url()}/voices.json",
                     suggest(name, index, "run `audiocoach voices --available` to see them"))
    files = _voice_files(name, index[name])
    total = sum(size for _, size, _, _ in files)
    done = 0
    parts = []
    for path, size, md5, final in files:
        part = final.with_name(final.name + ".part")
        _download(f"{base_url()}/{path}", part, size, md5, lambda n: progress and progress(done + n, total))
        done += size
        parts.append((part, final))
    for part, final in parts:  # only now, with every file whole and checked
        os.replace(part, final)
    return [final for _, final in parts]


def _download(url: str, part: Path, size: int, md5: str, progress: Callable[[int], None]) -> None:
    """Fetch `url` into `part`, resuming what an earlier attempt left; check size and MD5."""
    import requests

    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    if have < size:
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT_S) as response:
                if response.status_code not in (200, 206):
                    raise _error(f"{url} answered {response.status_code} {response.reason}",
                                 f"try again later, or set {URL_VARIABLE} to a mirror")
                mode = "ab" if response.status_code == 206 and have else "wb"
                have = have if mode == "ab" else 0
                with open(part, mode) as handle:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        handle.write(chunk)
                        have += len(chunk)
                        progress(have)
        except requests.RequestException as error:
            raise _error(f"the download of {url} was interrupted ({type(error).__name__})",
                         "run the same command again: it goes on where it stopped") from None
    digest = hashlib.md5()
    with open(part, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    actual_size = part.stat().st_size
    if actual_size != size or digest.hexdigest() != md5:
        part.unlink()
        raise _error(f"{url} arrived damaged ({actual_size} bytes, MD5 {digest.hexdigest()}; "
                     f"the index says {size} bytes, MD5 {md5})",
                     "run the command again; if it happens again, the mirror's copy is damaged")


def remove(name: str) -> list[Path]:
    """Delete an installed voice (never the bundled one), any unfinished download of it, and
    the graph prepared from it."""
    if name == BUNDLED_VOICE:
        raise _no_such(f"{BUNDLED_VOICE} is bundled with audiocoach and cannot be removed", "")
    folder = voices_dir()
    paths = [folder / f"{name}{ending}" for ending in (".onnx", ".onnx.json", ".onnx.part",
                                                        ".onnx.json.part")]
    removed = [path for path in paths if path.exists()]
    if not removed:
        names = [voice.name for voice in installed()]
        raise _no_such(f"there is no installed voice '{name}'",
                     suggest(name, names, "run `audiocoach voices` to see them"))
    _forget_graph(paths[0], folder)
    for path in removed:
        path.unlink()
    return removed


def _forget_graph(model: Path, folder: Path) -> None:
    """Removes the graph prepared from `model`, unless another voice is the same file (the
    bundled one under another name). A graph left behind only takes room, so a file that cannot
    be read or removed is left."""
    try:
        if not model.is_file():
            return
        digest = file_digest(model)
        others = [_bundled()[0], *(path for path in folder.glob("*.onnx") if path != model)]
        if all(file_digest(other) != digest for other in others):
            forget_prepared(digest)
    except OSError:
        pass


def listing(language: str | None = None, offered: bool = False) -> tuple[list[str], str | None]:
    """The lines `audiocoach voices` prints: the installed voices (or, when `offered`, the
    repository's), in `language` if given, and a note for when there is none."""
    if offered:
        rows = [f"{name:<36} {code:<8} {quality:<8} {size / 1e6:6.1f} MB"
                for name, code, quality, size in available(fetch_index(), language)]
        none = f"the voices repository ({base_url()}) has no voice for language '{language}'"
    else:
        rows = [f"{voice.name:<36} {voice.language:<8} {voice.quality:<8} "
                f"{voice.size_bytes / 1e6:6.1f} MB  {'bundled' if voice.bundled else voice.where}"
                for voice in installed(language)]
        none = none_installed(language) if language else None
    return rows, none if not rows and language else None
