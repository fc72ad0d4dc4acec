"""ID3 tags of the MP3: title, artist, comment, cover (APIC) and chapters (CHAP/CTOC) in time order."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import (
    APIC,
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

from audiocoach.speech.timeline import Timeline


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _chapter_start_ms(frame: bytes) -> int:
    body = frame[10:]
    element_id_end = body.index(b"\0") + 1
    return int.from_bytes(body[element_id_end:element_id_end + 4], "big")


class _ChaptersInTimeOrder(ID3):
    """ID3 that writes its CHAP frames in time order.

    mutagen orders frames by size, and ffmpeg (hence VLC, mpv, ffprobe) lists chapters in the
    order their CHAP frames stand in the file (mutagen issues 506 and 539): after mutagen has
    written the frames, the CHAP frames swap places among themselves into time order.
    """

    def _write(self, config):
        data = bytes(super()._write(config))
        frames, position = [], 0
        while position + 10 <= len(data) and data[position:position + 4] != b"\0\0\0\0":
            header = data[position + 4:position + 8]
            size = _syncsafe(header) if config.v2_version == 4 else int.from_bytes(header, "big")
            frames.append(data[position:position + 10 + size])
            position += 10 + size
        in_time_order = iter(sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start_ms))
        frames = [next(in_time_order) if f[:4] == b"CHAP" else f for f in frames]
        return bytearray(b"".join(frames) + data[position:])


def write_tags(path: Path, timeline: Timeline, description: str, cover: tuple[bytes, str]) -> None:
    """Tag the MP3 at `path`; `cover` is the picture's bytes and MIME type."""
    try:
        tags = _ChaptersInTimeOrder(path)
    except ID3NoHeaderError:
        tags = _ChaptersInTimeOrder()
    tags.add(TIT2(encoding=3, text=timeline.title))
    tags.add(TPE1(encoding=3, text="audiocoach"))
    tags.add(TALB(encoding=3, text=timeline.title))
    if description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=description))
    data, mime = cover
    tags.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data))  # 3: front cover

    def ms(samples: int) -> int:  # ID3 chapter times are whole milliseconds
        return round(samples * 1000 / timeline.sample_rate_hz)

    ids = [f"chp{n}" for n in range(1, len(timeline.chapters) + 1)]
    for element_id, chapter in zip(ids, timeline.chapters):
        tags.add(CHAP(element_id=element_id, start_time=ms(chapter.start_sample),
                      end_time=ms(chapter.end_sample),
                      sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=timeline.title)]))
    tags.save(path, v2_version=4)
