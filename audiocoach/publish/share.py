"""A folder that plays on any phone: player pages, the tracks and their sidecars, and a podcast feed.

Everything the pages need is in the folder (no CDN, no external font or script), so it works
opened from disk and from any static host. The folder is a collection: sharing adds or updates
the routines it is given and keeps the others, which a small manifest in the folder remembers.
A share is all or nothing: every track, sidecar, page and the feed are written to temporary
files in the folder first, and only once all of them are there are they renamed into place; a
share that fails leaves the folder as it was. Files whose bytes did not change are left alone.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

from audiocoach.audio.render import Report
from audiocoach.errors import AudiocoachError, ExitCode, Problem
from audiocoach.files import put_in_place, same_bytes, staged, unwritable
from audiocoach.pipeline import Compiled, build, cover
from audiocoach.publish.sidecars import chapters_json, vtt_time, webvtt
from audiocoach.routine.catalog import catalog
from audiocoach.routine.durations import display
from audiocoach.routine.readers import text as read_text
from audiocoach.speech.languages import cover_words, number_form, pack_for, pack_words
from audiocoach.speech.script import dose_summary

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
PSC_NAMESPACE = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters
PSC_VERSION = "1.2"
CHAPTERS_TYPE = "application/json+chapters"

INDEX, FEED = "index.html", "feed.xml"
MANIFEST = ".audiocoach-share.json"  # what the folder holds; hidden, as no page links to it
MANIFEST_VERSION = 1
DEFAULT_TITLE = "Exercise routines"
# A routine's files are named by its stem and these endings, its cover's by the picture's type.
MP3, PAGE, CHAPTERS, VTT = ".mp3", ".html", ".chapters.json", ".vtt"
COVERS = {"image/png": ".cover.png", "image/jpeg": ".cover.jpg"}


def href(name: str) -> str:
    """A file of the folder as a relative URL: spaces, `#`, `?`, `&`, `%` and letters beyond
    ASCII percent-encoded (as UTF-8), so that a browser asks for exactly that file."""
    return quote(name, safe="")


def _url(base_url: str | None, name: str) -> str:
    return base_url + href(name) if base_url else href(name)


def web_address(text: str) -> str:
    """`--base-url` as the absolute URL of a folder: http(s), a host, a path ending in `/`, and
    what a URL may not hold as it is (spaces, letters beyond ASCII) percent-encoded."""
    def wrong(message: str, fix: str = "write it like https://example.org/stretches/"):
        return AudiocoachError(Problem(message, fix, field="--base-url"), ExitCode.USAGE)

    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise wrong(f"{text} is not a web address", "start it with https://")
    if parts.query or parts.fragment:
        raise wrong(f"{text} has a query or fragment (`?`, `#`); a folder's address has neither")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError) as error:
        raise wrong(f"{text} has no valid host and port: {error}") from None
    if not host:
        raise wrong(f"{text} names no host")
    user, at, _ = parts.netloc.rpartition("@")
    netloc = (quote(user, safe="%:!$&'()*+,;=-._~") + at + (f"[{host}]" if ":" in host else host)
              + (f":{port}" if port is not None else ""))
    path = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", parts.path)  # a lone % is a percent sign
    path = quote(path, safe="/%!$&'()*+,;=:@-._~")
    return f"{parts.scheme.lower()}://{netloc}{path.rstrip('/')}/"


@dataclass(frozen=True)
class Listing:
    """One routine as the index, the feed and the folder's manifest know it."""

    stem: str
    title: str
    description: str
    seconds: float
    size_bytes: int
    exercises: int
    cover: str  # the cover's file name
    language: str  # BCP 47: de, pt-BR
    chapters: tuple[tuple[str, float], ...]  # (title, start in seconds)
    published: datetime  # when the track's bytes last changed

    @property
    def mp3(self) -> str:
        return self.stem + MP3

    @property
    def page(self) -> str:
        return self.stem + PAGE

    @property
    def vtt(self) -> str:
        return self.stem + VTT

    @property
    def chapters_file(self) -> str:
        return self.stem + CHAPTERS

    @property
    def files(self) -> tuple[str, ...]:
        return self.mp3, self.page, self.chapters_file, self.vtt, self.cover

    @property
    def length(self) -> str:
        minutes, seconds = divmod(round(self.seconds), 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def size(self) -> str:
        return f"{self.size_bytes / 1_000_000:.1f} MB"

    def to_json(self) -> dict:
        return {"stem": self.stem, "title": self.title, "description": self.description,
                "seconds": self.seconds, "size_bytes": self.size_bytes, "exercises": self.exercises,
                "cover": self.cover, "language": self.language,
                "chapters": [{"title": title, "start": start} for title, start in self.chapters],
                "published": self.published.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> "Listing":
        """A listing from a manifest entry that `_Shape` has checked."""
        return cls(stem=data["stem"], title=data["title"], description=data["description"],
                   seconds=float(data["seconds"]), size_bytes=data["size_bytes"],
                   exercises=data["exercises"], cover=data["cover"], language=data["language"],
                   chapters=tuple((c["title"], float(c["start"])) for c in data["chapters"]),
                   published=datetime.fromisoformat(data["published"]))


@dataclass
class Collection:
    """What a share folder holds: the feed's title and base URL, and its routines in order."""

    folder: Path
    title: str = DEFAULT_TITLE
    base_url: str | None = None
    listings: list[Listing] = field(default_factory=list)

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def to_json(self) -> dict:
        return {"audiocoach_share": MANIFEST_VERSION, "title": self.title,
                "base_url": self.base_url,
                "routines": [listing.to_json() for listing in self.listings]}


def read_collection(folder: Path) -> Collection:
    """The folder's manifest; an empty collection when there is none yet."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return Collection(folder)
    except OSError as error:
        raise _damaged(path, f"it cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise _damaged(path, "it is not text") from None
    except json.JSONDecodeError as error:
        raise _damaged(path, f"it is not JSON: {error.msg[0].lower()}{error.msg[1:]}",
                       error.lineno, error.colno) from None
    try:
        return _Shape.collection(folder, data)
    except _Shape as wrong:
        raise _damaged(path, str(wrong)) from None


class _Shape(ValueError):
    """What makes a manifest other than what `publish` writes, in the words of its JSON."""

    KINDS = ((bool, "true or false"), (str, "text"), (int, "a whole number"), (float, "a number"),
             (list, "a list"), (dict, "an object"), (type(None), "null"))

    @classmethod
    def kind(cls, value) -> str:
        return next(name for kind, name in cls.KINDS if isinstance(value, kind))

    @classmethod
    def get(cls, entry: dict, key: str, where: str, *kinds: type):
        if key not in entry:
            raise cls(f"{where} has no `{key}`")
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, kinds):
            wanted = " or ".join(name for kind, name in cls.KINDS if kind in kinds)
            owner = "its" if where == "it" else f"{where}'s"
            raise cls(f"{owner} `{key}` is {cls.kind(value)}, not {wanted}")
        return value

    @classmethod
    def collection(cls, folder: Path, data) -> Collection:
        if not isinstance(data, dict):
            raise cls(f"it holds {cls.kind(data)}, not the object `audiocoach share` writes")
        if data.get("audiocoach_share") != MANIFEST_VERSION:
            found = (f"its `audiocoach_share` is {json.dumps(data['audiocoach_share'])}"
                     if "audiocoach_share" in data else "it has no `audiocoach_share`")
            raise cls(f"it is not version {MANIFEST_VERSION} of the list `audiocoach share` "
                      f"writes ({found})")
        title = cls.get(data, "title", "it", str)
        base_url = cls.get(data, "base_url", "it", str, type(None))
        routines = cls.get(data, "routines", "it", list)
        return Collection(folder, title, base_url,
                          [cls.listing(entry, f"routine {n}") for n, entry in
                           enumerate(routines, 1)])

    @classmethod
    def listing(cls, entry, where: str) -> Listing:
        if not isinstance(entry, dict):
            raise cls(f"{where} is {cls.kind(entry)}, not an object")
        for key, kinds in (("stem", (str,)), ("title", (str,)), ("description", (str,)),
                           ("seconds", (int, float)), ("size_bytes", (int,)),
                           ("exercises", (int,)), ("cover", (str,)), ("language", (str,)),
                           ("chapters", (list,)), ("published", (str,))):
            cls.get(entry, key, where, *kinds)
        stem = entry["stem"]
        # A manifest names the files `--prune` deletes: none may be outside the folder's own.
        if _name_problems([stem], []):
            raise cls(f"{where}'s `stem` {json.dumps(stem)} is not a name `audiocoach share` "
                      "gives a routine")
        if entry["cover"] not in [stem + ending for ending in COVERS.values()]:
            raise cls(f"{where}'s `cover` {json.dumps(entry['cover'])} is not its cover's name")
        for number, chapter in enumerate(entry["chapters"], 1):
            if not isinstance(chapter, dict):
                raise cls(f"{where}'s chapter {number} is {cls.kind(chapter)}, not an object")
            cls.get(chapter, "title", f"{where}'s chapter {number}", str)
            cls.get(chapter, "start", f"{where}'s chapter {number}", int, float)
        try:
            published = datetime.fromisoformat(entry["published"])
        except ValueError:
            published = None
        if published is None or published.tzinfo is None:
            raise cls(f"{where}'s `published` {json.dumps(entry['published'])} is not a date "
                      "and time with its time zone")
        return Listing.from_json(entry)


def _damaged(path: Path, detail: str, line: int | None = None,
             column: int | None = None) -> AudiocoachError:
    return AudiocoachError(Problem(
        f"the folder's list of shared routines is damaged: {detail}",
        f"delete {path.name} and share every routine of the folder again", str(path), line, column))


@dataclass
class ShareResult:
    shared: list[Listing] = field(default_factory=list)  # the routines given, in order
    reports: dict[str, Report | None] = field(default_factory=dict)  # by stem; None: unchanged
    kept: list[Listing] = field(default_factory=list)  # others the folder already held
    dropped: list[Listing] = field(default_factory=list)  # others pruned, files and all
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    collection: Collection | None = None

    def note(self, path: Path, changed: bool) -> None:
        (self.written if changed else self.unchanged).append(path)


def prepare(folder: Path, stems: list[str], title: str | None = None,
            base_url: str | None = None, prune: bool = False) -> Collection:
    """Check all that can be checked before a track is built, changing nothing on disk.

    Refused: an empty title, a base URL that is not a web address, a stem whose files would
    overwrite the folder's own files or another routine's (letter case aside, as on macOS and
    Windows disks), a file in the way that `share` did not write (the user's own `index.html`),
    a manifest that cannot be read, a folder that cannot be made or written. A title or base
    URL left out is the folder's from its last share.
    """
    usage = []
    if title is not None:
        try:
            title = read_text(title)
        except ValueError as error:
            usage.append(Problem(error.args[0], "give it a title, e.g. --title 'Morning stretches'",
                                 field="--title"))
    if base_url is not None:
        try:
            base_url = web_address(base_url)
        except AudiocoachError as error:
            usage.extend(error.problems)
    usage.extend(_name_problems(stems, []))
    if usage:
        raise AudiocoachError(usage, ExitCode.USAGE)
    if folder.exists() and not folder.is_dir():
        raise AudiocoachError(Problem("is a file, not a folder", "choose a folder with -o",
                                      str(folder)))
    made = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot write this folder: {error.strerror}",
                                      "choose another folder with -o", str(folder))) from None
    finally:
        _remove_empty(made)  # made again when the tracks are built
    collection = read_collection(folder)
    others = [listing for listing in collection.listings if listing.stem not in stems]
    clashes = _name_problems(stems, [] if prune else others) + _foreign_files(collection, stems)
    if clashes:
        raise AudiocoachError(clashes, ExitCode.USAGE)
    collection.title = title or collection.title
    collection.base_url = base_url or collection.base_url
    return collection


def _missing_folders(folder: Path) -> list[Path]:
    """The folders `folder.mkdir(parents=True)` would make, innermost first."""
    return [path for path in (folder, *folder.parents) if not path.exists()]


def _remove_empty(made: list[Path]) -> None:
    """Remove the folders a share made (innermost first) as long as they are empty."""
    for path in made:
        try:
            path.rmdir()
        except OSError:
            return


def _foreign_files(collection: Collection, stems: list[str]) -> list[Problem]:
    """The files a share of `stems` would overwrite that `share` did not write: any of them in
    a folder without a manifest, else those its manifest does not list."""
    ours = set()
    if collection.manifest.is_file():
        ours = {INDEX, FEED, *(name for listing in collection.listings for name in listing.files)}
    ours = {name.casefold() for name in ours}  # `Calves.mp3` is `calves.mp3` on some disks
    names = [INDEX, FEED, *(stem + ending for stem in stems
                            for ending in (MP3, PAGE, CHAPTERS, VTT, *COVERS.values()))]
    return [Problem("is not a file `audiocoach share` wrote, and sharing here would overwrite it",
                    "choose another folder with -o, or move the file away",
                    str(collection.folder / name))
            for name in names
            if name.casefold() not in ours and (collection.folder / name).exists()]


def _name_problems(stems: list[str], others: list[Listing]) -> list[Problem]:
    """The stems the folder cannot take: those of its own files, hidden ones, and any that is
    another's in all but letter case (one file name on macOS and Windows disks). A stem's files
    are the stem and endings that differ in their last part, so two stems share a file only if
    they match."""
    owners = {"index": f"overwrite the folder's own {INDEX}",
              "feed": f"take the name of the folder's own {FEED}"}
    owners.update({listing.stem.casefold(): f"overwrite the files of the shared routine "
                                            f"`{listing.stem}`" for listing in others})
    problems = []
    for stem in stems:
        if stem in ("", ".", "..") or any(c in stem for c in "/\\\0"):
            problems.append(Problem(f"`{stem}` cannot name a file in the folder",
                                    "give the routine file a plain name"))
        elif stem.startswith("."):
            problems.append(Problem(f"a routine named `{stem}` would have hidden files, which "
                                    "many web servers (and `audiocoach serve`) do not serve",
                                    f"rename the routine file, e.g. to {stem[1:]}.yaml"))
        elif stem.casefold() in owners:
            problems.append(Problem(f"a routine named `{stem}` would {owners[stem.casefold()]}",
                                    f"rename the routine file, e.g. to {stem}-routine.yaml"))
        else:
            owners[stem.casefold()] = f"overwrite the files of the routine `{stem}`"
    return problems


def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("audiocoach.publish", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)
    environment.filters["href"] = href
    return environment


def _language(compiled: Compiled) -> str:
    """The voice's language as BCP 47 (`pt_BR` -> `pt-BR`), for `lang`, `srclang` and the feed."""
    return compiled.voice.language.replace("_", "-")


def _exercises(compiled: Compiled) -> list[dict]:
    entries = catalog()
    pack, _ = pack_for(compiled.voice.language)
    return [{"name": exercise.name, "instructions": exercise.instructions,
             "dose": dose_summary(exercise, pack),
             "cautions": list(entries[exercise.use].cautions) if exercise.use in entries else []}
            for exercise in compiled.routine.exercises]


def _clock(seconds: float) -> str:
    return display(seconds).split(".")[0]


def _page(listing: Listing, compiled: Compiled) -> bytes:
    timeline = compiled.timeline
    transcript = [{"time": _clock(timeline.seconds(e.start_sample)), "text": e.text}
                  for e in timeline.events if e.kind == "speech"]
    chapters = [{"title": title, "start": start, "time": _clock(start)}
                for title, start in listing.chapters]
    page = _templates().get_template("player.html").render(
        track=listing, chapters=chapters, exercises=_exercises(compiled), transcript=transcript,
        language=listing.language, words=page_words(listing.language),
        count=count_words(listing))
    return page.encode("utf-8")


def count_words(listing: Listing) -> str:
    """`1 exercise`, `3 Übungen`: the routine's count of exercises in its language."""
    words = cover_words(listing.language)
    return number_form(words, "exercises", listing.exercises == 1).format(n=listing.exercises)


def page_words(language: str) -> Mapping[str, str]:
    """The fixed words of the pages and the feed in `language` (English's where it has no pack)."""
    return pack_words(language, "page")


def _stage_track(stem: str, compiled: Compiled, folder: Path, stack: ExitStack,
                 result: ShareResult) -> tuple[Listing, Path, dict[str, bytes]]:
    """Build one routine's track into a temporary file in `folder`, held open by `stack`.

    Returns its listing, the temporary file and the bytes of its cover and sidecars by file name
    (its page comes later)."""
    mp3 = folder / f"{stem}.mp3"
    picture, mime = cover(compiled)
    fresh = stack.enter_context(staged(mp3))
    result.reports[stem] = build(compiled, fresh, "mp3", (picture, mime))
    # The time the track's bytes last changed: an unchanged rebuild keeps the feed as it was.
    changed = not (mp3.is_file() and same_bytes(fresh, mp3))
    published = (fresh if changed else mp3).stat().st_mtime
    cover_name = stem + COVERS.get(mime, COVERS["image/png"])
    timeline = compiled.timeline
    listing = Listing(
        stem=stem, title=timeline.title, description=compiled.routine.description or "",
        seconds=timeline.seconds(timeline.length_samples), size_bytes=fresh.stat().st_size,
        exercises=len(compiled.routine.exercises), cover=cover_name,
        language=_language(compiled),
        chapters=tuple((c.title, timeline.seconds(c.start_sample)) for c in timeline.chapters),
        published=datetime.fromtimestamp(published, timezone.utc).replace(microsecond=0))
    return listing, fresh, {cover_name: picture,
                            listing.chapters_file: chapters_json(timeline).encode("utf-8"),
                            listing.vtt: webvtt(timeline).encode("utf-8")}


def collection_language(listings: list[Listing]) -> str:
    """The language most of the routines are in (the first of them on a tie)."""
    counts = Counter(listing.language for listing in listings)
    return counts.most_common(1)[0][0] if counts else "en"


def feed_xml(listings: list[Listing], title: str, base_url: str | None) -> bytes:
    """RSS 2.0 with the iTunes, Podcasting 2.0 and Podlove Simple Chapters namespaces, one item
    per routine; links relative to the folder unless `base_url` (from `web_address`) is given."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.feed import FeedGenerator
    from lxml import etree

    class PodcastIndex(BaseExtension):
        def extend_ns(self):
            return {"podcast": PODCAST_NAMESPACE, "psc": PSC_NAMESPACE}

    class PodcastIndexEntry(BaseEntryExtension):
        def __init__(self):
            self.links: list[tuple[str, str, str]] = []  # (tag, url, type)
            self.chapters: tuple[tuple[str, float], ...] = ()

        def extend_rss(self, item):
            for tag, url, kind in self.links:
                etree.SubElement(item, f"{{{PODCAST_NAMESPACE}}}{tag}", url=url, type=kind)
            # gPodder, Spotify and others read Podlove's chapters, not Podcasting 2.0's JSON.
            chapters = etree.SubElement(item, f"{{{PSC_NAMESPACE}}}chapters", version=PSC_VERSION)
            for chapter_title, start in self.chapters:
                etree.SubElement(chapters, f"{{{PSC_NAMESPACE}}}chapter", start=vtt_time(start),
                                 title=chapter_title)
            return item

    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("podcastindex", PodcastIndex, PodcastIndexEntry)
    generator.title(title)
    generator.link(href=_url(base_url, INDEX))
    language = collection_language(listings)
    generator.description(page_words(language)["feed"])
    generator.language(language)
    generator.podcast.itunes_author("audiocoach")
    generator.podcast.itunes_category("Health & Fitness")
    generator.podcast.itunes_explicit("no")
    if listings:
        generator.podcast.itunes_image(_url(base_url, listings[0].cover))
    for listing in listings:
        entry = generator.add_entry(order="append")
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"audiocoach:{listing.stem}"))
        entry.guid(guid, permalink=False)
        entry.title(listing.title)
        entry.description(listing.description or f"{listing.title}: "
                          f"{count_words(listing)}, {listing.length}.")
        entry.link(href=_url(base_url, listing.page))
        entry.enclosure(_url(base_url, listing.mp3), str(listing.size_bytes), "audio/mpeg")
        entry.published(listing.published)
        entry.podcast.itunes_duration(round(listing.seconds))
        entry.podcast.itunes_image(_url(base_url, listing.cover))
        entry.podcastindex.links = [
            ("chapters", _url(base_url, listing.chapters_file), CHAPTERS_TYPE),
            ("transcript", _url(base_url, listing.vtt), "text/vtt")]
        entry.podcastindex.chapters = listing.chapters
    if listings:
        generator.lastBuildDate(max(listing.published for listing in listings))
    return generator.rss_str(pretty=True)


def publish(collection: Collection, items: list[tuple[str, Compiled]],
            prune: bool = False) -> ShareResult:
    """Build the compiled routines into the prepared folder and list them with the others.

    All or nothing: every track is built, and the feed, pages, index and manifest rendered,
    into temporary files before the first file of the folder changes; then they are renamed
    into place, the feed before the pages (so that no page links to a feed that is not there)
    and the manifest last. On any failure the folder is left as it was, and a folder this share
    made is removed again. With `prune`, the routines not given leave the folder, files and all.
    """
    made = _missing_folders(collection.folder)
    try:
        try:
            collection.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AudiocoachError(Problem(f"cannot make this folder: {error.strerror}",
                                          "choose another folder with -o",
                                          str(collection.folder))) from None
        with ExitStack() as stack:
            return _publish(collection, items, prune, stack)
    except BaseException:
        _remove_empty(made)
        raise


def _publish(collection: Collection, items: list[tuple[str, Compiled]], prune: bool,
             stack: ExitStack) -> ShareResult:
    folder, result, previous = collection.folder, ShareResult(), list(collection.listings)
    tracks, sidecars, pages = [], {}, {}
    for stem, compiled in items:
        listing, fresh, files = _stage_track(stem, compiled, folder, stack, result)
        tracks.append((fresh, folder / listing.mp3))
        sidecars.update(files)
        pages[listing.page] = _page(listing, compiled)
        result.shared.append(listing)
    fresh_listings = {listing.stem: listing for listing in result.shared}
    listings = []
    for old in previous:
        if old.stem in fresh_listings:
            listings.append(fresh_listings.pop(old.stem))  # an updated routine keeps its place
        else:
            (result.dropped if prune else result.kept).append(old)
            if not prune:
                listings.append(old)
    listings.extend(fresh_listings.values())
    updated = Collection(folder, collection.title, collection.base_url, listings)
    feed = feed_xml(listings, updated.title, updated.base_url)
    language = collection_language(listings)
    index = _templates().get_template("index.html").render(
        tracks=listings, title=updated.title, language=language, words=page_words(language),
        count_words=count_words, track_words=page_words)
    manifest = json.dumps(updated.to_json(), indent=2, ensure_ascii=False) + "\n"
    staging = []
    for name, data in [*sidecars.items(), (FEED, feed), *pages.items(),
                       (INDEX, index.encode("utf-8")), (MANIFEST, manifest.encode("utf-8"))]:
        out = folder / name
        if out.is_file() and out.read_bytes() == data:
            result.note(out, False)
            continue
        temporary = stack.enter_context(staged(out))
        try:
            temporary.write_bytes(data)
        except OSError as error:
            raise unwritable(out, error) from None
        staging.append((temporary, out))
    # Everything is written: from here on only renames, which do not fail for want of space.
    for temporary, out in tracks:
        result.note(out, put_in_place(temporary, out, only_if_changed=True))
    for temporary, out in staging:
        result.note(out, put_in_place(temporary, out))
    # What the folder held and holds no more: pruned routines, and an updated one's old cover.
    # Letter case aside: on macOS and Windows disks `Calves.mp3` is `calves.mp3`.
    in_use = {name.casefold() for listing in listings for name in listing.files}
    for name in dict.fromkeys(name for listing in previous for name in listing.files):
        if name.casefold() not in in_use and (folder / name).is_file():
            try:
                (folder / name).unlink()
            except OSError as error:
                raise AudiocoachError(Problem(f"cannot remove this file: {error.strerror}",
                                              "remove it yourself", str(folder / name))) from None
            result.removed.append(folder / name)
    collection.listings = listings
    result.collection = collection
    return result


def share(items: list[tuple[str, Compiled]], folder: Path, title: str | None = None,
          base_url: str | None = None, prune: bool = False) -> ShareResult:
    """Add the compiled routines, each under its stem, to the shared folder (see `publish`)."""
    collection = prepare(folder, [stem for stem, _ in items], title, base_url, prune)
    return publish(collection, items, prune)
