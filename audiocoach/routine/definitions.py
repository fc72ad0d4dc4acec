"""Every field of a routine file, defined once: its type, allowed values, default and meaning.

`model` reads routines with these fields' readers, `json_schema()` is the JSON Schema editors
check routines with, and the README's field table is `field_table()`: a field added here is known
to all three. The rules that tie fields together (one dose per exercise, the 4-hour limit, files
that must exist) are checked by `exercise_reader` and `validation`, with the keys named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audiocoach.routine.field_kinds import (
    Accent,
    Boolean,
    CatalogId,
    Choice,
    Count,
    CueSound,
    Duration,
    Field,
    Fields,
    File,
    Hold,
    LanguageCode,
    Level,
    ListOf,
    Loudness,
    Number,
    OneOf,
    Phrase,
    PositiveDuration,
    Spoken,
    Text,
    VoiceModel,
    Without,
)

AUTO, PIPER, GTTS = "auto", "piper", "gtts"  # the engines a routine may name
ENGINES = (AUTO, PIPER, GTTS)
# The Google domains whose voice has an accent of its own (gTTS's "Localized accents"): English
# from Australia to Nigeria, French, Portuguese and Spanish on both sides of the Atlantic.
ACCENTS = ("com", "co.uk", "com.au", "us", "ca", "co.in", "ie", "co.za", "com.ng", "fr", "com.br",
           "pt", "com.mx", "es")
# The built-in sounds; the tick marks a beat of counted reps whose word cannot fit, or of a lead-in.
CHIME, BEEP, GONG, TICK = "chime", "beep", "gong", "tick"
# An exercise has exactly one dose, from one layer (its own fields, the catalog's or `defaults`);
# a step has one of the first two.
DOSE_KEYS = ("hold", "tempo", "steps")
STEP_DOSE_KEYS = DOSE_KEYS[:2]
NO_SOUND, SPOKEN = "none", "voice"  # a cue without a sound; a countdown whose numbers are said
SOUNDS = (CHIME, BEEP, NO_SOUND)  # one sound for every start and end cue
# Every cue takes any built-in; one too long for its cue (the gong between countdown marks a
# second apart) is refused with the reason when the routine is read.
BUILTIN_SOUNDS = (CHIME, BEEP, GONG, TICK)
SIDES = ("none", "both", "alternate", "left", "right")
FIRST_SIDES = ("right", "left")
COVER_TYPES = (".jpg", ".jpeg", ".png")
MIN_HOLD_S = 1  # a shorter hold is over before "Hold" has been said
# Spoken-word podcasts: AES TD1008 recommends -16 to -20 LUFS.
DEFAULT_LUFS = -19.0

# The blanks each cue phrase may use, e.g. `reminder: "{time} to go"`, with the kind of value the
# script fills in (so a phrase is tried exactly the way it will be used). Every phrase may also
# name its exercise and its place among the routine's exercises.
EXERCISE_BLANKS: dict[str, object] = {"exercise": "Calf stretch", "number": 3, "total": 7}
PHRASE_BLANKS: dict[str, dict[str, object]] = {
    "reminder": {"time": "10 seconds"},  # as the script says a time
    "set": {"set": 1, "sets": 3},
    "more": {"count": "five"},
}
# Words a routine has said as written, where a blank would be read out literally.
AS_WRITTEN = Spoken(tuple(dict.fromkeys([*EXERCISE_BLANKS, *(b for bs in PHRASE_BLANKS.values()
                                                                 for b in bs)])))
OPTIONAL_PHRASES = ("more", "last", "next")  # cues a routine may turn off with `off`
SPEEDS = (0.5, 2.0)  # slowest and fastest speaking speed
LOUDNESS_LUFS = (-40, -5)
MUSIC_LEVEL_DB = (-60, 0)  # below the voice
DUCK_DB = (0, 60)


def _phrase_help(key: str, what: str) -> str:
    blanks = PHRASE_BLANKS.get(key, {})
    with_blanks = f" (blanks: {', '.join('{' + b + '}' for b in blanks)})" if blanks else ""
    off = "; `off` turns it off" if key in OPTIONAL_PHRASES else ""
    return f"{what}{with_blanks}{off}"


PHRASES: dict[str, Field] = {
    key: Field(Phrase({**PHRASE_BLANKS.get(key, {}), **EXERCISE_BLANKS}, key in OPTIONAL_PHRASES),
               _phrase_help(key, what))
    for key, what in (
        ("title", "how each exercise is announced, e.g. `{number} of {total}: {exercise}`"),
        ("start", "the start cue of each effort, e.g. `Hold`"),
        ("end", "the end cue of each effort, e.g. `And release`"),
        ("rest", "said when a rest begins"),
        ("prepare", "said before the first effort, e.g. `Get ready`"),
        ("switch", "said between the sides, e.g. `Switch sides`"),
        ("halfway", "said in the middle of a hold"),
        ("reminder", "time left in a hold, e.g. `{time} left`"),
        ("set", "said before each set, e.g. `Set {set} of {sets}`"),
        ("left", "names the left side"),
        ("right", "names the right side"),
        ("more", "holds left in a long run, e.g. `{count} more`"),
        ("last", "said before the last hold, e.g. `Last one`"),
        ("next", "said at the end of a rest block before an exercise, e.g. `Next: {exercise}`"),
    )
}
PHRASE_KEYS = tuple(PHRASES)

STEP: dict[str, Field] = {
    "say": Field(AS_WRITTEN, "what to do in this part", required=True),
    "hold": Field(Hold(MIN_HOLD_S), f"length of this part (at least {MIN_HOLD_S} s)"),
    "reps": Field(Count(1, 1000), "counted repetitions of this part, with `tempo`"),
    "tempo": Field(PositiveDuration(), "seconds per counted repetition of this part"),
}

EXERCISE: dict[str, Field] = {
    "name": Field(AS_WRITTEN, "spoken title and chapter title", shown_default="required"),
    "use": Field(CatalogId(), "id of a catalog exercise whose fields apply unless given here"),
    "instructions": Field(AS_WRITTEN, "spoken after the name"),
    "hold": Field(Hold(MIN_HOLD_S), f"length of each timed effort (at least {MIN_HOLD_S} s)"),
    "reps": Field(Count(1, 1000), "efforts per side per set; with `tempo`, counted repetitions", 1),
    "tempo": Field(PositiveDuration(), "seconds per counted repetition"),
    "steps": Field(ListOf(Fields(STEP, needs=STEP_DOSE_KEYS), minimum=1),
                   "sub-parts of one effort, each `{say, hold}` or `{say, reps, tempo}`"),
    "rest": Field(Duration(), "pause between efforts, from one end cue to the next start cue", "10s"),
    "sets": Field(Count(1, 100), "number of sets", 1),
    "set_rest": Field(Duration(), "pause between sets", "30s"),
    "sides": Field(Choice(SIDES), "which sides are worked: " + ", ".join(f"`{s}`" for s in SIDES),
                   "none"),
    "first_side": Field(Choice(FIRST_SIDES), "the side worked first: `right` or `left`", "right"),
    "prepare": Field(Duration(), "get-ready time before the first effort (and after \"switch sides\")",
                     "5s"),
    "countdown": Field(Count(0, 10), "count the last N seconds of each hold aloud (0 = off)", 3),
    "lead_in": Field(Count(0, 10), "count N ... 1 into the start cue of each effort, one a second "
                     "(before counted reps: N ticks on the beat); dropped where it does not fit "
                     "(0 = off)", 0),
    "reminders": Field(ListOf(PositiveDuration()), "\"N seconds left\" cues", []),
    "halfway": Field(Boolean(), "say \"Halfway\" in the middle of each hold", False),
    "tips": Field(ListOf(AS_WRITTEN), "short sentences said in the free time of holds, taking turns",
                  []),
    "phrases": Field(Fields(PHRASES), "cue words for this exercise: "
                     + ", ".join(f"`{key}`" for key in PHRASE_KEYS)
                     + "; a blank is written plainly, `{time}`, with no format; every phrase may "
                 "use `{exercise}`, `{number}` and `{total}`"),
}
# `defaults:` takes every exercise field but those that make one exercise what it is.
DEFAULTS = Without(EXERCISE, ("name", "use"))

REST_ITEM: dict[str, Field] = {
    "rest": Field(Duration(), "a break of its own", required=True),
    "say": Field(AS_WRITTEN, "said as the break begins"),
}
SAY_ITEM: dict[str, Field] = {"say": Field(AS_WRITTEN, "an announcement", required=True)}

VOICE: dict[str, Field] = {
    "engine": Field(Choice(ENGINES), "`piper` (offline), `gtts` (online) or `auto` (gTTS when "
                    "Google answers)", AUTO),
    "language": Field(LanguageCode(), "language of the words and cues, e.g. `en`, `de`, `pt-BR`", "en"),
    "accent": Field(Accent(ACCENTS), "gTTS accent: the Google domain, e.g. `co.uk`", "com"),
    "model": Field(VoiceModel(), "piper voice: a voice name or the path of its .onnx file"),
    "speed": Field(Number(*SPEEDS), "speaking speed, {} to {}".format(*SPEEDS), 1.0),
}

MUSIC: dict[str, Field] = {
    "file": Field(File(), "the music, any format ffmpeg reads, relative to the routine",
                  required=True),
    "level": Field(Level(*MUSIC_LEVEL_DB, "the music sits {}dB to {}dB below the voice, e.g. -18dB"
                         .format(*MUSIC_LEVEL_DB)),
                   "level below the voice between speech", "-18dB"),
    "duck": Field(Level(*DUCK_DB, "duck by {}dB to {}dB, e.g. 12dB".format(*DUCK_DB), "12dB"),
                  "how much further down it goes while anything is said", "12dB"),
}

CUE_SOUNDS: dict[str, Field] = {
    "start": Field(CueSound(BUILTIN_SOUNDS, NO_SOUND), "under each start cue"),
    "end": Field(CueSound(BUILTIN_SOUNDS, NO_SOUND), "under each end cue"),
    "finish": Field(CueSound(BUILTIN_SOUNDS, NO_SOUND), "once, after the outro"),
    "countdown": Field(CueSound(BUILTIN_SOUNDS, SPOKEN),
                       "each countdown number and lead-in mark, instead of the spoken number"),
}
SOUND_CUES = tuple(CUE_SOUNDS)


def _exercises(exercise: Mapping[str, Field]) -> Field:
    items = OneOf((Fields(exercise, needs=("name", "use")), Fields(REST_ITEM), Fields(SAY_ITEM)))
    return Field(ListOf(items, minimum=1), "exercises (`- name:` or `- use:`), breaks (`- rest:`) "
                 "and announcements (`- say:`), in order", required=True)


ROUTINE: dict[str, Field] = {
    "title": Field(AS_WRITTEN, "spoken first; the MP3's title", required=True),
    "description": Field(Text(), "the MP3's comment, not spoken"),
    "voice": Field(Fields(VOICE), "who speaks, in which language, how fast"),
    "sounds": Field(OneOf((Choice(SOUNDS), Fields(CUE_SOUNDS))),
                    "`chime`, `beep` or `none` for every start and end cue, or a sound per cue",
                    CHIME),
    "defaults": Field(Fields(DEFAULTS), "exercise fields for every exercise that does not give them"),
    "intro": Field(AS_WRITTEN, "said after the title"),
    "exercises": _exercises(EXERCISE),
    "outro": Field(AS_WRITTEN, "said last"),
    "phrases": Field(Fields(PHRASES), "cue words for every exercise (an exercise's own win)"),
    "loudness": Field(Loudness(*LOUDNESS_LUFS), "LUFS of the whole track ({} to {}), or `off`"
                      .format(*LOUDNESS_LUFS), DEFAULT_LUFS),
    "music": Field(Fields(MUSIC), "music under the whole track, dipping under every word"),
    "cover": Field(File(COVER_TYPES), "a JPEG or PNG picture; drawn from the title when absent"),
}


SCHEMA_TITLE = "audiocoach routine"  # also how a schema file audiocoach wrote is known again


def json_schema(catalog_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """The routine file as a JSON Schema (draft-07, which yaml-language-server reads).

    With `catalog_ids`, `use:` offers them."""
    exercise = dict(EXERCISE, use=Field(CatalogId(tuple(catalog_ids)), EXERCISE["use"].help))
    routine = dict(ROUTINE, exercises=_exercises(exercise))
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": SCHEMA_TITLE,
            "description": "An exercise routine that audiocoach compiles into a voice-guided track.",
            **Fields(routine).schema()}


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[]`" if not value else f"`{value}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def field_table(fields: Mapping[str, Field] | None = None) -> str:
    """A Markdown table of fields (the exercise's by default): name, meaning and default."""
    rows = ["| field | meaning | default |", "|---|---|---|"]
    for name, f in (EXERCISE if fields is None else fields).items():
        default = f.shown_default or ("required" if f.required else _shown(f.default))
        rows.append(f"| `{name}` | {f.help} | {default} |")
    return "\n".join(rows) + "\n"

