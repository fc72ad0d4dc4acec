"""What the studio does for the page: check, save, preview, build and share one routine file.

Each request carries the routine as the page has it, either as a mapping (merged into the file's
document, see `document.merge`) or as the YAML text of the page's text view. It is checked by
audiocoach's own reader on the text it would be saved as, so the problems are `validate`'s.
"""

from __future__ import annotations

import io
import itertools
import shlex
import threading
import time
import uuid
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audiocoach import api, pipeline
from audiocoach.errors import AudiocoachError, Kind, Problem
from audiocoach.options import Options
from audiocoach.routine.model import Routine
from audiocoach.studio.document import Document, parse, plain
from audiocoach.studio.estimate import estimated_layout, plan_json
from audiocoach.studio.events import Hub

SERVE_PORT = 8000  # `audiocoach serve`'s port unless told
PROBE_KEPT_S = 120  # so long the `auto` voice's probe of Google, and a voice's failure, are kept
PREVIEWS_KEPT = 8  # the latest previews stay playable; older ones are dropped from memory


def problems_json(problems: list[Problem]) -> list[dict]:
    """Each problem as the page shows it at its field: the file is always the studio's."""
    return [{key: value for key, value in asdict(problem).items() if key != "file"}
            for problem in problems]


def request_problem(message: str, fix: str, field: str | None = None) -> AudiocoachError:
    return AudiocoachError(Problem(message, fix, field=field), Kind.USAGE)


@dataclass
class Edit:
    """A routine as the page sent it: the text it would be saved as, its data, and its problems."""

    text: str
    data: Any  # the plain mapping, or None when the text is not YAML
    routine: Routine | None
    problems: list[Problem]


