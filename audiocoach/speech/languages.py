"""The coach's words in the listener's language: one phrase pack per language, numbers by num2words.

A pack is a YAML file in `audiocoach/speech/packs/` named by its language code, with every key and
blank of `en.yaml`; adding a language is adding a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import PurePath
from typing import Mapping

import yaml

FALLBACK = "en"
ONE = "_one"  # a key with this ending is said instead of the key without it when its number is one

# `pt_BR`, `pt-br`, `de`, or the start of a piper voice's name (`pt_BR-faber-medium`).
_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:[_-]([A-Za-z]{2}))?(?=$|[-_ .])")


def locale(code: str) -> tuple[str, str | None]:
    """(language, region) of a language code or a piper voice's name or path: `pt_BR-faber-medium`
    gives ('pt', 'BR'), `de` gives ('de', None); ('', None) when it names no language."""
    found = _LOCALE.match(PurePath(code).name)
    if not found:
        return "", None
    return found.group(1).lower(), found.group(2).upper() if found.group(2) else None


def voice_language(name: str) -> str:
    """The language code a piper voice's name begins with: `pt_BR-faber-medium` -> `pt_BR`."""
    return name.split("-")[0]


def web_language(code: str) -> str:
    """A language code as the web writes it (BCP 47): `pt_BR` -> `pt-BR`."""
    return code.replace("_", "-")


def same_language(code: str, wanted: str) -> bool:
    """Whether `code` (a voice's `de_DE`) is in the language `wanted` asks for: `de` takes any
    German, `de-DE` or `de_DE` only Germany's."""
    have, want = locale(code), locale(wanted)
    return bool(want[0]) and have[0] == want[0] and want[1] in (None, have[1])


@dataclass(frozen=True)
class Pack:
    code: str
    name: str
    phrases: Mapping[str, str]
    units: Mapping[str, str]
    summary: Mapping[str, str]
    piper_voices: tuple[str, ...] = ()  # offline voices to suggest, one per region
    contractions: Mapping[str, str] = field(default_factory=dict)
    sentence_starts: Mapping[str, str] = field(default_factory=dict)
    numbers: str = ""  # num2words' language: the pack's, or a region's variant such as pt_BR

    def number(self, n: int) -> str:
        """A whole number as a word: count words and countdowns."""
        from num2words import num2words

        return num2words(n, lang=self.numbers or self.code)

    def duration(self, seconds: Fraction) -> str:
        """`30 seconds`, `eine Minute und 30 Sekunden`: exact, never rounded."""
        minutes, rest = divmod(Fraction(seconds), 60)
        parts = []
        if minutes:
            parts.append(self._unit("minute", Fraction(minutes)))
        if rest or not minutes:
            parts.append(self._unit("second", rest))
        if len(parts) == 2:
            return self.units["join"].format(minutes=parts[0], seconds=parts[1])
        return parts[0]

    @staticmethod
    def is_one(seconds: Fraction) -> bool:
        """Whether a duration is said as one unit ("one minute"), which a verb agrees with:
        "Queda un minuto" but "Quedan un minuto y 30 segundos"."""
        return seconds in (1, 60)

    def _unit(self, unit: str, amount: Fraction) -> str:
        if amount == 1:
            return self.units[f"{unit}_one"]
        text = f"{float(amount):.3f}".rstrip("0").rstrip(".")
        return self.units[f"{unit}_other"].format(n=decimal(text, self.code))

    def summary_text(self, key: str, one: bool = False, **values: object) -> str:
        """A summary phrase filled in, in its singular form (`steps_one`) when its number is one."""
        return self.contract(number_form(self.summary, key, one).format(**values))

    def contract(self, text: str) -> str:
        """The language's contractions applied where words meet: French "de une" is "d'une"."""
        for words, contracted in self.contractions.items():
            text = re.sub(rf"(?<!\w){re.escape(words)}(?!\w)", contracted, text)
        return text

    def capitalize(self, text: str) -> str:
        """The first letter as a capital, as the language writes it (Dutch "één" -> "Eén")."""
        for start, capital in self.sentence_starts.items():
            if text.startswith(start):
                return capital + text[len(start):]
        return text[:1].upper() + text[1:]


def number_form(table: Mapping[str, str], key: str, one: bool) -> str:
    """`key`'s words, in their singular form (`key_one`) when the number in them is one."""
    return table[key + ONE] if one and key + ONE in table else table[key]


def pack_codes() -> list[str]:
    folder = resources.files("audiocoach.speech") / "packs"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def cover_words(language: str) -> Mapping[str, str]:
    """The drawn cover's words in `language`'s pack (English's where there is none): `minutes`,
    `exercises` (`exercises_one` for one) and `more`, each with an `{n}` blank."""
    return pack_words(language, "cover")


def decimal(number: str, language: str) -> str:
    """A number written with a point (`1.2`) as `language` writes it: German "1,2"."""
    return number.replace(".", pack_words(language, "units")["decimal"])


@lru_cache(maxsize=None)
def pack_words(language: str, section: str) -> Mapping[str, str]:
    """A section of words in `language`'s pack (English's where there is none)."""
    return _pack_document(pack_for(language)[0].code)[section]


@lru_cache(maxsize=None)
def _pack_document(code: str) -> dict:
    text = (resources.files("audiocoach.speech") / "packs" / f"{code}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def load_pack(code: str) -> Pack:
    data = _pack_document(code)
    spelling = data.get("spelling") or {}
    return Pack(code, data["language"], data["phrases"], data["units"], data["summary"],
                tuple(data.get("piper_voices") or ()), spelling.get("contractions") or {},
                spelling.get("sentence_starts") or {}, code)


def pack_for(language: str, voice_name: str | None = None) -> tuple[Pack, str | None]:
    """The pack for a language code (`de`, `de-DE`, `pt_BR`: the language part picks it), and a
    warning when there is none and English stands in.

    Numbers follow the region of the language or of the voice's name (`pt_BR-faber-medium`),
    where num2words has that region's numbers: Brazilian "dezesseis", not Portugal's "dezasseis".
    """
    code, region = locale(language)
    if code not in pack_codes():
        return load_pack(FALLBACK), (
            f"there are no cue words for language '{language}', so they are English; write your "
            f"own in `phrases` (packs: {', '.join(pack_codes())})")
    voice_code, voice_region = locale(voice_name) if voice_name else ("", None)
    if voice_code == code and voice_region:
        region = voice_region
    pack = load_pack(code)
    return replace(pack, numbers=_numbers(code, region)), None


def _numbers(code: str, region: str | None) -> str:
    from num2words import CONVERTER_CLASSES

    variant = f"{code}_{region}"
    return variant if region and variant in CONVERTER_CLASSES else code


def suggested_voice(language: str) -> str | None:
    """The offline voice to suggest for a language: the first of its pack's `piper_voices` that
    speaks the region asked for (`pt-BR`: `pt_BR-faber-medium`)."""
    code = locale(language)[0]
    if code not in pack_codes():
        return None
    return next((voice for voice in load_pack(code).piper_voices if same_language(voice, language)),
                None)


def spoken(seconds: Fraction) -> str:
    """A duration as the English coach says it: `30 seconds`, `2.5 seconds`, `1 minute and 15
    seconds`; never rounded (for messages; cues use the routine's language pack)."""
    return load_pack("en").duration(seconds)
