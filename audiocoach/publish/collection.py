"""What a share folder holds: its routines' listings, kept in a manifest in the folder, and the
names its files may take."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from audiocoach.errors import AudiocoachError, Problem
from audiocoach.publish.sidecars import CHAPTERS, VTT
from audiocoach.routine.durations import clock
from audiocoach.speech.languages import decimal

INDEX, FEED = "index.html", "feed.xml"
MANIFEST = ".audiocoach-share.json"  # what the folder holds; hidden, as no page links to it
MANIFEST_VERSION = 1
# The title every folder had before it was the folder's language's: kept in older manifests.
OLD_DEFAULT_TITLE = "Exercise routines"
# A routine's files are named by its stem and these endings, its cover's by the picture's type.
MP3, PAGE = ".mp3", ".html"  # and the sidecars' CHAPTERS and VTT
COVERS = {"image/png": ".cover.png", "image/jpeg": ".cover.jpg"}


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
        return clock(round(self.seconds))

    @property
    def size(self) -> str:
        return f"{decimal(f'{self.size_bytes / 1_000_000:.1f}', self.language)} MB"

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
    title: str | None = None  # None: the default title in the routines' language
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
        title = cls.get(data, "title", "it", str, type(None))
        title = None if title == OLD_DEFAULT_TITLE else title
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
        if name_problems([stem], []):
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


def foreign_files(collection: Collection, stems: list[str]) -> list[Problem]:
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


def name_problems(stems: list[str], others: list[Listing]) -> list[Problem]:
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


def refuse_unshared(folder: Path) -> None:
    """Refuse a folder that `audiocoach share` did not write (one without its index)."""
    if folder.exists() and not folder.is_dir():
        raise AudiocoachError.usage(f"{folder} is a file, not a shared folder (give the folder "
                                    "`audiocoach share` wrote, e.g. `audiocoach serve output/share`)")
    if not (folder / INDEX).is_file():
        raise AudiocoachError(Problem(f"{folder} has no {INDEX} (write it with `audiocoach "
                                      f"share ... -o {folder}`)"))
