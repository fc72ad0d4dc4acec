"""Files that travel with a track: Podcasting 2.0 JSON chapters and a WebVTT transcript."""

from __future__ import annotations

import json
from pathlib import Path

from audiocoach.files import write_if_changed
from audiocoach.routine.durations import timestamp
from audiocoach.speech.timeline import Timeline

CHAPTERS_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters


def chapters_json(timeline: Timeline) -> str:
    """The timeline's chapters as Podcasting 2.0 JSON chapters (startTime and endTime in seconds)."""
    document = {
        "version": CHAPTERS_VERSION,
        "title": timeline.title,
        "chapters": [{"startTime": timeline.seconds(c.start_sample),
                      "endTime": timeline.seconds(c.end_sample),
                      "title": c.title} for c in timeline.chapters],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(timeline: Timeline) -> str:
    """Every spoken line at its planned time, as WebVTT cues."""
    cues = ["WEBVTT", ""]
    for number, event in enumerate((e for e in timeline.events if e.kind == "speech"), start=1):
        cues += [str(number),
                 f"{timestamp(timeline.seconds(event.start_sample))} --> "
                 f"{timestamp(timeline.seconds(event.end_sample))}",
                 _escape(event.text), ""]
    return "\n".join(cues)


# The sidecars' file name endings, after the track's stem.
CHAPTERS, VTT = ".chapters.json", ".vtt"


def write_sidecars(timeline: Timeline, track: Path) -> tuple[Path, Path]:
    """Write `STEM.chapters.json` and `STEM.vtt` beside the track; return their paths."""
    chapters, vtt = (track.with_name(track.stem + ending) for ending in (CHAPTERS, VTT))
    write_if_changed(chapters, chapters_json(timeline).encode("utf-8"))
    write_if_changed(vtt, webvtt(timeline).encode("utf-8"))
    return chapters, vtt