class Session:
    """One routine file, the folder around it, and the work running for it."""

    def __init__(self, path: Path):
        self.path = path.absolute()
        self.folder = self.path.parent.resolve()
        self.document = Document(self.path)
        self.hub = Hub()
        self._lock = threading.Lock()
        self._synthesis: threading.Thread | None = None
        self._wanted: Routine | None = None  # the latest routine whose clips are wanted
        # the clips the voice could not make, why, and when: not asked for again at every
        # check, only once the probe's time has passed (the voice may have been added since)
        self._failed: tuple[frozenset[str], list[Problem], float] | None = None
        self._jobs = itertools.count(1)
        self.previews: dict[str, bytes] = {}
        self._probe: tuple[bool, float] | None = None

    def reachable(self) -> bool:
        """Whether Google answers, for the `auto` voice: asked once in a while, not at every
        keystroke (the probe can take seconds when it does not)."""
        now = time.monotonic()
        if self._probe is None or now - self._probe[1] > PROBE_KEPT_S:
            self._probe = (pipeline.google_reachable(), now)
        return self._probe[0]

    def track(self, routine: Routine, progress=None) -> api.Track:
        """The routine planned as `audiocoach.plan` plans it, missing clips synthesized."""
        return api.Track(pipeline.compile_routine(routine, Options(), progress,
                                                  reachable=self.reachable))

    # -- reading what the page sent

    def edit(self, body: Any) -> Edit:
        """The routine of a request body {"routine": {...}} or {"yaml": "..."}, checked."""
        if not isinstance(body, dict) or not ("routine" in body or "yaml" in body):
            raise request_problem("the request needs `routine` (a mapping) or `yaml` (text)",
                                  "send {\"routine\": {...}} or {\"yaml\": \"...\"}")
        if "yaml" in body:
            text = body["yaml"]
            if not isinstance(text, str):
                raise request_problem("`yaml` must be text", "send the routine's YAML as text",
                                      "yaml")
            try:
                data = plain(parse(text, str(self.path)))
            except AudiocoachError as error:
                return Edit(text, None, None, error.problems)
            self.document.edited(text)  # what is typed there, comments too, is what forms change
        else:
            data = body["routine"]
            if not isinstance(data, dict):
                raise request_problem("`routine` must be a mapping of the routine's fields",
                                      "send {\"routine\": {\"title\": ..., \"exercises\": [...]}}",
                                      "routine")
            try:
                text = self.document.with_routine(api._plain(data, ""))
            except AudiocoachError as error:
                return Edit("", None, None, error.problems)
        try:
            routine = pipeline.read_routine_text(text, str(self.path))
        except AudiocoachError as error:
            return Edit(text, data, None, error.problems)
        outside = self.outside(routine)
        return Edit(text, data, None if outside else routine, outside)

    def outside(self, routine: Routine) -> list[Problem]:
        """The files the routine names (music, cover, sounds) that lie outside the folder: the
        studio reads nothing there, so that no page can have it read other files."""
        named = [("music.file", routine.music), ("cover", routine.cover)]
        named += [(f"sounds.{cue}", choice) for cue, choice in routine.sounds.items()]
        return [Problem(f"'{choice.name}' is outside the studio's folder {self.folder}",
                        "copy the file into that folder and name it relative to the routine, or "
                        f"build from the command line: `audiocoach build {shlex.quote(self.name)}`",
                        str(self.path), choice.line, choice.col, field)
                for field, choice in named
                if choice is not None and getattr(choice, "path", None) is not None
                and not choice.path.resolve().is_relative_to(self.folder)]

    @property
    def name(self) -> str:
        return self.path.name

    def valid(self, body: Any) -> Routine:
        """The routine of the body, or its problems raised."""
        edit = self.edit(body)
        if edit.routine is None:
            raise AudiocoachError(edit.problems)
        return edit.routine

    # -- the routes' work

    def state(self) -> dict:
        text = self.document.text
        try:
            data = plain(parse(text, str(self.path)))
        except AudiocoachError:
            data = None
        return {"file": self.name, "exists": self.document.exists, "routine": data, "yaml": text}

    def check(self, body: Any) -> dict:
        edit = self.edit(body)
        plan = None
        if edit.routine is not None:
            try:
                plan = self.plan(edit.routine)
            except AudiocoachError as error:  # a voice that is not there, a start cue too long
                edit.problems = error.problems
        return {"routine": edit.data, "yaml": edit.text,
                "problems": problems_json(edit.problems),
                "plan": plan}

    def plan(self, routine: Routine) -> dict:
        """Exact when every clip is cached; else estimated, and the missing clips are started."""
        layout = estimated_layout(routine, self.reachable)
        if not layout.missing:
            return plan_json(routine, track=self.track(routine))
        failed = self._failed
        if (failed is not None and failed[0] == frozenset(layout.missing)
                and time.monotonic() - failed[2] < PROBE_KEPT_S):
            raise AudiocoachError(failed[1])
        self.synthesize(routine)
        return plan_json(routine, layout)

    def save(self, body: Any) -> dict:
        edit = self.edit(body)
        if not edit.text:  # a mapping that cannot be written as YAML
            raise AudiocoachError(edit.problems)
        self.document.save(edit.text)
        return {"saved": self.name, "yaml": edit.text,
                "problems": problems_json(edit.problems)}

    def preview(self, body: Any) -> dict:
        """Exercise `index` as the track will have it: its chapter cut from the mastered track."""
        routine = self.valid(body)
        index = body.get("index")
        count = len(routine.exercises)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise request_problem(f"there is no exercise {index!r} to preview (the routine has "
                                  f"{count})", f"give an index from 0 to {count - 1}" if count
                                  else "add an exercise first", "index")
        track = self.track(routine)
        chapter = track.timeline.chapters[index + (1 if routine.intro else 0)]
        samples = track.pcm()[chapter.start_sample:chapter.end_sample]
        out = io.BytesIO()
        with wave.open(out, "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(track.sample_rate)
            audio.writeframes(samples.astype("<i2").tobytes())
        key = uuid.uuid4().hex
        with self._lock:
            self.previews[key] = out.getvalue()
            for old in list(self.previews)[:-PREVIEWS_KEPT]:
                del self.previews[old]
        return {"url": f"/preview/{key}.wav",
                "length_s": track.timeline.seconds(chapter.end_sample - chapter.start_sample)}

    def output(self) -> Path:
        """Where `audiocoach build FILE` puts the track: output/<stem>.mp3 beside the file."""
        return self.folder / "output" / f"{self.path.stem}.mp3"

    def build(self, body: Any) -> dict:
        routine = self.valid(body)
        chosen = body.get("format", "mp3")
        if chosen not in ("mp3", "wav"):
            raise request_problem(f"cannot build .{chosen} files", "use mp3 or wav", "format")
        job = str(next(self._jobs))
        out = self.output().with_suffix(f".{chosen}")
        threading.Thread(target=self._build, args=(job, routine, out, chosen), daemon=True).start()
        return {"job": job}

    def _build(self, job: str, routine: Routine, out: Path, chosen: str) -> None:
        def progress(done: int, total: int) -> None:
            self.hub.send("build", {"job": job, "done": done, "total": total, "stage": "voice"})

        try:
            self.hub.send("build", {"job": job, "done": 0, "total": 1, "stage": "voice"})
            track = self.track(routine, progress)
            self.hub.send("build", {"job": job, "done": 0, "total": 1, "stage": "encoding"})
            track.save(out, chosen)
        except AudiocoachError as error:
            self.hub.send("failed", {"job": job, "problems": problems_json(error.problems)})
            return
        except Exception as error:  # noqa: BLE001 - the page must hear of it, not wait for ever
            self.hub.send("failed", {"job": job, "problems": problems_json([stopped(error)])})
            return
        self.hub.send("build", {"job": job, "done": 1, "total": 1, "stage": "encoding"})
        self.hub.send("built", {"job": job, "url": files_url(out.relative_to(self.folder))})

    def share(self, body: Any) -> dict:
        """A share folder as `audiocoach share FILE -o FOLDER` writes it, and where `serve`
        would show it to a phone (no server is started)."""
        from audiocoach.publish.serve import lan_address
        from audiocoach.publish.share import prepare, publish

        routine = self.valid(body)
        name = body.get("folder", "shared")
        folder = inside(self.folder, name) if isinstance(name, str) else None
        if folder is None:
            raise AudiocoachError(Problem(f"{name!r} is not a folder inside {self.folder}",
                                          "give a folder name such as shared", field="folder"))
        collection = prepare(folder, [self.path.stem], None, None, False)
        result = publish(collection, [(self.path.stem, self.track(routine).compiled)], False)
        address = f"http://{lan_address() or '127.0.0.1'}:{SERVE_PORT}/"
        relative = folder.relative_to(self.folder).as_posix()
        return {"folder": relative, "address": address, "qr_svg": qr_svg(address),
                "command": f"audiocoach serve {shlex.quote(relative)} --host 0.0.0.0",
                "page": files_url(folder.relative_to(self.folder) / result.shared[0].page),
                "written": len(result.written)}

    # -- background synthesis

    def synthesize(self, routine: Routine) -> None:
        """Fill the clip cache for `routine` in the background (the latest routine wins)."""
        with self._lock:
            self._wanted = routine
            if self._synthesis is not None and self._synthesis.is_alive():
                return
            self._synthesis = threading.Thread(target=self._synthesize_wanted, daemon=True)
            self._synthesis.start()

    def _synthesize_wanted(self) -> None:
        while True:
            with self._lock:
                routine, self._wanted = self._wanted, None
                if routine is None:
                    self._synthesis = None
                    return
            missing, total = frozenset(), 0
            try:
                missing = frozenset(estimated_layout(routine, self.reachable).missing)
                total = len(missing)
                self.hub.send("clips", {"done": 0, "total": total})
                self.track(routine, lambda done, of: self.hub.send(
                    "clips", {"done": done, "total": of}))
            except AudiocoachError as error:
                self._failed = (missing, error.problems, time.monotonic())
                self.hub.send("failed", {"job": "clips", "problems": problems_json(error.problems)})
            except Exception as error:  # noqa: BLE001 - said once on the page, not retried
                self._failed = (missing, [stopped(error)], time.monotonic())
                self.hub.send("failed", {"job": "clips",
                                         "problems": problems_json(self._failed[1])})
            self.hub.send("clips", {"done": total, "total": total, "finished": True})

    def wait(self, timeout_s: float = 120) -> None:
        """Until background synthesis has finished (for a caller that needs exact figures)."""
        thread = self._synthesis
        if thread is not None:
            thread.join(timeout_s)


def stopped(error: Exception) -> Problem:
    """An unexpected failure of work running in the background, for the page to show."""
    return Problem(f"the voice or the encoder stopped: {type(error).__name__}: {error}",
                   "try again; if it happens again, run `audiocoach build` on the saved file "
                   "to see more")


def qr_svg(address: str) -> str:
    import segno

    return segno.make(address, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def inside(folder: Path, relative: str) -> Path | None:
    """`relative` resolved inside `folder` (symbolic links followed), or None if it leads out."""
    if not relative or "\x00" in relative or Path(relative).is_absolute():
        return None
    if any(part.startswith(".") and part not in (".", "..") for part in Path(relative).parts):
        return None  # hidden files: a share folder's manifest, a save's temporary file
    target = (folder / relative).resolve()
    return target if target.is_relative_to(folder) and target != folder else None


def files_url(relative: Path) -> str:
    from urllib.parse import quote

    return "/files/" + quote(relative.as_posix())
