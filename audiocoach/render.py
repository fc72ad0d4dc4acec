"""Mix the timeline into PCM block by block and encode it once: MP3 (with tags and chapters) or WAV.

Memory stays flat however long the track: only one block of PCM exists at a time, and each clip
is added at its sample index (never `+=` on a growing track).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np

from . import ffmpeg
from .clips import from_int16, to_int16
from .errors import AudiocoachError, Problem
from .sounds import sound
from .timeline import Timeline

BLOCK_S = 10
MP3_BITRATE = "64k"  # plenty for a mono voice


def pcm_blocks(timeline: Timeline, clips: Mapping[str, np.ndarray]) -> Iterator[np.ndarray]:
    """The mixed track as consecutive int16 blocks."""
    rate = timeline.sample_rate
    block = BLOCK_S * rate
    sounds = {(e.text, e.role): sound(e.text, e.role, rate)
              for e in timeline.events if e.kind == "sound"}
    events = sorted(timeline.events, key=lambda e: e.start)
    next_event = 0
    active: list = []
    for block_start in range(0, timeline.length, block):
        block_end = min(block_start + block, timeline.length)
        mix = np.zeros(block_end - block_start, dtype=np.float32)
        while next_event < len(events) and events[next_event].start < block_end:
            active.append(events[next_event])
            next_event += 1
        still_active = []
        for event in active:
            audio = sounds[(event.text, event.role)] if event.kind == "sound" else clips[event.text]
            lo = max(event.start, block_start)
            hi = min(event.end, block_end)
            if hi > lo:
                piece = audio[lo - event.start:hi - event.start]
                mix[lo - block_start:hi - block_start] += (
                    piece if piece.dtype == np.float32 else from_int16(piece))
            if event.end > block_end:
                still_active.append(event)
        active = still_active
        yield to_int16(mix)


def _tags_and_chapters(path: Path, timeline: Timeline, description: str) -> None:
    from mutagen.id3 import (
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TIT2,
        TPE1,
        CTOCFlags,
        ID3NoHeaderError,
    )

    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        tags = ID3()
    tags.add(TIT2(encoding=3, text=timeline.title))
    tags.add(TPE1(encoding=3, text="audiocoach"))
    tags.add(TALB(encoding=3, text=timeline.title))
    if description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=description))
    def ms(samples: int) -> int:  # ID3 chapter times are whole milliseconds
        return round(samples * 1000 / timeline.sample_rate)

    ids = [f"chp{n}" for n in range(1, len(timeline.chapters) + 1)]
    for element_id, chapter in zip(ids, timeline.chapters):
        tags.add(CHAP(element_id=element_id, start_time=ms(chapter.start), end_time=ms(chapter.end),
                      sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=timeline.title)]))
    tags.save(path, v2_version=4)


def _encode_mp3(blocks: Iterator[np.ndarray], rate: int, target: Path) -> None:
    command = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y",
               "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
               "-c:a", "libmp3lame", "-b:a", MP3_BITRATE, "-write_xing", "1",
               "-f", "mp3", str(target)]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        try:
            for block in blocks:
                process.stdin.write(block.astype("<i2").tobytes())
            process.stdin.close()
        except BrokenPipeError:
            pass
        finally:
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise AudiocoachError(Problem(
                f"the MP3 encoder failed: {errors.read().decode(errors='replace').strip()}",
                "check free disk space and the output folder", str(target)))


def _encode_wav(blocks: Iterator[np.ndarray], rate: int, target: Path) -> None:
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        for block in blocks:
            writer.writeframes(block.astype("<i2").tobytes())


def render(timeline: Timeline, clips: Mapping[str, np.ndarray], out: Path, audio_format: str,
           description: str = "") -> None:
    """Write the track to `out` through a temporary file, so a failed build leaves no half file."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        os.close(handle)
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write here: {error.strerror}",
                                      "choose another output path with -o", str(out))) from None
    temporary_path = Path(temporary)
    try:
        blocks = pcm_blocks(timeline, clips)
        if audio_format == "wav":
            _encode_wav(blocks, timeline.sample_rate, temporary_path)
        else:
            _encode_mp3(blocks, timeline.sample_rate, temporary_path)
            _tags_and_chapters(temporary_path, timeline, description)
        # mkstemp makes the file private; a track is meant to be shared like any file you save.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary_path, 0o666 & ~umask)
        os.replace(temporary_path, out)
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write the track: {error.strerror}",
                                      "check free disk space and the output folder", str(out))) from None
    finally:
        temporary_path.unlink(missing_ok=True)
