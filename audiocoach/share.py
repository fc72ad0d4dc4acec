"""A folder that plays on any phone: player pages, the tracks and their sidecars, and a podcast feed.

Everything the pages need is in the folder (no CDN, no external font or script), so it works
opened from disk and from any static host. Rebuilding into the same folder rewrites only the
files whose bytes changed, each through a temporary file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .catalog import catalog
from .durations import display, plural
from .files import replace_if_changed, write_if_changed
from .pipeline import Compiled, build, cover
from .render import Report
from .script import dose_summary
from .sidecars import chapters_json, webvtt

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"


@dataclass
class SharedTrack:
    """One routine in the folder: its file names and what its page shows."""

    stem: str
    title: str
    description: str
    seconds: float
    size_bytes: int
    chapters: list[dict]
    exercises: list[dict]
    transcript: list[dict]
    cover: str
    report: Report | None = None

    @property
    def mp3(self) -> str:
        return f"{self.stem}.mp3"

    @property
    def page(self) -> str:
        return f"{self.stem}.html"

    @property
    def vtt(self) -> str:
        return f"{self.stem}.vtt"

    @property
    def chapters_file(self) -> str:
        return f"{self.stem}.chapters.json"

    @property
    def length(self) -> str:
        minutes, seconds = divmod(round(self.seconds), 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def size(self) -> str:
        return f"{self.size_bytes / 1_000_000:.1f} MB"


@dataclass
class ShareResult:
    tracks: list[SharedTrack] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    def note(self, path: Path, changed: bool) -> None:
        (self.written if changed else self.unchanged).append(path)


def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("audiocoach", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _exercises(compiled: Compiled) -> list[dict]:
    entries = catalog()
    return [{"name": exercise.name, "instructions": exercise.instructions,
             "dose": dose_summary(exercise),
             "cautions": list(entries[exercise.use].cautions) if exercise.use in entries else []}
            for exercise in compiled.routine.exercises]


def _track(stem: str, compiled: Compiled, size_bytes: int, cover_name: str) -> SharedTrack:
    timeline = compiled.timeline
    return SharedTrack(
        stem=stem, title=timeline.title, description=compiled.routine.description,
        seconds=timeline.seconds(timeline.length), size_bytes=size_bytes,
        chapters=[{"title": c.title, "start": timeline.seconds(c.start),
                   "time": display(timeline.seconds(c.start)).split(".")[0]} for c in timeline.chapters],
        exercises=_exercises(compiled),
        transcript=[{"time": display(timeline.seconds(e.start)).split(".")[0], "text": e.text}
                    for e in timeline.events if e.kind == "speech"],
        cover=cover_name)


def share_routine(stem: str, compiled: Compiled, folder: Path, result: ShareResult) -> SharedTrack:
    """Write one routine's track, sidecars, cover and page into `folder`."""
    mp3 = folder / f"{stem}.mp3"
    picture, mime = cover(compiled)
    reports: list[Report] = []
    result.note(mp3, replace_if_changed(
        mp3, lambda fresh: reports.append(build(compiled, fresh, "mp3", (picture, mime)))))
    cover_path = folder / f"{stem}.cover.{'jpg' if mime == 'image/jpeg' else 'png'}"
    result.note(cover_path, write_if_changed(cover_path, picture))
    track = _track(stem, compiled, mp3.stat().st_size, cover_path.name)
    track.report = reports[0] if reports else None
    for path, text in ((folder / track.chapters_file, chapters_json(compiled.timeline)),
                       (folder / track.vtt, webvtt(compiled.timeline))):
        result.note(path, write_if_changed(path, text.encode("utf-8")))
    page = _templates().get_template("player.html").render(track=track, language="en")
    result.note(folder / track.page, write_if_changed(folder / track.page, page.encode("utf-8")))
    return track


def _url(base_url: str | None, name: str) -> str:
    return f"{base_url.rstrip('/')}/{name}" if base_url else name


def feed_xml(tracks: list[SharedTrack], folder: Path, title: str, base_url: str | None) -> bytes:
    """RSS 2.0 with the iTunes and Podcasting 2.0 namespaces, one item per routine."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.feed import FeedGenerator
    from lxml import etree

    class PodcastIndex(BaseExtension):
        def extend_ns(self):
            return {"podcast": PODCAST_NAMESPACE}

    class PodcastIndexEntry(BaseEntryExtension):
        def __init__(self):
            self.links: list[tuple[str, str, str]] = []  # (tag, url, type)

        def extend_rss(self, item):
            for tag, url, kind in self.links:
                etree.SubElement(item, f"{{{PODCAST_NAMESPACE}}}{tag}", url=url, type=kind)
            return item

    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("podcastindex", PodcastIndex, PodcastIndexEntry)
    generator.title(title)
    generator.link(href=_url(base_url, "index.html"))
    generator.description("Voice-guided exercise routines made with audiocoach.")
    generator.language("en")
    generator.podcast.itunes_author("audiocoach")
    generator.podcast.itunes_category("Health & Fitness")
    generator.podcast.itunes_explicit("no")
    generator.podcast.itunes_image(_url(base_url, tracks[0].cover))
    published = []
    for track in tracks:
        # The time the track's bytes last changed: an unchanged rebuild keeps the feed as it was.
        when = datetime.fromtimestamp((folder / track.mp3).stat().st_mtime, timezone.utc).replace(microsecond=0)
        published.append(when)
        entry = generator.add_entry(order="append")
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"audiocoach:{track.stem}"))
        entry.guid(guid, permalink=False)
        entry.title(track.title)
        entry.description(track.description or f"{track.title}: "
                          f"{plural(len(track.exercises), 'exercise')}, {track.length}.")
        entry.link(href=_url(base_url, track.page))
        entry.enclosure(_url(base_url, track.mp3), str(track.size_bytes), "audio/mpeg")
        entry.published(when)
        entry.podcast.itunes_duration(round(track.seconds))
        entry.podcast.itunes_image(_url(base_url, track.cover))
        entry.podcastindex.links = [("chapters", _url(base_url, track.chapters_file), CHAPTERS_TYPE),
                                    ("transcript", _url(base_url, track.vtt), "text/vtt")]
    generator.lastBuildDate(max(published))
    return generator.rss_str(pretty=True)


def share(items: list[tuple[str, Compiled]], folder: Path, title: str,
          base_url: str | None = None) -> ShareResult:
    """Write the shared folder for the compiled routines, each under its stem."""
    result = ShareResult()
    folder.mkdir(parents=True, exist_ok=True)
    for stem, compiled in items:
        result.tracks.append(share_routine(stem, compiled, folder, result))
    index = _templates().get_template("index.html").render(tracks=result.tracks, title=title,
                                                           language="en")
    result.note(folder / "index.html", write_if_changed(folder / "index.html", index.encode("utf-8")))
    feed = feed_xml(result.tracks, folder, title, base_url)
    result.note(folder / "feed.xml", write_if_changed(folder / "feed.xml", feed))
    return result
