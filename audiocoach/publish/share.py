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
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from audiocoach.audio.render import Report
from audiocoach.audio.track import Compiled, build, cover
from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.files import put_in_place, same_bytes, staged, unwritable
from audiocoach.publish.addresses import web_address
from audiocoach.publish.collection import (
    COVERS,
    FEED,
    INDEX,
    MANIFEST,
    Collection,
    Listing,
    foreign_files,
    name_problems,
    read_collection,
)
from audiocoach.publish.feed import collection_language, collection_title, feed_xml
from audiocoach.publish.pages import (
    count_words,
    language_of,
    page_words,
    player_page,
    templates,
)
from audiocoach.publish.sidecars import chapters_json, webvtt
from audiocoach.routine.durations import plural
from audiocoach.routine.readers import text as read_text


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
    usage.extend(name_problems(stems, []))
    if usage:
        raise AudiocoachError(usage, Kind.USAGE)
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
    clashes = name_problems(stems, [] if prune else others) + foreign_files(collection, stems)
    if clashes:
        raise AudiocoachError(clashes, Kind.USAGE)
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
        language=language_of(compiled),
        chapters=tuple((c.title, timeline.seconds(c.start_sample)) for c in timeline.chapters),
        published=datetime.fromtimestamp(published, timezone.utc).replace(microsecond=0))
    return listing, fresh, {cover_name: picture,
                            listing.chapters_file: chapters_json(timeline).encode("utf-8"),
                            listing.vtt: webvtt(timeline).encode("utf-8")}


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
        pages[listing.page] = player_page(listing, compiled)
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
    index = templates().get_template("index.html").render(
        tracks=listings, title=collection_title(updated.title, listings), language=language,
        words=page_words(language), count_words=count_words, track_words=page_words)
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


def summary(result: ShareResult, collection: Collection) -> list[str]:
    """What `audiocoach share` says it did: each routine's page, the others kept or removed,
    the files written, and how to open the folder and subscribe to its feed."""
    output = collection.folder
    lines = [f"{output / track.page}: {track.title} ({track.length}; "
             f"{result.reports[track.stem] or 'unchanged'})" for track in result.shared]
    if result.kept:
        lines.append(f"Kept {plural(len(result.kept), 'other routine')} of the folder: "
                     f"{', '.join(track.stem for track in result.kept)} (--prune removes those "
                     "not named).")
    if result.dropped:
        lines.append(f"Removed {', '.join(track.stem for track in result.dropped)} "
                     f"({plural(len(result.removed), 'file')}).")
    lines.append(f"Wrote {plural(len(result.written), 'file')} to {output} "
                 f"({len(result.unchanged)} unchanged). Open {output / INDEX}, or run "
                 f"`audiocoach serve {output}`.")
    lines.append(f"Feed: {collection.base_url}{FEED} once the folder is there." if collection.base_url
                 else "The feed's links are relative to it: a podcast app can subscribe through "
                 "`audiocoach serve`; for a web server, share with --base-url and the folder's "
                 "address there.")
    return lines
