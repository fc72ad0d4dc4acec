"""The player pages of a shared folder, in the routine's language."""

from __future__ import annotations

from collections.abc import Mapping

from audiocoach.audio.track import Compiled
from audiocoach.publish.addresses import href
from audiocoach.publish.collection import Listing
from audiocoach.routine.catalog import catalog
from audiocoach.routine.durations import clock
from audiocoach.speech.languages import (
    cover_words,
    number_form,
    pack_for,
    pack_words,
    web_language,
)
from audiocoach.speech.script import dose_summary


def templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("audiocoach.publish", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)
    environment.filters["href"] = href
    return environment


def language_of(compiled: Compiled) -> str:
    """The voice's language as BCP 47 (`pt_BR` -> `pt-BR`), for `lang`, `srclang` and the feed."""
    return web_language(compiled.voice.language)


def _exercises(compiled: Compiled) -> list[dict]:
    entries = catalog()
    pack, _ = pack_for(compiled.voice.language)
    return [{"name": exercise.name, "instructions": exercise.instructions,
             "dose": dose_summary(exercise, pack),
             "cautions": list(entries[exercise.use].cautions) if exercise.use in entries else []}
            for exercise in compiled.routine.exercises]


def player_page(listing: Listing, compiled: Compiled) -> bytes:
    timeline = compiled.timeline
    transcript = [{"time": clock(timeline.seconds(e.start_sample)), "text": e.text}
                  for e in timeline.events if e.kind == "speech"]
    chapters = [{"title": title, "start": start, "time": clock(start)}
                for title, start in listing.chapters]
    page = templates().get_template("player.html").render(
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
